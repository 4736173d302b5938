package org.hadirector.director;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;
import java.util.stream.Stream;

/**
 * Clients for the bounded servers' tests, over TCP or a unix socket alike: well-formed requests,
 * malformed ones, ones abandoned before or after the request, and slow ones that never finish
 * their request. Every wait is bounded.
 */
final class ClientMix {
    private ClientMix() {}

    /** The process's open descriptors. */
    static long openFds() throws IOException {
        try (Stream<Path> s = Files.list(Path.of("/proc/self/fd"))) {
            return s.count();
        }
    }

    /** Writes {@code request}, then reads until the server closes; gives up after {@code timeoutMillis}. */
    static String exchange(SocketAddress at, byte[] request, long timeoutMillis) throws IOException {
        try (SocketChannel c = SocketChannel.open(at);
                Selector sel = Selector.open()) {
            c.write(ByteBuffer.wrap(request));
            return readAll(c, sel, timeoutMillis);
        }
    }

    static String readAll(SocketChannel c, Selector sel, long timeoutMillis) throws IOException {
        c.configureBlocking(false);
        c.register(sel, SelectionKey.OP_READ);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteBuffer b = ByteBuffer.allocate(65536);
        long end = System.nanoTime() + timeoutMillis * 1_000_000L;
        while (true) {
            long left = (end - System.nanoTime()) / 1_000_000;
            if (left <= 0) {
                throw new IOException("no end of answer within " + timeoutMillis + " ms; got " + out.size() + " bytes");
            }
            sel.select(left);
            sel.selectedKeys().clear();
            b.clear();
            int n;
            try {
                n = c.read(b);
            } catch (IOException e) {
                break; // reset: what came before is the answer
            }
            if (n < 0) {
                break;
            }
            out.write(b.array(), 0, n);
        }
        return out.toString(StandardCharsets.UTF_8);
    }

    /** What {@link #run} saw. */
    record Outcome(int good, int refused, int failed, List<String> samples) {}

    /**
     * {@code total} connections from {@code threads} threads: of each ten, six well-formed requests
     * (answers checked by {@code goodAnswer}; {@code refused} answers counted apart), two malformed,
     * one abandoned after its request without reading, one abandoned before any request; and
     * {@code slow} more that send {@code partial} and wait for the server to close them, at most
     * {@code slowAtOnce} open at a time.
     */
    static Outcome run(
            SocketAddress at,
            int total,
            int threads,
            byte[] good,
            Predicate<String> goodAnswer,
            Predicate<String> refused,
            byte[] malformed,
            byte[] partial,
            int slow,
            int slowAtOnce)
            throws Exception {
        AtomicInteger next = new AtomicInteger();
        AtomicInteger ok = new AtomicInteger();
        AtomicInteger busy = new AtomicInteger();
        AtomicInteger failed = new AtomicInteger();
        List<String> samples = java.util.Collections.synchronizedList(new ArrayList<>());
        List<Thread> all = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            all.add(new Thread(
                    () -> {
                        for (int i = next.getAndIncrement(); i < total; i = next.getAndIncrement()) {
                            try {
                                switch (i % 10) {
                                    case 6, 7 -> exchange(at, malformed, 10_000);
                                    case 8 -> {
                                        try (SocketChannel c = SocketChannel.open(at)) {
                                            c.write(ByteBuffer.wrap(good));
                                        }
                                    }
                                    case 9 -> SocketChannel.open(at).close();
                                    default -> {
                                        String a = exchange(at, good, 10_000);
                                        if (goodAnswer.test(a)) {
                                            ok.incrementAndGet();
                                        } else if (refused.test(a)) {
                                            busy.incrementAndGet();
                                        } else {
                                            failed.incrementAndGet();
                                            if (samples.size() < 5) {
                                                samples.add(a.length() > 200 ? a.substring(0, 200) : a);
                                            }
                                        }
                                    }
                                }
                            } catch (IOException e) {
                                if (i % 10 < 6) {
                                    failed.incrementAndGet();
                                    if (samples.size() < 5) {
                                        samples.add(e.toString());
                                    }
                                }
                            }
                        }
                    },
                    "mix-" + t));
        }
        AtomicInteger slowLeft = new AtomicInteger(slow);
        for (int t = 0; t < slowAtOnce; t++) {
            all.add(new Thread(
                    () -> {
                        while (slowLeft.getAndDecrement() > 0) {
                            try (SocketChannel c = SocketChannel.open(at);
                                    Selector sel = Selector.open()) {
                                c.write(ByteBuffer.wrap(partial));
                                readAll(c, sel, 30_000); // until the server's request deadline closes it
                            } catch (IOException e) {
                                failed.incrementAndGet();
                                if (samples.size() < 5) {
                                    samples.add("slow: " + e);
                                }
                            }
                        }
                    },
                    "slow-" + t));
        }
        all.forEach(Thread::start);
        for (Thread t : all) {
            t.join(300_000);
        }
        return new Outcome(ok.get(), busy.get(), failed.get(), samples);
    }

    /** Waits (10 s at most) until {@code c} holds. */
    static boolean eventually(java.util.function.BooleanSupplier c) throws InterruptedException {
        long end = System.nanoTime() + 10_000_000_000L;
        while (System.nanoTime() < end) {
            if (c.getAsBoolean()) {
                return true;
            }
            Thread.sleep(20);
        }
        return c.getAsBoolean();
    }
}
