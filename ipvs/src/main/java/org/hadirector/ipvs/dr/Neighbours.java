package org.hadirector.ipvs.dr;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The forwarder's own neighbour cache for the real servers it sends to: IPv4 addresses resolved
 * by ARP, IPv6 by neighbour discovery, each address as {@link Ip128} holds it. Pure: it says
 * which addresses to ask for and when; the forwarder sends the requests (ARP requests,
 * neighbour solicitations) and feeds in what it hears (replies and requests, advertisements and
 * solicitations, all carry a sender's MAC). An entry is refreshed once a minute; the old MAC is kept
 * until a new one is heard, so a refresh never stops traffic. An address that stops answering
 * keeps its last MAC (a real server the checkers removed still gets its connections' packets).
 *
 * <p>An address that does not answer is asked less and less often: three times a second apart
 * (the kernel's mcast_solicit), then at doubling intervals up to once a minute. Asking every
 * silent real server every second for ever is a broadcast storm on a large pool (10,000 real
 * servers down, or not on this link, is 10,000 broadcasts a second). A packet that needs the MAC
 * brings the next ask forward again (at most one a second per address, whatever the traffic),
 * as the kernel resolves on demand; and one call asks at most {@link #MAX_ASKS_PER_CALL}, the
 * rest at the next.
 *
 * <p>An address that cannot be on a link (loopback, unspecified, multicast, IPv4's reserved
 * 240/4 and broadcast; IPv6's loopback, unspecified and multicast) is never asked for, as the
 * kernel never resolves one: a "who-has 127.1.0.1" broadcast is a martian on the operator's link,
 * and a real server there is unreachable by direct routing whatever is asked. Its entry stays
 * without a MAC (its frames are counted no_mac).
 */
final class Neighbours {
    static final long RETRY_NS = 1_000_000_000L;
    static final long REFRESH_NS = 60_000_000_000L;
    /** Asks a second apart before backing off (the kernel's net.ipv4.neigh.*.mcast_solicit). */
    static final int SOLICIT = 3;
    /** At most this many requests per {@link #due} call (the forwarder calls it ten times a second). */
    static final int MAX_ASKS_PER_CALL = 256;

    /** One address; {@code mac} is -1 until heard. Read per packet through a cached reference. */
    static final class Entry {
        final long hi;
        final long lo;
        /** An IPv4 entry's address as an int (ARP's). */
        final int address;

        volatile long mac = -1;
        long heardNs;
        long askedNs;
        boolean everAsked;
        /** Asks since the address was last heard: the backoff. */
        int unanswered;
        /** False for an address that cannot be on a link: never asked for. */
        final boolean onLink;

        int users;

        Entry(Key k) {
            this.hi = k.hi;
            this.lo = k.lo;
            this.address = (int) k.lo;
            this.onLink = canBeOnLink(k.hi, k.lo);
        }

        boolean ipv4() {
            return Ip128.isV4(hi, lo);
        }

        /** When this entry is next to be asked for (at its first {@link #due} if never asked). */
        long nextAskAt() {
            if (!everAsked) {
                return Long.MIN_VALUE;
            }
            if (mac != -1 && unanswered == 0) {
                return Math.max(heardNs, askedNs) + REFRESH_NS;
            }
            int backoff = Math.max(0, unanswered - SOLICIT + 1);
            long interval = backoff >= 6 ? REFRESH_NS : Math.min(REFRESH_NS, RETRY_NS << backoff);
            return askedNs + interval;
        }
    }

    private record Key(long hi, long lo) {}

    /** Whether an address may be a neighbour on a link (see the class comment for which may not). */
    static boolean canBeOnLink(long hi, long lo) {
        if (Ip128.isV4(hi, lo)) {
            int first = (int) (lo >>> 24) & 0xff;
            return first != 0 && first != 127 && first < 224;
        }
        boolean unspecifiedOrLoopback = hi == 0 && (lo == 0 || lo == 1);
        boolean multicast = (hi >>> 56) == 0xff;
        return !unspecifiedOrLoopback && !multicast;
    }

    private final Map<Key, Entry> entries = new HashMap<>();
    /** No entry is due before this: {@link #due} does not walk the table until then. */
    private long nextScanAt = Long.MIN_VALUE;

    /** Whether {@code a} comes first; MIN_VALUE is "at once". */
    private static boolean before(long a, long b) {
        return a == Long.MIN_VALUE || b != Long.MIN_VALUE && a - b < 0;
    }

    /** The entry for an IPv4 address, created and counted as used. */
    Entry use(int address) {
        return use(0, Ip128.v4(address));
    }

    /** The entry for an address, created and counted as used. */
    Entry use(long hi, long lo) {
        Entry e = entries.computeIfAbsent(new Key(hi, lo), Entry::new);
        e.users++;
        if (!e.everAsked && e.onLink) {
            nextScanAt = Long.MIN_VALUE;
        }
        return e;
    }

    void release(Entry e) {
        if (--e.users <= 0) {
            entries.remove(new Key(e.hi, e.lo));
        }
    }

    /** A sender's IPv4 address and MAC seen in an ARP packet; true when it changed an entry. */
    boolean heard(int address, long mac, long nowNs) {
        return heard(0, Ip128.v4(address), mac, nowNs);
    }

    /** A sender's address and MAC heard (ARP, neighbour discovery); true when it changed an entry. */
    boolean heard(long hi, long lo, long mac, long nowNs) {
        Entry e = entries.get(new Key(hi, lo));
        if (e == null || !e.onLink) {
            return false; // the kernel's arp_process drops a loopback or multicast sender too
        }
        boolean changed = e.mac != mac;
        e.mac = mac;
        e.heardNs = nowNs;
        e.unanswered = 0;
        return changed;
    }

    /**
     * A packet needed the entry's MAC and it is unknown: ask again a second after the last ask,
     * whatever the backoff had reached.
     */
    void wanted(Entry e, long nowNs) {
        if (e.mac != -1 || e.unanswered < SOLICIT) { // an entry off any link is never asked: unanswered stays 0
            return;
        }
        e.unanswered = SOLICIT - 1;
        long at = e.nextAskAt();
        if (before(at, nextScanAt)) {
            nextScanAt = at;
        }
    }

    /**
     * The addresses to ask for now: unknown ones a second apart and then less often, known ones
     * once a minute; at most {@link #MAX_ASKS_PER_CALL}.
     */
    List<Entry> due(long nowNs) {
        if (nextScanAt != Long.MIN_VALUE && nowNs - nextScanAt < 0) {
            return List.of();
        }
        List<Entry> ask = new ArrayList<>();
        long next = nowNs + REFRESH_NS;
        for (Entry e : entries.values()) {
            if (!e.onLink) {
                continue;
            }
            long at = e.nextAskAt();
            if ((at == Long.MIN_VALUE || nowNs - at >= 0) && ask.size() < MAX_ASKS_PER_CALL) {
                e.askedNs = nowNs;
                e.everAsked = true;
                if (e.mac == -1 || nowNs - e.heardNs >= REFRESH_NS) {
                    e.unanswered++;
                }
                ask.add(e);
                at = e.nextAskAt();
            }
            if (at == Long.MIN_VALUE || at - next < 0) {
                next = at == Long.MIN_VALUE ? nowNs : at;
            }
        }
        nextScanAt = next;
        return ask;
    }

    Entry get(int address) {
        return entries.get(new Key(0, Ip128.v4(address)));
    }

    int size() {
        return entries.size();
    }
}
