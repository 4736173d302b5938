package org.hadirector.vrrp;

import java.util.ArrayList;
import java.util.List;

/**
 * Which VIPs of an instance get a gratuitous ARP / NA now, keepalived's way
 * (vrrp_send_link_update, send_gratuitous_arp, vrrp_arp_thread): a burst of {@code n} goes VIP
 * by VIP, {@code n} rounds; a VIP its interface's {@link GarpPacer} holds back is marked pending
 * once (further rounds for it add nothing, as in keepalived), and the pending ones go in VIP order
 * as the pacer lets them. Leaving master drops what is pending. Pure: time is passed in.
 */
public final class GarpQueue {
    private final List<Boolean> ipv6;
    /** Each VIP's pacer: that of the interface it is sent on (keepalived's IF_BASE_IFP of the VIP's). */
    private final List<GarpPacer> pacers;

    private final boolean[] pending;
    private int pendingCount;

    /** One pacer for all the VIPs (all on one interface); {@code ipv6}: for each VIP, in order, whether it is IPv6. */
    public GarpQueue(List<Boolean> ipv6, GarpPacer pacer) {
        this(ipv6, java.util.Collections.nCopies(ipv6.size(), pacer));
    }

    /**
     * @param ipv6   for each VIP, in the instance's order, whether it is IPv6
     * @param pacers for each VIP, the pacer of its interface
     */
    public GarpQueue(List<Boolean> ipv6, List<GarpPacer> pacers) {
        if (ipv6.size() != pacers.size()) {
            throw new IllegalArgumentException(ipv6.size() + " VIPs, " + pacers.size() + " pacers");
        }
        this.ipv6 = List.copyOf(ipv6);
        this.pacers = List.copyOf(pacers);
        this.pending = new boolean[ipv6.size()];
    }

    /** A burst of {@code rounds}: the indexes of the VIPs to send now, in order, repeats included. */
    public List<Integer> burst(int rounds, long now) {
        List<Integer> out = new ArrayList<>();
        for (int r = 0; r < rounds; r++) {
            for (int i = 0; i < pending.length; i++) {
                if (pending[i]) {
                    continue;
                }
                if (pacers.get(i).take(ipv6.get(i), now)) {
                    out.add(i);
                } else {
                    pending[i] = true;
                    pendingCount++;
                }
            }
        }
        return out;
    }

    /** The pending VIPs whose turn has come, in order. */
    public List<Integer> due(long now) {
        if (pendingCount == 0) {
            return List.of();
        }
        List<Integer> out = new ArrayList<>();
        for (int i = 0; i < pending.length; i++) {
            if (pending[i] && pacers.get(i).take(ipv6.get(i), now)) {
                pending[i] = false;
                pendingCount--;
                out.add(i);
            }
        }
        return out;
    }

    /** The next time {@link #due} may have something; {@link Long#MAX_VALUE} when nothing is pending. */
    public long nextDeadlineNanos(long now) {
        long next = Long.MAX_VALUE;
        for (int i = 0; i < pending.length; i++) {
            if (pending[i]) {
                long at = pacers.get(i).nextAt(ipv6.get(i));
                if (next == Long.MAX_VALUE || at - next < 0) {
                    next = at;
                }
            }
        }
        return next;
    }

    /** Left master: keepalived's vrrp_remove_delayed_arp. */
    public void clear() {
        java.util.Arrays.fill(pending, false);
        pendingCount = 0;
    }
}
