package org.hadirector.vrrp;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * keepalived's garp_delay of one interface (vrrp_garp_interval / vrrp_gna_interval): after a
 * gratuitous ARP (or unsolicited NA) goes out on the interface, the next one of any instance
 * waits the interval. The first one ever goes at once. Shared by the instances that send on the
 * interface, whose threads ask it concurrently, hence synchronized. Pure: time is passed in.
 */
public final class GarpPacer {
    /** No interval: everything goes at once. */
    public static final GarpPacer NONE = new GarpPacer(0, 0);

    private static final Map<String, GarpPacer> BY_INTERFACE = new ConcurrentHashMap<>();

    private final long garpIntervalNanos;
    private final long gnaIntervalNanos;
    private boolean garpSent;
    private long garpNextAt;
    private boolean gnaSent;
    private long gnaNextAt;

    public GarpPacer(long garpIntervalNanos, long gnaIntervalNanos) {
        this.garpIntervalNanos = garpIntervalNanos;
        this.gnaIntervalNanos = gnaIntervalNanos;
    }

    /**
     * The pacer of interface {@code name}, one per interface in the process as keepalived keeps
     * one per interface; a new one when the intervals changed (a reload).
     */
    public static GarpPacer forInterface(String name, long garpIntervalNanos, long gnaIntervalNanos) {
        if (garpIntervalNanos <= 0 && gnaIntervalNanos <= 0) {
            BY_INTERFACE.remove(name);
            return NONE;
        }
        return BY_INTERFACE.compute(
                name,
                (k, old) -> old != null
                                && old.garpIntervalNanos == garpIntervalNanos
                                && old.gnaIntervalNanos == gnaIntervalNanos
                        ? old
                        : new GarpPacer(garpIntervalNanos, gnaIntervalNanos));
    }

    /** Whether one may go now; if so it is counted as sent (the interval starts now). */
    public synchronized boolean take(boolean ipv6, long now) {
        if (ipv6) {
            if (gnaIntervalNanos <= 0) {
                return true;
            }
            if (gnaSent && now - gnaNextAt < 0) {
                return false;
            }
            gnaSent = true;
            gnaNextAt = now + gnaIntervalNanos;
            return true;
        }
        if (garpIntervalNanos <= 0) {
            return true;
        }
        if (garpSent && now - garpNextAt < 0) {
            return false;
        }
        garpSent = true;
        garpNextAt = now + garpIntervalNanos;
        return true;
    }

    /** When the next one of the family may go (valid after {@link #take} said no). */
    public synchronized long nextAt(boolean ipv6) {
        return ipv6 ? gnaNextAt : garpNextAt;
    }
}
