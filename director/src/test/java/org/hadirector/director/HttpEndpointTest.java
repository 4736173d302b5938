package org.hadirector.director;

import static org.junit.jupiter.api.Assertions.assertEquals;
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
import java.nio.charset.StandardCharsets;
import java.util.List;

import org.hadirector.healthcheck.HealthStatus;
import org.hadirector.vrrp.InstanceStatus;
import org.hadirector.vrrp.VrrpState;
import org.junit.jupiter.api.Test;

/** The HTTP endpoint on loopback: what it serves, what it refuses, and that nothing there changes state. */
class HttpEndpointTest {

    @Test
    void servesMetricsAndStatusAndRefusesTheRest() throws Exception {
        try (HttpEndpoint e = HttpEndpoint.start(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0),
                new ControlCommands(new Director(null)))) {
            HttpClient c = HttpClient.newHttpClient();
            String base = "http://127.0.0.1:" + e.port();
            HttpResponse<String> m = c.send(HttpRequest.newBuilder(URI.create(base + "/metrics")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(200, m.statusCode());
            assertEquals("text/plain; version=0.0.4; charset=utf-8", m.headers().firstValue("Content-Type").orElse(""));
            assertTrue(m.body().contains("# TYPE hadirector_vrrp_state gauge"), m.body());
            HttpResponse<String> s = c.send(HttpRequest.newBuilder(URI.create(base + "/status")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(200, s.statusCode());
            assertTrue(s.body().contains("\"vrrpInstances\""), s.body());
            assertEquals(405, c.send(HttpRequest.newBuilder(URI.create(base + "/metrics"))
                    .POST(HttpRequest.BodyPublishers.ofString("x")).build(), HttpResponse.BodyHandlers.ofString()).statusCode());
            assertEquals(405, c.send(HttpRequest.newBuilder(URI.create(base + "/status"))
                    .DELETE().build(), HttpResponse.BodyHandlers.ofString()).statusCode());
            assertEquals(404, c.send(HttpRequest.newBuilder(URI.create(base + "/vrrp/demote")).build(),
                    HttpResponse.BodyHandlers.ofString()).statusCode());
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
            assertEquals(200, c.send(HttpRequest.newBuilder(URI.create(base + "/metrics")).build(),
                    HttpResponse.BodyHandlers.ofString()).statusCode());
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
        InstanceStatus vi = new InstanceStatus("VI_\"1", "e0", VrrpState.MASTER, 150, 150, "198.18.0.11", List.of(),
                10, 2, 1, "BACKUP -> MASTER", List.of(new InstanceStatus.DropCount("WRONG_AUTH", 3)));
        HealthStatus h = new HealthStatus(List.of(new HealthStatus.Service("TCP 198.18.0.100:80", true,
                List.of(new HealthStatus.Server("198.18.0.21:80", true, 2, List.of(new HealthStatus.Checker(
                        "HTTP_GET 198.18.0.21:80 /health", true, 0, true, "ok", 5, 1500, 7)))), List.of())),
                new HealthStatus.Scheduler(7, 0, 0, 2048, 0, 1, 1.5));
        String text = PrometheusText.render(List.of(vi), h,
                new StatusReport.Table("userspace DR", 3, 0, "master", 4, 0,
                        new StatusReport.Forwarder(100, java.util.Map.of("not_syn", 2L), 0, 5, 0, 0, 0, 0, 1000, 3, 1, 2)), null,
                List.of(new Parts.Part("dataplane", false, "link e0 is down", 1), new Parts.Part("vrrp VI_1", true, null, 0)));
        assertTrue(text.contains("hadirector_part_up{part=\"dataplane\"} 0\n"), text);
        assertTrue(text.contains("hadirector_part_up{part=\"vrrp VI_1\"} 1\n"), text);
        assertTrue(text.contains("hadirector_dr_half_open_evicted_total 3\n"), text);
        assertTrue(text.contains("hadirector_vrrp_state{instance=\"VI_\\\"1\",state=\"MASTER\"} 1\n"), text);
        assertTrue(text.contains("hadirector_vrrp_adverts_dropped_total{instance=\"VI_\\\"1\",reason=\"WRONG_AUTH\"} 3\n"), text);
        assertTrue(text.contains("hadirector_check_last_duration_seconds{service=\"TCP 198.18.0.100:80\",server=\"198.18.0.21:80\","
                + "check=\"HTTP_GET 198.18.0.21:80 /health\"} 0.0015\n"), text);
        assertTrue(text.contains("hadirector_sync_master 1\n"), text);
        assertTrue(text.contains("hadirector_dr_dropped_total{reason=\"not_syn\"} 2\n"), text);
        for (String line : text.split("\n")) {
            assertTrue(line.matches("# (HELP|TYPE) hadirector_[a-z0-9_]+ .+")
                    || line.matches("hadirector_[a-z0-9_]+(\\{([a-z]+=\"([^\"\\\\]|\\\\.)*\",?)+\\})? -?[0-9.eE+-]+"), line);
        }
    }
}
