package org.hadirector.sys;

import java.io.Closeable;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * rtnetlink (NETLINK_ROUTE) in the calling thread's network namespace: interface addresses
 * (RTM_NEWADDR / RTM_DELADDR / RTM_GETADDR), link state (RTM_GETLINK), and, when opened with
 * {@link #monitorLinks()}, link change events. Requests wait for the kernel's acknowledgement, so
 * an error comes back as a {@link NativeException} naming the request.
 */
public final class RtNetlink implements Closeable {
    static final int NETLINK_ROUTE = 0;
    static final int RTMGRP_LINK = 1;
    static final int RTM_NEWLINK = 16;
    static final int RTM_DELLINK = 17;
    static final int RTM_GETLINK = 18;
    static final int RTM_NEWADDR = 20;
    static final int RTM_DELADDR = 21;
    static final int RTM_GETADDR = 22;
    static final int NLMSG_ERROR = 2;
    static final int NLMSG_DONE = 3;
    static final int NLM_F_REQUEST = 1;
    static final int NLM_F_MULTI = 2;
    static final int NLM_F_ACK = 4;
    static final int NLM_F_EXCL = 0x200;
    static final int NLM_F_CREATE = 0x400;
    static final int NLM_F_DUMP = 0x300;
    static final int IFA_ADDRESS = 1;
    static final int IFA_LOCAL = 2;
    static final int IFA_LABEL = 3;
    static final int IFA_BROADCAST = 4;
    static final int IFA_FLAGS = 8;
    static final int IFLA_IFNAME = 3;
    static final int IFF_UP = 0x1;
    static final int IFF_RUNNING = 0x40;
    static final int IFF_LOWER_UP = 0x10000;
    public static final int IFA_F_NODAD = 0x02;
    public static final int IFA_F_HOMEADDRESS = 0x10;
    public static final int IFA_F_MANAGETEMPADDR = 0x100;
    public static final int IFA_F_NOPREFIXROUTE = 0x200;

    /** An address on an interface, as the kernel lists it. */
    public record Address(int ifindex, InetAddress address, int prefixLength, int scope, String label) {
    }

    /** A link's state: administratively up and with carrier. */
    public record Link(int ifindex, String name, boolean up, boolean lowerUp) {
        public boolean usable() {
            return up && lowerUp;
        }
    }

    private final int fd;
    private int seq;
    private final byte[] rx = new byte[65536];

    private RtNetlink(int fd) {
        this.fd = fd;
    }

    /** A socket for requests. */
    public static RtNetlink open() throws NativeException {
        return open(0);
    }

    /** A socket that also receives link change events (read them with {@link #readEvents}). */
    public static RtNetlink monitorLinks() throws NativeException {
        return open(RTMGRP_LINK);
    }

    private static RtNetlink open(int groups) throws NativeException {
        int fd = Native.check(Native.C.socket(Native.AF_NETLINK, Native.SOCK_RAW | Native.SOCK_CLOEXEC, NETLINK_ROUTE),
                "socket(NETLINK_ROUTE)");
        try {
            byte[] sa = SockAddr.netlink(0, groups);
            Native.check(Native.C.bind(fd, sa, sa.length), "bind(NETLINK_ROUTE)");
            return new RtNetlink(fd);
        } catch (NativeException e) {
            Native.closeQuietly(fd);
            throw e;
        }
    }

    public int fd() {
        return fd;
    }

    /**
     * Adds an address (ip address add). {@code scope}: 0 global, 200 site, 253 link, 254 host,
     * 255 nowhere. Adding an address that is already there is not an error.
     */
    public void addAddress(int ifindex, InetAddress address, int prefixLength, InetAddress broadcast, int scope,
            String label, int flags) throws NativeException {
        ByteBuffer m = message(RTM_NEWADDR, NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL);
        ifaddrmsg(m, address, prefixLength, flags & 0xff, scope, ifindex);
        attr(m, IFA_LOCAL, address.getAddress());
        attr(m, IFA_ADDRESS, address.getAddress());
        if (broadcast != null && address instanceof Inet4Address) {
            attr(m, IFA_BROADCAST, broadcast.getAddress());
        }
        if (label != null && address instanceof Inet4Address) {
            attr(m, IFA_LABEL, (label + "\0").getBytes(StandardCharsets.US_ASCII));
        }
        if ((flags & ~0xff) != 0) {
            attr(m, IFA_FLAGS, Bytes.nativeInt(flags));
        }
        int errno = request(m, null);
        if (errno != 0 && errno != 17 /* EEXIST */) {
            throw new NativeException("RTM_NEWADDR " + address.getHostAddress() + "/" + prefixLength + " on ifindex " + ifindex, errno);
        }
    }

    /** Deletes an address (ip address del); false when it was not there. */
    public boolean deleteAddress(int ifindex, InetAddress address, int prefixLength) throws NativeException {
        ByteBuffer m = message(RTM_DELADDR, NLM_F_REQUEST | NLM_F_ACK);
        ifaddrmsg(m, address, prefixLength, 0, 0, ifindex);
        attr(m, IFA_LOCAL, address.getAddress());
        attr(m, IFA_ADDRESS, address.getAddress());
        int errno = request(m, null);
        if (errno == 99 /* EADDRNOTAVAIL */ || errno == 19 /* ENODEV */) {
            return false;
        }
        if (errno != 0) {
            throw new NativeException("RTM_DELADDR " + address.getHostAddress() + "/" + prefixLength + " on ifindex " + ifindex, errno);
        }
        return true;
    }

    /** Every address of one interface (0: of all interfaces). */
    public List<Address> addresses(int ifindex) throws NativeException {
        List<Address> out = new ArrayList<>();
        for (int family : new int[] {Native.AF_INET, Native.AF_INET6}) {
            ByteBuffer m = message(RTM_GETADDR, NLM_F_REQUEST | NLM_F_DUMP);
            m.put((byte) family).put((byte) 0).put((byte) 0).put((byte) 0).putInt(0);
            int errno = request(m, msg -> {
                Address a = parseAddress(msg);
                if (a != null && (ifindex == 0 || a.ifindex() == ifindex)) {
                    out.add(a);
                }
            });
            if (errno != 0) {
                throw new NativeException("RTM_GETADDR", errno);
            }
        }
        return out;
    }

    /** The state of one link. */
    public Link link(int ifindex) throws NativeException {
        ByteBuffer m = message(RTM_GETLINK, NLM_F_REQUEST);
        m.put((byte) 0).put((byte) 0).putShort((short) 0).putInt(ifindex).putInt(0).putInt(0);
        Link[] found = new Link[1];
        int errno = request(m, msg -> found[0] = parseLink(msg));
        if (errno != 0) {
            throw new NativeException("RTM_GETLINK ifindex " + ifindex, errno);
        }
        return found[0];
    }

    /** Reads what is waiting on a {@link #monitorLinks()} socket and hands over each link event. */
    public void readEvents(Consumer<Link> events) throws NativeException {
        long n = Native.C.recv(fd, rx, rx.length, 0x40 /* MSG_DONTWAIT */);
        if (n < 0) {
            int errno = Native.errno();
            if (errno == Native.EAGAIN || errno == Native.EINTR) {
                return;
            }
            throw new NativeException("recv(NETLINK_ROUTE events)", errno);
        }
        forEach(ByteBuffer.wrap(rx, 0, (int) n).order(ByteOrder.nativeOrder()), msg -> {
            int type = msg.getShort(msg.position() + 4) & 0xffff;
            if (type == RTM_NEWLINK || type == RTM_DELLINK) {
                Link l = parseLink(msg);
                if (l != null) {
                    events.accept(type == RTM_DELLINK ? new Link(l.ifindex(), l.name(), false, false) : l);
                }
            }
        });
    }

    private ByteBuffer message(int type, int flags) {
        ByteBuffer m = ByteBuffer.allocate(512).order(ByteOrder.nativeOrder());
        m.putInt(0).putShort((short) type).putShort((short) flags).putInt(++seq).putInt(0);
        return m;
    }

    private static void ifaddrmsg(ByteBuffer m, InetAddress a, int prefix, int flags, int scope, int ifindex) {
        m.put((byte) (a instanceof Inet4Address ? Native.AF_INET : Native.AF_INET6)).put((byte) prefix)
                .put((byte) flags).put((byte) scope).putInt(ifindex);
    }

    private static void attr(ByteBuffer m, int type, byte[] data) {
        int len = 4 + data.length;
        m.putShort((short) len).putShort((short) type).put(data);
        while (m.position() % 4 != 0) {
            m.put((byte) 0);
        }
    }

    /** Sends {@code m}, reads replies until the ACK / DONE; returns 0 or the kernel's errno. */
    private int request(ByteBuffer m, Consumer<ByteBuffer> each) throws NativeException {
        int len = m.position();
        m.putInt(0, len);
        byte[] out = new byte[len];
        System.arraycopy(m.array(), 0, out, 0, len);
        byte[] to = SockAddr.netlink(0, 0);
        Native.check(Native.C.sendto(fd, out, len, 0, to, to.length), "sendto(NETLINK_ROUTE)");
        int mySeq = seq;
        int[] result = {Integer.MIN_VALUE};
        for (int reads = 0; reads < 100_000 && result[0] == Integer.MIN_VALUE; reads++) {
            long n = Native.C.recv(fd, rx, rx.length, 0);
            if (n < 0) {
                int errno = Native.errno();
                if (errno == Native.EINTR) {
                    continue;
                }
                throw new NativeException("recv(NETLINK_ROUTE)", errno);
            }
            forEach(ByteBuffer.wrap(rx, 0, (int) n).order(ByteOrder.nativeOrder()), msg -> {
                int p = msg.position();
                int type = msg.getShort(p + 4) & 0xffff;
                int s = msg.getInt(p + 8);
                if (s != mySeq) {
                    return; // an event or a late answer: not ours
                }
                if (type == NLMSG_ERROR) {
                    result[0] = -msg.getInt(p + 16);
                } else if (type == NLMSG_DONE) {
                    result[0] = 0;
                } else if (each != null) {
                    each.accept(msg);
                    int flags = msg.getShort(p + 6) & 0xffff;
                    if ((flags & NLM_F_MULTI) == 0) {
                        result[0] = 0;
                    }
                }
            });
        }
        return result[0] == Integer.MIN_VALUE ? 0 : result[0];
    }

    /** Calls {@code each} with a buffer positioned at each message of a datagram. */
    private static void forEach(ByteBuffer b, Consumer<ByteBuffer> each) {
        int p = b.position();
        int end = b.limit();
        while (p + 16 <= end) {
            int len = b.getInt(p);
            if (len < 16 || p + len > end) {
                return;
            }
            ByteBuffer msg = b.duplicate().order(ByteOrder.nativeOrder());
            msg.position(p).limit(p + len);
            each.accept(msg);
            p += (len + 3) & ~3;
        }
    }

    private static Address parseAddress(ByteBuffer msg) {
        int p = msg.position();
        if ((msg.getShort(p + 4) & 0xffff) != RTM_NEWADDR || msg.limit() - p < 24) {
            return null;
        }
        int family = msg.get(p + 16) & 0xff;
        int prefix = msg.get(p + 17) & 0xff;
        int scope = msg.get(p + 19) & 0xff;
        int ifindex = msg.getInt(p + 20);
        byte[][] found = new byte[4][];
        attributes(msg, p + 24, (type, data) -> {
            if (type == IFA_ADDRESS || type == IFA_LOCAL || type == IFA_LABEL) {
                found[type] = data;
            }
        });
        byte[] local = found[IFA_LOCAL];
        byte[] addr = found[IFA_ADDRESS];
        String label = found[IFA_LABEL] == null ? null
                : new String(found[IFA_LABEL], StandardCharsets.US_ASCII).replace("\0", "");
        byte[] use = family == Native.AF_INET && local != null ? local : addr;
        if (use == null) {
            return null;
        }
        try {
            return new Address(ifindex, InetAddress.getByAddress(use), prefix, scope, label);
        } catch (UnknownHostException e) {
            return null;
        }
    }

    private static Link parseLink(ByteBuffer msg) {
        int p = msg.position();
        if (msg.limit() - p < 32) {
            return null;
        }
        int ifindex = msg.getInt(p + 20);
        int flags = msg.getInt(p + 24);
        String[] name = new String[1];
        attributes(msg, p + 32, (type, data) -> {
            if (type == IFLA_IFNAME) {
                name[0] = new String(data, StandardCharsets.US_ASCII).replace("\0", "");
            }
        });
        return new Link(ifindex, name[0], (flags & IFF_UP) != 0, (flags & IFF_LOWER_UP) != 0);
    }

    /** Calls {@code each} with (type, payload) of every rtattr from {@code from} to the message's end. */
    private static void attributes(ByteBuffer msg, int from, java.util.function.BiConsumer<Integer, byte[]> each) {
        int a = from;
        while (a + 4 <= msg.limit()) {
            int alen = msg.getShort(a) & 0xffff;
            int type = msg.getShort(a + 2) & 0x7fff;
            if (alen < 4 || a + alen > msg.limit()) {
                return;
            }
            byte[] data = new byte[alen - 4];
            msg.get(a + 4, data);
            each.accept(type, data);
            a += (alen + 3) & ~3;
        }
    }

    @Override
    public void close() {
        Native.closeQuietly(fd);
    }
}
