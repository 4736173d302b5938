package org.hadirector.ipvs.dr;

/** The UDP header (RFC 768) at {@code l4}. Ports: {@link TransportHeader}. */
final class UdpHeader {
    static final int CHECKSUM_OFFSET = 6;
    static final int LENGTH = 8;

    private UdpHeader() {}
}
