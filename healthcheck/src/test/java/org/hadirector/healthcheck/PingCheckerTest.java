package org.hadirector.healthcheck;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.hadirector.sys.IcmpEchoSocket;
import org.hadirector.sys.NativeException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * PING_CHECK against the loopback addresses only (never another interface of the machine); the
 * unanswered ping is the lab's test (PingCheckDaemonTest), where a real server's address can go.
 */
class PingCheckerTest {
    private static final long SECOND = 1_000_000_000L;
    private static ProbeIo io;

    @BeforeAll
    static void up() throws Exception {
        try {
            IcmpEchoSocket.open(false).close();
        } catch (NativeException e) {
            assumeTrue(false, "no ICMP socket here (not root, outside ping_group_range): " + e.getMessage());
        }
        io = new ProbeIo(1, null);
    }

    @AfterAll
    static void down() {
        if (io != null) {
            io.close();
        }
    }

    private static ProbeResult once(String address) throws Exception {
        Probe p = io.probe(new CheckSettings.Ping(InetAddress.getByName(address), 2 * SECOND));
        CompletableFuture<ProbeResult> r = new CompletableFuture<>();
        p.run(r::complete);
        return r.get(5, TimeUnit.SECONDS);
    }

    @Test
    void loopbackAnswers() throws Exception {
        ProbeResult r = once("127.0.0.1");
        assertTrue(r.success(), r.reason());
        assertEquals("echo reply", r.reason());
    }

    @Test
    void ipv6LoopbackAnswers() throws Exception {
        ProbeResult r = once("::1");
        assertTrue(r.success(), r.reason());
    }

    @Test
    void describesTheTarget() throws Exception {
        assertEquals(
                "PING_CHECK 127.0.0.1",
                io.probe(new CheckSettings.Ping(InetAddress.getByName("127.0.0.1"), SECOND))
                        .describe());
        assertEquals(
                "PING_CHECK 2001:db8::21",
                new CheckSettings.Ping(InetAddress.getByName("2001:db8:0::21"), SECOND).describe());
    }

    /**
     * 400 checks at once, to 100 loopback addresses (each answers from itself): every one gets
     * exactly one verdict, a pass, and one receiver thread serves them all.
     */
    @Test
    void manyChecksAtOnceShareOneSocketAndThread() throws Exception {
        List<CompletableFuture<ProbeResult>> all = new ArrayList<>();
        ConcurrentMap<Integer, AtomicInteger> calls = new ConcurrentHashMap<>();
        for (int round = 0; round < 4; round++) {
            for (int host = 1; host <= 100; host++) {
                Probe p = io.probe(new CheckSettings.Ping(InetAddress.getByName("127.0.0." + host), 3 * SECOND));
                CompletableFuture<ProbeResult> f = new CompletableFuture<>();
                int n = all.size();
                p.run(r -> {
                    calls.computeIfAbsent(n, k -> new AtomicInteger()).incrementAndGet();
                    f.complete(r);
                });
                all.add(f);
            }
        }
        for (CompletableFuture<ProbeResult> f : all) {
            ProbeResult r = f.get(10, TimeUnit.SECONDS);
            assertNotNull(r);
            assertTrue(r.success(), r.reason());
        }
        Thread.sleep(100);
        assertEquals(all.size(), calls.size());
        assertTrue(calls.values().stream().allMatch(c -> c.get() == 1), "one verdict each");
        long receivers = Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.getName().equals("ping-checks"))
                .count();
        assertEquals(1, receivers);
    }

    @Test
    void anAbortedCheckGetsNoTimeout() throws Exception {
        Probe p = io.probe(new CheckSettings.Ping(InetAddress.getByName("127.0.0.1"), 200_000_000L));
        List<ProbeResult> verdicts = new java.util.concurrent.CopyOnWriteArrayList<>();
        // loopback may answer before the abort: then that pass is its one verdict
        p.run(verdicts::add).close();
        Thread.sleep(600);
        assertTrue(verdicts.size() <= 1, verdicts.toString());
        assertTrue(verdicts.stream().allMatch(ProbeResult::success), "never a timeout after an abort: " + verdicts);
    }
}
