package org.hadirector.ipvs.dr;

import jnr.ffi.Pointer;
import org.hadirector.sys.InternetChecksum;

/**
 * IPv6 neighbour discovery over Ethernet (RFC 4861) in ring memory, ARP's counterpart for IPv6
 * real servers: the neighbour solicitations the forwarder sends ({@link #solicit}) and the MACs
 * it reads back ({@link #sender}) from advertisements (the target's link-layer address) and from
 * other nodes' solicitations (the source's), as {@link ArpFrames} reads both ARP operations.
 */
final class NdpFrames {
    static final int ICMPV6 = 58;
    static final int SOLICITATION = 135;
    static final int ADVERTISEMENT = 136;
    static final int OPTION_SOURCE_MAC = 1;
    static final int OPTION_TARGET_MAC = 2;
    /** RFC 4861 7.1.1 / 7.1.2: neighbour discovery messages come with hop limit 255, never routed. */
    static final int HOP_LIMIT = 255;
    /** Ethernet + IPv6 + a solicitation with its source link-layer address option. */
    static final int SOLICITATION_LENGTH = 14 + 40 + 32;

    private static final int IP = 14;
    private static final int ICMP = IP + 40;

    private NdpFrames() {}

    /**
     * Writes at {@code at} a solicitation for {@code target} from {@code source} (an address of
     * the director's on the link) and {@code sourceMac}, to the target's solicited-node
     * multicast group ff02::1:ffXX:XXXX and its MAC 33:33:ff:XX:XX:XX; returns its length.
     */
    static int solicit(Pointer p, long at, long sourceMac, long sourceHi, long sourceLo, long targetHi, long targetLo) {
        long groupLo = 0x00000001_ff000000L | (targetLo & 0xffffff);
        long groupHi = 0xff02_0000_0000_0000L;
        putMac(p, at, 0x3333_ff00_0000L | (targetLo & 0xffffff));
        putMac(p, at + 6, sourceMac);
        p.putShort(at + 12, Short.reverseBytes((short) EthernetHeader.ETHERTYPE_IPV6));
        p.putInt(at + IP, Integer.reverseBytes(0x6000_0000));
        p.putShort(at + IP + 4, Short.reverseBytes((short) 32));
        p.putByte(at + IP + 6, (byte) ICMPV6);
        p.putByte(at + IP + 7, (byte) HOP_LIMIT);
        putAddress(p, at + IP + 8, sourceHi, sourceLo);
        putAddress(p, at + IP + 24, groupHi, groupLo);
        p.putByte(at + ICMP, (byte) SOLICITATION);
        p.putByte(at + ICMP + 1, (byte) 0);
        p.putShort(at + ICMP + 2, (short) 0);
        p.putInt(at + ICMP + 4, 0);
        putAddress(p, at + ICMP + 8, targetHi, targetLo);
        p.putByte(at + ICMP + 24, (byte) OPTION_SOURCE_MAC);
        p.putByte(at + ICMP + 25, (byte) 1);
        putMac(p, at + ICMP + 26, sourceMac);
        p.putShort(at + ICMP + 2, Short.reverseBytes((short) checksum(p, at, 32)));
        return SOLICITATION_LENGTH;
    }

    /**
     * The address and MAC a neighbour discovery frame at {@code at} vouches for: an
     * advertisement's target with its target link-layer address option, or a solicitation's
     * source (not the unspecified address) with its source link-layer address option, into
     * {@code out} as {hi, lo, mac}. False for anything else, and for what RFC 4861 7.1 says to
     * discard: a hop limit other than 255, a code other than 0, a wrong checksum, an option of
     * length 0, a multicast or zero MAC, a frame cut short.
     */
    static boolean sender(Pointer p, long at, int len, long[] out) {
        if (len < ICMP + 24
                || Short.toUnsignedInt(Short.reverseBytes(p.getShort(at + 12))) != EthernetHeader.ETHERTYPE_IPV6
                || Ipv6Header.version(p, at + IP) != Ipv6Header.VERSION
                || Ipv6Header.nextHeader(p, at + IP) != ICMPV6
                || (p.getByte(at + IP + 7) & 0xff) != HOP_LIMIT) {
            return false;
        }
        int icmpLength = Ipv6Header.payloadLength(p, at + IP);
        if (icmpLength < 24 || ICMP + icmpLength > len || p.getByte(at + ICMP + 1) != 0) {
            return false;
        }
        int type = p.getByte(at + ICMP) & 0xff;
        int wanted;
        long hi;
        long lo;
        if (type == ADVERTISEMENT) {
            wanted = OPTION_TARGET_MAC;
            hi = Ipv6Header.high(p, at + ICMP + 8);
            lo = Ipv6Header.low(p, at + ICMP + 8);
        } else if (type == SOLICITATION) {
            wanted = OPTION_SOURCE_MAC;
            hi = Ipv6Header.high(p, at + IP + 8);
            lo = Ipv6Header.low(p, at + IP + 8);
            if (hi == 0 && lo == 0) {
                return false; // duplicate address detection: no one's address yet
            }
        } else {
            return false;
        }
        if (checksum(p, at, icmpLength) != 0) {
            return false;
        }
        long mac = -1;
        for (int o = 24; o + 2 <= icmpLength; ) {
            int kind = p.getByte(at + ICMP + o) & 0xff;
            int size = (p.getByte(at + ICMP + o + 1) & 0xff) * 8;
            if (size == 0 || o + size > icmpLength) {
                return false;
            }
            if (kind == wanted && size == 8) {
                mac = 0;
                for (int i = 0; i < 6; i++) {
                    mac = mac << 8 | (p.getByte(at + ICMP + o + 2 + i) & 0xff);
                }
            }
            o += size;
        }
        if (mac <= 0 || (mac & 0x0100_0000_0000L) != 0) {
            return false;
        }
        out[0] = hi;
        out[1] = lo;
        out[2] = mac;
        return true;
    }

    /** The ICMPv6 checksum over the pseudo-header and the message (0 when a received one is right). */
    private static int checksum(Pointer p, long at, int icmpLength) {
        long sum = InternetChecksum.add(0, p, at + IP + 8, 32); // source and destination
        sum += icmpLength;
        sum += ICMPV6;
        return InternetChecksum.fold(InternetChecksum.add(sum, p, at + ICMP, icmpLength));
    }

    private static void putAddress(Pointer p, long at, long hi, long lo) {
        p.putLong(at, Long.reverseBytes(hi));
        p.putLong(at + 8, Long.reverseBytes(lo));
    }

    private static void putMac(Pointer p, long at, long mac) {
        for (int i = 0; i < 6; i++) {
            p.putByte(at + i, (byte) (mac >>> (40 - 8 * i)));
        }
    }
}
