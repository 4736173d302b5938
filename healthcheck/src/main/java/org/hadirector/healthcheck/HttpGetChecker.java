package org.hadirector.healthcheck;

import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.regex.Pattern;
import javax.net.ssl.SSLEngine;
import org.hadirector.sys.TcpConnector;

/**
 * HTTP_GET as keepalived's check_http.c: each url, in order, on a fresh connection, stopping at
 * the first failure ({@link HttpExchange} says what is sent and how the answer is judged). The
 * connection is the shared {@link TcpConnector}'s (raw system calls on its epoll thread), not
 * an HTTP client's: a check costs about ten system calls and a few objects. Each phase (connect,
 * write, every read) must complete within connect_timeout, as keepalived's timers do.
 */
public final class HttpGetChecker implements Probe {
    private final CheckSettings.Http settings;
    private final TcpConnector connector;
    /** SSL_GET's engines, one per connection (the url decides the SNI name); null for HTTP_GET. */
    private final Function<CheckSettings.Url, SSLEngine> tls;

    private final InetSocketAddress bind;
    private final List<Url> urls;

    /** A url with its compiled regex and its request's bytes, made once. */
    private record Url(CheckSettings.Url url, Pattern regex, byte[] request) {}

    /** HTTP_GET, or SSL_GET with {@code tls} (a new client engine per connection). */
    public HttpGetChecker(
            CheckSettings.Http settings, TcpConnector connector, Function<CheckSettings.Url, SSLEngine> tls) {
        if (settings.ssl() != (tls != null)) {
            throw new IllegalArgumentException(settings.describe() + ": TLS engines for SSL_GET, and only for it");
        }
        this.settings = settings;
        this.connector = connector;
        this.tls = tls;
        this.bind = settings.bind();
        this.urls = settings.urls().stream()
                .map(u -> new Url(
                        u, u.regex() != null ? Pattern.compile(u.regex()) : null, HttpExchange.request(settings, u)))
                .toList();
        if (urls.isEmpty()) {
            throw new IllegalArgumentException(settings.describe() + ": no url");
        }
    }

    /**
     * A page as HTTP_GET reads it, for genhash: the header as received, its status as keepalived
     * reads it, the body's length and its MD5 (up to Content-Length, the digest HTTP_GET compares).
     */
    public record Page(String header, int status, long bodyBytes, long contentLength, String md5) {}

    /** Fetches the first url of {@code settings} as the check would; fails with the check's reason. */
    public static CompletableFuture<Page> page(
            TcpConnector connector, CheckSettings.Http settings, Function<CheckSettings.Url, SSLEngine> tls) {
        CheckSettings.Url u = settings.urls().get(0);
        HttpExchange x = new HttpExchange(u, null, true);
        CompletableFuture<Page> f = new CompletableFuture<>();
        InetSocketAddress bind = settings.bind();
        connector.converse(
                settings.target(), bind, settings.timeoutNanos(), secured(tls, u, new TcpConnector.Conversation() {
                    @Override
                    public void opened(TcpConnector.Stream s) {
                        s.write(HttpExchange.request(settings, u));
                    }

                    @Override
                    public void received(TcpConnector.Stream s, byte[] buf, int len) {
                        // a refused status is no reason to stop here: genhash prints it with the digest
                        ProbeResult r = x.received(buf, 0, len);
                        if (r != null && x.header() == null) {
                            s.finish();
                            f.completeExceptionally(new java.io.IOException(r.reason()));
                        }
                    }

                    @Override
                    public void ended(int errno, String call) {
                        if (errno != 0) {
                            f.completeExceptionally(new java.io.IOException(reason(u, settings, errno, call)));
                        } else if (x.header() == null) {
                            f.completeExceptionally(
                                    new java.io.IOException(x.ended().reason()));
                        } else {
                            f.complete(
                                    new Page(x.header(), x.status(), x.bodyBytes(), x.contentLength(), x.bodyDigest()));
                        }
                    }
                }));
        return f;
    }

    /** {@code c} under TLS when there are engines. */
    private static TcpConnector.Conversation secured(
            Function<CheckSettings.Url, SSLEngine> tls, CheckSettings.Url u, TcpConnector.Conversation c) {
        return tls == null ? c : new TlsConversation(tls.apply(u), c);
    }

    static String reason(CheckSettings.Url u, CheckSettings.Http settings, int errno, String call) {
        if (errno == TlsConversation.TLS_FAILED) {
            return u.path() + ": TLS: " + call;
        }
        return errno == TcpConnector.TIMED_OUT
                ? u.path() + ": " + call + " timeout after " + TimeUnit.NANOSECONDS.toMillis(settings.timeoutNanos())
                        + " ms"
                : u.path() + ": " + call + ": " + TcpConnector.describe(errno);
    }

    @Override
    public String describe() {
        return settings.describe();
    }

    @Override
    public AutoCloseable run(Consumer<ProbeResult> done) {
        Fetch f = new Fetch(done);
        f.next(0);
        return f;
    }

    /** One check: the urls in order, each a conversation on the connector's thread. */
    private final class Fetch implements AutoCloseable {
        private final Consumer<ProbeResult> done;
        private volatile TcpConnector.Attempt current;
        private volatile boolean closed;

        Fetch(Consumer<ProbeResult> done) {
            this.done = done;
        }

        void next(int i) {
            if (closed) {
                return;
            }
            Url u = urls.get(i);
            HttpExchange x = new HttpExchange(u.url(), u.regex());
            TcpConnector.Conversation c = new TcpConnector.Conversation() {
                @Override
                public void opened(TcpConnector.Stream s) {
                    s.write(u.request());
                }

                @Override
                public void received(TcpConnector.Stream s, byte[] buf, int len) {
                    ProbeResult r = x.received(buf, 0, len);
                    if (r != null) {
                        s.finish();
                        done.accept(r);
                    }
                }

                @Override
                public void ended(int errno, String call) {
                    if (errno == 0) {
                        ProbeResult r = x.ended();
                        if (!r.success() || i + 1 == urls.size()) {
                            done.accept(r);
                        } else {
                            next(i + 1);
                        }
                    } else {
                        done.accept(ProbeResult.fail(reason(u.url(), settings, errno, call)));
                    }
                }
            };
            try {
                c = secured(tls, u.url(), c);
            } catch (RuntimeException e) {
                done.accept(ProbeResult.fail(u.url().path() + ": TLS: " + e.getMessage()));
                return;
            }
            current = connector.converse(settings.target(), bind, settings.timeoutNanos(), c);
            if (closed) {
                current.close();
            }
        }

        @Override
        public void close() {
            closed = true;
            TcpConnector.Attempt a = current;
            if (a != null) {
                a.close();
            }
        }
    }
}
