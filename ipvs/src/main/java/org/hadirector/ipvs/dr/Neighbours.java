package org.hadirector.ipvs.dr;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The forwarder's own ARP cache for the real servers it sends to. Pure: it says which addresses
 * to ask for and when; the forwarder sends the requests and feeds in what it hears (replies and
 * requests both carry the sender's MAC). An entry is refreshed while in use; the old MAC is kept
 * until a new one is heard, so a refresh never stops traffic. An address that stops answering
 * keeps its last MAC (a real server the checkers removed still gets its connections' packets).
 */
final class Neighbours {
    static final long RETRY_NS = 1_000_000_000L;
    static final long REFRESH_NS = 60_000_000_000L;

    /** One address; {@code mac} is -1 until heard. Read per packet through a cached reference. */
    static final class Entry {
        final int address;
        volatile long mac = -1;
        long heardNs;
        long askedNs;
        boolean everAsked;
        int users;

        Entry(int address) {
            this.address = address;
        }
    }

    private final Map<Integer, Entry> entries = new HashMap<>();

    /** The entry for an address, created and counted as used. */
    Entry use(int address) {
        Entry e = entries.computeIfAbsent(address, Entry::new);
        e.users++;
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
        return changed;
    }

    /** The addresses to ask for now: unknown ones every second, known ones once a minute. */
    List<Integer> due(long nowNs) {
        List<Integer> ask = new ArrayList<>();
        for (Entry e : entries.values()) {
            boolean unknown = e.mac == -1;
            boolean stale = !unknown && nowNs - e.heardNs >= REFRESH_NS;
            if ((unknown || stale) && (!e.everAsked || nowNs - e.askedNs >= RETRY_NS)) {
                e.askedNs = nowNs;
                e.everAsked = true;
                ask.add(e.address);
            }
        }
        return ask;
    }

    Entry get(int address) {
        return entries.get(address);
    }

    int size() {
        return entries.size();
    }
}
