package org.hadirector.ipvs.dr;

import jnr.ffi.Pointer;
import org.hadirector.sys.InternetChecksum;

/**
 * Completing a transport checksum the sender's offload left unfinished. A frame made on this host
 * or a veth peer (TP_STATUS_CSUMNOTREADY) carries only the pseudo-header sum in its TCP/UDP
 * checksum field; a NIC would finish it on the way out, but a frame copied to a packet socket's
 * transmit ring leaves as it is, and the real server would drop it. This is what the kernel's
 * skb_checksum_help does: sum the transport segment with that field in place, fold, complement.
 */
final class Checksums {
    private Checksums() {}

    /** Finishes the checksum of the TCP (6) or UDP (17) segment at {@code l4} of {@code length} bytes. */
    static void complete(Pointer p, long l4, int length, int protocol) {
        int field = protocol == Ipv4Header.PROTOCOL_TCP ? TcpHeader.CHECKSUM_OFFSET : UdpHeader.CHECKSUM_OFFSET;
        if (length < field + 2) {
            return;
        }
        int csum = InternetChecksum.fold(InternetChecksum.add(0, p, l4, length));
        if (protocol == Ipv4Header.PROTOCOL_UDP && csum == 0) {
            csum = 0xffff;
        }
        p.putShort(l4 + field, Short.reverseBytes((short) csum));
    }
}
