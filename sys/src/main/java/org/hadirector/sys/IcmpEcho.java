package org.hadirector.sys;

/**
 * ICMP and ICMPv6 echo messages as bytes, pure: the request of RFC 792 / RFC 4443 4.1 (type,
 * code 0, checksum, identifier, sequence number, data, all big-endian) and what a received
 * message says.
 *
 * <p>The ICMPv6 checksum covers a pseudo-header (source and destination addresses) that only the
 * kernel knows for certain, so it is left 0 here: the kernel fills it in on ICMPv6 sockets, raw
 * and datagram alike (RFC 3542 3.1). The ICMP (IPv4) checksum covers the message alone and is
 * written here; on a datagram socket the kernel writes it again, with its own identifier.
 */
public final class IcmpEcho {
    public static final int ECHO_REPLY = 0;
    public static final int ECHO_REQUEST = 8;
    public static final int ECHO_REPLY_V6 = 129;
    public static final int ECHO_REQUEST_V6 = 128;
    /** type, code, checksum, identifier, sequence number. */
    public static final int HEADER = 8;

    private IcmpEcho() {}

    /** One received ICMP message's header: {@code type}, {@code code}, and for echoes the identifier and sequence. */
    public record Message(int type, int code, int id, int seq, int dataLength) {
        public boolean isEchoReply(boolean ipv6) {
            return type == (ipv6 ? ECHO_REPLY_V6 : ECHO_REPLY) && code == 0;
        }
    }

    /** An echo request with {@code data} after the header. */
    public static byte[] request(boolean ipv6, int id, int seq, byte[] data) {
        byte[] b = new byte[HEADER + data.length];
        b[0] = (byte) (ipv6 ? ECHO_REQUEST_V6 : ECHO_REQUEST);
        b[1] = 0;
        put16(b, 4, id);
        put16(b, 6, seq);
        System.arraycopy(data, 0, b, HEADER, data.length);
        if (!ipv6) {
            put16(b, 2, InternetChecksum.fold(InternetChecksum.add(0, b, 0, b.length)));
        }
        return b;
    }

    /**
     * The ICMP message in {@code b[off, off+len)}, or null when it is too short to be one or, for
     * IPv4, its checksum is wrong (a raw socket sees packets before the kernel checks them).
     */
    public static Message parse(boolean ipv6, byte[] b, int off, int len) {
        if (len < HEADER || off < 0 || off + len > b.length) {
            return null;
        }
        if (!ipv6 && InternetChecksum.fold(InternetChecksum.add(0, b, off, len)) != 0) {
            return null;
        }
        return new Message(b[off] & 0xff, b[off + 1] & 0xff, get16(b, off + 4), get16(b, off + 6), len - HEADER);
    }

    /**
     * Where the ICMP message starts in what a raw IPv4 socket received (after the IP header's
     * IHL words), or -1 when it is no IPv4 packet.
     */
    public static int afterIpv4Header(byte[] b, int len) {
        if (len < 20 || (b[0] & 0xf0) != 0x40) {
            return -1;
        }
        int ihl = (b[0] & 0x0f) * 4;
        return ihl < 20 || ihl > len ? -1 : ihl;
    }

    private static void put16(byte[] b, int at, int v) {
        b[at] = (byte) (v >>> 8);
        b[at + 1] = (byte) v;
    }

    private static int get16(byte[] b, int at) {
        return ((b[at] & 0xff) << 8) | (b[at + 1] & 0xff);
    }
}
