package org.hadirector.healthcheck;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** HTTP_GET's request and reading against keepalived 2.2.7's check_http.c and lib/html.c, byte for byte. */
class HttpExchangeTest {
    static final List<CheckSettings.StatusRange> OK = List.of(new CheckSettings.StatusRange(200, 299));

    static CheckSettings.Http http(String target, String vhost, String protocol, CheckSettings.Url url)
            throws Exception {
        return new CheckSettings.Http(
                false,
                new InetSocketAddress(InetAddress.getByName(target), 8080),
                null,
                1,
                vhost,
                false,
                List.of(url),
                protocol);
    }

    static CheckSettings.Url url(String path, String digest, String vhost) {
        return new CheckSettings.Url(path, OK, digest, null, false, vhost);
    }

    static String md5(String s) throws Exception {
        return HexFormat.of()
                .formatHex(MessageDigest.getInstance("MD5").digest(s.getBytes(StandardCharsets.ISO_8859_1)));
    }

    /** Feeds {@code response} in pieces of {@code step} bytes, then the end of the stream. */
    static ProbeResult read(HttpExchange x, String response, int step) {
        byte[] b = response.getBytes(StandardCharsets.ISO_8859_1);
        for (int i = 0; i < b.length; i += step) {
            // an offset into a larger buffer, as the connector's reads are not
            byte[] buf = new byte[step + 7];
            int n = Math.min(step, b.length - i);
            System.arraycopy(b, i, buf, 3, n);
            ProbeResult r = x.received(buf, 3, n);
            if (r != null) {
                return r;
            }
        }
        return x.ended();
    }

    @Test
    void theRequestIsKeepalivedsTemplate() throws Exception {
        CheckSettings.Url u = url("/health", null, null);
        assertEquals(
                "GET /health HTTP/1.0\r\nUser-Agent: KeepAliveClient\r\nHost: 198.18.0.21:8080\r\n\r\n",
                new String(HttpExchange.request(http("198.18.0.21", null, "1.0", u), u)));
        assertEquals(
                "GET /health HTTP/1.0\r\nUser-Agent: KeepAliveClient\r\nConnection: close\r\nHost: www.example.test\r\n\r\n",
                new String(HttpExchange.request(http("198.18.0.21", "www.example.test", "1.0C", u), u)));
        // the url's virtualhost before the checker's; IPv6 in brackets, compressed as inet_ntop writes it
        CheckSettings.Url v = url("health", null, "url.example.test");
        assertEquals(
                "GET health HTTP/1.1\r\nUser-Agent: KeepAliveClient\r\nConnection: close\r\nHost: url.example.test\r\n\r\n",
                new String(HttpExchange.request(http("198.18.0.21", "www.example.test", "1.1", v), v)));
        assertEquals(
                "GET / HTTP/1.0\r\nUser-Agent: KeepAliveClient\r\nHost: [2001:db8::21]:8080\r\n\r\n",
                new String(HttpExchange.request(
                        http("2001:db8:0:0:0:0:0:21", null, null, url("/", null, null)), url("/", null, null))));
    }

    @Test
    void theStatusIsThreeDigitsBetweenTheFirstTwoSpaces() {
        assertEquals(200, status("HTTP/1.1 200 OK\r\n\r\n"));
        assertEquals(204, status("HTTP/1.0 204 \r\n\r\n"));
        // no space after the code (no reason phrase): keepalived reads no status, and fails the check
        assertEquals(0, status("HTTP/1.1 200\r\n\r\n"));
        assertEquals(0, status("HTTP/1.1 2000 OK\r\n\r\n"));
        assertEquals(0, status("HTTP/1.1  200 OK\r\n\r\n"));
        assertEquals(0, status("HTTP/1.1 2x0 OK\r\n\r\n"));
        assertEquals(0, status("HTTP/1.1\r\n 200 OK\r\n\r\n"));
        assertEquals(999, status("X 999 whatever\r\n\r\n"));
    }

    static int status(String header) {
        byte[] b = header.getBytes(StandardCharsets.ISO_8859_1);
        return HttpExchange.statusCode(b, b.length);
    }

    static long length(String header) {
        byte[] b = header.getBytes(StandardCharsets.ISO_8859_1);
        return HttpExchange.contentLength(b, b.length);
    }

    @Test
    void contentLengthIsReadAsStrtoulReadsIt() {
        assertEquals(12, length("HTTP/1.1 200 OK\r\nContent-Length: 12\r\n\r\n"));
        assertEquals(12, length("HTTP/1.1 200 OK\r\nContent-Length:12\r\n\r\n"));
        assertEquals(12, length("HTTP/1.1 200 OK\r\nContent-Length:\t +12\r\n\r\n"));
        // the exact spelling only, and the number must end the line
        assertEquals(-1, length("HTTP/1.1 200 OK\r\ncontent-length: 12\r\n\r\n"));
        assertEquals(-1, length("HTTP/1.1 200 OK\r\nContent-Length: 12 \r\n\r\n"));
        assertEquals(-1, length("HTTP/1.1 200 OK\r\nContent-Length: 12x\r\n\r\n"));
        // no digits: strtoul's end stays after the colon
        assertEquals(0, length("HTTP/1.1 200 OK\r\nContent-Length:\r\n\r\n"));
        assertEquals(-1, length("HTTP/1.1 200 OK\r\nContent-Length: x\r\n\r\n"));
        assertEquals(-1, length("HTTP/1.1 200 OK\r\nContent-Length: -3\r\n\r\n"));
        assertEquals(-1, length("HTTP/1.1 200 OK\r\nContent-Length: 99999999999999999999999\r\n\r\n"));
    }

    @Test
    void theDigestIsOfTheBodyAsSentUpToContentLengthInAnyPieces() throws Exception {
        String body = "<html>ok</html>\n";
        for (int step : new int[] {1, 2, 3, 5, 64, 4096}) {
            HttpExchange x = new HttpExchange(url("/", md5(body), null), null);
            assertTrue(read(x, "HTTP/1.0 200 OK\r\nContent-Length: 16\r\n\r\n" + body + "trailing junk", step)
                    .success());
            // without Content-Length, everything to the end of the stream
            x = new HttpExchange(url("/", md5(body + "more"), null), null);
            assertTrue(read(x, "HTTP/1.0 200 OK\r\n\r\n" + body + "more", step).success(), "step " + step);
        }
        // chunked: the chunk sizes are part of what is digested, as keepalived does not decode them
        String chunked = "5\r\nhello\r\n0\r\n\r\n";
        HttpExchange x = new HttpExchange(url("/", md5(chunked), null), null);
        assertTrue(read(x, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" + chunked, 7)
                .success());
        x = new HttpExchange(url("/", md5("hello"), null), null);
        ProbeResult r = read(x, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" + chunked, 7);
        assertEquals("/: digest " + md5(chunked) + ", want " + md5("hello"), r.reason());
    }

    @Test
    void aStatusOutsideTheRangesDecidesAtOnce() {
        HttpExchange x = new HttpExchange(url("/h", null, null), null);
        ProbeResult r = x.received("HTTP/1.1 503 Busy\r\n\r\nx".getBytes(), 0, 22);
        assertFalse(r.success());
        assertEquals("/h: status 503, want 200-299", r.reason());
        x = new HttpExchange(url("/h", null, null), null);
        assertEquals(
                "/h: status 0, want 200-299",
                read(x, "HTTP/1.1 200\r\n\r\n", 100).reason());
    }

    @Test
    void theHeaderMustEndWithinKeepalivedsBuffer() {
        String big = "HTTP/1.0 200 OK\r\nX: " + "a".repeat(HttpExchange.HEADER_LIMIT) + "\r\n\r\n";
        HttpExchange x = new HttpExchange(url("/", null, null), null);
        assertEquals(
                "/: no end of the HTTP header in its first 4095 bytes",
                read(x, big, 1000).reason());
        // exactly filling the buffer is fine
        String fits = "HTTP/1.0 200 OK\r\nX: " + "a".repeat(HttpExchange.HEADER_LIMIT - 24) + "\r\n\r\n";
        assertEquals(HttpExchange.HEADER_LIMIT, fits.length());
        assertTrue(read(new HttpExchange(url("/", null, null), null), fits + "body", 999)
                .success());
        assertEquals(
                "/: no data received",
                new HttpExchange(url("/", null, null), null).ended().reason());
        assertEquals(
                "/: connection closed before the end of the HTTP header",
                read(new HttpExchange(url("/", null, null), null), "HTTP/1.0 200 OK\r\n", 5)
                        .reason());
    }

    @Test
    void regexSeesTheBody() {
        CheckSettings.Url u = new CheckSettings.Url("/", OK, null, "ready", false, null);
        assertTrue(read(new HttpExchange(u, Pattern.compile("ready")), "HTTP/1.0 200 OK\r\n\r\nall ready\n", 4)
                .success());
        ProbeResult r = read(new HttpExchange(u, Pattern.compile("ready")), "HTTP/1.0 200 OK\r\n\r\nstarting\n", 4);
        assertEquals("/: body does not match /ready/", r.reason());
        CheckSettings.Url not = new CheckSettings.Url("/", OK, null, "error", true, null);
        assertEquals(
                "/: body matches /error/",
                read(new HttpExchange(not, Pattern.compile("error")), "HTTP/1.0 200 OK\r\n\r\nerror\n", 3)
                        .reason());
        assertNull(new HttpExchange(u, null).header());
    }
}
