package org.hadirector.vrrp;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

/** vrrp_garp_interval / vrrp_gna_interval as keepalived 2.2.7 applies them (vrrp_arp.c, vrrp_scheduler.c). */
class GarpQueueTest {
    private static final long MS = 1_000_000L;

    @Test
    void withoutIntervalABurstGoesRoundByRoundAtOnce() {
        GarpQueue q = new GarpQueue(List.of(false, true), GarpPacer.NONE);
        assertEquals(List.of(0, 1, 0, 1, 0, 1), q.burst(3, 0));
        assertEquals(Long.MAX_VALUE, q.nextDeadlineNanos(0));
        assertEquals(List.of(), q.due(10 * MS));
    }

    @Test
    void theFirstGoesAtOnceTheRestOncePerVipAtTheInterval() {
        // keepalived marks a held-back VIP pending once: later rounds of the burst add nothing
        GarpQueue q = new GarpQueue(List.of(false, false), new GarpPacer(10 * MS, 0));
        long t = 1_000 * MS;
        assertEquals(List.of(0), q.burst(5, t));
        assertEquals(t + 10 * MS, q.nextDeadlineNanos(t));
        assertEquals(List.of(), q.due(t + 9 * MS));
        assertEquals(List.of(0), q.due(t + 10 * MS));
        assertEquals(t + 20 * MS, q.nextDeadlineNanos(t + 10 * MS));
        assertEquals(List.of(1), q.due(t + 20 * MS));
        assertEquals(Long.MAX_VALUE, q.nextDeadlineNanos(t + 20 * MS));
    }

    @Test
    void arpAndNaArePacedApart() {
        GarpQueue q = new GarpQueue(List.of(false, true, true), new GarpPacer(0, 50 * MS));
        assertEquals(List.of(0, 1, 0, 0), q.burst(3, 0));
        assertEquals(50 * MS, q.nextDeadlineNanos(0));
        assertEquals(List.of(1), q.due(50 * MS));
        assertEquals(List.of(2), q.due(100 * MS));
    }

    @Test
    void instancesOnOneInterfaceShareTheInterval() {
        GarpPacer pacer = new GarpPacer(10 * MS, 0);
        GarpQueue a = new GarpQueue(List.of(false), pacer);
        GarpQueue b = new GarpQueue(List.of(false), pacer);
        assertEquals(List.of(0), a.burst(1, 0));
        assertEquals(List.of(), b.burst(1, 1 * MS));
        assertEquals(10 * MS, b.nextDeadlineNanos(1 * MS));
        assertEquals(List.of(0), b.due(10 * MS));
        assertEquals(List.of(), a.burst(1, 15 * MS));
    }

    @Test
    void leavingMasterDropsWhatIsPending() {
        GarpQueue q = new GarpQueue(List.of(false, false), new GarpPacer(10 * MS, 0));
        q.burst(1, 0);
        q.clear();
        assertEquals(Long.MAX_VALUE, q.nextDeadlineNanos(0));
        assertEquals(List.of(), q.due(20 * MS));
    }

    @Test
    void thePacerIsOnePerInterfaceAndRenewedWhenTheIntervalChanges() {
        GarpPacer a = GarpPacer.forInterface("garpq0", 10 * MS, 0);
        assertEquals(a, GarpPacer.forInterface("garpq0", 10 * MS, 0));
        GarpPacer b = GarpPacer.forInterface("garpq0", 20 * MS, 0);
        assertEquals(false, a == b);
        assertEquals(GarpPacer.NONE, GarpPacer.forInterface("garpq0", 0, 0));
    }
}
