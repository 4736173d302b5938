package org.hadirector.healthcheck;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** TCP_CHECK, HTTP_GET and MISC_CHECK against listeners and programs of the test, on 127.0.0.1 only. */
class LoopbackCheckersTest {
    private static final long MS = 1_000_000L;
    private static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();
    private static ProbeIo io;
    private static HttpServer http;
    private static volatile int status = 200;
    private static volatile String body = "hello\n";

    @BeforeAll
    static void up() throws Exception {
        io = new ProbeIo(1, null);
        http = HttpServer.create(new InetSocketAddress(LOOPBACK, 0), 16);
        http.createContext("/health", x -> {
            byte[] b = body.getBytes(StandardCharsets.UTF_8);
            x.getResponseHeaders()
                    .add("X-Host", String.valueOf(x.getRequestHeaders().getFirst("Host")));
            x.sendResponseHeaders(status, b.length);
            try (OutputStream o = x.getResponseBody()) {
                o.write(b);
            }
        });
        http.createContext("/host", x -> {
            byte[] b = String.valueOf(x.getRequestHeaders().getFirst("Host")).getBytes(StandardCharsets.UTF_8);
            x.sendResponseHeaders(200, b.length);
            try (OutputStream o = x.getResponseBody()) {
                o.write(b);
            }
        });
        http.createContext("/peer", x -> {
            // the check's source address and port, as the server sees them
            byte[] b = x.getRemoteAddress().toString().getBytes(StandardCharsets.UTF_8);
            x.sendResponseHeaders(200, b.length);
            try (OutputStream o = x.getResponseBody()) {
                o.write(b);
            }
        });
        http.createContext("/slow", x -> {
            try {
                Thread.sleep(3000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            x.sendResponseHeaders(200, -1);
            x.close();
        });
        http.setExecutor(java.util.concurrent.Executors.newCachedThreadPool());
        http.start();
    }

    @AfterAll
    static void down() {
        http.stop(0);
        io.close();
    }

    static ProbeResult once(Probe p) throws Exception {
        CompletableFuture<ProbeResult> f = new CompletableFuture<>();
        p.run(f::complete);
        return f.get(10, TimeUnit.SECONDS);
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, LOOPBACK)) {
            return s.getLocalPort();
        }
    }

    static CheckSettings.Http get(
            String path,
            long timeoutNanos,
            String digest,
            String regex,
            boolean noMatch,
            String vhost,
            CheckSettings.StatusRange... codes) {
        List<CheckSettings.StatusRange> c =
                codes.length == 0 ? List.of(new CheckSettings.StatusRange(200, 299)) : List.of(codes);
        return new CheckSettings.Http(
                false,
                new InetSocketAddress(LOOPBACK, http.getAddress().getPort()),
                null,
                timeoutNanos,
                vhost,
                false,
                List.of(new CheckSettings.Url(path, c, digest, regex, noMatch, null)));
    }

    static String md5(String s) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("MD5").digest(s.getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void tcpCheckSucceedsOnAListenerAndFailsOnAClosedPort() throws Exception {
        try (ServerSocket s = new ServerSocket(0, 8, LOOPBACK)) {
            ProbeResult ok = once(io.probe(
                    new CheckSettings.Tcp(new InetSocketAddress(LOOPBACK, s.getLocalPort()), null, 1000 * MS)));
            assertTrue(ok.success(), ok.reason());
        }
        ProbeResult refused =
                once(io.probe(new CheckSettings.Tcp(new InetSocketAddress(LOOPBACK, freePort()), null, 1000 * MS)));
        assertFalse(refused.success());
        assertEquals("connect: Connection refused", refused.reason());
    }

    @Test
    void tcpCheckBindsWhereToldTo() throws Exception {
        // The connect is half-open (no final ACK, a reset at close), so the listener never accepts
        // it and cannot show its source port; a port held by another socket shows the bind instead.
        try (ServerSocket s = new ServerSocket(0, 8, LOOPBACK);
                ServerSocket holder = new ServerSocket(0, 1, LOOPBACK)) {
            Probe held = io.probe(new CheckSettings.Tcp(
                    new InetSocketAddress(LOOPBACK, s.getLocalPort()),
                    new InetSocketAddress(LOOPBACK, holder.getLocalPort()),
                    1000 * MS));
            ProbeResult inUse = once(held);
            assertFalse(inUse.success(), "bind_port in use: the bind fails");
            assertTrue(inUse.reason().contains("Address already in use"), inUse.reason());
            int bindPort = freePort();
            Probe p = io.probe(new CheckSettings.Tcp(
                    new InetSocketAddress(LOOPBACK, s.getLocalPort()),
                    new InetSocketAddress(LOOPBACK, bindPort),
                    1000 * MS));
            assertTrue(once(p).success());
        }
    }

    @Test
    void httpGetChecksStatusDigestRegexAndHost() throws Exception {
        status = 200;
        body = "hello\n";
        assertTrue(once(io.probe(get("/health", 2000 * MS, null, null, false, null)))
                .success());
        assertTrue(once(io.probe(get("/health", 2000 * MS, md5("hello\n"), null, false, null)))
                .success());
        assertTrue(
                once(io.probe(get("/health", 2000 * MS, md5("hello\n").toUpperCase(), null, false, null)))
                        .success(),
                "digests compare without case");
        ProbeResult changed = once(io.probe(get("/health", 2000 * MS, md5("other\n"), null, false, null)));
        assertFalse(changed.success());
        assertEquals("/health: digest " + md5("hello\n") + ", want " + md5("other\n"), changed.reason());
        assertTrue(once(io.probe(get("/health", 2000 * MS, null, "hel+o", false, null)))
                .success());
        ProbeResult noMatch = once(io.probe(get("/health", 2000 * MS, null, "hel+o", true, null)));
        assertFalse(noMatch.success());
        assertEquals("/health: body matches /hel+o/", noMatch.reason());
        ProbeResult host =
                once(io.probe(get("/host", 2000 * MS, md5("www.example.test"), null, false, "www.example.test")));
        assertTrue(host.success(), "virtualhost is the Host header: " + host.reason());
    }

    @Test
    void httpGetFailsOnAStatusOutsideTheRanges() throws Exception {
        status = 503;
        try {
            ProbeResult r = once(io.probe(get("/health", 2000 * MS, null, null, false, null)));
            assertFalse(r.success());
            assertEquals("/health: status 503, want 200-299", r.reason());
            ProbeResult wanted = once(io.probe(get(
                    "/health",
                    2000 * MS,
                    null,
                    null,
                    false,
                    null,
                    new CheckSettings.StatusRange(200, 200),
                    new CheckSettings.StatusRange(503, 503))));
            assertTrue(wanted.success(), "status_code 503 listed: " + wanted.reason());
        } finally {
            status = 200;
        }
    }

    @Test
    void httpGetChecksEveryUrlInOrder() throws Exception {
        CheckSettings.Url good = new CheckSettings.Url(
                "/health", List.of(new CheckSettings.StatusRange(200, 299)), null, null, false, null);
        CheckSettings.Url bad = new CheckSettings.Url(
                "/missing", List.of(new CheckSettings.StatusRange(200, 299)), null, null, false, null);
        ProbeResult r = once(io.probe(new CheckSettings.Http(
                false,
                new InetSocketAddress(LOOPBACK, http.getAddress().getPort()),
                null,
                2000 * MS,
                null,
                false,
                List.of(good, bad))));
        assertFalse(r.success());
        assertEquals("/missing: status 404, want 200-299", r.reason());
    }

    @Test
    void httpGetGivesUpAtTheTimeout() throws Exception {
        long start = System.nanoTime();
        ProbeResult r = once(io.probe(get("/slow", 300 * MS, null, null, false, null)));
        long took = (System.nanoTime() - start) / 1_000_000;
        assertFalse(r.success());
        assertEquals("/slow: read timeout after 300 ms", r.reason());
        assertTrue(took < 2500, "ended by its own timeout, not the server: " + took + " ms");
    }

    @Test
    void httpGetBindsToBindtoAndBindPort() throws Exception {
        int port = freePort();
        CheckSettings.Http g = get("/peer", 2000 * MS, null, null, false, null);
        CheckSettings.Http bound = new CheckSettings.Http(
                false,
                g.target(),
                LOOPBACK,
                g.timeoutNanos(),
                null,
                false,
                List.of(new CheckSettings.Url(
                        "/peer", g.urls().get(0).statusCodes(), md5("/127.0.0.1:" + port), null, false, null)),
                "1.0",
                port);
        assertTrue(once(io.probe(bound)).success(), "the server saw the check come from 127.0.0.1:" + port);
        // bind_port without bindto: the wildcard address of the target's family, that port
        CheckSettings.Http portOnly = new CheckSettings.Http(
                false, g.target(), null, g.timeoutNanos(), null, false, bound.urls(), "1.0", port);
        assertTrue(once(io.probe(portOnly)).success());
    }

    @Test
    void httpGetOnAClosedPortIsRefused() throws Exception {
        ProbeResult r = once(io.probe(new CheckSettings.Http(
                false,
                new InetSocketAddress(LOOPBACK, freePort()),
                null,
                1000 * MS,
                null,
                false,
                List.of(new CheckSettings.Url(
                        "/", List.of(new CheckSettings.StatusRange(200, 299)), null, null, false, null)))));
        assertFalse(r.success());
        assertTrue(r.reason().startsWith("/: connect: Connection refused"), r.reason());
    }

    static CheckSettings.Misc misc(String script, long timeoutNanos, boolean dynamic) {
        return new CheckSettings.Misc(List.of("/bin/sh", "-c", script), timeoutNanos, dynamic);
    }

    @Test
    void miscCheckReadsExitCodesAsKeepalivedDoes() throws Exception {
        assertTrue(once(io.probe(misc("exit 0", 2000 * MS, false))).success());
        ProbeResult one = once(io.probe(misc("exit 1", 2000 * MS, false)));
        assertFalse(one.success());
        assertEquals("exit status 1", one.reason());
        assertFalse(once(io.probe(misc("exit 7", 2000 * MS, false))).success(), "non-zero without misc_dynamic fails");
        ProbeResult dyn = once(io.probe(misc("exit 7", 2000 * MS, true)));
        assertTrue(dyn.success());
        assertEquals(5, dyn.weight(), "misc_dynamic: weight = status - 2");
        assertFalse(once(io.probe(misc("exit 1", 2000 * MS, true))).success(), "1 is still a failure");
    }

    @Test
    void miscCheckIsKilledAtItsTimeout() throws Exception {
        long start = System.nanoTime();
        ProbeResult r = once(io.probe(misc("sleep 30", 200 * MS, false)));
        assertFalse(r.success());
        assertEquals("timed out after 200 ms; killed with its process group", r.reason());
        assertTrue((System.nanoTime() - start) / 1_000_000 < 5000);
    }

    @Test
    void miscCheckThatCannotStartFails() throws Exception {
        ProbeResult r = once(io.probe(new CheckSettings.Misc(List.of("/nonexistent/check"), 1000 * MS, false)));
        assertFalse(r.success());
        assertTrue(r.reason().startsWith("cannot run"), r.reason());
    }
}
