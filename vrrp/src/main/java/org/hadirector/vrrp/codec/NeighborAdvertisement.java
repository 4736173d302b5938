package org.hadirector.vrrp.codec;

import java.net.Inet6Address;

/**
 * The unsolicited neighbour advertisement (RFC 4861 7.2.6) a new master sends for each IPv6 VIP,
 * the IPv6 counterpart of a gratuitous ARP: ICMPv6 type 136 with the Override flag, the VIP as
 * target and the interface MAC as target link-layer address, to all nodes (ff02::1). The kernel
 * fills in the ICMPv6 checksum on a raw ICMPv6 socket.
 */
public final class NeighborAdvertisement {
    public static final int IPPROTO_ICMPV6 = 58;
    private static final int TYPE_NA = 136;
    private static final int FLAG_OVERRIDE = 0x20;

    private NeighborAdvertisement() {}

    public static byte[] message(Inet6Address target, byte[] mac) {
        if (mac.length != 6) {
            throw new IllegalArgumentException("MAC of " + mac.length + " bytes");
        }
        byte[] m = new byte[32];
        m[0] = (byte) TYPE_NA;
        m[4] = (byte) FLAG_OVERRIDE;
        System.arraycopy(target.getAddress(), 0, m, 8, 16);
        m[24] = 2; // option: target link-layer address
        m[25] = 1; // length in units of 8 bytes
        System.arraycopy(mac, 0, m, 26, 6);
        return m;
    }
}
