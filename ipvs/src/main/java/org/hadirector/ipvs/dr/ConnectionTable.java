package org.hadirector.ipvs.dr;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;
import org.hadirector.ipvs.Connection;
import org.hadirector.ipvs.TcpState;
import org.hadirector.ipvs.sched.Backend;

/**
 * The forwarder's connection table: client flows and persistence templates in hash buckets, with
 * the counts each entry makes in its real server (active, inactive, persistent), a limit, the
 * half-open list that gives way when the table is full, expiry by state timeouts and listing by
 * pages. Pure: time is passed in. Single-threaded: the forwarder thread owns it.
 *
 * <p>An entry is counted in its server from {@link #link} to its removal, so that the counts the
 * schedulers read always match the table.
 */
final class ConnectionTable {
    /**
     * What one table entry costs on the heap, rounded up generously (object, bucket slot, the
     * collector's headroom): the default limit gives the table a quarter of the heap.
     */
    static final long BYTES_PER_ENTRY = 192;
    /**
     * Half-open entries' timeout while the table is over half full, instead of SYN_RECV's 60 s:
     * a flood's entries leave fast, a real client's handshake completes in milliseconds.
     */
    static final long HALF_OPEN_UNDER_PRESSURE_NS = 5_000_000_000L;

    private static final int MIN_BUCKETS = 1024;
    private static final long NS_PER_SECOND = 1_000_000_000L;

    /**
     * Fixed at construction from the limit, never rehashed: a doubling rehash of a million
     * entries would stall the rings for tens of milliseconds.
     */
    private final DrConnection[] buckets;

    private final int limit;
    private int count;
    private long evicted;
    private long refused;
    private int expiryCursor;
    private FastPath fast;
    private java.util.function.ObjLongConsumer<DrConnection> folded = (c, before) -> {};
    private DrTimeouts timeouts = DrTimeouts.DEFAULT;
    /** Half-open TCP connections, oldest first: the first to give way when the table is full. */
    private DrConnection halfOpenOldest;

    private DrConnection halfOpenNewest;

    /** With a limit on connections plus templates (the table refuses new entries beyond it). */
    ConnectionTable(int limit) {
        if (limit < 1) {
            throw new IllegalArgumentException("connection limit " + limit);
        }
        this.limit = limit;
        this.buckets = new DrConnection[Math.max(MIN_BUCKETS, Integer.highestOneBit(Math.max(1, limit - 1)))];
    }

    /** A quarter of the heap at {@link #BYTES_PER_ENTRY} each, at least 4,096 and at most 2^24. */
    static int defaultLimit(long maxHeapBytes) {
        return (int) Math.max(4096, Math.min(1 << 24, maxHeapBytes / 4 / BYTES_PER_ENTRY));
    }

    int limit() {
        return limit;
    }

    /** Connections plus templates. */
    int count() {
        return count;
    }

    /** Half-open connections that gave way to new entries while the table was full. */
    long evicted() {
        return evicted;
    }

    /** New entries refused by {@link #makeRoom} (the forwarder's TABLE_FULL drops). */
    long refused() {
        return refused;
    }

    int buckets() {
        return buckets.length;
    }

    DrTimeouts timeouts() {
        return timeouts;
    }

    void timeouts(DrTimeouts t) {
        this.timeouts = t;
    }

    // ---- entries -----------------------------------------------------------------------------

    /** An IPv4 entry's lookup. */
    DrConnection lookup(int proto, int caddr, int cport, int vaddr, int vport, boolean template) {
        return lookup(proto, 0, Ip128.v4(caddr), cport, 0, Ip128.v4(vaddr), vport, template);
    }

    DrConnection lookup(int proto, long cHi, long cLo, int cport, long vHi, long vLo, int vport, boolean template) {
        int i = DrConnection.hash(proto, cHi, cLo, cport, vHi, vLo, vport, template) & (buckets.length - 1);
        for (DrConnection c = buckets[i]; c != null; c = c.next) {
            if (c.matches(proto, cHi, cLo, cport, vHi, vLo, vport, template)) {
                return c;
            }
        }
        return null;
    }

    /**
     * Adds a new entry and counts it in its server: a template as persistent, a flow as inactive
     * (it has not reached ESTABLISHED) and in the server's and service's connection totals.
     */
    void link(DrConnection c) {
        int i = index(c);
        c.next = buckets[i];
        buckets[i] = c;
        count++;
        trackHalfOpen(c);
        Backend b = c.server.backend;
        if (c.template) {
            b.countPersistent(1);
        } else {
            b.countInactive(1);
            c.server.connections++;
            c.service.connections++;
        }
    }

    /** Removes one entry from the table and from its server's counts. */
    void unlink(DrConnection c) {
        int i = index(c);
        DrConnection prev = null;
        for (DrConnection x = buckets[i]; x != null; prev = x, x = x.next) {
            if (x == c) {
                if (prev == null) {
                    buckets[i] = x.next;
                } else {
                    prev.next = x.next;
                }
                count--;
                released(c);
                return;
            }
        }
    }

    private int index(DrConnection c) {
        return DrConnection.hash(
                        c.protocol,
                        c.clientHi,
                        c.clientLo,
                        c.clientPort,
                        c.virtualHi,
                        c.virtualLo,
                        c.virtualPort,
                        c.template)
                & (buckets.length - 1);
    }

    private void released(DrConnection c) {
        withdraw(c);
        leaveHalfOpen(c);
        Backend b = c.server.backend;
        if (c.template) {
            b.countPersistent(-1);
        } else if ((c.flags & Connection.F_INACTIVE) != 0) {
            b.countInactive(-1);
        } else {
            b.countActive(-1);
        }
        if (c.controller != null) {
            c.controller.controlled--;
            c.controller = null;
        }
        // A server deleted from its service stays until its last connection ends (the kernel's
        // expire_nodest_conn = 0); only then does the forwarder stop asking for its MAC.
        if (c.server.removed && !c.server.hasConnections()) {
            c.server.forgetNeighbour();
        }
    }

    /** Removes every entry {@code which} accepts. */
    void removeIf(Predicate<DrConnection> which) {
        removeIf(which, 0, buckets.length);
    }

    private void removeIf(Predicate<DrConnection> which, int from, int to) {
        for (int i = from; i < to; i++) {
            DrConnection prev = null;
            DrConnection c = buckets[i];
            while (c != null) {
                DrConnection next = c.next;
                if (which.test(c)) {
                    if (prev == null) {
                        buckets[i] = next;
                    } else {
                        prev.next = next;
                    }
                    count--;
                    released(c);
                } else {
                    prev = c;
                }
                c = next;
            }
        }
    }

    // ---- states and timeouts -----------------------------------------------------------------

    /**
     * Moves a TCP connection to another state: ESTABLISHED counts as active in its server, every
     * other state as inactive (as the kernel's ip_vs_set_state); the half-open list follows.
     */
    void setState(DrConnection c, int next) {
        Backend b = c.server.backend;
        boolean inactive = (c.flags & Connection.F_INACTIVE) != 0;
        boolean established = next == TcpState.ESTABLISHED.code();
        if (!inactive && !established) {
            b.countActive(-1);
            b.countInactive(1);
            c.flags |= Connection.F_INACTIVE;
        } else if (inactive && established) {
            b.countInactive(-1);
            b.countActive(1);
            c.flags &= ~Connection.F_INACTIVE;
        }
        c.state = next;
        trackHalfOpen(c);
        if (!established) {
            withdraw(c); // the fast path carries ESTABLISHED only: the other states move on segments it passes here
        }
    }

    /**
     * The fast path that forwards connections beside the forwarder (null: none). A new path (the
     * program attached afresh to a re-created interface) holds none of the old one's connections:
     * each is the forwarder's again, and offered anew at its next packet.
     */
    void fastPath(FastPath f) {
        if (fast != null && f != fast) {
            for (DrConnection head : buckets) {
                for (DrConnection c = head; c != null; c = c.next) {
                    c.offloaded = false;
                }
            }
        }
        this.fast = f;
    }

    FastPath fastPath() {
        return fast;
    }

    private void withdraw(DrConnection c) {
        if (c.offloaded) {
            c.offloaded = false;
            fast.withdraw(c);
        }
    }

    /**
     * Takes in what the fast path forwarded of {@code c} since it was last read: the packets and
     * bytes into the counts, the last packet's time into the timeout (both clocks are
     * CLOCK_MONOTONIC). A connection the path no longer has is the forwarder's again.
     */
    void fold(DrConnection c, long nowNs) {
        if (!c.offloaded) {
            return;
        }
        FastPath.Seen s = fast.seen(c);
        if (s == null) {
            c.offloaded = false;
            return;
        }
        long packets = s.packets() - c.offloadedPackets;
        if (packets <= 0) {
            return;
        }
        // the connection's own count (sync's points); its server's and service's come from the
        // path's per-server counts each second (FastPath.countServers)
        c.offloadedPackets = s.packets();
        long before = c.packets;
        c.packets += packets;
        long expires = c.expiresNs;
        refresh(c, Math.min(s.lastNanos(), nowNs));
        if (c.expiresNs - expires < 0) {
            c.expiresNs = expires;
        }
        folded.accept(c, before);
    }

    private void reoffer(DrConnection c, long mac, long nowNs) {
        fold(c, nowNs);
        if (c.offloaded) {
            c.offloadedPackets = 0;
            c.offeredMac = mac;
            c.offloaded = fast.offer(c, mac); // replaces the entry: its counts start again
        }
    }

    /** Told of each connection whose fast-path packets were counted, with its count before (sync). */
    void onFold(java.util.function.ObjLongConsumer<DrConnection> f) {
        this.folded = f;
    }

    /** An entry's whole timeout: a template's is its service's persistence timeout, a flow's its state's. */
    long timeoutNs(DrConnection c) {
        if (c.template) {
            return c.service.service.persistenceTimeout() * NS_PER_SECOND;
        } else if (c.protocol == Ipv4Header.PROTOCOL_TCP) {
            return timeouts.tcpNs(c.state);
        } else {
            return timeouts.udpNs();
        }
    }

    /**
     * A flow saw a packet: it now expires its state's timeout from now, or sooner if it is half
     * open while the table is over half full ({@link #HALF_OPEN_UNDER_PRESSURE_NS}).
     */
    void refresh(DrConnection c, long nowNs) {
        if (c.protocol == Ipv4Header.PROTOCOL_TCP) {
            long t = timeouts.tcpNs(c.state);
            c.expiresNs = nowNs + (c.halfOpen && count > limit / 2 ? Math.min(HALF_OPEN_UNDER_PRESSURE_NS, t) : t);
        } else {
            c.expiresNs = nowNs + timeouts.udpNs();
        }
    }

    /**
     * Drops expired entries. A template that still controls live connections is kept, as the
     * kernel restarts its timer. Returns how many expired.
     */
    int expire(long nowNs) {
        int before = count;
        removeIf(c -> expired(c, nowNs));
        return before - count;
    }

    /**
     * Drops the expired entries of one slice of the table, {@code 1/slices} of its buckets after
     * the last slice: called {@code slices} times a second, it passes over the whole table each
     * second without ever holding the forwarder thread for the whole of it.
     */
    int expireSlice(long nowNs, int slices) {
        int before = count;
        int s = Math.max(1, slices);
        int n = (buckets.length + s - 1) / s;
        int from = expiryCursor;
        int to = Math.min(buckets.length, from + n);
        removeIf(c -> expired(c, nowNs), from, to);
        expiryCursor = to == buckets.length ? 0 : to;
        return before - count;
    }

    private boolean expired(DrConnection c, long nowNs) {
        if (c.offloaded) {
            long mac = c.server.mac();
            if (mac != c.offeredMac && mac != -1) {
                // the server's MAC changed (an ARP reply): the path gets the new one within the
                // second this scan takes, never a walk of the table per ARP packet
                reoffer(c, mac, nowNs);
            } else if (c.expiresNs - nowNs <= timeoutNs(c) / 2) {
                // read the fast path's counts twice a timeout, and always before an entry expires:
                // its frames may have gone past us all along
                fold(c, nowNs);
            }
        }
        return c.expiresNs - nowNs <= 0 && c.controlled == 0;
    }

    // ---- the half-open list and the full table -------------------------------------------------

    private static boolean halfOpenState(int state) {
        return state == TcpState.NONE.code()
                || state == TcpState.SYN_RECV.code()
                || state == TcpState.SYN_SENT.code()
                || state == TcpState.SYNACK.code();
    }

    /** Keeps the half-open list to the TCP connections (not templates) whose handshake is not done. */
    private void trackHalfOpen(DrConnection c) {
        boolean should = c.protocol == Ipv4Header.PROTOCOL_TCP && !c.template && halfOpenState(c.state);
        if (should == c.halfOpen) {
            return;
        }
        if (should) {
            c.halfOpen = true;
            c.olderHalfOpen = halfOpenNewest;
            c.newerHalfOpen = null;
            if (halfOpenNewest != null) {
                halfOpenNewest.newerHalfOpen = c;
            } else {
                halfOpenOldest = c;
            }
            halfOpenNewest = c;
        } else {
            leaveHalfOpen(c);
        }
    }

    private void leaveHalfOpen(DrConnection c) {
        if (!c.halfOpen) {
            return;
        }
        if (c.olderHalfOpen != null) {
            c.olderHalfOpen.newerHalfOpen = c.newerHalfOpen;
        } else {
            halfOpenOldest = c.newerHalfOpen;
        }
        if (c.newerHalfOpen != null) {
            c.newerHalfOpen.olderHalfOpen = c.olderHalfOpen;
        } else {
            halfOpenNewest = c.olderHalfOpen;
        }
        c.olderHalfOpen = null;
        c.newerHalfOpen = null;
        c.halfOpen = false;
    }

    /** The half-open connection that gives way first, or null. */
    DrConnection oldestHalfOpen() {
        return halfOpenOldest;
    }

    /**
     * Room for {@code needed} new entries: when the table is at its limit, as the kernel's
     * drop_entry defence, the oldest half-open connections give way (a SYN flood's entries, never
     * an established flow). False, counted in {@link #refused}, when there is not room.
     */
    boolean makeRoom(int needed) {
        while (count + needed > limit && halfOpenOldest != null) {
            unlink(halfOpenOldest);
            evicted++;
        }
        if (count + needed > limit) {
            refused++;
            return false;
        }
        return true;
    }

    // ---- listings ----------------------------------------------------------------------------

    /** The whole table in one list (tests); listings read it by {@link #page}. */
    List<Connection> connections(long nowNs) {
        List<Connection> all = new ArrayList<>(count);
        for (Page p = page(nowNs, Page.FIRST, Integer.MAX_VALUE); ; p = page(nowNs, p, Integer.MAX_VALUE)) {
            all.addAll(p.connections());
            if (p.last()) {
                return all;
            }
        }
    }

    /**
     * One page of a listing: its entries, and where the next one starts (a bucket, and how many
     * entries of that bucket's chain were listed already).
     */
    record Page(List<Connection> connections, int bucket, int skip, boolean last) {
        static final Page FIRST = new Page(List.of(), 0, 0, false);
    }

    /**
     * The page after {@code after}: at most {@code max} entries, whole buckets while they fit (a
     * chain is split only when it alone is longer than a page), so that the caller can take the
     * table a page per short visit to the forwarder thread, which forwards between them. Between
     * pages the table changes: an entry added to or removed from a bucket not yet reached shows
     * or not, as with the kernel's /proc/net/ip_vs_conn; one that stays shows once (unless its
     * own chain was split and changed in between, where it may show twice or not at all).
     */
    Page page(long nowNs, Page after, int max) {
        if (max < 1) {
            throw new IllegalArgumentException("page size " + max);
        }
        List<Connection> list = new ArrayList<>(Math.min(max, Math.max(16, count)));
        int b = after.bucket();
        int skip = after.skip();
        for (; b < buckets.length; b++, skip = 0) {
            int chain = 0;
            for (DrConnection c = buckets[b]; c != null; c = c.next) {
                chain++;
            }
            int left = Math.max(0, chain - skip);
            if (list.size() + left > max) {
                if (!list.isEmpty()) {
                    return new Page(list, b, skip, false);
                }
                // A chain longer than a page: this page ends inside it.
                addChain(list, buckets[b], skip, max, nowNs);
                return new Page(list, b, skip + max, false);
            }
            addChain(list, buckets[b], skip, left, nowNs);
        }
        return new Page(list, buckets.length, 0, true);
    }

    private static void addChain(List<Connection> list, DrConnection head, int skip, int count, long nowNs) {
        DrConnection c = head;
        for (int i = 0; i < skip && c != null; i++) {
            c = c.next;
        }
        for (int i = 0; i < count && c != null; i++, c = c.next) {
            // As a listing shows an entry: its timeout is the time it has left.
            list.add(c.toConnection((int) Math.max(0, (c.expiresNs - nowNs) / NS_PER_SECOND)));
        }
    }
}
