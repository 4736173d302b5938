package org.hadirector.director;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.hadirector.healthcheck.HealthStatus;
import org.hadirector.sys.RealServerId;
import org.hadirector.sys.ServiceId;
import org.hadirector.vrrp.InstanceStatus;
import org.hadirector.vrrp.VrrpState;
import org.junit.jupiter.api.Test;

/**
 * The HTTP endpoint on loopback: what it serves, what it refuses, that nothing there changes
 * state, and its bounds: slow clients cut off without holding up others, a connection cap, and
 * descriptors that come back after abuse.
 */
class HttpEndpointTest {
    static final byte[] GET = "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
    static final byte[] PARTIAL = "GET /metrics HTTP/1.1\r\nHost: x\r\n".getBytes(StandardCharsets.US_ASCII);
    static final byte[] GARBAGE = "\u0000\u0001GARBAGE / \r\n\r\n".getBytes(StandardCharsets.ISO_8859_1);

    static HttpEndpoint start(BoundedServer.Limits limits) throws Exception {
        return HttpEndpoint.start(
                new InetSocketAddress(InetAddress.getLoopbackAddress(), 0),
                new ControlCommands(new Director(null)),
                List::of,
                limits);
    }

    static InetSocketAddress at(HttpEndpoint e) {
        return new InetSocketAddress("127.0.0.1", e.port());
    }

    static boolean ok(String answer) {
        return answer.startsWith("HTTP/1.1 200 OK")
                && answer.contains("# TYPE hadirector_vrrp_state gauge")
                && answer.contains("hadirector_endpoint_connections_open{endpoint=\"http\"}");
    }

    /**
     * Slowloris: 30 clients that withhold the end of their request or say nothing hold up none of
     * 20 requests made meanwhile, and are closed at the 5 s deadline.
     */
    @Test
    void slowClientsAreCutOffAndDoNotHoldUpOthers() throws Exception {
        try (HttpEndpoint e = start(HttpEndpoint.LIMITS)) {
            assertTrue(ok(ClientMix.exchange(at(e), GET, 5_000)));
            List<SocketChannel> slow = new ArrayList<>();
            try {
                long t0 = System.nanoTime();
                for (int i = 0; i < 30; i++) {
                    SocketChannel c = SocketChannel.open(at(e));
                    if (i % 2 == 0) {
                        c.write(ByteBuffer.wrap(PARTIAL)); // the headers' end never comes
                    }
                    slow.add(c);
                }
                for (int i = 0; i < 20; i++) {
                    String a = ClientMix.exchange(at(e), GET, 5_000);
                    assertTrue(ok(a), a);
                }
                long served = System.nanoTime() - t0;
                assertTrue(
                        served < 4_000_000_000L,
                        "20 requests took " + served / 1_000_000 + " ms beside 30 slow clients");
                for (SocketChannel c : slow) {
                    try (java.nio.channels.Selector sel = java.nio.channels.Selector.open()) {
                        assertEquals(
                                "", ClientMix.readAll(c, sel, 10_000), "a slow client is closed without an answer");
                    }
                }
                long closed = System.nanoTime() - t0;
                assertTrue(
                        closed > 4_900_000_000L && closed < 10_000_000_000L,
                        "closed after " + closed / 1_000_000 + " ms");
                assertEquals(30, e.stats().timedOut(), e.stats().toString());
            } finally {
                for (SocketChannel c : slow) {
                    c.close();
                }
            }
        }
    }

    /** Over the cap a connection gets a 503 at once and is closed; it is counted, and the endpoint serves again after. */
    @Test
    void overTheCapAConnectionIsRefusedAtOnceAndCounted() throws Exception {
        try (HttpEndpoint e = start(new BoundedServer.Limits(4, 3_000, 5_000, 1_000, 2))) {
            List<SocketChannel> idle = new ArrayList<>();
            try {
                for (int i = 0; i < 4; i++) {
                    idle.add(SocketChannel.open(at(e)));
                }
                assertTrue(
                        ClientMix.eventually(() -> e.stats().open() == 4),
                        e.stats().toString());
                long t = System.nanoTime();
                String a = ClientMix.exchange(at(e), GET, 5_000);
                assertTrue(a.startsWith("HTTP/1.1 503") && a.endsWith("too many connections\n"), a);
                assertTrue(System.nanoTime() - t < 1_000_000_000L, "refused at once");
                assertEquals(1, e.stats().overCap());
            } finally {
                for (SocketChannel c : idle) {
                    c.close();
                }
            }
            assertTrue(
                    ClientMix.eventually(() -> e.stats().open() == 0), e.stats().toString());
            assertTrue(ok(ClientMix.exchange(at(e), GET, 5_000)));
            assertTrue(e.serving());
            String m = ClientMix.exchange(at(e), GET, 5_000);
            assertTrue(m.contains("hadirector_endpoint_refused_total{endpoint=\"http\",reason=\"over_cap\"} 1\n"), m);
        }
    }

    /**
     * 10,000 connections (good, malformed, abandoned before and after the request) plus 200 slow
     * ones: every good request answered, and the process's descriptors back where they were.
     */
    @Test
    void tenThousandMixedRequestsLeaveNoDescriptorBehind() throws Exception {
        try (HttpEndpoint e = start(new BoundedServer.Limits(64, 500, 5_000, 1_000, 2))) {
            assertTrue(ok(ClientMix.exchange(at(e), GET, 5_000)));
            assertTrue(ClientMix.eventually(() -> e.stats().open() == 0));
            long before = ClientMix.openFds();
            long t0 = System.nanoTime();
            ClientMix.Outcome o = ClientMix.run(
                    at(e),
                    10_000,
                    6,
                    GET,
                    HttpEndpointTest::ok,
                    a -> a.startsWith("HTTP/1.1 503"),
                    GARBAGE,
                    PARTIAL,
                    200,
                    20);
            long ms = (System.nanoTime() - t0) / 1_000_000;
            assertTrue(
                    ClientMix.eventually(() -> e.stats().open() == 0), e.stats().toString());
            long after = ClientMix.openFds();
            System.out.printf(
                    "http: 10,200 connections in %d ms: %s; %s; descriptors %d before, %d after%n",
                    ms, o, e.stats(), before, after);
            assertEquals(6_000, o.good(), o.toString());
            assertEquals(0, o.failed(), o.toString());
            assertTrue(after <= before + 4, "descriptors " + before + " before, " + after + " after");
            assertTrue(e.stats().timedOut() >= 200, e.stats().toString());
            assertTrue(e.stats().malformed() >= 2_000, e.stats().toString());
            assertTrue(ok(ClientMix.exchange(at(e), GET, 5_000)));
        }
    }

    /** A client that sends a body, or more than its request, still gets its whole answer (the close lingers). */
    @Test
    void extraInputDoesNotDestroyTheAnswer() throws Exception {
        try (HttpEndpoint e = start(HttpEndpoint.LIMITS)) {
            byte[] post = ("POST /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n" + "y".repeat(100_000))
                    .getBytes(StandardCharsets.US_ASCII);
            String a = ClientMix.exchange(at(e), post, 5_000);
            assertTrue(a.startsWith("HTTP/1.1 405"), a);
            String two = ClientMix.exchange(
                    at(e),
                    "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\nGET /status HTTP/1.1\r\n\r\n"
                            .getBytes(StandardCharsets.US_ASCII),
                    5_000);
            assertTrue(ok(two), two);
            assertFalse(two.contains("vrrpInstances"), "one request per connection");
            try (SocketChannel c = SocketChannel.open(at(e));
                    java.nio.channels.Selector sel = java.nio.channels.Selector.open()) {
                c.write(ByteBuffer.wrap(GET));
                c.shutdownOutput(); // as `printf ... | nc -N` does: the request, then end of input
                String halfClosed = ClientMix.readAll(c, sel, 5_000);
                assertTrue(ok(halfClosed), halfClosed);
            }
            String head = ClientMix.exchange(
                    at(e), "HEAD /metrics HTTP/1.0\r\n\r\n".getBytes(StandardCharsets.US_ASCII), 5_000);
            assertTrue(
                    head.startsWith("HTTP/1.1 200") && head.endsWith("\r\n\r\n") && !head.contains("content-length: 0"),
                    head);
        }
    }

    @Test
    void servesMetricsAndStatusAndRefusesTheRest() throws Exception {
        try (HttpEndpoint e = HttpEndpoint.start(
                new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), new ControlCommands(new Director(null)))) {
            HttpClient c = HttpClient.newHttpClient();
            String base = "http://127.0.0.1:" + e.port();
            HttpResponse<String> m = c.send(
                    HttpRequest.newBuilder(URI.create(base + "/metrics")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(200, m.statusCode());
            assertEquals(
                    "text/plain; version=0.0.4; charset=utf-8",
                    m.headers().firstValue("Content-Type").orElse(""));
            assertTrue(m.body().contains("# TYPE hadirector_vrrp_state gauge"), m.body());
            assertTrue(
                    m.body().contains("hadirector_endpoint_refused_total{endpoint=\"http\",reason=\"over_cap\"} 0\n"),
                    m.body());
            for (String line : m.body().split("\n")) {
                assertTrue(
                        line.matches("# (HELP|TYPE) hadirector_[a-z0-9_]+ .+")
                                || line.matches(
                                        "hadirector_[a-z0-9_]+(\\{([a-z]+=\"([^\"\\\\]|\\\\.)*\",?)+\\})? -?[0-9.eE+-]+"),
                        line);
            }
            HttpResponse<String> s = c.send(
                    HttpRequest.newBuilder(URI.create(base + "/status")).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(200, s.statusCode());
            assertTrue(s.body().contains("\"vrrpInstances\""), s.body());
            assertEquals(
                    405,
                    c.send(
                                    HttpRequest.newBuilder(URI.create(base + "/metrics"))
                                            .POST(HttpRequest.BodyPublishers.ofString("x"))
                                            .build(),
                                    HttpResponse.BodyHandlers.ofString())
                            .statusCode());
            assertEquals(
                    405,
                    c.send(
                                    HttpRequest.newBuilder(URI.create(base + "/status"))
                                            .DELETE()
                                            .build(),
                                    HttpResponse.BodyHandlers.ofString())
                            .statusCode());
            assertEquals(
                    404,
                    c.send(
                                    HttpRequest.newBuilder(URI.create(base + "/vrrp/demote"))
                                            .build(),
                                    HttpResponse.BodyHandlers.ofString())
                            .statusCode());
            // garbage on the wire: an error status, never a crash; the endpoint still serves afterwards
            try (Socket raw = new Socket("127.0.0.1", e.port())) {
                raw.setSoTimeout(5000);
                OutputStream out = raw.getOutputStream();
                out.write("\u0000\u0001GARBAGE / \r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
                out.flush();
                InputStream in = raw.getInputStream();
                String answer = new String(in.readNBytes(12), StandardCharsets.US_ASCII);
                assertTrue(answer.isEmpty() || answer.startsWith("HTTP/1.1 4"), answer);
            }
            assertEquals(
                    200,
                    c.send(
                                    HttpRequest.newBuilder(URI.create(base + "/metrics"))
                                            .build(),
                                    HttpResponse.BodyHandlers.ofString())
                            .statusCode());
        }
    }

    @Test
    void addressSpecs() {
        assertEquals(new InetSocketAddress("127.0.0.1", 9650), HttpEndpoint.parse("9650"));
        assertEquals(new InetSocketAddress("198.18.0.11", 9650), HttpEndpoint.parse("198.18.0.11:9650"));
        assertEquals(new InetSocketAddress("::1", 9650), HttpEndpoint.parse("[::1]:9650"));
        for (String bad : List.of("", "x", "0", "70000", "example.com:80", ":80", "1.2.3.4:")) {
            assertThrows(IllegalArgumentException.class, () -> HttpEndpoint.parse(bad), bad);
        }
    }

    @Test
    void prometheusTextIsWellFormed() {
        InstanceStatus vi = new InstanceStatus(
                "VI_\"1",
                "e0",
                VrrpState.MASTER,
                150,
                150,
                "198.18.0.11",
                List.of(),
                10,
                2,
                1,
                "BACKUP -> MASTER",
                List.of(new InstanceStatus.DropCount("WRONG_AUTH", 3)));
        HealthStatus h = new HealthStatus(
                List.of(new HealthStatus.Service(
                        ServiceId.parse("TCP 198.18.0.100:80"),
                        true,
                        true,
                        List.of(new HealthStatus.Server(
                                RealServerId.parse("198.18.0.21:80"),
                                true,
                                2,
                                List.of(new HealthStatus.Checker(
                                        "HTTP_GET 198.18.0.21:80 /health", true, 0, true, "ok", 5, 1500, 7)))),
                        List.of())),
                new HealthStatus.Scheduler(7, 0, 0, 2048, 0, 1, 1.5));
        String text = PrometheusText.render(
                List.of(vi),
                h,
                new StatusReport.Table(
                        "userspace DR",
                        3,
                        0,
                        "master",
                        4,
                        0,
                        new StatusReport.Forwarder(
                                100,
                                java.util.Map.of("not_syn", 2L),
                                0,
                                5,
                                0,
                                0,
                                0,
                                0,
                                1000,
                                3,
                                1,
                                2,
                                5,
                                4,
                                java.util.Map.of("tx", 7L, "placed", 4L)),
                        null),
                null,
                List.of(
                        new Parts.Part("dataplane", false, "link e0 is down", 1),
                        new Parts.Part("vrrp VI_1", true, null, 0)));
        assertTrue(text.contains("hadirector_part_up{part=\"dataplane\"} 0\n"), text);
        assertTrue(text.contains("hadirector_part_up{part=\"vrrp VI_1\"} 1\n"), text);
        assertTrue(text.contains("hadirector_dr_half_open_evicted_total 3\n"), text);
        assertTrue(text.contains("hadirector_xdp_frames_total{action=\"placed\"} 4\n"), text);
        assertTrue(text.contains("hadirector_dr_mid_flow_connections_total{by=\"forwarder\"} 1\n"), text);
        assertTrue(text.contains("hadirector_vrrp_state{instance=\"VI_\\\"1\",state=\"MASTER\"} 1\n"), text);
        assertTrue(
                text.contains("hadirector_vrrp_adverts_dropped_total{instance=\"VI_\\\"1\",reason=\"WRONG_AUTH\"} 3\n"),
                text);
        assertTrue(
                text.contains(
                        "hadirector_check_last_duration_seconds{service=\"TCP 198.18.0.100:80\",server=\"198.18.0.21:80\","
                                + "check=\"HTTP_GET 198.18.0.21:80 /health\"} 0.0015\n"),
                text);
        assertTrue(
                PrometheusText.logDropped(7)
                        .contains("# TYPE hadirector_log_lines_dropped_total counter\n"
                                + "hadirector_log_lines_dropped_total 7\n"),
                PrometheusText.logDropped(7));
        assertEquals("", PrometheusText.logDropped(-1), "no count under an operator's own logback file");
        assertTrue(text.contains("hadirector_sync_master 1\n"), text);
        assertTrue(text.contains("hadirector_dr_dropped_total{reason=\"not_syn\"} 2\n"), text);
        for (String line : text.split("\n")) {
            assertTrue(
                    line.matches("# (HELP|TYPE) hadirector_[a-z0-9_]+ .+")
                            || line.matches(
                                    "hadirector_[a-z0-9_]+(\\{([a-z]+=\"([^\"\\\\]|\\\\.)*\",?)+\\})? -?[0-9.eE+-]+"),
                    line);
        }
    }

    /** @hadirector announce in status and /metrics: each VIP on the interface or not, and BIRD's view. */
    @Test
    void theAnnouncementAndBirdsSessionsAreInStatusAndMetrics() {
        StatusReport.Announce a = new StatusReport.Announce(
                "hd-announce",
                new java.util.LinkedHashMap<>(java.util.Map.of("198.18.0.100", true)),
                null,
                new StatusReport.Bird(
                        "/run/bird/bird.ctl",
                        1500,
                        null,
                        List.of(
                                new org.hadirector.director.bird.BirdWatch.Session(
                                        "uplink", true, "up", "Established", List.of("198.18.0.100/32")),
                                new org.hadirector.director.bird.BirdWatch.Session(
                                        "uplink2", false, "start", "Active  Socket: Connection refused", List.of())),
                        2));
        StatusReport.Table t = new StatusReport.Table("userspace DR", 0, 0, "none", 0, 0, null, a);
        String metrics = PrometheusText.render(List.of(), null, t, null, List.of());
        assertTrue(metrics.contains("hadirector_vip_announced{vip=\"198.18.0.100\"} 1\n"), metrics);
        assertTrue(metrics.contains("hadirector_bgp_session_up{protocol=\"uplink\"} 1\n"), metrics);
        assertTrue(metrics.contains("hadirector_bgp_session_up{protocol=\"uplink2\"} 0\n"), metrics);
        assertTrue(metrics.contains("hadirector_vip_exported{vip=\"198.18.0.100\",protocol=\"uplink\"} 1\n"), metrics);
        assertTrue(metrics.contains("hadirector_vip_exported{vip=\"198.18.0.100\",protocol=\"uplink2\"} 0\n"), metrics);
        assertTrue(metrics.contains("hadirector_bird_read_errors_total 2\n"), metrics);
        String text = StatusReport.text(List.of(), null, t, List.of());
        assertTrue(text.contains("announce: hd-announce: 198.18.0.100 announced\n"), text);
        assertTrue(text.contains("bird: /run/bird/bird.ctl read 1.5 s ago\n"), text);
        assertTrue(text.contains("  uplink  Established  exports 198.18.0.100/32\n"), text);
        assertTrue(text.contains("  uplink2  start  Active  Socket: Connection refused\n"), text);
        String json = StatusReport.json(List.of(), null, t, List.of());
        assertTrue(json.contains("\"hd-announce\""), json);
    }
}
