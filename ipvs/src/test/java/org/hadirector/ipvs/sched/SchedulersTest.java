package org.hadirector.ipvs.sched;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.hadirector.ipvs.Destination;
import org.hadirector.ipvs.VirtualService;
import org.junit.jupiter.api.Test;

class SchedulersTest {
    static Backend backend(String name, int weight) {
        try {
            return new Backend(Destination.route(InetAddress.getByName("198.18.0." + name), 80, weight));
        } catch (java.net.UnknownHostException e) {
            throw new IllegalArgumentException(e);
        }
    }

    static String n(Backend b) {
        return b == null ? "-" : b.destination().address().getHostAddress().substring(9);
    }

    static final FlowRequest FLOW = new FlowRequest().set(new byte[] {(byte) 198, 18, 0, 10}, 40000,
            new byte[] {(byte) 198, 18, 0, 100}, 80, 6, 0);

    static List<String> picks(Scheduler s, int count) {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            out.add(n(s.pick(FLOW)));
        }
        return out;
    }

    /** Adds backends one by one, as the dataplane does (one update per added destination). */
    static void addInOrder(Scheduler s, Backend... bs) {
        List<Backend> list = new ArrayList<>();
        s.update(List.copyOf(list));
        for (Backend b : bs) {
            list.add(b);
            s.update(List.copyOf(list));
        }
    }

    @Test
    void rrWalksTheKernelListNewestFirst() {
        Scheduler rr = Schedulers.create("rr", 0);
        addInOrder(rr, backend("21", 1), backend("22", 1), backend("23", 1));
        assertEquals(List.of("23", "22", "21", "23", "22", "21"), picks(rr, 6));
    }

    @Test
    void rrSkipsWeightZeroAndOverloadedAndStepsBackOnDelete() {
        Backend a = backend("21", 1);
        Backend b = backend("22", 0);
        Backend c = backend("23", 1);
        Scheduler rr = Schedulers.create("rr", 0);
        addInOrder(rr, a, b, c);
        assertEquals(List.of("23", "21", "23", "21"), picks(rr, 4));
        // The position is at 21 (last in the list); deleting it steps back to 22's place.
        rr.update(List.of(b, c));
        assertEquals(List.of("23", "23"), picks(rr, 2));
        rr.update(List.of());
        assertNull(rr.pick(FLOW));
    }

    /**
     * ip_vs_wrr by hand for weight 2 (added first) then weight 1. Adding .21 alone gives gcd 2,
     * mw = 2 - 1 = 1, cw 0 -> 1; adding .22 gives gcd 1, mw 2, cw stays 1. The list is [.22, .21],
     * so the first pass (cw 1) takes both, the next (cw 2) only .21.
     */
    @Test
    void wrrFollowsTheKernelSequence() {
        Scheduler wrr = Schedulers.create("wrr", 0);
        addInOrder(wrr, backend("21", 2), backend("22", 1));
        assertEquals(List.of("22", "21", "21", "22", "21", "21"), picks(wrr, 6));
    }

    @Test
    void wrrWithAGcd() {
        Scheduler wrr = Schedulers.create("wrr", 0);
        addInOrder(wrr, backend("21", 4), backend("22", 2), backend("23", 6));
        List<String> seq = picks(wrr, 12);
        Map<String, Integer> count = new HashMap<>();
        seq.forEach(s -> count.merge(s, 1, Integer::sum));
        assertEquals(Map.of("21", 4, "22", 2, "23", 6), count, seq.toString());
        // Adding 4, 2, 6 one by one leaves cw at 1 (the dest_changed rounding), di 2, mw 6 - 1 = 5;
        // list [23, 22, 21]: cw 1 takes all three, then cw 5 -> 23, cw 3 -> 23, 21.
        assertEquals(List.of("23", "22", "21", "23", "23", "21"), seq.subList(0, 6));
    }

    @Test
    void wlcAndFriendsCountConnections() {
        Backend a = backend("21", 1);
        Backend b = backend("22", 2);
        Scheduler wlc = Schedulers.create("wlc", 0);
        addInOrder(wlc, a, b);
        a.countActive(1);
        b.countActive(1);
        assertSame(b, wlc.pick(FLOW), "256/2 < 256/1");
        b.countActive(2);
        assertSame(a, wlc.pick(FLOW), "768/2 > 256/1");
        Scheduler lc = Schedulers.create("lc", 0);
        addInOrder(lc, a, b);
        assertSame(a, lc.pick(FLOW));
        Scheduler nq = Schedulers.create("nq", 0);
        Backend idle = backend("23", 1);
        addInOrder(nq, a, b, idle);
        assertSame(idle, nq.pick(FLOW));
        Scheduler fo = Schedulers.create("fo", 0);
        addInOrder(fo, a, b);
        assertSame(b, fo.pick(FLOW));
        Scheduler ovf = Schedulers.create("ovf", 0);
        addInOrder(ovf, a, b);
        assertNull(ovf.pick(FLOW), "both at or over their weight in active connections");
    }

    @Test
    void shIsStickyAndWeighted() {
        Backend a = backend("21", 1);
        Backend b = backend("22", 3);
        Scheduler sh = Schedulers.create("sh", 0);
        addInOrder(sh, a, b);
        Map<String, Integer> count = new HashMap<>();
        for (int i = 0; i < 256 * 40; i++) {
            FlowRequest f = new FlowRequest().set(new byte[] {10, (byte) (i >> 8), (byte) i, 1}, 1000 + i,
                    FLOW.destAddress, 80, 6, 0);
            Backend first = sh.pick(f);
            assertSame(first, sh.pick(f));
            count.merge(n(first), 1, Integer::sum);
        }
        double ratio = count.get("22") / (double) count.get("21");
        assertTrue(ratio > 2.5 && ratio < 3.5, count.toString());
        // Without sh-fallback an unusable bucket gives nothing; with it the next usable one.
        a.destination(a.destination().withWeight(0));
        sh.update(List.of(a, b));
        Scheduler fallback = Schedulers.create("sh", VirtualService.F_SCHED1);
        addInOrder(fallback, a, b);
        int none = 0;
        for (int i = 0; i < 200; i++) {
            FlowRequest f = new FlowRequest().set(new byte[] {10, 0, (byte) i, 1}, 1, FLOW.destAddress, 80, 6, 0);
            if (sh.pick(f) == null) {
                none++;
            }
            assertSame(b, fallback.pick(f));
        }
        assertTrue(none > 0);
    }

    @Test
    void unknownAndUnbuiltSchedulersAreRefusedByName() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Schedulers.create("xyz", 0));
        assertTrue(e.getMessage().contains("unknown scheduler xyz"));
        e = assertThrows(IllegalArgumentException.class, () -> Schedulers.create("mh", 0));
        assertTrue(e.getMessage().contains("kernel IPVS"));
    }
}
