package org.hadirector.healthcheck;

import io.netty.handler.codec.http.HttpHeaders;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.Future;
import java.util.function.Consumer;
import java.util.regex.Pattern;
import org.asynchttpclient.AsyncHandler;
import org.asynchttpclient.AsyncHttpClient;
import org.asynchttpclient.HttpResponseBodyPart;
import org.asynchttpclient.HttpResponseStatus;
import org.asynchttpclient.RequestBuilder;

/**
 * SSL_GET on async-http-client (HTTP_GET runs on raw system calls: {@link HttpGetChecker}): each url, in order, is fetched on a fresh
 * connection; the status must be in the url's ranges, the body's MD5 must equal its digest, and
 * its regex must (or must not) match. The whole check is bounded by connect_timeout per request.
 * The body is digested as it streams in and kept only when a regex needs it (up to 1 MiB).
 */
public final class SslGetChecker implements Probe {
    static final int REGEX_BODY_LIMIT = 1 << 20;

    private final CheckSettings.Http settings;
    private final AsyncHttpClient client;
    private final List<Compiled> urls;

    private record Compiled(CheckSettings.Url url, Pattern regex) {}

    public SslGetChecker(CheckSettings.Http settings, AsyncHttpClient client) {
        this.settings = settings;
        this.client = client;
        this.urls = settings.urls().stream()
                .map(u -> new Compiled(u, u.regex() != null ? Pattern.compile(u.regex()) : null))
                .toList();
        if (urls.isEmpty()) {
            throw new IllegalArgumentException(settings.describe() + ": no url");
        }
    }

    @Override
    public String describe() {
        return settings.describe();
    }

    @Override
    public AutoCloseable run(Consumer<ProbeResult> done) {
        Fetch fetch = new Fetch(done);
        fetch.next(0);
        return fetch;
    }

    /** The uri of a url block: scheme, target and path (a path without a leading slash gets one). */
    String uri(CheckSettings.Url u) {
        String path = u.path().startsWith("/") ? u.path() : "/" + u.path();
        return (settings.ssl() ? "https://" : "http://") + CheckSettings.hostPort(settings.target()) + path;
    }

    /** One check: the urls in order, stopping at the first failure. */
    private final class Fetch implements AutoCloseable {
        private final Consumer<ProbeResult> done;
        private volatile Future<?> current;
        private volatile boolean closed;

        Fetch(Consumer<ProbeResult> done) {
            this.done = done;
        }

        void next(int i) {
            if (closed) {
                return;
            }
            Compiled c = urls.get(i);
            String vhost = c.url().virtualhost() != null ? c.url().virtualhost() : settings.virtualhost();
            RequestBuilder rb = new RequestBuilder("GET")
                    .setUrl(uri(c.url()))
                    .setRequestTimeout(Duration.ofNanos(settings.timeoutNanos()))
                    .setReadTimeout(Duration.ofNanos(settings.timeoutNanos()));
            if (vhost != null) {
                rb.setVirtualHost(vhost);
            }
            if (settings.bindAddress() != null) {
                rb.setLocalAddress(settings.bindAddress());
            }
            if (settings.protocol() != null) {
                rb.setHeader(HttpProtocolWriter.MARKER, settings.protocol());
            }
            UrlHandler h = new UrlHandler(c);
            try {
                current = client.executeRequest(rb.build(), h);
            } catch (RuntimeException e) {
                done.accept(ProbeResult.fail(c.url().path() + ": " + Failures.describe(e, settings.timeoutNanos())));
                return;
            }
            ((org.asynchttpclient.ListenableFuture<ProbeResult>) current)
                    .toCompletableFuture()
                    .whenComplete((r0, t) -> {
                        // a status refused early aborts the exchange; its verdict stands however AHC ends it
                        ProbeResult r = h.verdict != null ? h.verdict : r0;
                        if (r == null) {
                            done.accept(ProbeResult.fail(
                                    c.url().path() + ": " + Failures.describe(t, settings.timeoutNanos())));
                        } else if (!r.success() || i + 1 == urls.size()) {
                            done.accept(r);
                        } else {
                            next(i + 1);
                        }
                    });
        }

        @Override
        public void close() {
            closed = true;
            Future<?> f = current;
            if (f != null) {
                f.cancel(true);
            }
        }
    }

    /** Streams one response: status first (a wrong one ends the exchange), then the body into MD5. */
    private static final class UrlHandler implements AsyncHandler<ProbeResult> {
        private final Compiled c;
        private final MessageDigest md5;
        private final ByteArrayOutputStream body;
        private int status = -1;
        private volatile ProbeResult verdict;

        UrlHandler(Compiled c) {
            this.c = c;
            try {
                this.md5 = MessageDigest.getInstance("MD5");
            } catch (NoSuchAlgorithmException e) {
                throw new IllegalStateException(e);
            }
            this.body = c.regex() != null ? new ByteArrayOutputStream() : null;
        }

        @Override
        public State onStatusReceived(HttpResponseStatus s) {
            status = s.getStatusCode();
            List<CheckSettings.StatusRange> want = c.url().statusCodes();
            if (want.stream().noneMatch(r -> r.contains(status))) {
                verdict = ProbeResult.fail(c.url().path() + ": status " + status + ", want " + ranges(want));
                return State.ABORT;
            }
            return State.CONTINUE;
        }

        @Override
        public State onHeadersReceived(HttpHeaders headers) {
            return State.CONTINUE;
        }

        @Override
        public State onBodyPartReceived(HttpResponseBodyPart part) {
            ByteBuffer b = part.getBodyByteBuffer();
            if (body != null && body.size() < REGEX_BODY_LIMIT) {
                byte[] bytes = new byte[Math.min(b.remaining(), REGEX_BODY_LIMIT - body.size())];
                b.duplicate().get(bytes);
                body.write(bytes, 0, bytes.length);
            }
            md5.update(b);
            return State.CONTINUE;
        }

        @Override
        public void onThrowable(Throwable t) {
            // the future completes exceptionally; the check reports it there
        }

        @Override
        public ProbeResult onCompleted() {
            if (verdict != null) {
                return verdict;
            }
            if (status < 0) {
                return ProbeResult.fail(c.url().path() + ": no status line");
            }
            String path = c.url().path();
            if (c.url().digest() != null) {
                String got = HexFormat.of().formatHex(md5.digest());
                if (!got.equalsIgnoreCase(c.url().digest())) {
                    return ProbeResult.fail(path + ": digest " + got + ", want "
                            + c.url().digest().toLowerCase());
                }
            }
            if (c.regex() != null) {
                boolean found = c.regex()
                        .matcher(body.toString(StandardCharsets.ISO_8859_1))
                        .find();
                if (found == c.url().regexNoMatch()) {
                    return ProbeResult.fail(path + ": body " + (found ? "matches" : "does not match") + " /"
                            + c.url().regex() + "/");
                }
            }
            return ProbeResult.ok(path + ": status " + status);
        }
    }

    static String ranges(List<CheckSettings.StatusRange> want) {
        StringBuilder sb = new StringBuilder();
        for (CheckSettings.StatusRange r : want) {
            if (sb.length() > 0) {
                sb.append(',');
            }
            sb.append(r);
        }
        return sb.toString();
    }
}
