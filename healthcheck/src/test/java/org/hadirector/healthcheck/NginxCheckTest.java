package org.hadirector.healthcheck;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.hadirector.sys.RealServerId;
import org.hadirector.sys.ServiceId;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The checkers against a real nginx (Debian's nginx-light) on loopback: a stopped server leaves
 * the table within its detection bound and rejoins when it is back; a 503 or a changed body
 * (digest) takes it out; SSL_GET against a self-signed certificate made here by openssl, with
 * and without SNI.
 */
class NginxCheckTest {
    private static final long MS = 1_000_000L;
    private static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();
    private static ProbeIo io;

    @BeforeAll
    static void up() throws Exception {
        io = new ProbeIo(1, null);
    }

    @AfterAll
    static void down() {
        io.close();
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, LOOPBACK)) {
            return s.getLocalPort();
        }
    }

    static String md5(String s) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("MD5").digest(s.getBytes(StandardCharsets.UTF_8)));
    }

    static ServiceSpec pool(CheckSettings settings, CheckTiming timing) {
        return new ServiceSpec(
                ServiceId.parse("TCP 198.18.0.100:80"),
                0,
                0,
                null,
                false,
                null,
                null,
                List.of(new RealServerSpec(
                        RealServerId.parse("198.18.0.21:80"),
                        1,
                        false,
                        null,
                        null,
                        List.of(new CheckSpec(settings, timing)))));
    }

    static CheckSettings.Http http(int port, String path, String digest) {
        return new CheckSettings.Http(
                false,
                new InetSocketAddress(LOOPBACK, port),
                null,
                1000 * MS,
                null,
                false,
                List.of(new CheckSettings.Url(
                        path, List.of(new CheckSettings.StatusRange(200, 299)), digest, null, false, null)));
    }

    static HealthEvent next(BlockingQueue<HealthEvent> q, long seconds) throws InterruptedException {
        HealthEvent e = q.poll(seconds, TimeUnit.SECONDS);
        assertNotNull(e, "no table change within " + seconds + " s");
        return e;
    }

    @Test
    void aStoppedServerLeavesWithinItsBoundAndRejoinsWhenBack(@TempDir Path dir) throws Exception {
        int port = freePort();
        String servers = "server { listen 127.0.0.1:%d; root %s/html; }".formatted(port, dir);
        Files.createDirectories(dir.resolve("html"));
        Files.writeString(dir.resolve("html/health"), "ok\n");
        // connect_timeout 1 s, retry 2, delay_before_retry 300 ms, delay_loop 500 ms
        CheckTiming t = new CheckTiming(1000 * MS, 2, 300 * MS, 500 * MS, 0, false, false);
        BlockingQueue<HealthEvent> events = new LinkedBlockingQueue<>();
        Nginx nginx = new Nginx(dir, servers, port);
        nginx.start();
        try (HealthCheckService s =
                new HealthCheckService(List.of(pool(http(port, "/health", md5("ok\n")), t)), io, events::add, 16)) {
            s.start();
            assertEquals(HealthEvent.Kind.ADD, next(events, 5).kind());
            Thread.sleep(700); // a few good rounds
            assertTrue(events.isEmpty(), "no change while nginx answers: " + events);
            long stopped = System.nanoTime();
            nginx.close();
            HealthEvent out = next(events, 10);
            long tookMs = (System.nanoTime() - stopped) / 1_000_000;
            assertEquals(HealthEvent.Kind.REMOVE, out.kind());
            assertTrue(out.reason().contains("connect: Connection refused"), out.reason());
            // worst case: a round just passed (delay_loop), then retry + 1 failures delay_before_retry apart,
            // each bounded by connect_timeout (a refused connect is immediate)
            long bound = 500 + 2 * 300 + 3 * 1000 + 1000;
            assertTrue(tookMs <= bound, "down after " + tookMs + " ms, bound " + bound + " ms");
            long restarted = System.nanoTime();
            nginx.start();
            HealthEvent back = next(events, 10);
            assertEquals(HealthEvent.Kind.ADD, back.kind());
            long backMs = (System.nanoTime() - restarted) / 1_000_000;
            assertTrue(backMs <= 500 + 1000 + 1000, "up after " + backMs + " ms: one success after a delay_loop");
        } finally {
            nginx.close();
        }
    }

    /** {@code n} virtual servers with the same real server and HTTP_GET; {@code distinct} makes their timings differ. */
    static List<ServiceSpec> behindVirtualServers(int n, int port, boolean distinct) {
        List<ServiceSpec> out = new java.util.ArrayList<>();
        for (int i = 0; i < n; i++) {
            // distinct: each delay_loop 1 us apart, so nothing is shared and the rate is the same
            CheckTiming t =
                    new CheckTiming(1000 * MS, 1, 300 * MS, 500 * MS + (distinct ? i * 1000L : 0), 0, false, false);
            out.add(new ServiceSpec(
                    ServiceId.parse("TCP 198.18.0." + (10 + i) + ":80"),
                    0,
                    0,
                    null,
                    false,
                    null,
                    null,
                    List.of(new RealServerSpec(
                            RealServerId.parse("127.0.0.1:" + port),
                            1,
                            false,
                            null,
                            null,
                            List.of(new CheckSpec(http(port, "/health", null), t))))));
        }
        return out;
    }

    /** Requests nginx logged for {@code specs} over {@code millis}, after every pool's first result. */
    static long requestsOver(List<ServiceSpec> specs, Path log, long millis) throws Exception {
        BlockingQueue<HealthEvent> events = new LinkedBlockingQueue<>();
        try (HealthCheckService s = new HealthCheckService(specs, io, events::add, 64)) {
            s.start();
            for (int i = 0; i < specs.size(); i++) {
                assertEquals(HealthEvent.Kind.ADD, next(events, 5).kind());
            }
            Thread.sleep(600); // past the first round
            long before = Files.readAllLines(log).size();
            Thread.sleep(millis);
            long n = Files.readAllLines(log).size() - before;
            assertTrue(events.isEmpty(), "no change while nginx answers: " + events);
            HealthStatus st = s.status().get(5, TimeUnit.SECONDS);
            assertTrue(st.services().stream().allMatch(v -> v.servers().get(0).alive()));
            return n;
        }
    }

    /**
     * Fifty virtual servers with the same real server and the same HTTP_GET: one request per
     * delay_loop reaches nginx, counted in its access log, where fifty did when each check ran
     * its own probe.
     */
    @Test
    void identicalHttpChecksBehindManyVirtualServersSendOneRequestAPeriod(@TempDir Path dir) throws Exception {
        int port = freePort();
        Path log = dir.resolve("access.log");
        String servers = "server { listen 127.0.0.1:%d; root %s/html; access_log %s; }".formatted(port, dir, log);
        Files.createDirectories(dir.resolve("html"));
        Files.writeString(dir.resolve("html/health"), "ok\n");
        Nginx nginx = new Nginx(dir, servers, port);
        nginx.start();
        try {
            int n = 50;
            long periods = 6; // 3 s at delay_loop 500 ms
            long shared = requestsOver(behindVirtualServers(n, port, false), log, periods * 500);
            long apart = requestsOver(behindVirtualServers(n, port, true), log, periods * 500);
            System.out.printf(
                    "probe sharing: %d virtual servers, same real server and HTTP_GET, delay_loop 500 ms, 3 s: "
                            + "%d requests shared, %d unshared (%.1fx fewer)%n",
                    n, shared, apart, (double) apart / Math.max(1, shared));
            assertTrue(shared >= periods - 1 && shared <= periods + 1, "one request a period: " + shared);
            assertTrue(apart >= n * (periods - 1), "each its own when the timings differ: " + apart);
        } finally {
            nginx.close();
        }
    }

    @Test
    void a503OrAChangedBodyTakesTheServerOut(@TempDir Path dir) throws Exception {
        int port = freePort();
        String servers = """
                server {
                    listen 127.0.0.1:%d;
                    root %s/html;
                    location = /health {
                        if (-f $document_root/maintenance) { return 503; }
                    }
                }""".formatted(port, dir);
        Files.createDirectories(dir.resolve("html"));
        Files.writeString(dir.resolve("html/health"), "version 1\n");
        CheckTiming t = new CheckTiming(1000 * MS, 1, 100 * MS, 200 * MS, 0, false, false);
        BlockingQueue<HealthEvent> events = new LinkedBlockingQueue<>();
        try (Nginx nginx = new Nginx(dir, servers, port)) {
            nginx.start();
            try (HealthCheckService s = new HealthCheckService(
                    List.of(pool(http(port, "/health", md5("version 1\n")), t)), io, events::add, 16)) {
                s.start();
                assertEquals(HealthEvent.Kind.ADD, next(events, 5).kind());
                Files.writeString(dir.resolve("html/maintenance"), "");
                HealthEvent out = next(events, 5);
                assertEquals(HealthEvent.Kind.REMOVE, out.kind());
                assertTrue(out.reason().endsWith("/health: status 503, want 200-299"), out.reason());
                Files.delete(dir.resolve("html/maintenance"));
                assertEquals(HealthEvent.Kind.ADD, next(events, 5).kind());
                Files.writeString(dir.resolve("html/health"), "version 2\n");
                HealthEvent changed = next(events, 5);
                assertEquals(HealthEvent.Kind.REMOVE, changed.kind());
                assertTrue(
                        changed.reason()
                                .endsWith("/health: digest " + md5("version 2\n") + ", want " + md5("version 1\n")),
                        changed.reason());
                Files.writeString(dir.resolve("html/health"), "version 1\n");
                assertEquals(HealthEvent.Kind.ADD, next(events, 5).kind());
                HealthStatus.Checker c = s.status()
                        .get(5, TimeUnit.SECONDS)
                        .services()
                        .get(0)
                        .servers()
                        .get(0)
                        .checkers()
                        .get(0);
                assertTrue(c.up());
                assertEquals("HTTP_GET 127.0.0.1:" + port, c.check());
            }
        }
    }

    @Test
    void sslGetAgainstASelfSignedCertificateWithAndWithoutSni(@TempDir Path dir) throws Exception {
        Path key = dir.resolve("key.pem");
        Path cert = dir.resolve("cert.pem");
        Process openssl = new ProcessBuilder(
                        "openssl",
                        "req",
                        "-x509",
                        "-newkey",
                        "rsa:2048",
                        "-nodes",
                        "-days",
                        "1",
                        "-subj",
                        "/CN=rs1.example.test",
                        "-keyout",
                        key.toString(),
                        "-out",
                        cert.toString())
                .redirectErrorStream(true)
                .redirectOutput(dir.resolve("openssl.log").toFile())
                .start();
        assertTrue(
                openssl.waitFor(60, TimeUnit.SECONDS) && openssl.exitValue() == 0,
                "openssl: " + Files.readString(dir.resolve("openssl.log")));
        int port = freePort();
        String servers = """
                server {
                    listen 127.0.0.1:%d ssl;
                    ssl_certificate %s;
                    ssl_certificate_key %s;
                    root %s/html;
                    location = /sni { return 200 "sni=$ssl_server_name\\n"; }
                }""".formatted(port, cert, key, dir);
        Files.createDirectories(dir.resolve("html"));
        Files.writeString(dir.resolve("html/health"), "secure\n");
        try (Nginx nginx = new Nginx(dir, servers, port)) {
            nginx.start();
            CheckSettings.Url health = new CheckSettings.Url(
                    "/health", List.of(new CheckSettings.StatusRange(200, 299)), md5("secure\n"), null, false, null);
            ProbeResult ok = once(io.probe(new CheckSettings.Http(
                    true, new InetSocketAddress(LOOPBACK, port), null, 2000 * MS, null, false, List.of(health))));
            assertTrue(ok.success(), "certificate not verified, as keepalived: " + ok.reason());
            CheckSettings.Url sni = new CheckSettings.Url(
                    "/sni",
                    List.of(new CheckSettings.StatusRange(200, 299)),
                    md5("sni=rs1.example.test\n"),
                    null,
                    false,
                    null);
            ProbeResult withSni = once(io.probe(new CheckSettings.Http(
                    true,
                    new InetSocketAddress(LOOPBACK, port),
                    null,
                    2000 * MS,
                    "rs1.example.test",
                    true,
                    List.of(sni))));
            assertTrue(withSni.success(), "enable_sni sends the virtualhost: " + withSni.reason());
            ProbeResult withoutSni = once(io.probe(new CheckSettings.Http(
                    true,
                    new InetSocketAddress(LOOPBACK, port),
                    null,
                    2000 * MS,
                    "rs1.example.test",
                    false,
                    List.of(sni))));
            assertFalse(withoutSni.success());
            assertEquals(
                    "/sni: digest " + md5("sni=\n") + ", want " + md5("sni=rs1.example.test\n"),
                    withoutSni.reason(),
                    "without enable_sni no server name is sent");
        }
    }

    /**
     * http_protocol as keepalived's check_http.c writes the request: 1.0 (its default) an
     * HTTP/1.0 request line without Connection, 1.0C with "Connection: close", 1.1 an HTTP/1.1
     * line with "Connection: close"; nginx's access log shows what arrived.
     */
    @Test
    void httpProtocolSetsTheRequestLineAndConnectionHeaderAsKeepalived(@TempDir Path dir) throws Exception {
        int port = freePort();
        String servers = """
                log_format proto '$request|$http_connection|$http_host';
                server {
                    listen 127.0.0.1:%d;
                    root %s/html;
                    access_log %s/access.log proto;
                }""".formatted(port, dir, dir);
        Files.createDirectories(dir.resolve("html"));
        Files.writeString(dir.resolve("html/health"), "ok\n");
        try (Nginx nginx = new Nginx(dir, servers, port)) {
            nginx.start();
            CheckSettings.Url health = new CheckSettings.Url(
                    "/health", List.of(new CheckSettings.StatusRange(200, 299)), md5("ok\n"), null, false, null);
            for (String p : List.of("1.0", "1.0C", "1.1")) {
                ProbeResult r = once(io.probe(new CheckSettings.Http(
                        false,
                        new InetSocketAddress(LOOPBACK, port),
                        null,
                        2000 * MS,
                        "www.example.test",
                        false,
                        List.of(health),
                        p)));
                assertTrue(r.success(), p + ": " + r.reason());
            }
            List<String> log = List.of();
            for (int i = 0; i < 100 && log.size() < 3; i++) {
                Thread.sleep(20);
                log = Files.exists(dir.resolve("access.log")) ? Files.readAllLines(dir.resolve("access.log")) : log;
            }
            assertEquals(
                    List.of(
                            "GET /health HTTP/1.0|-|www.example.test",
                            "GET /health HTTP/1.0|close|www.example.test",
                            "GET /health HTTP/1.1|close|www.example.test"),
                    log);
        }
    }

    static void selfSigned(Path dir, String cn, Path key, Path cert) throws Exception {
        Process openssl = new ProcessBuilder(
                        "openssl",
                        "req",
                        "-x509",
                        "-newkey",
                        "rsa:2048",
                        "-nodes",
                        "-days",
                        "1",
                        "-subj",
                        "/CN=" + cn,
                        "-keyout",
                        key.toString(),
                        "-out",
                        cert.toString())
                .redirectErrorStream(true)
                .redirectOutput(dir.resolve("openssl-" + cn + ".log").toFile())
                .start();
        assertTrue(openssl.waitFor(60, TimeUnit.SECONDS) && openssl.exitValue() == 0, "openssl for " + cn);
    }

    /**
     * The SSL block's ca, as keepalived's check_ssl.c: loaded (SSL_CTX_load_verify_locations), a
     * file that cannot be loaded stops the checks, and the real server's certificate is still not
     * verified (keepalived never sets SSL_VERIFY_PEER): a ca that did not sign it changes nothing.
     */
    @Test
    void theSslBlocksCaIsLoadedButTheServersCertificateIsNotVerifiedAgainstIt(@TempDir Path dir) throws Exception {
        Path key = dir.resolve("key.pem");
        Path cert = dir.resolve("cert.pem");
        selfSigned(dir, "rs1.example.test", key, cert);
        Path caKey = dir.resolve("ca-key.pem");
        Path ca = dir.resolve("ca.pem");
        selfSigned(dir, "Another CA", caKey, ca);
        for (Path bad : List.of(dir.resolve("missing.pem"), key, dir.resolve("html"))) {
            Files.createDirectories(dir.resolve("html"));
            javax.net.ssl.SSLException e = org.junit.jupiter.api.Assertions.assertThrows(
                    javax.net.ssl.SSLException.class,
                    () -> new ProbeIo(1, new ProbeIo.ClientCertificate(null, null, null, bad.toFile())).close());
            assertTrue(e.getMessage().startsWith("SSL error: cannot load CA file " + bad), e.getMessage());
        }
        int port = freePort();
        String servers = """
                log_format proto '$request|$http_connection';
                server {
                    listen 127.0.0.1:%d ssl;
                    ssl_certificate %s;
                    ssl_certificate_key %s;
                    root %s/html;
                    access_log %s/access.log proto;
                }""".formatted(port, cert, key, dir, dir);
        Files.writeString(dir.resolve("html/health"), "secure\n");
        try (Nginx nginx = new Nginx(dir, servers, port);
                ProbeIo withCa = new ProbeIo(1, new ProbeIo.ClientCertificate(null, null, null, ca.toFile()))) {
            nginx.start();
            CheckSettings.Url health = new CheckSettings.Url(
                    "/health", List.of(new CheckSettings.StatusRange(200, 299)), md5("secure\n"), null, false, null);
            ProbeResult ok = once(withCa.probe(new CheckSettings.Http(
                    true,
                    new InetSocketAddress(LOOPBACK, port),
                    null,
                    2000 * MS,
                    null,
                    false,
                    List.of(health),
                    "1.0")));
            assertTrue(ok.success(), "not verified against the ca, as keepalived: " + ok.reason());
            // and SSL_GET's request is http_protocol's too
            List<String> log = List.of();
            for (int i = 0; i < 100 && log.isEmpty(); i++) {
                Thread.sleep(20);
                log = Files.exists(dir.resolve("access.log")) ? Files.readAllLines(dir.resolve("access.log")) : log;
            }
            assertEquals(List.of("GET /health HTTP/1.0|-"), log);
        }
    }

    static ProbeResult once(Probe p) throws Exception {
        CompletableFuture<ProbeResult> f = new CompletableFuture<>();
        p.run(f::complete);
        return f.get(10, TimeUnit.SECONDS);
    }
}
