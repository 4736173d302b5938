package org.hadirector.sys;

/**
 * ARP over Ethernet for IPv4 (RFC 826), the project's one encoder: the gratuitous ARP of a new
 * VRRP master and the forwarder's requests for its real servers' MACs are the same broadcast
 * REQUEST, differing only in the addresses.
 */
public final class ArpFrame {
    public static final int ETHERTYPE_ARP = 0x0806;
    /** Ethernet's minimum frame without FCS: the 42 bytes of ARP are padded with zeros to it. */
    public static final int LENGTH = 60;

    private ArpFrame() {}

    /**
     * A broadcast "who has {@code targetIp}? tell {@code senderIp} at {@code senderMac}", with the
     * target hardware address zero (RFC 5227 2.3). A gratuitous ARP has sender IP = target IP.
     */
    public static byte[] request(byte[] senderMac, byte[] senderIp, byte[] targetIp) {
        if (senderMac.length != 6 || senderIp.length != 4 || targetIp.length != 4) {
            throw new IllegalArgumentException("ARP for IPv4 over Ethernet needs a 6-byte MAC and 4-byte addresses");
        }
        byte[] f = new byte[LENGTH];
        for (int i = 0; i < 6; i++) {
            f[i] = (byte) 0xff;
        }
        System.arraycopy(senderMac, 0, f, 6, 6);
        f[12] = (byte) (ETHERTYPE_ARP >>> 8);
        f[13] = (byte) ETHERTYPE_ARP;
        f[15] = 1; // hardware type 1: Ethernet
        f[16] = 0x08; // protocol type: IPv4
        f[18] = 6; // hardware address length
        f[19] = 4; // protocol address length
        f[21] = 1; // operation 1: request
        System.arraycopy(senderMac, 0, f, 22, 6);
        System.arraycopy(senderIp, 0, f, 28, 4);
        System.arraycopy(targetIp, 0, f, 38, 4);
        return f;
    }
}
