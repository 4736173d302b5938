package org.hadirector.ipvs.dr;

import jnr.ffi.Pointer;

/**
 * What TCP and UDP headers share at {@code l4}: both begin with the source and destination
 * ports (RFC 793 3.1, RFC 768), so a flow's ports are read the same way for either.
 */
final class TransportHeader {
    static final int SOURCE_PORT_OFFSET = 0;
    static final int DESTINATION_PORT_OFFSET = 2;

    private TransportHeader() {}

    static int sourcePort(Pointer p, long l4) {
        return Short.toUnsignedInt(Short.reverseBytes(p.getShort(l4 + SOURCE_PORT_OFFSET)));
    }

    static int destinationPort(Pointer p, long l4) {
        return Short.toUnsignedInt(Short.reverseBytes(p.getShort(l4 + DESTINATION_PORT_OFFSET)));
    }
}
