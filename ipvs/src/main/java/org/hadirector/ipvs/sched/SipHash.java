package org.hadirector.ipvs.sched;

/**
 * SipHash as lib/siphash.c computes it on 64-bit kernels: SipHash-c-d over little-endian words;
 * the kernel's "hsiphash" is SipHash-1-3 truncated to 32 bits there (HalfSipHash only on 32-bit
 * kernels). Pure.
 */
final class SipHash {
    private long v0;
    private long v1;
    private long v2;
    private long v3;

    private SipHash(long k0, long k1) {
        v0 = 0x736f6d6570736575L ^ k0;
        v1 = 0x646f72616e646f6dL ^ k1;
        v2 = 0x6c7967656e657261L ^ k0;
        v3 = 0x7465646279746573L ^ k1;
    }

    /** SipHash-{@code c}-{@code d} of {@code data} with the key (k0, k1), the kernel's two u64 words. */
    static long hash(byte[] data, long k0, long k1, int c, int d) {
        SipHash s = new SipHash(k0, k1);
        int len = data.length;
        int end = len - (len % 8);
        for (int i = 0; i < end; i += 8) {
            s.compress(le64(data, i, 8), c);
        }
        long b = ((long) len) << 56 | le64(data, end, len - end);
        s.compress(b, c);
        s.v2 ^= 0xff;
        s.rounds(d);
        return s.v0 ^ s.v1 ^ s.v2 ^ s.v3;
    }

    /** The kernel's hsiphash of one u32 (its bytes in x86's order) with key {k, k}, on 64-bit. */
    static int hsiphash32(int value, long key) {
        SipHash s = new SipHash(key, key);
        s.compress(4L << 56 | Integer.toUnsignedLong(value), 1);
        s.v2 ^= 0xff;
        s.rounds(3);
        return (int) (s.v0 ^ s.v1 ^ s.v2 ^ s.v3);
    }

    private void compress(long m, int c) {
        v3 ^= m;
        rounds(c);
        v0 ^= m;
    }

    private void rounds(int n) {
        for (int r = 0; r < n; r++) {
            v0 += v1;
            v1 = Long.rotateLeft(v1, 13);
            v1 ^= v0;
            v0 = Long.rotateLeft(v0, 32);
            v2 += v3;
            v3 = Long.rotateLeft(v3, 16);
            v3 ^= v2;
            v0 += v3;
            v3 = Long.rotateLeft(v3, 21);
            v3 ^= v0;
            v2 += v1;
            v1 = Long.rotateLeft(v1, 17);
            v1 ^= v2;
            v2 = Long.rotateLeft(v2, 32);
        }
    }

    private static long le64(byte[] a, int from, int n) {
        long v = 0;
        for (int i = n - 1; i >= 0; i--) {
            v = v << 8 | (a[from + i] & 0xff);
        }
        return v;
    }
}
