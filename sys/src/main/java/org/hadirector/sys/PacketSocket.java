package org.hadirector.sys;

import java.io.Closeable;

/** An AF_PACKET socket for sending whole Ethernet frames on one interface (gratuitous ARP). */
public final class PacketSocket implements Closeable {
    static final int ETH_P_ARP = 0x0806;

    private final int fd;
    private final int ifindex;
    private final String interfaceName;

    private PacketSocket(int fd, int ifindex, String interfaceName) {
        this.fd = fd;
        this.ifindex = ifindex;
        this.interfaceName = interfaceName;
    }

    /** A send-only socket: protocol 0 receives nothing. */
    public static PacketSocket open(String interfaceName) throws NativeException {
        int ifindex = Interfaces.index(interfaceName);
        int fd = Native.check(
                Native.C.socket(Native.AF_PACKET, Native.SOCK_RAW | Native.SOCK_CLOEXEC, 0), "socket(AF_PACKET)");
        return new PacketSocket(fd, ifindex, interfaceName);
    }

    /** Sends one frame (destination MAC first) with the given EtherType. */
    public void send(byte[] frame, int etherType) throws NativeException {
        byte[] dst = new byte[6];
        System.arraycopy(frame, 0, dst, 0, 6);
        byte[] sa = SockAddr.link(etherType, ifindex, dst);
        Native.check(
                Native.C.sendto(fd, frame, frame.length, 0, sa, sa.length),
                "sendto(AF_PACKET on " + interfaceName + ")");
    }

    @Override
    public void close() {
        Native.closeQuietly(fd);
    }
}
