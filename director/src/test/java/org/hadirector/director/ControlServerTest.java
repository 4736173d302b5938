package org.hadirector.director;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The control socket: 0600, one line in, one answer out; garbage gets an error and reaches no
 * handler; parallel clients all answered, idle ones cut off without holding up others, and
 * descriptors that come back after abuse; a streamed answer arrives whole however long, piece by
 * piece as the client reads, and a client that stops reading is cut off without holding up others.
 */
class ControlServerTest {
    @TempDir
    Path dir;

    /** 100 clients at once, each answer taking 20 ms: all answered (the queue), none refused. */
    @Test
    void aHundredParallelRequestsAreAllAnswered() throws Exception {
        Path sock = dir.resolve("c.sock");
        AtomicInteger inFlight = new AtomicInteger();
        AtomicInteger most = new AtomicInteger();
        try (ControlServer s = new ControlServer(sock, r -> {
            most.accumulateAndGet(inFlight.incrementAndGet(), Math::max);
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            inFlight.decrementAndGet();
            return ControlAnswer.text("status of " + r + "\n");
        })) {
            CountDownLatch go = new CountDownLatch(1);
            List<String> answers = java.util.Collections.synchronizedList(new ArrayList<>());
            List<Thread> clients = new ArrayList<>();
            for (int i = 0; i < 100; i++) {
                String request = "status " + i;
                Thread t = new Thread(() -> {
                    try {
                        go.await();
                        answers.add(
                                ControlServer.request(sock, request).equals("status of " + request + "\n")
                                        ? "ok"
                                        : "wrong");
                    } catch (Exception e) {
                        answers.add(e.toString());
                    }
                });
                t.start();
                clients.add(t);
            }
            go.countDown();
            for (Thread t : clients) {
                t.join(20_000);
            }
            assertEquals(100, answers.stream().filter("ok"::equals).count(), answers.toString());
            assertEquals(0, s.stats().overCap() + s.stats().busy(), s.stats().toString());
            assertTrue(most.get() > 1, "answered in parallel");
        }
    }

    /** Idle clients hold no worker: a request is answered at once while they wait for their deadline. */
    @Test
    void idleClientsDoNotFreezeTheSocket() throws Exception {
        Path sock = dir.resolve("c.sock");
        try (ControlServer s = new ControlServer(sock, r -> ControlAnswer.text("ok\n"))) {
            List<SocketChannel> idle = new ArrayList<>();
            try {
                for (int i = 0; i < 20; i++) {
                    SocketChannel c = SocketChannel.open(UnixDomainSocketAddress.of(sock));
                    if (i % 2 == 0) {
                        c.write(ByteBuffer.wrap("sta".getBytes(java.nio.charset.StandardCharsets.US_ASCII)));
                    }
                    idle.add(c);
                }
                long t = System.nanoTime();
                assertEquals("ok\n", ControlServer.request(sock, "status"));
                assertTrue(
                        System.nanoTime() - t < 500_000_000L, "waited " + (System.nanoTime() - t) / 1_000_000 + " ms");
                for (SocketChannel c : idle) {
                    try (java.nio.channels.Selector sel = java.nio.channels.Selector.open()) {
                        assertEquals("", ClientMix.readAll(c, sel, 5_000));
                    }
                }
                assertTrue(s.stats().timedOut() >= 20, s.stats().toString());
            } finally {
                for (SocketChannel c : idle) {
                    c.close();
                }
            }
        }
    }

    /** 10,000 connections (good, too long, abandoned) plus 100 that never end their line: descriptors back where they were. */
    @Test
    void tenThousandMixedRequestsLeaveNoDescriptorBehind() throws Exception {
        Path sock = dir.resolve("c.sock");
        try (ControlServer s = new ControlServer(
                sock,
                r -> ControlAnswer.text(r.equals("status") ? "ok\n" : "error: unknown\n"),
                new BoundedServer.Limits(128, 500, 5_000, 1_000, 4))) {
            UnixDomainSocketAddress at = UnixDomainSocketAddress.of(sock);
            assertEquals("ok\n", ControlServer.request(sock, "status"));
            assertTrue(ClientMix.eventually(() -> s.stats().open() == 0));
            long before = ClientMix.openFds();
            long t0 = System.nanoTime();
            ClientMix.Outcome o = ClientMix.run(
                    at,
                    10_000,
                    6,
                    "status\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII),
                    "ok\n"::equals,
                    a -> a.startsWith("error: busy"),
                    "x".repeat(5000).getBytes(java.nio.charset.StandardCharsets.US_ASCII),
                    "stat".getBytes(java.nio.charset.StandardCharsets.US_ASCII),
                    100,
                    20);
            long ms = (System.nanoTime() - t0) / 1_000_000;
            assertTrue(
                    ClientMix.eventually(() -> s.stats().open() == 0), s.stats().toString());
            long after = ClientMix.openFds();
            System.out.printf(
                    "control: 10,100 connections in %d ms: %s; %s; descriptors %d before, %d after%n",
                    ms, o, s.stats(), before, after);
            assertEquals(6_000, o.good(), o.toString());
            assertEquals(0, o.failed(), o.toString());
            assertTrue(after <= before + 4, "descriptors " + before + " before, " + after + " after");
            assertTrue(s.stats().malformed() >= 2_000, s.stats().toString());
            assertEquals("ok\n", ControlServer.request(sock, "status"));
        }
    }

    @Test
    void answersALineAndIsPrivate() throws Exception {
        Path sock = dir.resolve("c.sock");
        try (ControlServer s = new ControlServer(sock, r -> ControlAnswer.text("you said " + r + "\n"))) {
            assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(sock)));
            assertEquals("you said status\n", ControlServer.request(sock, "status"));
        }
        assertTrue(!Files.exists(sock), "removed on close");
    }

    @Test
    void overlongAndSilentClientsGetNoHandler() throws Exception {
        Path sock = dir.resolve("c.sock");
        AtomicInteger calls = new AtomicInteger();
        try (ControlServer s = new ControlServer(sock, r -> {
            calls.incrementAndGet();
            return ControlAnswer.text("ok\n");
        })) {
            assertEquals("error: request too long or not a line\n", ControlServer.request(sock, "x".repeat(5000)));
            // A client that connects and says nothing is cut off after 2 s; the server still answers others.
            try (SocketChannel silent = SocketChannel.open(UnixDomainSocketAddress.of(sock))) {
                ByteBuffer b = ByteBuffer.allocate(16);
                long t0 = System.nanoTime();
                int n = silent.read(b);
                assertEquals(-1, n);
                assertTrue(System.nanoTime() - t0 < 10_000_000_000L);
            }
            assertEquals(0, calls.get());
            assertEquals("ok\n", ControlServer.request(sock, "status"));
        }
    }

    @Test
    void aSecondServerNeverStealsALiveSocketButReplacesAStaleOne() throws Exception {
        Path sock = dir.resolve("c.sock");
        try (ControlServer first = new ControlServer(sock, r -> ControlAnswer.text("first\n"))) {
            java.io.IOException e = org.junit.jupiter.api.Assertions.assertThrows(
                    java.io.IOException.class, () -> new ControlServer(sock, r -> ControlAnswer.text("second\n")));
            assertTrue(e.getMessage().startsWith("in use by a running hadirector"), e.getMessage());
            assertEquals("first\n", ControlServer.request(sock, "x"));
        }
        Files.writeString(sock, "stale");
        try (ControlServer again = new ControlServer(sock, r -> ControlAnswer.text("again\n"))) {
            assertEquals("again\n", ControlServer.request(sock, "x"));
        }
    }

    /** A streamed answer of {@code pieces} numbered lines of about {@code size} bytes each; counts what it made. */
    static final class Numbered implements ControlAnswer.Streamed {
        final int pieces;
        final int size;
        final AtomicInteger made = new AtomicInteger();
        final AtomicInteger closed = new AtomicInteger();

        Numbered(int pieces, int size) {
            this.pieces = pieces;
            this.size = size;
        }

        static String piece(int i, int size) {
            String line = String.format("piece %08d %s%n", i, "x".repeat(Math.max(0, size - 16)));
            return line.replace(System.lineSeparator(), "\n");
        }

        @Override
        public String next() {
            int i = made.get();
            if (i >= pieces) {
                return null;
            }
            made.incrementAndGet();
            return piece(i, size);
        }

        @Override
        public void close() {
            closed.incrementAndGet();
        }
    }

    static String whole(int pieces, int size) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < pieces; i++) {
            b.append(Numbered.piece(i, size));
        }
        return b.toString();
    }

    /** 4 MiB in 256 pieces (beyond what a plain answer may be): whole and in order, then the stream is closed once. */
    @Test
    void aStreamedAnswerLargerThanAPieceArrivesWholeAndInOrder() throws Exception {
        Path sock = dir.resolve("c.sock");
        Numbered n = new Numbered(256, 16_384);
        try (ControlServer s = new ControlServer(sock, r -> r.equals("list") ? n : ControlAnswer.text("ok\n"))) {
            java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
            ControlServer.Copied c = ControlServer.copy(sock, "list", out);
            assertEquals(new ControlServer.Copied(null, null), c);
            String got = out.toString(java.nio.charset.StandardCharsets.UTF_8);
            String want = whole(256, 16_384);
            assertTrue(
                    got.equals(want),
                    "whole and in order: " + got.length() + " bytes of " + want.length() + ", apart from "
                            + java.util.stream.IntStream.range(0, Math.min(got.length(), want.length()))
                                    .filter(i -> got.charAt(i) != want.charAt(i))
                                    .findFirst()
                                    .orElse(-1)
                            + " " + s.stats() + " made " + n.made + " closed " + n.closed);
            assertTrue(ClientMix.eventually(() -> n.closed.get() == 1), "closed once: " + n.closed);
            assertEquals("ok\n", ControlServer.request(sock, "status"));
        }
    }

    /**
     * A client that stops reading: the pieces stop with the socket's buffers (one waits in the
     * daemon), it is closed at the deadline, and others are answered at once meanwhile.
     */
    @Test
    void aClientThatStopsReadingIsClosedAtTheDeadlineAndOthersAreServed() throws Exception {
        Path sock = dir.resolve("c.sock");
        Numbered endless = new Numbered(Integer.MAX_VALUE, 65_536);
        try (ControlServer s = new ControlServer(
                        sock,
                        r -> r.equals("list") ? endless : ControlAnswer.text("ok\n"),
                        new BoundedServer.Limits(16, 1_000, 1_500, 1_000, 2));
                SocketChannel stalled = SocketChannel.open(UnixDomainSocketAddress.of(sock))) {
            stalled.write(ByteBuffer.wrap("list\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII)));
            assertTrue(ClientMix.eventually(() -> endless.made.get() > 0));
            for (int i = 0; i < 20; i++) {
                long t = System.nanoTime();
                assertEquals("ok\n", ControlServer.request(sock, "status"));
                assertTrue(
                        System.nanoTime() - t < 500_000_000L, "waited " + (System.nanoTime() - t) / 1_000_000 + " ms");
            }
            assertTrue(ClientMix.eventually(() -> endless.closed.get() == 1), "closed at the deadline");
            int made = endless.made.get();
            assertTrue(made < 200, "made only what the buffers hold: " + made + " pieces of 64 KiB");
            assertTrue(s.stats().timedOut() >= 1, s.stats().toString());
            Thread.sleep(300);
            assertEquals(made, endless.made.get(), "nothing made after the close");
            assertEquals(1, endless.closed.get());
            try (java.nio.channels.Selector sel = java.nio.channels.Selector.open()) {
                String got = ClientMix.readAll(stalled, sel, 5_000);
                assertTrue(got.startsWith(Numbered.piece(0, 65_536)), "the pieces written before the close are there");
            }
            assertEquals("ok\n", ControlServer.request(sock, "status"));
        }
    }

    /** A slow client that keeps reading gets the whole answer, though it takes longer than the deadline. */
    @Test
    void aSlowReaderGetsTheWholeAnswerBeyondTheDeadline() throws Exception {
        Path sock = dir.resolve("c.sock");
        Numbered n = new Numbered(64, 32_768);
        try (ControlServer s = new ControlServer(sock, r -> n, new BoundedServer.Limits(16, 1_000, 500, 1_000, 2));
                SocketChannel c = SocketChannel.open(UnixDomainSocketAddress.of(sock))) {
            c.write(ByteBuffer.wrap("list\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII)));
            java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
            ByteBuffer b = ByteBuffer.allocate(65_536);
            long t0 = System.nanoTime();
            for (int r; (r = c.read(b.clear())) >= 0; ) {
                out.write(b.array(), 0, r);
                Thread.sleep(30); // about 2 MiB/s at most
            }
            long ms = (System.nanoTime() - t0) / 1_000_000;
            assertTrue(ms > 500, "took longer than one deadline: " + ms + " ms");
            assertTrue(
                    out.toString(java.nio.charset.StandardCharsets.UTF_8).equals(whole(64, 32_768)),
                    "whole and in order");
            assertEquals(0, s.stats().timedOut(), s.stats().toString());
            assertTrue(ClientMix.eventually(() -> n.closed.get() == 1));
        }
    }
}
