package org.hadirector.director;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * `hadirector genhash` against keepalived 2.2.7's own genhash on the same pages, byte-exact
 * answers from a server of the test's own: both must print the same MD5 (the digest HTTP_GET
 * compares), for a plain page, a body cut by Content-Length, a chunked body (digested as sent, chunk
 * sizes included), a body without Content-Length to the end of the stream, and a 404. Also checks
 * that both send the same request.
 */
class GenhashInteropTest {
    static final String KEEPALIVED_GENHASH = "/usr/bin/genhash";

    /** Path -> the whole response, sent as is; each request line seen, by path. */
    static final Map<String, String> PAGES = Map.of(
            "/plain", "HTTP/1.0 200 OK\r\nContent-Type: text/html\r\nContent-Length: 16\r\n\r\n<html>ok</html>\n",
            "/cut", "HTTP/1.0 200 OK\r\nContent-Length: 5\r\n\r\nhello, and more than was announced",
            "/chunked", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n",
            "/toend", "HTTP/1.0 200 OK\r\nServer: x\r\n\r\nno length: read to the end of the stream\n",
            "/missing", "HTTP/1.0 404 Not Found\r\nContent-Length: 10\r\n\r\nnot found\n");

    @TempDir
    Path dir;

    @Test
    void bothGenhashesPrintTheSameDigestAndSendTheSameRequest() throws Exception {
        Assumptions.assumeTrue(Files.isExecutable(Path.of(KEEPALIVED_GENHASH)), "keepalived's genhash is installed");
        Map<String, String> requests = new ConcurrentHashMap<>();
        try (ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            Thread t = new Thread(() -> serve(server, requests));
            t.setDaemon(true);
            t.start();
            String port = Integer.toString(server.getLocalPort());
            for (String path : PAGES.keySet()) {
                for (String protocol : new String[] {"1.0", "1.1"}) {
                    String theirs = keepalived("-s", "127.0.0.1", "-p", port, "-u", path, "-P", protocol);
                    String theirRequest = requests.remove(path);
                    ByteArrayOutputStream o = new ByteArrayOutputStream();
                    int rc = new Main(
                                    new PrintStream(o, true, StandardCharsets.UTF_8),
                                    new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8),
                                    dir)
                            .run(new String[] {"genhash", "-s", "127.0.0.1", "-p", port, "-u", path, "-P", protocol});
                    assertEquals(0, rc, path);
                    String ours = o.toString(StandardCharsets.UTF_8).trim();
                    assertEquals("MD5SUM = " + theirs, ours, path + " HTTP/" + protocol);
                    assertEquals(theirRequest, requests.remove(path), "the request for " + path);
                }
            }
        }
    }

    /**
     * genhash -S against keepalived's genhash -S on a real nginx over TLS (a self-signed
     * certificate, not verified by either): a static file, a `return 200` page, a chunked one
     * (sub_filter takes the length away, so nginx sends HTTP/1.1 answers chunked and HTTP/1.0
     * ones to the end of the stream), nginx's 404 page, and SNI with -I -V; each with -P 1.0 and
     * 1.1. Both must print the same digest.
     */
    @Test
    void overTlsBothGenhashesPrintTheSameDigestForNginxPages() throws Exception {
        Assumptions.assumeTrue(Files.isExecutable(Path.of(KEEPALIVED_GENHASH)), "keepalived's genhash is installed");
        Assumptions.assumeTrue(Files.isExecutable(Path.of("/usr/sbin/nginx")), "nginx is installed");
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
                        dir.resolve("key.pem").toString(),
                        "-out",
                        dir.resolve("cert.pem").toString())
                .redirectErrorStream(true)
                .redirectOutput(dir.resolve("openssl.log").toFile())
                .start();
        assertTrue(
                openssl.waitFor(60, TimeUnit.SECONDS) && openssl.exitValue() == 0,
                Files.readString(dir.resolve("openssl.log")));
        Files.createDirectories(dir.resolve("html"));
        Files.createDirectories(dir.resolve("tmp"));
        StringBuilder big = new StringBuilder("<html>\n");
        for (int i = 0; i < 2000; i++) {
            big.append("<p>line ").append(i).append(": some text to fill more than one TLS record</p>\n");
        }
        Files.writeString(dir.resolve("html/static.html"), big + "</html>\n");
        Files.writeString(dir.resolve("html/chunked.txt"), big.toString().replace("<p>", "x "));
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        Path conf = dir.resolve("nginx.conf");
        Files.writeString(conf, """
                daemon off;
                master_process off;
                worker_processes 1;
                pid %1$s/nginx.pid;
                error_log %1$s/error.log;
                events { worker_connections 64; }
                http {
                    access_log off;
                    client_body_temp_path %1$s/tmp;
                    proxy_temp_path %1$s/tmp;
                    fastcgi_temp_path %1$s/tmp;
                    uwsgi_temp_path %1$s/tmp;
                    scgi_temp_path %1$s/tmp;
                    default_type text/plain;
                    server {
                        listen 127.0.0.1:%2$d ssl;
                        ssl_certificate %1$s/cert.pem;
                        ssl_certificate_key %1$s/key.pem;
                        root %1$s/html;
                        location = /return { return 200 "from return\n"; }
                        location = /sni { return 200 "sni=$ssl_server_name\n"; }
                        location = /chunked.txt { sub_filter "x " "y "; sub_filter_once off; sub_filter_types *; }
                    }
                }
                """.formatted(dir, port));
        Process nginx = new ProcessBuilder("nginx", "-p", dir.toString(), "-c", conf.toString())
                .redirectErrorStream(true)
                .redirectOutput(dir.resolve("nginx.log").toFile())
                .start();
        try {
            long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            boolean up = false;
            while (!up && System.nanoTime() < end && nginx.isAlive()) {
                try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
                    up = true;
                } catch (java.io.IOException e) {
                    Thread.sleep(20);
                }
            }
            assertTrue(up, "nginx listens: " + Files.readString(dir.resolve("nginx.log")));
            String p = Integer.toString(port);
            for (String protocol : new String[] {"1.0", "1.1"}) {
                for (String[] page : new String[][] {
                    {"-u", "/static.html"},
                    {"-u", "/return"},
                    {"-u", "/chunked.txt"},
                    {"-u", "/missing"},
                    {"-u", "/sni", "-I", "-V", "rs1.example.test"}
                }) {
                    java.util.List<String> args = new java.util.ArrayList<>(
                            java.util.List.of("-S", "-s", "127.0.0.1", "-p", p, "-P", protocol));
                    args.addAll(java.util.List.of(page));
                    String theirs = keepalived(args.toArray(String[]::new));
                    args.add(0, "genhash");
                    args.add("-v");
                    ByteArrayOutputStream o = new ByteArrayOutputStream();
                    int rc = new Main(
                                    new PrintStream(o, true, StandardCharsets.UTF_8),
                                    new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8),
                                    dir)
                            .run(args.toArray(String[]::new));
                    String ours = o.toString(StandardCharsets.UTF_8);
                    assertEquals(0, rc, page[1] + ": " + ours);
                    assertTrue(ours.contains("MD5SUM = " + theirs + "\n"), page[1] + " HTTP/" + protocol + ": " + ours);
                    if (page[1].equals("/chunked.txt") && protocol.equals("1.1")) {
                        assertTrue(ours.contains("Transfer-Encoding: chunked"), "nginx sent it chunked: " + ours);
                    }
                    if (page[1].equals("/sni")) {
                        assertEquals(
                                HexFormat.of()
                                        .formatHex(java.security.MessageDigest.getInstance("MD5")
                                                .digest("sni=rs1.example.test\n".getBytes(StandardCharsets.UTF_8))),
                                theirs,
                                "both sent the server name");
                    }
                }
            }
        } finally {
            nginx.destroy();
            nginx.waitFor(10, TimeUnit.SECONDS);
        }
    }

    /** keepalived's genhash: its last line is the digest in hex. */
    static String keepalived(String... args) throws Exception {
        String[] argv = new String[args.length + 1];
        argv[0] = KEEPALIVED_GENHASH;
        System.arraycopy(args, 0, argv, 1, args.length);
        Process p = new ProcessBuilder(argv).redirectErrorStream(true).start();
        byte[] out = p.getInputStream().readAllBytes();
        assertTrue(p.waitFor(20, TimeUnit.SECONDS), "keepalived's genhash ended");
        String[] lines = new String(out, StandardCharsets.UTF_8).trim().split("\n");
        String last = lines[lines.length - 1].trim();
        assertTrue(last.matches("[0-9a-f]{32}"), "keepalived's genhash printed " + String.join(" | ", lines));
        return last;
    }

    /** Answers each connection with its path's page as is, then closes; records the request. */
    static void serve(ServerSocket server, Map<String, String> requests) {
        while (!server.isClosed()) {
            try (Socket s = server.accept()) {
                s.setSoTimeout(5000);
                String request = readHeader(s.getInputStream());
                String path = request.split(" ", 3)[1];
                requests.put(path, request);
                s.getOutputStream()
                        .write(PAGES.getOrDefault(path, "HTTP/1.0 500 x\r\n\r\n")
                                .getBytes(StandardCharsets.ISO_8859_1));
                s.shutdownOutput();
                // let the client read to the end before the socket goes
                s.getInputStream().read();
            } catch (Exception e) {
                // the next connection
            }
        }
    }

    static String readHeader(InputStream in) throws Exception {
        StringBuilder sb = new StringBuilder();
        for (int c; sb.length() < 4096 && (c = in.read()) >= 0; ) {
            sb.append((char) c);
            if (sb.toString().endsWith("\r\n\r\n")) {
                break;
            }
        }
        return sb.toString();
    }
}
