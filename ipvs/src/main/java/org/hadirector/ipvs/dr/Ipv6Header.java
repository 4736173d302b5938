package org.hadirector.ipvs.dr;

import jnr.ffi.Pointer;

/**
 * The IPv6 header (RFC 8200 3) at {@code ip} in ring memory, and the walk over the extension
 * headers a router or a client may put before TCP or UDP (RFC 8200 4: hop-by-hop, routing,
 * destination options), as the kernel's ipv6_find_hdr makes it for IPVS. Read, never written.
 */
final class Ipv6Header {
    static final int PAYLOAD_LENGTH_OFFSET = 4;
    static final int NEXT_HEADER_OFFSET = 6;
    static final int SOURCE_OFFSET = 8;
    static final int DESTINATION_OFFSET = 24;
    static final int LENGTH = 40;
    static final int VERSION = 6;

    static final int HOP_BY_HOP = 0;
    static final int ROUTING = 43;
    static final int FRAGMENT = 44;
    static final int DESTINATION_OPTIONS = 60;
    /** Extension headers walked before the forwarder gives up on a packet (counted malformed). */
    static final int MAX_EXTENSIONS = 4;

    private Ipv6Header() {}

    static int version(Pointer p, long ip) {
        return (p.getByte(ip) & 0xff) >>> 4;
    }

    static int payloadLength(Pointer p, long ip) {
        return Short.toUnsignedInt(Short.reverseBytes(p.getShort(ip + PAYLOAD_LENGTH_OFFSET)));
    }

    static int nextHeader(Pointer p, long ip) {
        return p.getByte(ip + NEXT_HEADER_OFFSET) & 0xff;
    }

    /** The address at {@code at} as {@link Ip128} holds it: its first eight bytes, big-endian. */
    static long high(Pointer p, long at) {
        return Long.reverseBytes(p.getLong(at));
    }

    static long low(Pointer p, long at) {
        return Long.reverseBytes(p.getLong(at + 8));
    }

    /**
     * Where the transport header starts, past the extension headers, with its protocol: the
     * offset from {@code ip} in the high 32 bits and the protocol in the low; -1 when an
     * extension header runs past {@code total} bytes or there are more than MAX_EXTENSIONS; the
     * protocol FRAGMENT for a fragment, which the caller drops as the IPv4 path drops fragments.
     */
    static long transport(Pointer p, long ip, int total) {
        int next = nextHeader(p, ip);
        int at = LENGTH;
        for (int i = 0; i <= MAX_EXTENSIONS; i++) {
            if (next != HOP_BY_HOP && next != ROUTING && next != DESTINATION_OPTIONS) {
                return (long) at << 32 | next;
            }
            if (i == MAX_EXTENSIONS || at + 8 > total) {
                return -1;
            }
            int length = 8 + (p.getByte(ip + at + 1) & 0xff) * 8; // Hdr Ext Len: 8-octet units past the first 8
            next = p.getByte(ip + at) & 0xff;
            at += length;
            if (at > total) {
                return -1;
            }
        }
        return -1;
    }
}
