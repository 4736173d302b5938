package org.hadirector.sys;

import jnr.ffi.Pointer;

/**
 * The Internet checksum (RFC 1071), the project's one implementation: VRRP messages (in byte
 * arrays) and the forwarder's TCP/UDP segments (in ring memory) are summed by the same loop.
 * Sums are kept unfolded in a long so that pieces (a pseudo-header, then the message) add up.
 */
public final class InternetChecksum {
    private InternetChecksum() {}

    /** The one's-complement sum of {@code b[off, off+len)} (big-endian 16-bit words) added to {@code sum}. */
    public static long add(long sum, byte[] b, int off, int len) {
        int i = off;
        int end = off + len;
        for (; i + 1 < end; i += 2) {
            sum += ((b[i] & 0xff) << 8) | (b[i + 1] & 0xff);
        }
        if (i < end) {
            sum += (b[i] & 0xff) << 8;
        }
        return sum;
    }

    /** The same over native memory at {@code at} (a packet ring's frame). */
    public static long add(long sum, Pointer p, long at, int len) {
        int i = 0;
        for (; i + 1 < len; i += 2) {
            sum += Short.toUnsignedInt(Short.reverseBytes(p.getShort(at + i)));
        }
        if (i < len) {
            sum += (p.getByte(at + i) & 0xff) << 8;
        }
        return sum;
    }

    /** Folds the carries in and complements: the value for the checksum field. */
    public static int fold(long sum) {
        while ((sum >>> 16) != 0) {
            sum = (sum & 0xffff) + (sum >>> 16);
        }
        return (int) (~sum & 0xffff);
    }
}
