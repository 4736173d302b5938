package org.hadirector.vrrp;

import java.io.Closeable;
import java.io.IOException;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.nio.file.Path;
import org.hadirector.sys.Interfaces;
import org.hadirector.sys.NativeException;
import org.hadirector.sys.PacketSocket;
import org.hadirector.sys.RawIpSocket;
import org.hadirector.vrrp.codec.GratuitousArp;
import org.hadirector.vrrp.codec.NeighborAdvertisement;

/**
 * The send sockets of one interface that has VIPs (a {@link GarpRoute#link()}): AF_PACKET for
 * gratuitous ARPs, a raw ICMPv6 socket bound to it for unsolicited NAs, each only when a VIP of
 * that family is there, and the MAC the frames announce (the interface's own, or the VMAC's).
 * Opened by the interface's name; {@link #ifindex()} tells which incarnation of the interface the
 * sockets are bound to, so that a re-created interface gets them opened again.
 */
final class GarpLink implements Closeable {
    private static final InetAddress ALL_NODES = allNodes();
    /** IFF_NOARP of linux/if.h. */
    private static final int IFF_NOARP = 0x80;

    private final String name;
    private final int ifindex;
    private final byte[] mac;
    private final PacketSocket packets;
    private final RawIpSocket icmp6;

    private GarpLink(String name, int ifindex, byte[] mac, PacketSocket packets, RawIpSocket icmp6) {
        this.name = name;
        this.ifindex = ifindex;
        this.mac = mac;
        this.packets = packets;
        this.icmp6 = icmp6;
    }

    private static InetAddress allNodes() {
        try {
            return InetAddress.getByName("ff02::1");
        } catch (java.net.UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Opens interface {@code name}'s sockets for the families asked; {@code mac} null reads the
     * interface's own MAC from {@code sysClassNet}. On failure nothing stays open.
     */
    static GarpLink open(String name, Path sysClassNet, byte[] mac, boolean ipv4, boolean ipv6) throws IOException {
        int ifindex = Interfaces.index(name);
        byte[] m = mac != null ? mac : Interfaces.mac(sysClassNet, name);
        if (m.length != 6) {
            throw new IOException("interface " + name + " has no Ethernet address to send gratuitous ARPs from");
        }
        PacketSocket packets = null;
        RawIpSocket icmp6 = null;
        try {
            if (ipv4) {
                packets = PacketSocket.open(name);
            }
            if (ipv6) {
                icmp6 = RawIpSocket.open(name, true, NeighborAdvertisement.IPPROTO_ICMPV6);
                icmp6.sendOnly();
            }
        } catch (NativeException | RuntimeException e) {
            if (packets != null) {
                packets.close();
            }
            if (icmp6 != null) {
                icmp6.close();
            }
            throw e;
        }
        return new GarpLink(name, ifindex, m, packets, icmp6);
    }

    String name() {
        return name;
    }

    /** The index of the interface the sockets were opened on. */
    int ifindex() {
        return ifindex;
    }

    /**
     * Whether interface {@code ifname} has NOARP now (read from sysfs each time: `ip link set IF arp
     * off` may come at any time): keepalived then sends neither GARPs nor NAs for the VIPs paced
     * there (send_gratuitous_arp, ndisc_send_unsolicited_na check IF_BASE_IFP's flags). Flags that
     * cannot be read count as ARP on, so the VIP is still announced.
     */
    static boolean noArp(Path sysClassNet, String ifname) {
        try {
            String flags =
                    java.nio.file.Files.readString(sysClassNet.resolve(ifname).resolve("flags"));
            return (Integer.decode(flags.strip()) & IFF_NOARP) != 0;
        } catch (IOException | NumberFormatException e) {
            return false;
        }
    }

    /** A gratuitous ARP (IPv4) or an unsolicited NA (IPv6) for {@code vip}, from this interface's MAC. */
    void send(InetAddress vip) throws NativeException {
        if (vip instanceof Inet6Address v6 && icmp6 != null) {
            icmp6.send(NeighborAdvertisement.message(v6, mac), ALL_NODES);
        } else if (vip instanceof Inet4Address v4 && packets != null) {
            packets.send(GratuitousArp.frame(mac, v4), GratuitousArp.ETHERTYPE_ARP);
        }
    }

    @Override
    public void close() {
        if (packets != null) {
            packets.close();
        }
        if (icmp6 != null) {
            icmp6.close();
        }
    }
}
