package org.hadirector.ipvs.sched;

import java.util.List;
import org.hadirector.ipvs.VirtualService;

/**
 * mh, Maglev hashing, as ip_vs_mh.c does it with its default table (CONFIG_IP_VS_MH_TAB_INDEX 12:
 * 4,093 slots): each destination gets an offset and a skip from hsiphash of its address and port
 * under the kernel's two fixed keys, and fills its preferred free slots in list order, taking
 * (last weight / gcd) >> shift turns; a source address (and port with mh-port) picks a slot. A
 * quiesced server (weight 0) keeps its slots (its last non-zero weight counts) but is not picked;
 * with mh-fallback the lookup walks on to the next usable one. Same input, same choice as the kernel.
 */
final class MaglevScheduler implements Scheduler, PlacementTable {
    static final int SIZE = 4093;
    /** IP_VS_MH_TAB_BITS: CONFIG_IP_VS_MH_TAB_INDEX / 2. */
    static final int TAB_BITS = 6;

    static final long HASH1 = 2654435761L;
    static final long HASH2 = 2654446892L;

    private final boolean withPort;
    private final boolean fallback;
    private final Backend[] lookup = new Backend[SIZE];

    MaglevScheduler(int serviceFlags) {
        this.withPort = (serviceFlags & VirtualService.F_SCHED2) != 0;
        this.fallback = (serviceFlags & VirtualService.F_SCHED1) != 0;
    }

    @Override
    public String name() {
        return "mh";
    }

    /** ip_vs_mh_hashkey: hsiphash of (offset + port + address), all host-order u32 arithmetic. */
    static int hashkey(int addr, int port, long key, int offset) {
        return SipHash.hsiphash32(offset + port + addr, key);
    }

    static int slot(int addr, int port, long key, int offset, int modulo) {
        return Integer.remainderUnsigned(hashkey(addr, port, key, offset), modulo);
    }

    /** ip_vs_mh_dest_changed: gcd and shift of the last weights, permutation, population. */
    @Override
    public void update(List<Backend> backends) {
        List<Backend> list = KernelOrder.of(backends);
        int gcd = 0;
        int max = 0;
        for (Backend b : list) {
            int w = b.lastWeight();
            if (w > 0) {
                gcd = gcd > 0 ? gcd(w, gcd) : w;
            }
            max = Math.max(max, w);
        }
        if (gcd < 1) {
            java.util.Arrays.fill(lookup, null);
            return;
        }
        int shift = Math.max(0, (32 - Integer.numberOfLeadingZeros(max / gcd)) - TAB_BITS);
        int n = list.size();
        int[] perm = new int[n];
        int[] skip = new int[n];
        int[] turns = new int[n];
        for (int i = 0; i < n; i++) {
            Backend b = list.get(i);
            int addr = HashSchedulers.fold(b.destination().address().getAddress());
            int port = b.destination().port();
            perm[i] = slot(addr, port, HASH1, 0, SIZE);
            skip[i] = slot(addr, port, HASH2, 0, SIZE - 1) + 1;
            int lw = b.lastWeight();
            int t = (lw / gcd) >> shift;
            turns[i] = t != 0 ? t : lw != 0 ? 1 : 0;
        }
        boolean[] taken = new boolean[SIZE];
        int filled = 0;
        int count = 0;
        while (filled < SIZE) {
            for (int i = 0; i < n; ) {
                if (turns[i] < 1) {
                    i++;
                    continue;
                }
                int c = perm[i];
                while (taken[c]) {
                    perm[i] += skip[i];
                    if (perm[i] >= SIZE) {
                        perm[i] -= SIZE;
                    }
                    c = perm[i];
                }
                taken[c] = true;
                lookup[c] = list.get(i);
                if (++filled == SIZE) {
                    return;
                }
                if (++count >= turns[i]) {
                    count = 0;
                    i++;
                }
            }
        }
    }

    private static int gcd(int a, int b) {
        while (b != 0) {
            int t = a % b;
            a = b;
            b = t;
        }
        return a;
    }

    @Override
    public Backend pick(FlowRequest flow) {
        int addr = HashSchedulers.fold(flow.sourceAddress);
        int port = withPort ? flow.sourcePort : 0;
        int ihash = slot(addr, port, HASH1, 0, SIZE);
        Backend b = lookup[ihash];
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
            Backend d = lookup[slot(addr, port, HASH1, roffset, SIZE)];
            if (d == null) {
                return null;
            }
            if (KernelOrder.usable(d)) {
                return d;
            }
        }
        return null;
    }

    @Override
    public Hash hash() {
        return Hash.MAGLEV;
    }

    @Override
    public int size() {
        return SIZE;
    }

    @Override
    public Backend at(int slot) {
        return lookup[slot];
    }

    @Override
    public boolean hashesPort() {
        return withPort;
    }

    @Override
    public boolean fallback() {
        return fallback;
    }

    /** For tests: the slots each backend holds. */
    int slots(Backend b) {
        int n = 0;
        for (Backend x : lookup) {
            if (x == b) {
                n++;
            }
        }
        return n;
    }
}
