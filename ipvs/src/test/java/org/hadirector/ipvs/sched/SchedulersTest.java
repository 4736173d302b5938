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

    static final FlowRequest FLOW = new FlowRequest()
            .set(new byte[] {(byte) 198, 18, 0, 10}, 40000, new byte[] {(byte) 198, 18, 0, 100}, 80, 6, 0);

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
            FlowRequest f = new FlowRequest()
                    .set(new byte[] {10, (byte) (i >> 8), (byte) i, 1}, 1000 + i, FLOW.destAddress, 80, 6, 0);
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
        e = assertThrows(IllegalArgumentException.class, () -> Schedulers.create("twos", 0));
        assertTrue(e.getMessage().contains("kernel IPVS"));
    }

    @Test
    void sipHashMatchesTheReferenceVectors() {
        // SipHash-2-4, key 00..0f, message 00..(n-1): the reference implementation's vectors.h
        long k0 = 0x0706050403020100L;
        long k1 = 0x0f0e0d0c0b0a0908L;
        assertEquals(0x726fdb47dd0e0e31L, SipHash.hash(new byte[0], k0, k1, 2, 4));
        byte[] fifteen = new byte[15];
        for (int i = 0; i < 15; i++) {
            fifteen[i] = (byte) i;
        }
        assertEquals(0xa129ca6149be45e5L, SipHash.hash(fifteen, k0, k1, 2, 4));
        // hsiphash of a u32 on 64-bit kernels: SipHash-1-3 of its four little-endian bytes, truncated
        assertEquals(
                (int) SipHash.hash(new byte[] {0x78, 0x56, 0x34, 0x12}, 7, 7, 1, 3), SipHash.hsiphash32(0x12345678, 7));
    }

    @Test
    void mhSharesTheTableByWeightKeepsQuiescedSlotsAndMovesLittleOnRemoval() {
        MaglevScheduler mh = (MaglevScheduler) Schedulers.create("mh", 0);
        Backend a = backend("21", 1);
        Backend b = backend("22", 1);
        Backend c = backend("23", 2);
        addInOrder(mh, a, b, c);
        assertEquals(MaglevScheduler.SIZE, mh.slots(a) + mh.slots(b) + mh.slots(c));
        assertTrue(Math.abs(mh.slots(c) - 2 * mh.slots(a)) < 60, mh.slots(a) + " " + mh.slots(b) + " " + mh.slots(c));
        // a quiesced server keeps its slots (its last weight counts) but gets no flow; with mh-fallback another does
        Map<Integer, Backend> before = new HashMap<>();
        for (int i = 0; i < 200; i++) {
            before.put(
                    i,
                    mh.pick(new FlowRequest()
                            .set(new byte[] {10, 0, (byte) (i >> 8), (byte) i}, 1000, FLOW.destAddress, 80, 6, 0)));
        }
        int slotsA = mh.slots(a);
        a.destination(a.destination().withWeight(0));
        mh.update(List.of(a, b, c));
        assertEquals(slotsA, mh.slots(a));
        MaglevScheduler fb = (MaglevScheduler) Schedulers.create("mh", VirtualService.F_SCHED1);
        fb.update(List.of(a, b, c));
        for (int i = 0; i < 200; i++) {
            FlowRequest f = new FlowRequest()
                    .set(new byte[] {10, 0, (byte) (i >> 8), (byte) i}, 1000, FLOW.destAddress, 80, 6, 0);
            if (before.get(i) == a) {
                assertNull(mh.pick(f), "no fallback: a flow of the quiesced server finds none");
                assertTrue(fb.pick(f) == b || fb.pick(f) == c);
            } else {
                assertSame(before.get(i), mh.pick(f), "other flows do not move");
            }
        }
        // removing a server moves only its own flows (Maglev's minimal disruption), give or take a few
        MaglevScheduler two = (MaglevScheduler) Schedulers.create("mh", 0);
        Backend x = backend("21", 1);
        Backend y = backend("22", 1);
        Backend z = backend("23", 1);
        addInOrder(two, x, y, z);
        Map<Integer, Backend> was = new HashMap<>();
        for (int i = 0; i < 3000; i++) {
            was.put(
                    i,
                    two.pick(new FlowRequest()
                            .set(new byte[] {10, 1, (byte) (i >> 8), (byte) i}, 1000, FLOW.destAddress, 80, 6, 0)));
        }
        two.update(List.of(x, y));
        int moved = 0;
        for (int i = 0; i < 3000; i++) {
            Backend now = two.pick(new FlowRequest()
                    .set(new byte[] {10, 1, (byte) (i >> 8), (byte) i}, 1000, FLOW.destAddress, 80, 6, 0));
            if (was.get(i) != z && now != was.get(i)) {
                moved++;
            }
        }
        assertTrue(moved < 300, moved + " of the surviving servers' flows moved");
    }

    @Test
    void lblcKeepsADestinationOnOneServerUntilItIsBusy() {
        Scheduler lblc = Schedulers.create("lblc", 0);
        Backend a = backend("21", 1);
        Backend b = backend("22", 1);
        addInOrder(lblc, a, b);
        FlowRequest toX = new FlowRequest().set(FLOW.sourceAddress, 1, new byte[] {(byte) 203, 0, 113, 1}, 80, 6, 0);
        FlowRequest toY = new FlowRequest().set(FLOW.sourceAddress, 1, new byte[] {(byte) 203, 0, 113, 2}, 80, 6, 0);
        Backend first = lblc.pick(toX);
        assertSame(b, first, "least loaded, the newest first on a tie");
        first.countActive(1);
        assertSame(a, lblc.pick(toY), "another destination goes to the least loaded");
        assertSame(first, lblc.pick(toX), "the same destination stays");
        first.countActive(1); // 2 active > weight 1, and a has fewer than half its weight: busy
        assertSame(a, lblc.pick(toX));
        assertSame(a, lblc.pick(toX), "and the new choice is remembered");
    }

    @Test
    void lblcrGrowsTheSetWhenBusyAndShrinksItAfterTheExpiration() {
        LocalitySchedulers.Lblcr lblcr = new LocalitySchedulers.Lblcr(10 * LocalitySchedulers.SECOND);
        Backend a = backend("21", 1);
        Backend b = backend("22", 1);
        addInOrder(lblcr, a, b);
        FlowRequest f = new FlowRequest().set(FLOW.sourceAddress, 1, new byte[] {(byte) 203, 0, 113, 1}, 80, 6, 0);
        assertSame(b, lblcr.pick(f));
        b.countActive(2);
        assertSame(
                a,
                lblcr.pick(f.set(FLOW.sourceAddress, 1, f.destAddress, 80, 6, LocalitySchedulers.SECOND)),
                "busy: the least loaded joins the set");
        a.countActive(1);
        assertSame(
                a,
                lblcr.pick(f.set(FLOW.sourceAddress, 1, f.destAddress, 80, 6, 2 * LocalitySchedulers.SECOND)),
                "the set's least loaded");
        // long after the last change, the most loaded leaves the set
        assertSame(a, lblcr.pick(f.set(FLOW.sourceAddress, 1, f.destAddress, 80, 6, 20 * LocalitySchedulers.SECOND)));
        b.countActive(-2);
        a.countActive(5);
        assertSame(
                b,
                lblcr.pick(f.set(FLOW.sourceAddress, 1, f.destAddress, 80, 6, 21 * LocalitySchedulers.SECOND)),
                "b left the set and comes back only as a new choice when a is busy");
        assertEquals(1, lblcr.size());
        // entries unused for the expiration go at the next full check (every 30th check of 60 s)
        lblcr.pick(new FlowRequest()
                .set(
                        FLOW.sourceAddress,
                        1,
                        new byte[] {(byte) 203, 0, 113, 9},
                        80,
                        6,
                        31 * 60 * LocalitySchedulers.SECOND + 22 * LocalitySchedulers.SECOND));
        assertEquals(1, lblcr.size(), "the old entry expired, the new one is there");
    }
}
