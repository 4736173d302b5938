package org.hadirector.ipvs.sched;

import java.util.List;
import org.hadirector.ipvs.VirtualService;

/**
 * The hashing schedulers with the kernel's 256-bucket tables and hash functions: sh (source
 * hashing, ip_vs_sh.c: buckets handed out in list order, weight buckets per destination; with
 * sh-port the source port joins the hash, with sh-fallback an unusable bucket falls through to
 * the next ones) and dh (destination hashing, ip_vs_dh.c: one bucket per destination in turn).
 */
final class HashSchedulers {
    static final int BITS = 8;
    static final int SIZE = 1 << BITS;
    /** GOLDEN_RATIO_32 of linux/hash.h. */
    static final int GOLDEN_RATIO_32 = 0x61C88647;

    private HashSchedulers() {}

    /** The address as the kernel folds it: IPv4 as is, IPv6 as the XOR of its four words. */
    static int fold(byte[] a) {
        int v = 0;
        for (int i = 0; i < a.length; i += 4) {
            v ^= (a[i] & 0xff) << 24 | (a[i + 1] & 0xff) << 16 | (a[i + 2] & 0xff) << 8 | (a[i + 3] & 0xff);
        }
        return v;
    }

    /** hash_32(val, bits). */
    static int hash32(int val, int bits) {
        return (val * GOLDEN_RATIO_32) >>> (32 - bits);
    }

    static final class Sh implements Scheduler, PlacementTable {
        private final boolean withPort;
        private final boolean fallback;
        private final Backend[] buckets = new Backend[SIZE];

        Sh(int serviceFlags) {
            this.withPort = (serviceFlags & VirtualService.F_SCHED2) != 0;
            this.fallback = (serviceFlags & VirtualService.F_SCHED1) != 0;
        }

        @Override
        public String name() {
            return "sh";
        }

        /** ip_vs_sh_reassign: a weight-0 destination still takes one bucket. */
        @Override
        public void update(List<Backend> backends) {
            List<Backend> list = KernelOrder.of(backends);
            int p = 0;
            int count = 0;
            for (int i = 0; i < SIZE; i++) {
                if (list.isEmpty()) {
                    buckets[i] = null;
                    continue;
                }
                Backend b = list.get(p);
                buckets[i] = b;
                if (++count >= b.weight()) {
                    p = (p + 1) % list.size();
                    count = 0;
                }
            }
        }

        static int key(int addr, int port, int offset) {
            return (offset + hash32(port + addr, BITS)) & (SIZE - 1);
        }

        @Override
        public Hash hash() {
            return Hash.SOURCE;
        }

        @Override
        public int size() {
            return SIZE;
        }

        @Override
        public Backend at(int slot) {
            return buckets[slot];
        }

        @Override
        public boolean hashesPort() {
            return withPort;
        }

        @Override
        public boolean fallback() {
            return fallback;
        }

        @Override
        public Backend pick(FlowRequest flow) {
            int addr = fold(flow.sourceAddress);
            int port = withPort ? flow.sourcePort : 0;
            int ihash = key(addr, port, 0);
            Backend b = buckets[ihash];
            if (b == null) {
                return null;
            }
            if (KernelOrder.usable(b)) {
                return b;
            }
            if (!fallback) {
                return null;
            }
            for (int offset = 0; offset < SIZE; offset++) {
                int roffset = (offset + ihash) % SIZE;
                Backend d = buckets[key(addr, port, roffset)];
                if (d != null && KernelOrder.usable(d)) {
                    return d;
                }
            }
            return null;
        }
    }

    static final class Dh implements Scheduler {
        private final Backend[] buckets = new Backend[SIZE];

        @Override
        public String name() {
            return "dh";
        }

        /** ip_vs_dh_reassign: destinations take buckets in turn, weights aside. */
        @Override
        public void update(List<Backend> backends) {
            List<Backend> list = KernelOrder.of(backends);
            for (int i = 0; i < SIZE; i++) {
                buckets[i] = list.isEmpty() ? null : list.get(i % list.size());
            }
        }

        /** ip_vs_dh_hashkey: the address times 2654435761, low 8 bits. */
        static int key(int addr) {
            return (int) ((Integer.toUnsignedLong(addr) * 2654435761L) & (SIZE - 1));
        }

        @Override
        public Backend pick(FlowRequest flow) {
            Backend b = buckets[key(fold(flow.destAddress))];
            return b != null && KernelOrder.usable(b) ? b : null;
        }
    }
}
