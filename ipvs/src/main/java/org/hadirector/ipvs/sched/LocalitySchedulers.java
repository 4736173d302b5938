package org.hadirector.ipvs.sched;

import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.Collections;
import java.util.Deque;
import java.util.IdentityHashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * lblc and lblcr, the locality-based least-connection schedulers of ip_vs_lblc.c and
 * ip_vs_lblcr.c: the packet's destination address (for cache clusters: the origin server) maps
 * to one real server (lblc) or a set of them (lblcr), chosen by weighted least connections and
 * kept while it is not "overloaded" in these schedulers' sense (more active connections than its
 * weight while some server has fewer than half its weight). Entries expire as the kernel's timer
 * expires them: checked every 60 s; every 30th check drops those unused for lblc(r)_expiration
 * (24 h by default); above 16,384 entries, those unused for 6 minutes go first. (The kernel walks
 * its 1,024 hash buckets from a rover when it trims above the limit; this map trims in insertion
 * order, which can differ only in which idle entries go first.)
 */
final class LocalitySchedulers {
    static final long SECOND = 1_000_000_000L;
    static final long CHECK_INTERVAL = 60 * SECOND;
    static final long ENTRY_TIMEOUT = 6 * 60 * SECOND;
    static final long DEFAULT_EXPIRATION = 24 * 60 * 60 * SECOND;
    static final int FULL_CHECK_EVERY = 30;
    static final int MAX_SIZE = 1024 * 16;

    private LocalitySchedulers() {}

    /** What lblc and lblcr share: the destination list, the weighted least-connection pick, the expiry timer. */
    abstract static class Base<E extends Base.Entry> implements Scheduler {
        abstract static class Entry {
            long lastUse;
        }

        final Map<ByteBuffer, E> entries = new LinkedHashMap<>();
        final long expiration;
        List<Backend> list = List.of();
        Set<Backend> available = Collections.newSetFromMap(new IdentityHashMap<>());
        private long nextCheck = Long.MIN_VALUE;
        private int counter = 1;

        Base(long expirationNanos) {
            this.expiration = expirationNanos;
        }

        @Override
        public void update(List<Backend> backends) {
            list = KernelOrder.of(backends);
            Set<Backend> a = Collections.newSetFromMap(new IdentityHashMap<>());
            a.addAll(backends);
            available = a;
        }

        /** __ip_vs_lblc(r)_schedule: weighted least connections, the first of equals in list order. */
        Backend leastLoaded() {
            Backend least = null;
            long loh = 0;
            for (Backend d : list) {
                if (d.overloaded()) {
                    continue;
                }
                if (least == null) {
                    if (d.weight() > 0) {
                        least = d;
                        loh = d.overhead();
                    }
                    continue;
                }
                long doh = d.overhead();
                if (loh * d.weight() > doh * least.weight()) {
                    least = d;
                    loh = doh;
                }
            }
            return least;
        }

        /** is_overloaded of these schedulers: busier than its weight while another has room. */
        boolean busy(Backend d) {
            if (d.activeConnections() > d.weight()) {
                for (Backend x : list) {
                    if ((long) x.activeConnections() * 2 < x.weight()) {
                        return true;
                    }
                }
            }
            return false;
        }

        /** The kernel's periodic timer, run for every 60 s that passed. */
        void expire(long now) {
            if (nextCheck == Long.MIN_VALUE) {
                nextCheck = now + CHECK_INTERVAL;
                return;
            }
            for (int guard = 0; now - nextCheck >= 0 && guard < 100_000; guard++) {
                check(nextCheck);
                nextCheck += CHECK_INTERVAL;
            }
        }

        private void check(long now) {
            if (counter % FULL_CHECK_EVERY == 0) {
                entries.values().removeIf(e -> now - (e.lastUse + expiration) >= 0);
                counter = 1;
                return;
            }
            if (entries.size() <= MAX_SIZE) {
                counter++;
                return;
            }
            int goal = Math.min((entries.size() - MAX_SIZE) * 4 / 3, MAX_SIZE / 2);
            for (Iterator<E> it = entries.values().iterator(); it.hasNext() && goal > 0; ) {
                if (now - (it.next().lastUse + ENTRY_TIMEOUT) >= 0) {
                    it.remove();
                    goal--;
                }
            }
        }

        static ByteBuffer key(byte[] address) {
            return ByteBuffer.wrap(address.clone());
        }

        int size() {
            return entries.size();
        }
    }

    /** lblc: one real server per destination address. */
    static final class Lblc extends Base<Lblc.Cached> {
        static final class Cached extends Base.Entry {
            final Backend dest;

            Cached(Backend dest, long now) {
                this.dest = dest;
                this.lastUse = now;
            }
        }

        Lblc(long expirationNanos) {
            super(expirationNanos);
        }

        @Override
        public String name() {
            return "lblc";
        }

        @Override
        public Backend pick(FlowRequest flow) {
            long now = flow.nowNs;
            expire(now);
            ByteBuffer k = key(flow.destAddress);
            Cached en = entries.get(k);
            if (en != null) {
                en.lastUse = now;
                Backend d = en.dest;
                if (available.contains(d) && d.weight() > 0 && !busy(d)) {
                    return d;
                }
            }
            Backend d = leastLoaded();
            if (d == null) {
                return null;
            }
            if (en == null || en.dest != d) {
                entries.remove(k);
                entries.put(k, new Cached(d, now));
            }
            return d;
        }
    }

    /** lblcr: a set of real servers per destination address, grown when its best is busy, shrunk when idle long. */
    static final class Lblcr extends Base<Lblcr.Replicated> {
        static final class Replicated extends Base.Entry {
            /** Most recently added first, as list_add_rcu leaves it. */
            final Deque<Backend> set = new ArrayDeque<>();

            long lastMod;
        }

        Lblcr(long expirationNanos) {
            super(expirationNanos);
        }

        @Override
        public String name() {
            return "lblcr";
        }

        /** ip_vs_dest_set_min. */
        Backend setMin(Replicated en) {
            Backend least = null;
            long loh = 0;
            for (Backend d : en.set) {
                if (d.overloaded()) {
                    continue;
                }
                if (least == null) {
                    if (d.weight() > 0 && available.contains(d)) {
                        least = d;
                        loh = d.overhead();
                    }
                    continue;
                }
                long doh = d.overhead();
                if (loh * d.weight() > doh * least.weight() && available.contains(d)) {
                    least = d;
                    loh = doh;
                }
            }
            return least;
        }

        /** ip_vs_dest_set_max. */
        static Backend setMax(Replicated en) {
            Backend most = null;
            long moh = 0;
            for (Backend d : en.set) {
                if (most == null) {
                    if (d.weight() > 0) {
                        most = d;
                        moh = d.overhead();
                    }
                    continue;
                }
                long doh = d.overhead();
                if (moh * d.weight() < doh * most.weight() && d.weight() > 0) {
                    most = d;
                    moh = doh;
                }
            }
            return most;
        }

        private static void insert(Replicated en, Backend d, long now) {
            if (!en.set.contains(d)) {
                en.set.addFirst(d);
                en.lastMod = now;
            }
        }

        @Override
        public Backend pick(FlowRequest flow) {
            long now = flow.nowNs;
            expire(now);
            ByteBuffer k = key(flow.destAddress);
            Replicated en = entries.get(k);
            if (en != null) {
                en.lastUse = now;
                Backend d = setMin(en);
                if (en.set.size() > 1 && now - (en.lastMod + expiration) > 0) {
                    Backend m = setMax(en);
                    if (m != null) {
                        en.set.remove(m);
                        en.lastMod = now;
                    }
                }
                if (d != null && !busy(d)) {
                    return d;
                }
                d = leastLoaded();
                if (d == null) {
                    return null;
                }
                insert(en, d, now);
                return d;
            }
            Backend d = leastLoaded();
            if (d == null) {
                return null;
            }
            Replicated fresh = new Replicated();
            fresh.lastUse = now;
            fresh.set.addFirst(d);
            fresh.lastMod = now;
            entries.put(k, fresh);
            return d;
        }
    }
}
