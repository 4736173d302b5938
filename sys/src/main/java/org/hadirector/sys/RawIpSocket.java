package org.hadirector.sys;

import java.io.Closeable;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import jnr.ffi.Memory;
import jnr.ffi.Pointer;

/**
 * A raw IP socket for one protocol on one interface (SO_BINDTODEVICE), as VRRP needs it: sends
 * with TTL / hop limit 255 and TOS / traffic class 0xC0, joins multicast groups on the interface,
 * and receives with the source, destination and TTL of each packet. IPv4 receives include the IP
 * header (from which TTL and destination come); IPv6 ones carry them as ancillary data.
 *
 * <p>Not thread-safe: one reader thread owns it.
 */
public final class RawIpSocket implements Closeable {
    private static final int MSGHDR = 56;
    private static final int IOVEC = 16;
    private static final int CONTROL = 256;
    private static final int NAME = 28;

    /** What one receive produced: {@code length} bytes of {@code buffer}, and where they came from. */
    public static final class Received {
        public int length;
        /** IPv4: offset of the IP payload (after the header); IPv6: 0. */
        public int payloadOffset;

        public InetAddress source;
        public InetAddress destination;
        public int ttl;
    }

    private final int fd;
    private final boolean ipv6;
    private final int ifindex;
    private final String interfaceName;
    private final Pointer msg;
    private final Pointer iov;
    private final Pointer name;
    private final Pointer control;
    private Pointer data;
    private int dataSize;

    private RawIpSocket(int fd, boolean ipv6, int ifindex, String interfaceName) {
        this.fd = fd;
        this.ipv6 = ipv6;
        this.ifindex = ifindex;
        this.interfaceName = interfaceName;
        this.msg = Memory.allocateDirect(Native.RUNTIME, MSGHDR, true);
        this.iov = Memory.allocateDirect(Native.RUNTIME, IOVEC, true);
        this.name = Memory.allocateDirect(Native.RUNTIME, NAME, true);
        this.control = Memory.allocateDirect(Native.RUNTIME, CONTROL, true);
    }

    /** Opens a raw socket of {@code protocol} bound to {@code interfaceName}, ready for VRRP. */
    public static RawIpSocket open(String interfaceName, boolean ipv6, int protocol) throws NativeException {
        int ifindex = Interfaces.index(interfaceName);
        int fd = Native.check(
                Native.C.socket(
                        ipv6 ? Native.AF_INET6 : Native.AF_INET, Native.SOCK_RAW | Native.SOCK_CLOEXEC, protocol),
                "socket(raw " + protocol + ")");
        try {
            byte[] dev = (interfaceName + "\0").getBytes(java.nio.charset.StandardCharsets.US_ASCII);
            Native.check(
                    Native.C.setsockopt(fd, Native.SOL_SOCKET, Native.SO_BINDTODEVICE, dev, dev.length),
                    "setsockopt(SO_BINDTODEVICE " + interfaceName + ")");
            if (ipv6) {
                Native.setInt(fd, Native.IPPROTO_IPV6, Native.IPV6_MULTICAST_HOPS, 255, "IPV6_MULTICAST_HOPS");
                Native.setInt(fd, Native.IPPROTO_IPV6, Native.IPV6_UNICAST_HOPS, 255, "IPV6_UNICAST_HOPS");
                Native.setInt(fd, Native.IPPROTO_IPV6, Native.IPV6_MULTICAST_IF, ifindex, "IPV6_MULTICAST_IF");
                Native.setInt(fd, Native.IPPROTO_IPV6, Native.IPV6_MULTICAST_LOOP, 0, "IPV6_MULTICAST_LOOP");
                Native.setInt(fd, Native.IPPROTO_IPV6, Native.IPV6_RECVHOPLIMIT, 1, "IPV6_RECVHOPLIMIT");
                Native.setInt(fd, Native.IPPROTO_IPV6, Native.IPV6_RECVPKTINFO, 1, "IPV6_RECVPKTINFO");
                Native.setInt(fd, Native.IPPROTO_IPV6, Native.IPV6_TCLASS, 0xc0, "IPV6_TCLASS");
            } else {
                Native.setInt(fd, Native.IPPROTO_IP, Native.IP_TTL, 255, "IP_TTL");
                Native.setInt(fd, Native.IPPROTO_IP, Native.IP_MULTICAST_TTL, 255, "IP_MULTICAST_TTL");
                Native.setInt(fd, Native.IPPROTO_IP, Native.IP_TOS, 0xc0, "IP_TOS");
                Native.setInt(fd, Native.IPPROTO_IP, Native.IP_MULTICAST_LOOP, 0, "IP_MULTICAST_LOOP");
                ByteBuffer mreqn = Bytes.nativeBuffer(12);
                mreqn.position(8);
                mreqn.putInt(ifindex);
                Native.check(
                        Native.C.setsockopt(fd, Native.IPPROTO_IP, Native.IP_MULTICAST_IF, mreqn.array(), 12),
                        "setsockopt(IP_MULTICAST_IF)");
            }
            return new RawIpSocket(fd, ipv6, ifindex, interfaceName);
        } catch (NativeException e) {
            Native.closeQuietly(fd);
            throw e;
        }
    }

    /**
     * The TTL (hop limit) of unicast packets sent from here, 255 by default: keepalived's
     * unicast_ttl. Multicast keeps 255, as RFC 5798 wants.
     */
    public void unicastTtl(int ttl) throws NativeException {
        if (ipv6) {
            Native.setInt(fd, Native.IPPROTO_IPV6, Native.IPV6_UNICAST_HOPS, ttl, "IPV6_UNICAST_HOPS");
        } else {
            Native.setInt(fd, Native.IPPROTO_IP, Native.IP_TTL, ttl, "IP_TTL");
        }
    }

    /**
     * Makes this a socket that only sends: a raw socket bound to an address receives only packets
     * addressed to it, so the runtime sends from a bound socket and receives on an unbound one;
     * the smallest receive buffer keeps the sender's unread queue from holding memory.
     */
    public void sendOnly() throws NativeException {
        Native.setInt(fd, Native.SOL_SOCKET, Native.SO_RCVBUF, 0, "SO_RCVBUF");
    }

    /**
     * Lets the socket bind to and send from an address that is not (or no longer) on the host
     * (IP_TRANSPARENT / IPV6_TRANSPARENT; needs CAP_NET_RAW or CAP_NET_ADMIN): an instance whose
     * configured source is missing starts (in FAULT, or sending from it), and the priority-0 advert
     * of a master whose source was just removed still leaves, as keepalived's own-header packets do.
     */
    public void transparent() throws NativeException {
        if (ipv6) {
            Native.setInt(fd, Native.IPPROTO_IPV6, Native.IPV6_TRANSPARENT, 1, "IPV6_TRANSPARENT");
        } else {
            Native.setInt(fd, Native.IPPROTO_IP, Native.IP_TRANSPARENT, 1, "IP_TRANSPARENT");
        }
    }

    /** Binds the socket to a local address: adverts then leave from it. */
    public void bind(InetAddress local) throws NativeException {
        byte[] sa = SockAddr.of(local, 0);
        if (ipv6 && local.isLinkLocalAddress()) {
            ByteBuffer.wrap(sa).order(java.nio.ByteOrder.nativeOrder()).putInt(24, ifindex);
        }
        Native.check(Native.C.bind(fd, sa, sa.length), "bind(" + local.getHostAddress() + " on " + interfaceName + ")");
    }

    /** Joins {@code group} on this socket's interface. */
    public void joinGroup(InetAddress group) throws NativeException {
        if (ipv6) {
            ByteBuffer mreq = Bytes.nativeBuffer(20);
            mreq.put(group.getAddress());
            mreq.putInt(ifindex);
            Native.check(
                    Native.C.setsockopt(fd, Native.IPPROTO_IPV6, Native.IPV6_ADD_MEMBERSHIP, mreq.array(), 20),
                    "setsockopt(IPV6_ADD_MEMBERSHIP " + group.getHostAddress() + " on " + interfaceName + ")");
        } else {
            ByteBuffer mreqn = Bytes.nativeBuffer(12);
            mreqn.put(group.getAddress());
            mreqn.putInt(0);
            mreqn.putInt(ifindex);
            Native.check(
                    Native.C.setsockopt(fd, Native.IPPROTO_IP, Native.IP_ADD_MEMBERSHIP, mreqn.array(), 12),
                    "setsockopt(IP_ADD_MEMBERSHIP " + group.getHostAddress() + " on " + interfaceName + ")");
        }
    }

    /** Sends {@code payload} as the IP payload to {@code destination} (the kernel writes the IP header). */
    public void send(byte[] payload, InetAddress destination) throws NativeException {
        if ((destination instanceof Inet6Address) != ipv6) {
            throw new IllegalArgumentException("address family of " + destination);
        }
        byte[] to = SockAddr.of(destination, 0);
        if (ipv6 && (destination.isLinkLocalAddress() || destination.isMulticastAddress())) {
            ByteBuffer.wrap(to).order(java.nio.ByteOrder.nativeOrder()).putInt(24, ifindex);
        }
        for (int attempt = 0; ; attempt++) {
            long n = Native.C.sendto(fd, payload, payload.length, 0, to, to.length);
            if (n >= 0) {
                return;
            }
            int errno = Native.errno();
            if (errno != Native.EINTR || attempt > 8) {
                throw new NativeException(
                        "sendto(" + destination.getHostAddress() + " via " + interfaceName + ")", errno);
            }
        }
    }

    /**
     * Receives one packet into {@code buffer} (blocking; use {@link Poller} first for a timeout).
     * Returns false on EINTR / EAGAIN so that the caller's loop can look at its clock.
     */
    public boolean receive(byte[] buffer, Received out) throws NativeException {
        if (data == null || dataSize < buffer.length) {
            data = Memory.allocateDirect(Native.RUNTIME, buffer.length, true);
            dataSize = buffer.length;
        }
        iov.putAddress(0, data.address());
        iov.putLong(8, buffer.length);
        msg.putAddress(0, name.address());
        msg.putInt(8, NAME);
        msg.putAddress(16, iov.address());
        msg.putLong(24, 1);
        msg.putAddress(32, control.address());
        msg.putLong(40, CONTROL);
        msg.putInt(48, 0);
        long n = Native.C.recvmsg(fd, msg, 0);
        if (n < 0) {
            int errno = Native.errno();
            if (errno == Native.EINTR || errno == Native.EAGAIN) {
                return false;
            }
            throw new NativeException("recvmsg(" + interfaceName + ")", errno);
        }
        int len = (int) Math.min(n, buffer.length);
        data.get(0, buffer, 0, len);
        out.length = len;
        byte[] from = new byte[NAME];
        name.get(0, from, 0, NAME);
        out.source = SockAddr.parse(from, msg.getInt(8));
        if (ipv6) {
            out.payloadOffset = 0;
            out.ttl = -1;
            out.destination = null;
            long controlLen = msg.getLong(40);
            int off = 0;
            while (off + 16 <= controlLen) {
                long cmsgLen = control.getLong(off);
                int level = control.getInt(off + 8);
                int type = control.getInt(off + 12);
                if (cmsgLen < 16) {
                    break;
                }
                if (level == Native.IPPROTO_IPV6 && type == Native.IPV6_HOPLIMIT) {
                    out.ttl = control.getInt(off + 16);
                } else if (level == Native.IPPROTO_IPV6 && type == Native.IPV6_PKTINFO) {
                    byte[] a = new byte[16];
                    control.get(off + 16, a, 0, 16);
                    out.destination = address(a);
                }
                off += (int) ((cmsgLen + 7) & ~7L);
            }
        } else {
            if (len < 20) {
                out.payloadOffset = len;
                out.ttl = -1;
                return true;
            }
            out.payloadOffset = (buffer[0] & 0x0f) * 4;
            out.ttl = buffer[8] & 0xff;
            byte[] a = new byte[4];
            System.arraycopy(buffer, 16, a, 0, 4);
            out.destination = address(a);
        }
        return true;
    }

    private static InetAddress address(byte[] a) {
        try {
            return InetAddress.getByAddress(a);
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }

    public int fd() {
        return fd;
    }

    @Override
    public void close() {
        Native.closeQuietly(fd);
    }
}
