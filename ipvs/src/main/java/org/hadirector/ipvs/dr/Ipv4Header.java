package org.hadirector.ipvs.dr;

import jnr.ffi.Pointer;

/**
 * The IPv4 header (RFC 791 3.1) at {@code ip} in ring memory: named offsets and accessors. The
 * forwarder reads it and never writes it (direct routing leaves the IP packet as it is).
 */
final class Ipv4Header {
    static final int VERSION_IHL_OFFSET = 0;
    static final int TOTAL_LENGTH_OFFSET = 2;
    static final int FLAGS_FRAGMENT_OFFSET = 6;
    static final int PROTOCOL_OFFSET = 9;
    static final int SOURCE_OFFSET = 12;
    static final int DESTINATION_OFFSET = 16;
    /** Without options. */
    static final int MIN_LENGTH = 20;

    static final int VERSION = 4;
    static final int PROTOCOL_TCP = 6;
    static final int PROTOCOL_UDP = 17;
    /** More-fragments and the fragment offset: either set means a fragment (DF is outside it). */
    static final int FRAGMENT_MASK = 0x3fff;

    private Ipv4Header() {}

    static int version(Pointer p, long ip) {
        return (p.getByte(ip + VERSION_IHL_OFFSET) & 0xff) >>> 4;
    }

    /** The header's length in bytes (IHL counts 32-bit words). */
    static int ihl(Pointer p, long ip) {
        return (p.getByte(ip + VERSION_IHL_OFFSET) & 0x0f) * 4;
    }

    static int totalLength(Pointer p, long ip) {
        return Short.toUnsignedInt(Short.reverseBytes(p.getShort(ip + TOTAL_LENGTH_OFFSET)));
    }

    static boolean fragment(Pointer p, long ip) {
        return (Short.reverseBytes(p.getShort(ip + FLAGS_FRAGMENT_OFFSET)) & FRAGMENT_MASK) != 0;
    }

    static int protocol(Pointer p, long ip) {
        return p.getByte(ip + PROTOCOL_OFFSET) & 0xff;
    }

    /** As {@link Ipv4} holds addresses: the network-order bytes read big-endian. */
    static int source(Pointer p, long ip) {
        return Integer.reverseBytes(p.getInt(ip + SOURCE_OFFSET));
    }

    static int destination(Pointer p, long ip) {
        return Integer.reverseBytes(p.getInt(ip + DESTINATION_OFFSET));
    }
}
