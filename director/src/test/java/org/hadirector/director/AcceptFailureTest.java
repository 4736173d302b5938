package org.hadirector.director;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Real EMFILE: a child JVM with a descriptor limit of 1024 fills its table, so that the HTTP
 * endpoint's and the control socket's accept() fail; both log it, pause, and serve again once
 * descriptors are free, the clients that connected meanwhile included (they waited in the
 * listen backlog). Before, one EMFILE ended the control socket for the life of the process.
 */
class AcceptFailureTest {
    @TempDir
    Path dir;

    @Test
    void acceptFailuresAtTheDescriptorLimitAreLoggedAndSurvived() throws Exception {
        String javaBin = ProcessHandle.current().info().command().orElse("java");
        Process p = new ProcessBuilder(
                        "sh",
                        "-c",
                        "ulimit -n 1024 && exec \"$0\" -Xmx128m -cp \"$1\" " + AcceptFailureChild.class.getName()
                                + " \"$2\"",
                        javaBin,
                        System.getProperty("java.class.path"),
                        dir.toString())
                .redirectErrorStream(true)
                .start();
        List<String> output = java.util.Collections.synchronizedList(new ArrayList<>());
        BlockingQueue<String> replies = new LinkedBlockingQueue<>();
        Thread reader = new Thread(() -> {
            try (BufferedReader r =
                    new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                for (String l; (l = r.readLine()) != null; ) {
                    output.add(l);
                    if (l.matches("(READY|FULL|FREED|STATS|BYE|\\?) ?.*")) {
                        replies.add(l);
                    }
                }
            } catch (Exception e) {
                output.add("reader: " + e);
            }
        });
        reader.setDaemon(true);
        reader.start();
        OutputStream cmd = p.getOutputStream();
        try {
            String ready = expect(replies, "READY", 60, output);
            InetSocketAddress http = new InetSocketAddress("127.0.0.1", Integer.parseInt(ready.split(" ")[1]));
            UnixDomainSocketAddress control = UnixDomainSocketAddress.of(dir.resolve("c.sock"));

            send(cmd, "FILL");
            String full = expect(replies, "FULL", 30, output);
            assertTrue(full.contains("Too many open files"), full);
            // Clients while the table is full: connected by the kernel, not accepted yet.
            List<SocketChannel> waiting = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                SocketChannel h = SocketChannel.open(http);
                h.write(ByteBuffer.wrap(HttpEndpointTest.GET));
                waiting.add(h);
                SocketChannel c = SocketChannel.open(control);
                c.write(ByteBuffer.wrap("status\n".getBytes(StandardCharsets.US_ASCII)));
                waiting.add(c);
            }
            Thread.sleep(2_500); // several failed accepts and pauses
            send(cmd, "FREE");
            expect(replies, "FREED", 30, output);
            for (int i = 0; i < waiting.size(); i++) {
                try (SocketChannel c = waiting.get(i);
                        Selector sel = Selector.open()) {
                    String a = ClientMix.readAll(c, sel, 10_000);
                    if (i % 2 == 0) {
                        assertTrue(HttpEndpointTest.ok(a), "a client that waited through EMFILE: " + a);
                    } else {
                        assertEquals("ok status\n", a);
                    }
                }
            }
            assertTrue(HttpEndpointTest.ok(ClientMix.exchange(http, HttpEndpointTest.GET, 10_000)));
            assertEquals("ok again\n", ControlServer.request(dir.resolve("c.sock"), "again"));
            send(cmd, "STATS");
            String stats = expect(replies, "STATS", 30, output);
            java.util.regex.Matcher m = java.util.regex.Pattern.compile("name=(\\w+),.*?acceptErrors=(\\d+)")
                    .matcher(stats);
            int servers = 0;
            while (m.find()) {
                assertTrue(Long.parseLong(m.group(2)) > 0, m.group(1) + " counted no accept error: " + stats);
                servers++;
            }
            assertEquals(2, servers, stats);
            String log = String.join("\n", output);
            assertTrue(
                    log.contains("http: accept failed: ")
                            && log.contains("control: accept failed: ")
                            && log.contains("Too many open files"),
                    log);
            output.stream().filter(l -> l.contains("accept failed")).forEach(l -> System.out.println("child: " + l));
            long lines =
                    output.stream().filter(l -> l.contains("accept failed")).count();
            assertTrue(lines <= 4, "accept errors are logged at most once per 10 s per server: " + lines + " lines");
            send(cmd, "EXIT");
            expect(replies, "BYE", 30, output);
            assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        } finally {
            p.destroyForcibly();
            p.waitFor(10, TimeUnit.SECONDS);
        }
    }

    private static void send(OutputStream cmd, String line) throws Exception {
        cmd.write((line + "\n").getBytes(StandardCharsets.US_ASCII));
        cmd.flush();
    }

    private static String expect(BlockingQueue<String> replies, String word, int seconds, List<String> output)
            throws Exception {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (System.nanoTime() < end) {
            String l = replies.poll(100, TimeUnit.MILLISECONDS);
            if (l != null && l.startsWith(word)) {
                return l;
            }
        }
        throw new AssertionError(
                "no " + word + " from the child within " + seconds + " s; it said:\n" + String.join("\n", output));
    }
}
