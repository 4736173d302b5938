package org.hadirector.sys;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/** sockaddr structures as bytes: sockaddr_in, sockaddr_in6, sockaddr_ll, sockaddr_nl. */
final class SockAddr {
    static final int IN_SIZE = 16;
    static final int IN6_SIZE = 28;

    private SockAddr() {}

    static byte[] of(InetAddress a, int port) {
        if (a instanceof Inet4Address) {
            ByteBuffer b = Bytes.nativeBuffer(IN_SIZE);
            b.putShort((short) Native.AF_INET);
            b.order(ByteOrder.BIG_ENDIAN).putShort((short) port);
            b.put(a.getAddress());
            return b.array();
        }
        Inet6Address a6 = (Inet6Address) a;
        ByteBuffer b = Bytes.nativeBuffer(IN6_SIZE);
        b.putShort((short) Native.AF_INET6);
        b.order(ByteOrder.BIG_ENDIAN).putShort((short) port);
        b.putInt(0);
        b.put(a6.getAddress());
        b.order(ByteOrder.nativeOrder()).putInt(a6.getScopeId());
        return b.array();
    }

    /** sockaddr_ll for sending on an interface: protocol (host order given, sent big-endian), ifindex, destination MAC. */
    static byte[] link(int protocol, int ifindex, byte[] mac) {
        ByteBuffer b = Bytes.nativeBuffer(20);
        b.putShort((short) Native.AF_PACKET);
        b.order(ByteOrder.BIG_ENDIAN).putShort((short) protocol);
        b.order(ByteOrder.nativeOrder()).putInt(ifindex);
        b.putShort((short) 1); // ARPHRD_ETHER
        b.put((byte) 0);
        b.put((byte) mac.length);
        b.put(mac, 0, Math.min(8, mac.length));
        return b.array();
    }

    static byte[] netlink(int pid, int groups) {
        ByteBuffer b = Bytes.nativeBuffer(12);
        b.putShort((short) Native.AF_NETLINK);
        b.putShort((short) 0);
        b.putInt(pid);
        b.putInt(groups);
        return b.array();
    }

    /** The address in a sockaddr_in / sockaddr_in6 read from memory. */
    static InetAddress parse(byte[] raw, int len) {
        ByteBuffer b = ByteBuffer.wrap(raw).order(ByteOrder.nativeOrder());
        int family = b.getShort(0) & 0xffff;
        try {
            if (family == Native.AF_INET && len >= 8) {
                byte[] a = new byte[4];
                System.arraycopy(raw, 4, a, 0, 4);
                return InetAddress.getByAddress(a);
            }
            if (family == Native.AF_INET6 && len >= 24) {
                byte[] a = new byte[16];
                System.arraycopy(raw, 8, a, 0, 16);
                return InetAddress.getByAddress(a);
            }
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e);
        }
        return null;
    }
}
