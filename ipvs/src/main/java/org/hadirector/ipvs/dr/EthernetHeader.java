package org.hadirector.ipvs.dr;

import jnr.ffi.Pointer;

/**
 * The Ethernet II header of a frame read in place from the rings (IEEE 802.3 clause 3.2): named
 * offsets and accessors, so that the frame path reads no bare numbers. Multi-byte fields are in
 * network order; the accessors return them as numbers.
 */
final class EthernetHeader {
    static final int DESTINATION_OFFSET = 0;
    static final int SOURCE_OFFSET = 6;
    static final int ETHERTYPE_OFFSET = 12;
    /** Without an 802.1Q tag: the forwarder's interface receives untagged frames. */
    static final int LENGTH = 14;

    static final int ETHERTYPE_IPV4 = 0x0800;
    static final int ETHERTYPE_ARP = 0x0806;
    static final int ETHERTYPE_IPV6 = 0x86dd;

    private static final int MAC_LENGTH = 6;

    private EthernetHeader() {}

    static int etherType(Pointer p, long frame) {
        return Short.toUnsignedInt(Short.reverseBytes(p.getShort(frame + ETHERTYPE_OFFSET)));
    }

    /** Writes a MAC held in the low 48 bits of {@code mac} as the frame's destination. */
    static void putDestination(Pointer p, long frame, long mac) {
        putMac(p, frame + DESTINATION_OFFSET, mac);
    }

    static void putSource(Pointer p, long frame, long mac) {
        putMac(p, frame + SOURCE_OFFSET, mac);
    }

    private static void putMac(Pointer p, long at, long mac) {
        for (int i = 0; i < MAC_LENGTH; i++) {
            p.putByte(at + i, (byte) (mac >>> (8 * (MAC_LENGTH - 1 - i))));
        }
    }
}
