package org.hadirector.vrrp.codec;

import java.net.Inet4Address;

/**
 * The gratuitous ARP a new master sends for each IPv4 VIP: an Ethernet broadcast ARP REQUEST
 * with sender and target IP both the VIP and the sender MAC the interface's, so that every host
 * on the segment (and every switch) learns where the VIP now lives.
 */
public final class GratuitousArp {
    public static final int ETHERTYPE_ARP = 0x0806;
    /** Ethernet's minimum frame (without FCS): shorter frames are padded with zeros. */
    private static final int MIN_FRAME = 60;

    private GratuitousArp() {
    }

    public static byte[] frame(byte[] senderMac, Inet4Address vip) {
        if (senderMac.length != 6) {
            throw new IllegalArgumentException("MAC of " + senderMac.length + " bytes");
        }
        byte[] f = new byte[MIN_FRAME];
        for (int i = 0; i < 6; i++) {
            f[i] = (byte) 0xff;
        }
        System.arraycopy(senderMac, 0, f, 6, 6);
        f[12] = 0x08;
        f[13] = 0x06;
        f[14] = 0; // hardware type 1: Ethernet
        f[15] = 1;
        f[16] = 0x08; // protocol type: IPv4
        f[17] = 0;
        f[18] = 6;
        f[19] = 4;
        f[20] = 0; // operation 1: request
        f[21] = 1;
        System.arraycopy(senderMac, 0, f, 22, 6);
        byte[] ip = vip.getAddress();
        System.arraycopy(ip, 0, f, 28, 4);
        // target hardware address stays zero (RFC 5227 2.3)
        System.arraycopy(ip, 0, f, 38, 4);
        return f;
    }
}
