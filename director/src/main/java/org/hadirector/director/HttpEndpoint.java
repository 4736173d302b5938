package org.hadirector.director;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The observability endpoint, off unless {@code --metrics [ADDR:]PORT} is given (ADDR defaults
 * to 127.0.0.1): GET /metrics (Prometheus text) and GET /status (the JSON of `hadirector status
 * --json`). Read-only by construction: no path changes state; other methods get 405, other paths
 * 404, malformed requests the JDK server's 400. The JDK's own HTTP server: nothing to add.
 */
final class HttpEndpoint implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(HttpEndpoint.class);

    private final HttpServer server;
    private final ExecutorService workers;

    private HttpEndpoint(HttpServer server, ExecutorService workers) {
        this.server = server;
        this.workers = workers;
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
            throw new IllegalArgumentException("--metrics takes [ADDR:]PORT with a numeric address, not '" + spec + "'");
        }
        try {
            return new InetSocketAddress(InetAddress.getByName(host), p);
        } catch (java.net.UnknownHostException e) {
            throw new IllegalArgumentException("--metrics: bad address '" + host + "'");
        }
    }

    static HttpEndpoint start(InetSocketAddress at, ControlCommands commands) throws IOException {
        HttpServer server = HttpServer.create(at, 16);
        // Two threads, a short queue: a scrape is cheap, and a flood must not grow without bound.
        ExecutorService workers = new ThreadPoolExecutor(1, 2, 30, TimeUnit.SECONDS, new LinkedBlockingQueue<>(32), r -> {
            Thread t = new Thread(r, "http");
            t.setDaemon(true);
            return t;
        }, new ThreadPoolExecutor.DiscardPolicy());
        server.setExecutor(workers);
        server.createContext("/", x -> handle(x, commands));
        server.start();
        LOG.info("metrics: http://{}:{}/metrics and /status", at.getAddress().getHostAddress(), server.getAddress().getPort());
        return new HttpEndpoint(server, workers);
    }

    int port() {
        return server.getAddress().getPort();
    }

    private static void handle(HttpExchange x, ControlCommands commands) throws IOException {
        try (x) {
            String method = x.getRequestMethod();
            String path = x.getRequestURI().getPath();
            if (!path.equals("/metrics") && !path.equals("/status")) {
                reply(x, 404, "text/plain", "not found: try /metrics or /status\n");
                return;
            }
            if (!method.equals("GET") && !method.equals("HEAD")) {
                x.getResponseHeaders().add("Allow", "GET, HEAD");
                reply(x, 405, "text/plain", "method not allowed: " + ControlCommands.shown(method) + "\n");
                return;
            }
            if (path.equals("/metrics")) {
                reply(x, 200, "text/plain; version=0.0.4; charset=utf-8", commands.metrics());
            } else {
                String json = commands.status(true);
                reply(x, json.startsWith("error:") ? 503 : 200, "application/json", json);
            }
        } catch (RuntimeException e) {
            LOG.warn("http: {} {}: {}", x.getRequestMethod(), x.getRequestURI(), e.toString());
        }
    }

    private static void reply(HttpExchange x, int code, String type, String body) throws IOException {
        byte[] b = body.getBytes(StandardCharsets.UTF_8);
        x.getResponseHeaders().add("Content-Type", type);
        boolean head = x.getRequestMethod().equals("HEAD");
        x.sendResponseHeaders(code, head ? -1 : b.length);
        if (!head) {
            try (OutputStream out = x.getResponseBody()) {
                out.write(b);
            }
        }
    }

    @Override
    public void close() {
        server.stop(0);
        workers.shutdownNow();
    }
}
