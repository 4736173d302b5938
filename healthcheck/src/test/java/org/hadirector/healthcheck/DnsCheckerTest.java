package org.hadirector.healthcheck;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.channel.EventLoopGroup;
import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketException;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * DNS_CHECK over UDP against a scripted server of the test, on 127.0.0.1 only. The checker runs on
 * NIO since netty 4.1.115's epoll datagram channel once hung here (see the README);
 * {@link #repeatedManyTimes} runs the whole scenario 300 times to catch a rare hang.
 */
class DnsCheckerTest {
    private static final long MS = 1_000_000L;
    private static final InetAddress LOOPBACK = loopback();
    private static EventLoopGroup group;

    static InetAddress loopback() {
        try {
            return InetAddress.getByAddress(new byte[] {127, 0, 0, 1});
        } catch (UnknownHostException e) {
            throw new AssertionError(e);
        }
    }

    @BeforeAll
    static void up() {
        group = new io.netty.channel.MultiThreadIoEventLoopGroup(1, io.netty.channel.nio.NioIoHandler.newFactory());
    }

    @AfterAll
    static void down() {
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }

    /** What the server does with one query: answer it, or not, through {@code server}. */
    interface Responder {
        void answer(byte[] query, InetSocketAddress from, DatagramSocket server) throws IOException;
    }

    /** A UDP server on an ephemeral loopback port that hands every query to its responder. */
    static final class FakeDns implements AutoCloseable {
        final DatagramSocket socket;
        final BlockingQueue<DatagramPacket> queries = new LinkedBlockingQueue<>();
        private final Thread thread;

        FakeDns(Responder responder) throws SocketException {
            socket = new DatagramSocket(new InetSocketAddress(LOOPBACK, 0));
            thread = new Thread(
                    () -> {
                        byte[] buf = new byte[1500];
                        while (!socket.isClosed()) {
                            DatagramPacket p = new DatagramPacket(buf, buf.length);
                            try {
                                socket.receive(p);
                                byte[] q = Arrays.copyOf(p.getData(), p.getLength());
                                queries.add(new DatagramPacket(q, q.length, p.getSocketAddress()));
                                responder.answer(q, (InetSocketAddress) p.getSocketAddress(), socket);
                            } catch (IOException e) {
                                // closed by the test
                            }
                        }
                    },
                    "fake-dns");
            thread.setDaemon(true);
            thread.start();
        }

        InetSocketAddress address() {
            return new InetSocketAddress(LOOPBACK, socket.getLocalPort());
        }

        @Override
        public void close() throws InterruptedException {
            socket.close();
            thread.join(2000);
        }
    }

    static int id(byte[] message) {
        return (message[0] & 0xFF) << 8 | message[1] & 0xFF;
    }

    /** The query turned into a reply: {@code id}, QR RD RA, {@code rcode}, {@code answers} A records. */
    static byte[] reply(byte[] query, int id, int rcode, int answers) {
        byte[] r = Arrays.copyOf(query, query.length + 16 * answers);
        r[0] = (byte) (id >> 8);
        r[1] = (byte) id;
        r[2] = (byte) 0x81;
        r[3] = (byte) (0x80 | rcode);
        r[7] = (byte) answers;
        for (int i = 0, at = query.length; i < answers; i++, at += 16) {
            byte[] rr = {(byte) 0xc0, 0x0c, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, (byte) 192, 0, 2, 1};
            System.arraycopy(rr, 0, r, at, rr.length);
        }
        return r;
    }

    static void send(DatagramSocket s, byte[] b, InetSocketAddress to) throws IOException {
        s.send(new DatagramPacket(b, b.length, to));
    }

    static Responder answering(int rcode, int answers) {
        return (q, from, s) -> send(s, reply(q, id(q), rcode, answers), from);
    }

    static CheckSettings.Dns dns(InetSocketAddress target, long timeoutNanos, String type, String name) {
        return new CheckSettings.Dns(target, null, timeoutNanos, type, name);
    }

    /** The probe's verdict; a loop that hangs fails here, well after any probe's own timeout would have decided. */
    static ProbeResult once(Probe p) throws Exception {
        CompletableFuture<ProbeResult> f = new CompletableFuture<>();
        p.run(f::complete);
        return f.get(20, TimeUnit.SECONDS);
    }

    /**
     * A loopback UDP port that nothing holds, below the ephemeral range: a port freed from an
     * ephemeral bind may be handed to the next socket the kernel auto-binds, the checker's own
     * included, which, connected to itself, reads back its own query (about 1 socket in 28,000,
     * so once in a few runs of {@link #repeatedManyTimes}) and times out instead of failing with
     * "port unreachable". Below the range only an explicit bind could take it.
     */
    static int unusedPort() throws IOException {
        // one line, "LOW\tHIGH" (Files.readString reads a /proc file short)
        String range = Files.readAllLines(Path.of("/proc/sys/net/ipv4/ip_local_port_range"))
                .get(0);
        int low = Integer.parseInt(range.trim().split("\\s+")[0]);
        assertTrue(low > 2048, "ephemeral range " + range.trim());
        for (int tries = 0; tries < 50; tries++) {
            int port = 1024 + ThreadLocalRandom.current().nextInt(low - 1024);
            try (DatagramSocket s = new DatagramSocket(new InetSocketAddress(LOOPBACK, port))) {
                return s.getLocalPort();
            } catch (SocketException taken) {
                // held by another socket: try another
            }
        }
        throw new AssertionError("no free UDP port below " + low);
    }

    @Test
    void aGoodReplySucceedsAndTheQueryIsKeepalivedsOne() throws Exception {
        try (FakeDns server = new FakeDns(answering(0, 1))) {
            ProbeResult r = once(new DnsChecker(dns(server.address(), 2000 * MS, "A", "www.example.test"), group));
            assertEquals(ProbeResult.ok("NOERROR, 1 answer"), r);
            byte[] q = server.queries.poll(1, TimeUnit.SECONDS).getData();
            byte[] expected = DnsMessage.query(id(q), 1, DnsMessage.qname("www.example.test"));
            assertArrayEquals(expected, q, "one question, RD set, type A, class IN");
            assertEquals(0x01, q[2], "RD");
        }
    }

    @Test
    void keepalivedsDefaultSoaForTheRoot() throws Exception {
        try (FakeDns server = new FakeDns(answering(0, 1))) {
            assertTrue(once(new DnsChecker(dns(server.address(), 2000 * MS, null, null), group))
                    .success());
            byte[] q = server.queries.poll(1, TimeUnit.SECONDS).getData();
            assertArrayEquals(new byte[] {0, 0, 6, 0, 1}, Arrays.copyOfRange(q, 12, q.length), "root, SOA, IN");
        }
    }

    @Test
    void nxdomainFails() throws Exception {
        try (FakeDns server = new FakeDns(answering(3, 0))) {
            ProbeResult r = once(new DnsChecker(dns(server.address(), 2000 * MS, "A", "missing.example.test"), group));
            assertEquals(ProbeResult.fail("rcode NXDOMAIN"), r);
        }
    }

    @Test
    void zeroAnswersPassAsInKeepalived() throws Exception {
        try (FakeDns server = new FakeDns(answering(0, 0))) {
            ProbeResult r =
                    once(new DnsChecker(dns(server.address(), 2000 * MS, "AAAA", "v4only.example.test"), group));
            assertEquals(ProbeResult.ok("NOERROR, 0 answers"), r);
        }
    }

    @Test
    void aWrongIdOrGarbageIsIgnoredUntilTheReply() throws Exception {
        Responder wrongFirst = (q, from, s) -> {
            send(s, reply(q, id(q) ^ 0x5555, 3, 0), from);
            send(s, new byte[] {1, 2, 3}, from);
            send(s, Arrays.copyOf(q, q.length), from);
            send(s, reply(q, id(q), 0, 2), from);
        };
        try (FakeDns server = new FakeDns(wrongFirst)) {
            ProbeResult r = once(new DnsChecker(dns(server.address(), 2000 * MS, "A", "www.example.test"), group));
            assertEquals(ProbeResult.ok("NOERROR, 2 answers"), r, "the NXDOMAIN with another id did not count");
        }
    }

    @Test
    void aReplyFromAnotherPortIsIgnored() throws Exception {
        try (DatagramSocket spoofer = new DatagramSocket(new InetSocketAddress(LOOPBACK, 0))) {
            Responder spoofed = (q, from, s) -> {
                send(spoofer, reply(q, id(q), 0, 1), from);
                send(s, reply(q, id(q), 2, 0), from);
            };
            try (FakeDns server = new FakeDns(spoofed)) {
                ProbeResult r = once(new DnsChecker(dns(server.address(), 2000 * MS, "A", "www.example.test"), group));
                assertEquals(ProbeResult.fail("rcode SERVFAIL"), r, "only the target's own reply counts");
            }
        }
    }

    @Test
    void noReplyTimesOut() throws Exception {
        try (FakeDns server = new FakeDns((q, from, s) -> {})) {
            long start = System.nanoTime();
            ProbeResult r = once(new DnsChecker(dns(server.address(), 300 * MS, "SOA", "."), group));
            long took = (System.nanoTime() - start) / 1_000_000;
            assertEquals(ProbeResult.fail("no answer within 300 ms"), r);
            assertTrue(took >= 280 && took < 2500, took + " ms");
            assertNotNull(server.queries.poll(1, TimeUnit.SECONDS), "the query was sent");
        }
    }

    /**
     * The scenarios that once hung the epoll transport, many times over: each must end, with its
     * verdict. The answered ones have a timeout far above their answer's microseconds so that a
     * stall of a loaded machine cannot pass for a missing answer; a hung loop still fails in
     * {@link #once}.
     */
    @Test
    void repeatedManyTimes() throws Exception {
        int closedPort = unusedPort();
        Responder wrongFirst = (q, from, s) -> {
            send(s, new byte[] {1, 2, 3}, from);
            send(s, reply(q, id(q), 0, 1), from);
        };
        try (FakeDns good = new FakeDns(wrongFirst);
                FakeDns silent = new FakeDns((q, from, s) -> {})) {
            for (int i = 0; i < 300; i++) {
                assertTrue(
                        once(new DnsChecker(dns(good.address(), 10_000 * MS, "A", "www.example.test"), group))
                                .success(),
                        "run " + i);
                assertEquals(
                        ProbeResult.fail("port unreachable"),
                        once(new DnsChecker(
                                dns(new InetSocketAddress(LOOPBACK, closedPort), 10_000 * MS, "A", "x.test"), group)),
                        "run " + i);
                if (i % 15 == 0) {
                    assertEquals(
                            ProbeResult.fail("no answer within 20 ms"),
                            once(new DnsChecker(dns(silent.address(), 20 * MS, "A", "x.test"), group)),
                            "run " + i);
                }
            }
        }
    }

    @Test
    void aClosedPortFailsAtOnce() throws Exception {
        int port = unusedPort();
        long start = System.nanoTime();
        ProbeResult r =
                once(new DnsChecker(dns(new InetSocketAddress(LOOPBACK, port), 3000 * MS, "A", "x.test"), group));
        assertEquals(ProbeResult.fail("port unreachable"), r);
        assertTrue(System.nanoTime() - start < 2000 * MS, "the ICMP error, not the timeout");
    }

    @Test
    void itBindsWhereToldTo() throws Exception {
        int bindPort = unusedPort();
        try (FakeDns server = new FakeDns(answering(0, 1))) {
            CheckSettings.Dns d = new CheckSettings.Dns(
                    server.address(), new InetSocketAddress(LOOPBACK, bindPort), 2000 * MS, "A", "www.example.test");
            assertTrue(once(new DnsChecker(d, group)).success());
            assertEquals(
                    new InetSocketAddress(LOOPBACK, bindPort),
                    server.queries.poll(1, TimeUnit.SECONDS).getSocketAddress());
        }
    }

    @Test
    void anAbortedCheckSaysNothing() throws Exception {
        try (FakeDns server = new FakeDns((q, from, s) -> {})) {
            CompletableFuture<ProbeResult> f = new CompletableFuture<>();
            AutoCloseable handle =
                    new DnsChecker(dns(server.address(), 200 * MS, "A", "x.test"), group).run(f::complete);
            handle.close();
            assertThrows(TimeoutException.class, () -> f.get(600, TimeUnit.MILLISECONDS));
        }
    }

    @Test
    void badSettingsAreRefusedAtConstruction() {
        InetSocketAddress t = new InetSocketAddress(LOOPBACK, 53);
        IllegalArgumentException e =
                assertThrows(IllegalArgumentException.class, () -> new DnsChecker(dns(t, MS, "SRV", "x.test"), group));
        assertTrue(e.getMessage().startsWith("DNS_CHECK: unknown type 'SRV'"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new DnsChecker(dns(t, MS, "A", "a..test"), group));
        assertFalse(new DnsChecker(dns(t, MS, "mx", "example.test"), group)
                .describe()
                .isEmpty());
    }
}
