package org.hadirector.healthcheck;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.EpollIoHandler;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** SMTP_CHECK over TCP against scripted servers of the test, on 127.0.0.1 only. */
class SmtpCheckerTest {
    private static final long MS = 1_000_000L;
    private static final InetAddress LOOPBACK = DnsCheckerTest.loopback();
    private static EventLoopGroup group;

    @BeforeAll
    static void up() {
        group = new MultiThreadIoEventLoopGroup(1, EpollIoHandler.newFactory());
    }

    @AfterAll
    static void down() {
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }

    /** The server's side of one connection. */
    interface Script {
        void talk(Peer peer) throws Exception;
    }

    /** One accepted connection: what the server says and what it heard. */
    static final class Peer {
        private final InputStream in;
        private final OutputStream out;
        final List<String> heard;

        Peer(Socket s, List<String> heard) throws IOException {
            this.in = s.getInputStream();
            this.out = s.getOutputStream();
            this.heard = heard;
        }

        void say(String raw) throws IOException {
            out.write(raw.getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
        }

        /** The next line without its line end, or null at the end of the stream. */
        String hear() throws IOException {
            ByteArrayOutputStream b = new ByteArrayOutputStream();
            int c;
            while ((c = in.read()) != '\n') {
                if (c < 0) {
                    return null;
                }
                b.write(c);
            }
            String line = b.toString(StandardCharsets.ISO_8859_1);
            line = line.endsWith("\r") ? line.substring(0, line.length() - 1) : line;
            heard.add(line);
            return line;
        }

        boolean quiet() throws IOException {
            return in.available() == 0;
        }
    }

    /** A listener on an ephemeral loopback port that plays its script with the first connection. */
    static final class FakeSmtp implements AutoCloseable {
        final ServerSocket server;
        final List<String> heard = new CopyOnWriteArrayList<>();
        final CompletableFuture<Void> played = new CompletableFuture<>();
        private volatile Socket accepted;
        private final Thread thread;

        FakeSmtp(Script script) throws IOException {
            server = new ServerSocket(0, 8, LOOPBACK);
            thread = new Thread(
                    () -> {
                        try (Socket s = server.accept()) {
                            accepted = s;
                            s.setSoTimeout(5000);
                            script.talk(new Peer(s, heard));
                            played.complete(null);
                        } catch (Exception e) {
                            played.completeExceptionally(e);
                        }
                    },
                    "fake-smtp");
            thread.setDaemon(true);
            thread.start();
        }

        CheckSettings.Smtp settings(long timeoutNanos, String helo) {
            return new CheckSettings.Smtp(
                    new InetSocketAddress(LOOPBACK, server.getLocalPort()), null, timeoutNanos, helo);
        }

        @Override
        public void close() throws Exception {
            server.close();
            Socket s = accepted;
            if (s != null) {
                s.close();
            }
            thread.join(2000);
        }
    }

    static ProbeResult once(Probe p) throws Exception {
        CompletableFuture<ProbeResult> f = new CompletableFuture<>();
        p.run(f::complete);
        return f.get(5, TimeUnit.SECONDS);
    }

    static ProbeResult check(FakeSmtp server, long timeoutNanos) throws Exception {
        return once(new SmtpChecker(server.settings(timeoutNanos, "checker.example.test"), group));
    }

    @Test
    void aGoodDialogue() throws Exception {
        try (FakeSmtp server = new FakeSmtp(p -> {
            p.say("220 mail.example.test ESMTP\r\n");
            p.hear();
            p.say("250 mail.example.test\r\n");
            p.hear();
            p.say("221 2.0.0 Bye\r\n");
            assertEquals(null, p.hear(), "the checker closes after the QUIT reply");
        })) {
            assertEquals(ProbeResult.ok("HELO accepted, QUIT answered \"221 2.0.0 Bye\""), check(server, 2000 * MS));
            server.played.get(5, TimeUnit.SECONDS);
            assertEquals(List.of("HELO checker.example.test", "QUIT"), server.heard);
        }
    }

    @Test
    void multiLineRepliesAreWaitedFor() throws Exception {
        try (FakeSmtp server = new FakeSmtp(p -> {
            p.say("220-mail.example.test ESMTP\r\n220-no UCE\n");
            Thread.sleep(200);
            assertTrue(p.quiet(), "no HELO before the greeting's last line");
            p.say("220 ready\r\n");
            p.hear();
            p.say("250-mail.example.test\r\n250-PIPELINING\r\n");
            Thread.sleep(200);
            assertTrue(p.quiet(), "no QUIT before the HELO reply's last line");
            p.say("250 8BITMIME\r\n");
            p.hear();
            p.say("221 Bye\r\n");
        })) {
            assertTrue(check(server, 3000 * MS).success());
            server.played.get(5, TimeUnit.SECONDS);
            assertEquals(List.of("HELO checker.example.test", "QUIT"), server.heard);
        }
    }

    @Test
    void aQuitReplyIsNotJudgedButMustCome() throws Exception {
        try (FakeSmtp server = new FakeSmtp(p -> {
            p.say("220 ok\r\n");
            p.hear();
            p.say("250 ok\r\n");
            p.hear();
            p.say("500 what?\r\n");
        })) {
            assertTrue(check(server, 2000 * MS).success(), "keepalived succeeds on any line after QUIT");
        }
        try (FakeSmtp server = new FakeSmtp(p -> {
            p.say("220 ok\r\n");
            p.hear();
            p.say("250 ok\r\n");
            p.hear();
        })) {
            assertEquals(ProbeResult.fail("connection closed before QUIT reply"), check(server, 2000 * MS));
        }
    }

    @Test
    void a554GreetingFails() throws Exception {
        try (FakeSmtp server = new FakeSmtp(p -> {
            p.say("554 5.3.2 no service\r\n");
            assertEquals(null, p.hear(), "no HELO after a refusal");
        })) {
            assertEquals(ProbeResult.fail("greeting 554, want 220: \"5.3.2 no service\""), check(server, 2000 * MS));
            server.played.get(5, TimeUnit.SECONDS);
        }
    }

    @Test
    void aRefusedHeloFails() throws Exception {
        try (FakeSmtp server = new FakeSmtp(p -> {
            p.say("220 ok\r\n");
            p.hear();
            p.say("501 5.5.4 Syntax: HELO hostname\r\n");
            assertEquals(null, p.hear(), "no QUIT after a refused HELO");
        })) {
            assertEquals(
                    ProbeResult.fail("HELO reply 501, want 250: \"5.5.4 Syntax: HELO hostname\""),
                    check(server, 2000 * MS));
            server.played.get(5, TimeUnit.SECONDS);
            assertEquals(List.of("HELO checker.example.test"), server.heard);
        }
    }

    @Test
    void aServerClosingEarlyFails() throws Exception {
        try (FakeSmtp server = new FakeSmtp(p -> {})) {
            assertEquals(ProbeResult.fail("connection closed before greeting"), check(server, 2000 * MS));
        }
        try (FakeSmtp server = new FakeSmtp(p -> {
            p.say("220 ok\r\n");
            p.hear();
        })) {
            assertEquals(ProbeResult.fail("connection closed before HELO reply"), check(server, 2000 * MS));
        }
        try (FakeSmtp server = new FakeSmtp(p -> p.say("220 half a line"))) {
            assertEquals(ProbeResult.fail("connection closed before greeting"), check(server, 2000 * MS));
        }
    }

    @Test
    void aSilentServerTimesOut() throws Exception {
        try (FakeSmtp server = new FakeSmtp(p -> p.hear())) {
            long start = System.nanoTime();
            ProbeResult r = check(server, 300 * MS);
            long took = (System.nanoTime() - start) / 1_000_000;
            assertEquals(ProbeResult.fail("no greeting within 300 ms"), r);
            assertTrue(took >= 280 && took < 2500, took + " ms");
        }
        try (FakeSmtp server = new FakeSmtp(p -> {
            p.say("220 ok\r\n");
            p.hear();
            p.hear();
        })) {
            assertEquals(ProbeResult.fail("no HELO reply within 300 ms"), check(server, 300 * MS));
        }
    }

    @Test
    void theTimeoutBoundsTheWholeExchange() throws Exception {
        try (FakeSmtp server = new FakeSmtp(p -> {
            for (int i = 0; i < 20; i++) {
                p.say("220-still greeting " + i + "\r\n");
                Thread.sleep(50);
            }
            p.hear();
        })) {
            assertEquals(
                    ProbeResult.fail("no greeting within 400 ms"),
                    check(server, 400 * MS),
                    "a trickle of lines does not extend it");
        }
    }

    @Test
    void aLongLineOrAFloodFails() throws Exception {
        try (FakeSmtp server = new FakeSmtp(p -> p.say("220 " + "x".repeat(600) + "\r\n"))) {
            assertEquals(ProbeResult.fail("greeting line over 512 bytes"), check(server, 2000 * MS));
        }
        try (FakeSmtp server = new FakeSmtp(p -> {
            byte[] junk = "x".repeat(64 * 1024).getBytes(StandardCharsets.ISO_8859_1);
            try {
                for (int i = 0; i < 64; i++) {
                    p.say(new String(junk, StandardCharsets.ISO_8859_1));
                }
            } catch (IOException closedByTheChecker) {
                // the point: it stopped reading
            }
        })) {
            assertEquals(ProbeResult.fail("greeting line over 512 bytes"), check(server, 2000 * MS));
        }
    }

    @Test
    void aClosedPortIsRefused() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, LOOPBACK)) {
            port = s.getLocalPort();
        }
        ProbeResult r = once(new SmtpChecker(
                new CheckSettings.Smtp(new InetSocketAddress(LOOPBACK, port), null, 1000 * MS, null), group));
        assertEquals(ProbeResult.fail("connect: Connection refused"), r);
    }

    @Test
    void keepalivedsDefaultHeloName() throws Exception {
        try (FakeSmtp server = new FakeSmtp(p -> {
            p.say("220 ok\r\n");
            p.hear();
            p.say("250 ok\r\n");
            p.hear();
            p.say("221 bye\r\n");
        })) {
            assertTrue(once(new SmtpChecker(server.settings(2000 * MS, null), group))
                    .success());
            server.played.get(5, TimeUnit.SECONDS);
            assertEquals("HELO smtpchecker.keepalived.org", server.heard.get(0));
        }
    }

    @Test
    void itBindsWhereToldTo() throws Exception {
        int bindPort;
        try (ServerSocket s = new ServerSocket(0, 1, LOOPBACK)) {
            bindPort = s.getLocalPort();
        }
        CompletableFuture<Integer> from = new CompletableFuture<>();
        try (ServerSocket server = new ServerSocket(0, 8, LOOPBACK)) {
            Thread t = new Thread(() -> {
                try (Socket s = server.accept()) {
                    from.complete(s.getPort());
                    s.getOutputStream().write("554 go away\r\n".getBytes(StandardCharsets.ISO_8859_1));
                } catch (IOException e) {
                    from.completeExceptionally(e);
                }
            });
            t.setDaemon(true);
            t.start();
            ProbeResult r = once(new SmtpChecker(
                    new CheckSettings.Smtp(
                            new InetSocketAddress(LOOPBACK, server.getLocalPort()),
                            new InetSocketAddress(LOOPBACK, bindPort),
                            2000 * MS,
                            "h"),
                    group));
            assertEquals(bindPort, from.get(5, TimeUnit.SECONDS));
            assertEquals(ProbeResult.fail("greeting 554, want 220: \"go away\""), r);
            t.join(2000);
        }
    }

    @Test
    void aHeloNameThatWouldInjectCommandsIsRefused() {
        assertThrows(
                IllegalArgumentException.class,
                () -> new SmtpChecker(
                        new CheckSettings.Smtp(new InetSocketAddress(LOOPBACK, 25), null, MS, "x\r\nRCPT TO:<a@b>"),
                        group));
    }
}
