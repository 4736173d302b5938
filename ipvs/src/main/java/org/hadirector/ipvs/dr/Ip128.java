package org.hadirector.ipvs.dr;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.UnknownHostException;

/**
 * Addresses of either family as two longs, the 16 network-order bytes read big-endian: an IPv6
 * address as it is, an IPv4 address as its IPv4-mapped form ::ffff:a.b.c.d, so that one
 * connection table, one service table and one key hold both without a family field to compare.
 * The IPv4 forms never meet a real IPv6 address of that range: frames give the family, and a
 * service's or server's address is of one family.
 */
final class Ip128 {
    /** The low long's top 32 bits of an IPv4-mapped address. */
    private static final long V4_MAPPED = 0xffff_0000_0000L;

    private Ip128() {}

    /** The low long of IPv4 address {@code a} (its high long is 0). */
    static long v4(int a) {
        return V4_MAPPED | (a & 0xffff_ffffL);
    }

    static boolean isV4(long hi, long lo) {
        return hi == 0 && (lo & 0xffff_ffff_0000_0000L) == V4_MAPPED;
    }

    static long hi(InetAddress a) {
        return a instanceof Inet4Address ? 0 : word(a.getAddress(), 0);
    }

    static long lo(InetAddress a) {
        byte[] b = a.getAddress();
        return b.length == 4 ? v4(Ipv4.of(a)) : word(b, 8);
    }

    private static long word(byte[] b, int at) {
        long v = 0;
        for (int i = at; i < at + 8; i++) {
            v = v << 8 | (b[i] & 0xff);
        }
        return v;
    }

    static InetAddress address(long hi, long lo) {
        if (isV4(hi, lo)) {
            return Ipv4.address((int) lo);
        }
        byte[] b = new byte[16];
        for (int i = 0; i < 8; i++) {
            b[i] = (byte) (hi >>> (56 - 8 * i));
            b[8 + i] = (byte) (lo >>> (56 - 8 * i));
        }
        try {
            return InetAddress.getByAddress(b);
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * The high long of the address's first {@code prefix} bits, the prefix as its own family
     * counts it (IPv4: 0-32, the mapped form's first 96 bits kept).
     */
    static long maskHi(long hi, long lo, int prefix) {
        int bits = isV4(hi, lo) ? 96 + prefix : prefix;
        return bits >= 64 ? hi : bits == 0 ? 0 : hi & (-1L << (64 - bits));
    }

    /** The low long of the address's first {@code prefix} bits (see {@link #maskHi}). */
    static long maskLo(long hi, long lo, int prefix) {
        int bits = isV4(hi, lo) ? 96 + prefix : prefix;
        return bits <= 64 ? 0 : bits >= 128 ? lo : lo & (-1L << (128 - bits));
    }
}
