package org.hadirector.vrrp.codec;

import java.net.Inet4Address;
import java.net.InetAddress;

/** The Internet checksum (RFC 1071) over VRRP messages, with or without the RFC 5798 pseudo-header. */
public final class Checksum {
    public static final int IPPROTO_VRRP = 112;

    private Checksum() {
    }

    /** One's-complement sum of {@code b[off, off+len)} added to {@code sum}, not yet folded. */
    static long add(long sum, byte[] b, int off, int len) {
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

    static int fold(long sum) {
        while ((sum >>> 16) != 0) {
            sum = (sum & 0xffff) + (sum >>> 16);
        }
        return (int) (~sum & 0xffff);
    }

    /** VRRPv2 (and keepalived's old VRRPv3-over-IPv4 unicast form): the message alone. */
    public static int plain(byte[] msg, int off, int len) {
        return fold(add(0, msg, off, len));
    }

    /** VRRPv3: the message plus the IPv4 or IPv6 pseudo-header of RFC 5798 section 5.2.8. */
    public static int withPseudoHeader(byte[] msg, int off, int len, InetAddress src, InetAddress dst) {
        byte[] s = src.getAddress();
        byte[] d = dst.getAddress();
        long sum = add(0, s, 0, s.length);
        sum = add(sum, d, 0, d.length);
        if (src instanceof Inet4Address) {
            sum += IPPROTO_VRRP; // zero byte, protocol byte
            sum += len;
        } else {
            sum += (len >>> 16) & 0xffff;
            sum += len & 0xffff;
            sum += IPPROTO_VRRP; // three zero bytes, next header
        }
        return fold(add(sum, msg, off, len));
    }
}
