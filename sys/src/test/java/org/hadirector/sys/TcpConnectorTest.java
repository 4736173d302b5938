package org.hadirector.sys;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** Raw connects against real sockets: success, refusal, bind errors, aborts, a deadline, many at once. */
class TcpConnectorTest {
    static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();
    static final long SECOND = 1_000_000_000L;

    record Outcome(int errno, String call) {}

    static Outcome once(TcpConnector c, InetSocketAddress to, InetSocketAddress bind, long timeout) throws Exception {
        CompletableFuture<Outcome> f = new CompletableFuture<>();
        c.connect(to, bind, timeout, (e, call) -> f.complete(new Outcome(e, call)));
        return f.get(10, TimeUnit.SECONDS);
    }

    static int freePort() throws Exception {
        try (ServerSocket s = new ServerSocket(0, 1, LOOPBACK)) {
            return s.getLocalPort();
        }
    }

    @Test
    void aCompletedConnectIsResetBeforeTheServerAcceptsIt() throws Exception {
        // haproxy's half-open check: the SYN-ACK completes the connect, the reset ends it before
        // the handshake's last ACK, so the server's application has nothing to accept
        try (TcpConnector c = TcpConnector.open("test-tcp");
                ServerSocket s = new ServerSocket(0, 50, LOOPBACK)) {
            s.setSoTimeout(300);
            int accepted = 0;
            for (int i = 0; i < 10; i++) {
                assertEquals(
                        new Outcome(0, "connect"),
                        once(c, new InetSocketAddress(LOOPBACK, s.getLocalPort()), null, SECOND));
                try (Socket x = s.accept()) {
                    accepted++;
                } catch (SocketTimeoutException e) {
                    // nothing queued: the connection never completed on the server's side
                }
            }
            // the delayed ACK leaves after 200 ms at the latest: only a connector thread stalled
            // that long (a loaded machine) lets one through, which the check does not mind
            assertTrue(accepted <= 2, accepted + " of 10 connects reached the server's accept queue");
        }
    }

    @Test
    void connectsRefusesAndReportsBindErrors() throws Exception {
        try (TcpConnector c = TcpConnector.open("test-tcp");
                ServerSocket s = new ServerSocket(0, 50, LOOPBACK)) {
            assertEquals(
                    new Outcome(0, "connect"),
                    once(c, new InetSocketAddress(LOOPBACK, s.getLocalPort()), null, SECOND));
            Outcome refused = once(c, new InetSocketAddress(LOOPBACK, freePort()), null, SECOND);
            assertEquals(111, refused.errno(), "ECONNREFUSED");
            assertEquals("Connection refused", TcpConnector.describe(refused.errno()));
            // bound where told to; a port in use fails at bind
            assertEquals(
                    new Outcome(0, "connect"),
                    once(
                            c,
                            new InetSocketAddress(LOOPBACK, s.getLocalPort()),
                            new InetSocketAddress(LOOPBACK, 0),
                            SECOND));
            Outcome inUse = once(
                    c,
                    new InetSocketAddress(LOOPBACK, s.getLocalPort()),
                    new InetSocketAddress(LOOPBACK, s.getLocalPort()),
                    SECOND);
            assertEquals(new Outcome(98, "bind"), inUse, "EADDRINUSE");
        }
    }

    /** Connects started in a batch wait for its end to wake the connector, then all complete; nested batches just run. */
    @Test
    void aBatchWakesTheConnectorOnceAtItsEnd() throws Exception {
        try (TcpConnector c = TcpConnector.open("test-tcp");
                ServerSocket s = new ServerSocket(0, 200, LOOPBACK)) {
            // let the connector go to sleep first: then only the batch's end can wake it
            assertEquals(
                    new Outcome(0, "connect"),
                    once(c, new InetSocketAddress(LOOPBACK, s.getLocalPort()), null, SECOND));
            Thread.sleep(50);
            int n = 100;
            CountDownLatch done = new CountDownLatch(n);
            AtomicInteger ok = new AtomicInteger();
            AtomicInteger endedInside = new AtomicInteger();
            java.util.concurrent.atomic.AtomicBoolean inside = new java.util.concurrent.atomic.AtomicBoolean(true);
            c.batch(() -> {
                for (int i = 0; i < n; i++) {
                    c.batch(() -> c.connect(
                            new InetSocketAddress(LOOPBACK, s.getLocalPort()), null, 5 * SECOND, (e, call) -> {
                                if (e == 0) {
                                    ok.incrementAndGet();
                                }
                                if (inside.get()) {
                                    endedInside.incrementAndGet();
                                }
                                done.countDown();
                            }));
                }
                try {
                    Thread.sleep(100);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                inside.set(false);
            });
            assertTrue(done.await(10, TimeUnit.SECONDS), done.getCount() + " did not end");
            assertEquals(n, ok.get());
            assertEquals(0, endedInside.get(), "nothing started before the batch ended");
        }
    }

    @Test
    void manyAtOnceAllComplete() throws Exception {
        try (TcpConnector c = TcpConnector.open("test-tcp");
                ServerSocket s = new ServerSocket(0, 4096, LOOPBACK)) {
            Thread acceptor = new Thread(() -> {
                while (!s.isClosed()) {
                    try {
                        s.accept().close();
                    } catch (Exception e) {
                        return;
                    }
                }
            });
            acceptor.setDaemon(true);
            acceptor.start();
            int n = 3000;
            CountDownLatch done = new CountDownLatch(n);
            AtomicInteger ok = new AtomicInteger();
            for (int i = 0; i < n; i++) {
                c.connect(new InetSocketAddress(LOOPBACK, s.getLocalPort()), null, 5 * SECOND, (e, call) -> {
                    if (e == 0) {
                        ok.incrementAndGet();
                    }
                    done.countDown();
                });
            }
            assertTrue(done.await(30, TimeUnit.SECONDS), done.getCount() + " did not end");
            assertEquals(n, ok.get());
        }
    }

    @Test
    void anAbortedAttemptNeverCallsBack() throws Exception {
        try (TcpConnector c = TcpConnector.open("test-tcp");
                ServerSocket s = new ServerSocket(0, 50, LOOPBACK)) {
            AtomicInteger calls = new AtomicInteger();
            TcpConnector.Attempt a = c.connect(
                    new InetSocketAddress(LOOPBACK, s.getLocalPort()),
                    null,
                    SECOND,
                    (e, call) -> calls.incrementAndGet());
            a.close();
            // a later attempt completes, so the connector went past the aborted one
            assertEquals(
                    new Outcome(0, "connect"),
                    once(c, new InetSocketAddress(LOOPBACK, s.getLocalPort()), null, SECOND));
            assertTrue(calls.get() <= 1, "at most the one answer it may have had before the abort");
        }
    }

    @Test
    void aSilentPeerTimesOutAtTheDeadline() throws Exception {
        try (NetnsLab lab = NetnsLab.create("tc")) {
            // b's link goes down: a's SYNs find no neighbour and the connect hangs until our deadline
            NetnsLab.ip("-n", lab.b, "link", "set", "e0", "down");
            Outcome o = NetnsLab.get(lab.start(lab.a, () -> {
                try (TcpConnector c = TcpConnector.open("test-tcp")) {
                    long t0 = System.nanoTime();
                    Outcome r = once(c, new InetSocketAddress("198.18.0.12", 80), null, 300_000_000L);
                    long took = (System.nanoTime() - t0) / 1_000_000;
                    assertTrue(took >= 290 && took < 3000, took + " ms");
                    return r;
                }
            }));
            assertEquals(new Outcome(TcpConnector.TIMED_OUT, "connect"), o);
        }
    }
}
