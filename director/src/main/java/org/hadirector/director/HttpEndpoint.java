package org.hadirector.director;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.util.ReferenceCountUtil;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The observability endpoint, off unless {@code --metrics [ADDR:]PORT} is given (ADDR defaults
 * to 127.0.0.1): GET /metrics (Prometheus text) and GET /status (the JSON of `hadirector status
 * --json`). Read-only by construction: no path changes state; other methods get 405, other paths
 * 404, malformed requests 400.
 *
 * <p>Bounded ({@link BoundedServer}): at most {@value #MAX_CONNECTIONS} connections at once (one
 * more gets a 503 and is closed), the request line and headers within 5 s of the connect, the
 * answer computed and written within 10 s, one request per connection (Connection: close). The
 * JDK's own HTTP server could not be bounded so: it has no connection cap, reads requests on its
 * executor's threads (two slow clients held both), and never closes an exchange its executor
 * refuses (a descriptor leaked for each). Netty's HTTP codec is already on the class path (the
 * health checks' HTTP client uses it).
 */
final class HttpEndpoint implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(HttpEndpoint.class);
    static final int MAX_CONNECTIONS = 64;
    static final BoundedServer.Limits LIMITS = new BoundedServer.Limits(MAX_CONNECTIONS, 5_000, 10_000, 2_000, 2);
    private static final byte[] REFUSAL = ("HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/plain\r\n"
                    + "Content-Length: 21\r\nConnection: close\r\n\r\ntoo many connections\n")
            .getBytes(StandardCharsets.US_ASCII);

    private final ControlCommands commands;
    private final Supplier<List<BoundedServer.Stats>> others;
    private final BoundedServer server;

    private HttpEndpoint(
            InetSocketAddress at,
            ControlCommands commands,
            Supplier<List<BoundedServer.Stats>> others,
            BoundedServer.Limits limits)
            throws IOException {
        this.commands = commands;
        this.others = others;
        this.server = BoundedServer.start(
                "http",
                at,
                limits,
                (srv, ch) -> ch.pipeline()
                        .addLast(
                                new HttpServerCodec(new HttpDecoderConfig()
                                        .setMaxInitialLineLength(4096)
                                        .setMaxHeaderSize(8192)),
                                new Exchange(srv)),
                () -> Unpooled.wrappedBuffer(REFUSAL));
    }

    /** [ADDR:]PORT, [v6addr]:PORT. */
    static InetSocketAddress parse(String spec) throws IllegalArgumentException {
        String host = "127.0.0.1";
        String port = spec;
        int colon = spec.lastIndexOf(':');
        if (colon >= 0) {
            host = spec.substring(0, colon);
            port = spec.substring(colon + 1);
            if (host.startsWith("[") && host.endsWith("]")) {
                host = host.substring(1, host.length() - 1);
            }
        }
        int p;
        try {
            p = Integer.parseInt(port);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--metrics takes [ADDR:]PORT, not '" + spec + "'");
        }
        if (p < 1 || p > 65535 || host.isEmpty() || !host.matches("[0-9A-Fa-f.:]+")) {
            throw new IllegalArgumentException(
                    "--metrics takes [ADDR:]PORT with a numeric address, not '" + spec + "'");
        }
        try {
            return new InetSocketAddress(InetAddress.getByName(host), p);
        } catch (java.net.UnknownHostException e) {
            throw new IllegalArgumentException("--metrics: bad address '" + host + "'");
        }
    }

    static HttpEndpoint start(InetSocketAddress at, ControlCommands commands) throws IOException {
        return start(at, commands, List::of);
    }

    /** {@code others}: the counters of the daemon's other bounded servers (the control socket), shown in /metrics. */
    static HttpEndpoint start(
            InetSocketAddress at, ControlCommands commands, Supplier<List<BoundedServer.Stats>> others)
            throws IOException {
        return start(at, commands, others, LIMITS);
    }

    static HttpEndpoint start(
            InetSocketAddress at,
            ControlCommands commands,
            Supplier<List<BoundedServer.Stats>> others,
            BoundedServer.Limits limits)
            throws IOException {
        HttpEndpoint e = new HttpEndpoint(at, commands, others, limits);
        LOG.info(
                "metrics: http://{}:{}/metrics and /status (at most {} connections, {} ms for a request)",
                at.getAddress().getHostAddress(),
                e.port(),
                limits.maxConnections(),
                limits.requestMillis());
        return e;
    }

    int port() {
        return ((InetSocketAddress) server.localAddress()).getPort();
    }

    BoundedServer.Stats stats() {
        return server.stats();
    }

    boolean serving() {
        return server.serving();
    }

    /** The endpoint's and the other servers' counters, in Prometheus text. */
    private String serverMetrics(BoundedServer srv) {
        List<BoundedServer.Stats> all = new ArrayList<>();
        all.add(srv.stats());
        all.addAll(others.get());
        return BoundedServer.prometheus(all);
    }

    /** One HTTP exchange: the request head decides; a body, if any, is drained after the answer. */
    private final class Exchange extends OneRequestConnection {
        Exchange(BoundedServer srv) {
            super(srv);
        }

        @Override
        protected void read(Object msg) {
            try {
                if (msg instanceof HttpRequest req) {
                    respond(req);
                }
            } finally {
                ReferenceCountUtil.release(msg);
            }
        }

        private void respond(HttpRequest req) {
            if (req.decoderResult().isFailure()) {
                server.malformed.incrementAndGet();
                send(text(HttpResponseStatus.BAD_REQUEST, "bad request\n", false));
                return;
            }
            String path;
            try {
                path = new QueryStringDecoder(req.uri()).path();
            } catch (IllegalArgumentException e) {
                server.malformed.incrementAndGet();
                send(text(
                        HttpResponseStatus.BAD_REQUEST,
                        "bad request: " + ControlCommands.shown(e.getMessage()) + "\n",
                        false));
                return;
            }
            HttpMethod method = req.method();
            boolean head = method.equals(HttpMethod.HEAD);
            if (!path.equals("/metrics") && !path.equals("/status")) {
                send(text(HttpResponseStatus.NOT_FOUND, "not found: try /metrics or /status\n", head));
                return;
            }
            if (!method.equals(HttpMethod.GET) && !head) {
                FullHttpResponse r = text(
                        HttpResponseStatus.METHOD_NOT_ALLOWED,
                        "method not allowed: " + ControlCommands.shown(method.name()) + "\n",
                        false);
                r.headers().set(HttpHeaderNames.ALLOW, "GET, HEAD");
                send(r);
                return;
            }
            BoundedServer srv = server;
            if (path.equals("/metrics")) {
                answer(() -> response(
                        HttpResponseStatus.OK,
                        "text/plain; version=0.0.4; charset=utf-8",
                        commands.metrics() + serverMetrics(srv),
                        head));
            } else {
                answer(() -> {
                    String json = commands.status(true);
                    return response(
                            json.startsWith("error:") ? HttpResponseStatus.SERVICE_UNAVAILABLE : HttpResponseStatus.OK,
                            "application/json",
                            json,
                            head);
                });
            }
        }

        @Override
        protected Object busyAnswer() {
            return text(HttpResponseStatus.SERVICE_UNAVAILABLE, "busy, try again\n", false);
        }

        @Override
        protected Object failedAnswer(Exception e) {
            return text(
                    HttpResponseStatus.INTERNAL_SERVER_ERROR,
                    "internal error: " + ControlCommands.shown(e.toString()) + "\n",
                    false);
        }
    }

    private static FullHttpResponse text(HttpResponseStatus status, String body, boolean head) {
        return response(status, "text/plain", body, head);
    }

    /** The whole answer, Connection: close; for HEAD the length of the body that GET would get, and no body. */
    private static FullHttpResponse response(HttpResponseStatus status, String type, String body, boolean head) {
        byte[] b = body.getBytes(StandardCharsets.UTF_8);
        ByteBuf content = head ? Unpooled.EMPTY_BUFFER : Unpooled.wrappedBuffer(b);
        FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, content);
        r.headers().set(HttpHeaderNames.CONTENT_TYPE, type);
        r.headers().set(HttpHeaderNames.CONTENT_LENGTH, b.length);
        r.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        return r;
    }

    @Override
    public void close() {
        server.close();
    }
}
