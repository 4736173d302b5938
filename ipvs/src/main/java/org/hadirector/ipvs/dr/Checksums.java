package org.hadirector.ipvs.dr;

import jnr.ffi.Pointer;

/**
 * Completing a transport checksum the sender's offload left unfinished. A frame made on this host
 * or a veth peer (TP_STATUS_CSUMNOTREADY) carries only the pseudo-header sum in its TCP/UDP
 * checksum field; a NIC would finish it on the way out, but a frame copied to a packet socket's
 * transmit ring leaves as it is, and the real server would drop it. This is what the kernel's
 * skb_checksum_help does: sum the transport segment with that field in place, fold, complement.
 */
final class Checksums {
    private Checksums() {
    }

    /** Finishes the checksum of the TCP (6) or UDP (17) segment at {@code l4} of {@code length} bytes. */
    static void complete(Pointer p, long l4, int length, int protocol) {
        int field = protocol == 6 ? 16 : 6;
        if (length < field + 2) {
            return;
        }
        long sum = 0;
        int i = 0;
        for (; i + 1 < length; i += 2) {
            sum += Short.toUnsignedInt(Short.reverseBytes(p.getShort(l4 + i)));
        }
        if (i < length) {
            sum += (p.getByte(l4 + i) & 0xff) << 8;
        }
        while (sum >>> 16 != 0) {
            sum = (sum & 0xffff) + (sum >>> 16);
        }
        int csum = ~(int) sum & 0xffff;
        if (protocol == 17 && csum == 0) {
            csum = 0xffff;
        }
        p.putShort(l4 + field, Short.reverseBytes((short) csum));
    }
}
