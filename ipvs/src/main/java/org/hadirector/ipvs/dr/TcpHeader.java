package org.hadirector.ipvs.dr;

import jnr.ffi.Pointer;

/** The TCP header (RFC 793 3.1) at {@code l4}: what the forwarder reads of it. Ports: {@link TransportHeader}. */
final class TcpHeader {
    /** The byte of the control bits (CWR ECE URG ACK PSH RST SYN FIN); the data offset is the byte before. */
    static final int FLAGS_OFFSET = 13;

    static final int CHECKSUM_OFFSET = 16;
    /** Without options. */
    static final int MIN_LENGTH = 20;

    private TcpHeader() {}

    /** The control bits, as {@link TcpInputOnly}'s SYN, FIN, RST and ACK test them. */
    static int flags(Pointer p, long l4) {
        return p.getByte(l4 + FLAGS_OFFSET) & 0xff;
    }
}
