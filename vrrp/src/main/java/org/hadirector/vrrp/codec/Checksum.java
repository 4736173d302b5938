package org.hadirector.vrrp.codec;

import java.net.Inet4Address;
import java.net.InetAddress;
import org.hadirector.sys.InternetChecksum;

/** The Internet checksum (RFC 1071, {@link InternetChecksum}) of VRRP messages, with or without the RFC 5798 pseudo-header. */
public final class Checksum {
    public static final int IPPROTO_VRRP = 112;

    private Checksum() {}

    /** VRRPv2 (and keepalived's old VRRPv3-over-IPv4 unicast form): the message alone. */
    public static int plain(byte[] msg, int off, int len) {
        return InternetChecksum.fold(InternetChecksum.add(0, msg, off, len));
    }

    /** VRRPv3: the message plus the IPv4 or IPv6 pseudo-header of RFC 5798 section 5.2.8. */
    public static int withPseudoHeader(byte[] msg, int off, int len, InetAddress src, InetAddress dst) {
        byte[] s = src.getAddress();
        byte[] d = dst.getAddress();
        long sum = InternetChecksum.add(0, s, 0, s.length);
        sum = InternetChecksum.add(sum, d, 0, d.length);
        if (src instanceof Inet4Address) {
            sum += IPPROTO_VRRP; // zero byte, protocol byte
            sum += len;
        } else {
            sum += (len >>> 16) & 0xffff;
            sum += len & 0xffff;
            sum += IPPROTO_VRRP; // three zero bytes, next header
        }
        return InternetChecksum.fold(InternetChecksum.add(sum, msg, off, len));
    }
}
