package org.hadirector.ipvs.dr;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The forwarder's own ARP cache for the real servers it sends to. Pure: it says which addresses
 * to ask for and when; the forwarder sends the requests and feeds in what it hears (replies and
 * requests both carry the sender's MAC). An entry is refreshed once a minute; the old MAC is kept
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
        final int address;
        volatile long mac = -1;
        long heardNs;
        long askedNs;
        boolean everAsked;
        /** Asks since the address was last heard: the backoff. */
        int unanswered;

        int users;

        Entry(int address) {
            this.address = address;
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

    private final Map<Integer, Entry> entries = new HashMap<>();
    /** No entry is due before this: {@link #due} does not walk the table until then. */
    private long nextScanAt = Long.MIN_VALUE;

    /** Whether {@code a} comes first; MIN_VALUE is "at once". */
    private static boolean before(long a, long b) {
        return a == Long.MIN_VALUE || b != Long.MIN_VALUE && a - b < 0;
    }

    /** The entry for an address, created and counted as used. */
    Entry use(int address) {
        Entry e = entries.computeIfAbsent(address, Entry::new);
        e.users++;
        if (!e.everAsked) {
            nextScanAt = Long.MIN_VALUE;
        }
        return e;
    }

    void release(Entry e) {
        if (--e.users <= 0) {
            entries.remove(e.address);
        }
    }

    /** A sender's IP and MAC seen in an ARP packet; true when it changed an entry. */
    boolean heard(int address, long mac, long nowNs) {
        Entry e = entries.get(address);
        if (e == null) {
            return false;
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
        if (e.mac != -1 || e.unanswered < SOLICIT) {
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
    List<Integer> due(long nowNs) {
        if (nextScanAt != Long.MIN_VALUE && nowNs - nextScanAt < 0) {
            return List.of();
        }
        List<Integer> ask = new ArrayList<>();
        long next = nowNs + REFRESH_NS;
        for (Entry e : entries.values()) {
            long at = e.nextAskAt();
            if ((at == Long.MIN_VALUE || nowNs - at >= 0) && ask.size() < MAX_ASKS_PER_CALL) {
                e.askedNs = nowNs;
                e.everAsked = true;
                if (e.mac == -1 || nowNs - e.heardNs >= REFRESH_NS) {
                    e.unanswered++;
                }
                ask.add(e.address);
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
        return entries.get(address);
    }

    int size() {
        return entries.size();
    }
}
