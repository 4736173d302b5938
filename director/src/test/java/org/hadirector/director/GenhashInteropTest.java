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
