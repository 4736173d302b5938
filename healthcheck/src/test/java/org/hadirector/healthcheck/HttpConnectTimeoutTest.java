package org.hadirector.healthcheck;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.core.read.ListAppender;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * HTTP_GET and SSL_GET against a server that never completes the handshake: a listener whose
 * accept queue is full, so the kernel drops the SYNs (loopback only). The check must fail at its
 * connect timeout with one clear reason, leave no stack trace in the log or on stderr (as
 * async-http-client 3.0.1, which the checks once ran on, did), and leave no connect behind.
 */
class HttpConnectTimeoutTest {
    private static final long MS = 1_000_000L;
    private static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();

    @Test
    void aCheckThatTimesOutWhileConnectingFailsWithAReasonAndLogsNoStack() throws Exception {
        Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        ListAppender<ILoggingEvent> seen = new ListAppender<>();
        seen.start();
        root.addAppender(seen);
        PrintStream err = System.err;
        ByteArrayOutputStream errCopy = new ByteArrayOutputStream();
        System.setErr(new PrintStream(new Tee(err, errCopy), true, StandardCharsets.UTF_8));
        int late = 0;
        try (ServerSocket server = new ServerSocket();
                ProbeIo io = new ProbeIo(1, null)) {
            server.bind(new InetSocketAddress(LOOPBACK, 0), 1);
            InetSocketAddress target = new InetSocketAddress(LOOPBACK, server.getLocalPort());
            for (boolean ssl : new boolean[] {false, false, true, true}) {
                List<SocketChannel> queued = new ArrayList<>();
                try {
                    fillAcceptQueue(target, queued);
                    Probe p = io.probe(new CheckSettings.Http(
                            ssl,
                            target,
                            null,
                            300 * MS,
                            null,
                            false,
                            List.of(new CheckSettings.Url(
                                    "/", List.of(new CheckSettings.StatusRange(200, 299)), null, null, false, null))));
                    long t0 = System.nanoTime();
                    CompletableFuture<ProbeResult> f = new CompletableFuture<>();
                    p.run(f::complete);
                    ProbeResult r = f.get(10, TimeUnit.SECONDS);
                    long took = (System.nanoTime() - t0) / MS;
                    assertFalse(r.success());
                    // the timeout is per phase, as keepalived's: here the connect's
                    assertEquals("/: connect timeout after 300 ms", r.reason(), ssl ? "SSL_GET" : "HTTP_GET");
                    assertTrue(
                            took < 4000,
                            "ended by its own timeout, not the client's 5 s connect timeout: " + took + " ms");
                    // room in the queue again: a SYN of the check sent again by the kernel about 1 s
                    // after the first would now complete a connect whose check has already ended
                    late += drain(server, queued);
                } finally {
                    for (SocketChannel c : queued) {
                        c.close();
                    }
                }
            }
            Thread.sleep(500);
        } finally {
            System.setErr(err);
            root.detachAppender(seen);
        }
        // the connector closes a check's socket at its deadline: no SYN of it is sent again, and no
        // connect completes once the check has failed (async-http-client's did, about 1 s later)
        assertEquals(0, late, "connects that completed after their check had timed out");
        for (ILoggingEvent e : seen.list) {
            IThrowableProxy stack = e.getThrowableProxy();
            // the message only once the check has failed, when there is a stack to name
            assertTrue(
                    stack == null || e.getLevel().toInt() < Level.INFO_INT,
                    () -> "logged with a stack: " + e.getLevel() + " " + e.getFormattedMessage() + ": "
                            + stack.getClassName());
        }
        String stderr = errCopy.toString(StandardCharsets.UTF_8);
        assertFalse(stderr.contains("\tat "), "a stack trace on stderr:\n" + stderr);
        assertFalse(stderr.contains("Exception"), "an exception on stderr:\n" + stderr);
    }

    /**
     * Accepts for 2.5 s (past the kernel's first SYN retransmission) and counts the connections
     * that are not the test's own, that is, the checker's connects that completed late.
     */
    private static int drain(ServerSocket server, List<SocketChannel> queued) throws Exception {
        java.util.Set<Integer> ours = new java.util.HashSet<>();
        for (SocketChannel c : queued) {
            ours.add(((InetSocketAddress) c.getLocalAddress()).getPort());
        }
        int others = 0;
        server.setSoTimeout(100);
        long deadline = System.nanoTime() + 2500 * MS;
        while (System.nanoTime() < deadline) {
            try (java.net.Socket s = server.accept()) {
                if (!ours.contains(s.getPort())) {
                    others++;
                }
            } catch (java.net.SocketTimeoutException e) {
                // nothing queued just now
            }
        }
        return others;
    }

    /** Connects until one connection is left pending: the listener's accept queue is then full. */
    private static void fillAcceptQueue(InetSocketAddress target, List<SocketChannel> queued) throws Exception {
        for (int i = 0; i < 16; i++) {
            SocketChannel c = SocketChannel.open();
            queued.add(c);
            c.bind(new InetSocketAddress(LOOPBACK, 0));
            c.configureBlocking(false);
            if (c.connect(target)) {
                continue;
            }
            long deadline = System.nanoTime() + 300 * MS;
            boolean connected = false;
            while (System.nanoTime() < deadline && !(connected = c.finishConnect())) {
                Thread.sleep(10);
            }
            if (!connected) {
                return;
            }
        }
        throw new IllegalStateException("the accept queue of " + target + " never filled");
    }

    /** Writes to both streams: the test keeps what it reads, surefire still gets the output. */
    private static final class Tee extends OutputStream {
        private final OutputStream a;
        private final OutputStream b;

        Tee(OutputStream a, OutputStream b) {
            this.a = a;
            this.b = b;
        }

        @Override
        public void write(int x) throws java.io.IOException {
            a.write(x);
            b.write(x);
        }

        @Override
        public void write(byte[] x, int off, int len) throws java.io.IOException {
            a.write(x, off, len);
            b.write(x, off, len);
        }
    }
}
