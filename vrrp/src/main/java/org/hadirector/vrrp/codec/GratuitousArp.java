package org.hadirector.vrrp.codec;

import java.net.Inet4Address;
import org.hadirector.sys.ArpFrame;

/**
 * The gratuitous ARP a new master sends for each IPv4 VIP: an Ethernet broadcast ARP REQUEST
 * with sender and target IP both the VIP and the sender MAC the interface's, so that every host
 * on the segment (and every switch) learns where the VIP now lives.
 */
public final class GratuitousArp {
    public static final int ETHERTYPE_ARP = ArpFrame.ETHERTYPE_ARP;

    private GratuitousArp() {}

    public static byte[] frame(byte[] senderMac, Inet4Address vip) {
        byte[] ip = vip.getAddress();
        return ArpFrame.request(senderMac, ip, ip);
    }
}
