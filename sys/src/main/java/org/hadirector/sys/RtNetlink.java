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
 * {@link #monitorLinks()}, link change events (with {@link #monitorLinksAndAddresses()}, address
 * events too). Requests wait for the kernel's acknowledgement, so
 * an error comes back as a {@link NativeException} naming the request.
 */
public final class RtNetlink implements Closeable {
    static final int NETLINK_ROUTE = 0;
    static final int RTMGRP_LINK = 1;
    /** RTNLGRP_IPV4_IFADDR (5) and RTNLGRP_IPV6_IFADDR (9) as bind(2)'s group mask. */
    static final int RTMGRP_IPV4_IFADDR = 0x10;

    static final int RTMGRP_IPV6_IFADDR = 0x100;
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
    static final int IFA_CACHEINFO = 6;
    static final int IFA_FLAGS = 8;
    static final int IFLA_ADDRESS = 1;
    static final int IFLA_IFNAME = 3;
    static final int IFLA_LINK = 5;
    static final int IFLA_LINKINFO = 18;
    static final int IFLA_AF_SPEC = 26;
    static final int IFLA_INFO_KIND = 1;
    static final int IFLA_INFO_DATA = 2;
    static final int IFLA_MACVLAN_MODE = 1;
    static final int IFLA_INET6_ADDR_GEN_MODE = 8;
    static final int IN6_ADDR_GEN_MODE_NONE = 1;
    /** macvlan mode private: no frames between macvlans of one lower device. */
    public static final int MACVLAN_MODE_PRIVATE = 1;

    static final int IFF_UP = 0x1;
    static final int IFF_RUNNING = 0x40;
    static final int IFF_LOWER_UP = 0x10000;
    public static final int IFA_F_NODAD = 0x02;
    public static final int IFA_F_HOMEADDRESS = 0x10;
    public static final int IFA_F_MANAGETEMPADDR = 0x100;
    public static final int IFA_F_NOPREFIXROUTE = 0x200;
    public static final int IFA_F_MCAUTOJOIN = 0x400;

    /** An address on an interface, as the kernel lists it. */
    public record Address(int ifindex, InetAddress address, int prefixLength, int scope, String label) {}

    /** An address added to ({@code added}) or removed from an interface, as an address event tells it. */
    public record AddressEvent(boolean added, Address address) {}

    /** A link's state: administratively up and with carrier. */
    public record Link(int ifindex, String name, boolean up, boolean lowerUp) {
        public boolean usable() {
            return up && lowerUp;
        }
    }

    /**
     * A link as RTM_GETLINK shows it: its lower device ({@code link}, 0 for none), its MAC, and
     * for a macvlan its kind and mode ({@code kind} null for a link without IFLA_LINKINFO).
     */
    public record LinkDetails(int ifindex, String name, int link, byte[] mac, String kind, int macvlanMode) {
        public boolean isMacvlan() {
            return "macvlan".equals(kind);
        }
    }

    private final NetlinkSocket socket;
    private final int fd;
    private final byte[] rx;

    private RtNetlink(NetlinkSocket socket) {
        this.socket = socket;
        this.fd = socket.fd();
        this.rx = socket.rx();
    }

    /** A socket for requests. */
    public static RtNetlink open() throws NativeException {
        return open(0);
    }

    /**
     * A socket that also receives link change events (read them with {@link #readEvents}). Its
     * receive buffer is {@link #MONITOR_RCVBUF} (forced past rmem_max where we may), as keepalived's
     * vrrp_netlink_monitor_rcv_bufs sets it, so that a burst of link events rarely overruns it.
     */
    public static RtNetlink monitorLinks() throws NativeException {
        return monitorLinks(MONITOR_RCVBUF);
    }

    /** As {@link #monitorLinks()} with another receive buffer (tests make it small to overrun it). */
    static RtNetlink monitorLinks(int rcvbuf) throws NativeException {
        return monitor(RTMGRP_LINK, rcvbuf);
    }

    /**
     * As {@link #monitorLinks()}, and the IPv4 and IPv6 address events of every interface too
     * (read them with {@link #readEvents(Consumer, Consumer)}): what track_src_ip follows. Only
     * for who needs them, since every VIP a master adds or removes is such an event.
     */
    public static RtNetlink monitorLinksAndAddresses() throws NativeException {
        return monitorLinksAndAddresses(MONITOR_RCVBUF);
    }

    /** As {@link #monitorLinksAndAddresses()} with another receive buffer (tests overrun a small one). */
    static RtNetlink monitorLinksAndAddresses(int rcvbuf) throws NativeException {
        return monitor(RTMGRP_LINK | RTMGRP_IPV4_IFADDR | RTMGRP_IPV6_IFADDR, rcvbuf);
    }

    private static RtNetlink monitor(int groups, int rcvbuf) throws NativeException {
        RtNetlink nl = open(groups);
        try {
            try {
                Native.setInt(nl.fd, Native.SOL_SOCKET, SO_RCVBUFFORCE, rcvbuf, "SO_RCVBUFFORCE");
            } catch (NativeException e) {
                // Without CAP_NET_ADMIN: as much as rmem_max allows.
                Native.setInt(nl.fd, Native.SOL_SOCKET, Native.SO_RCVBUF, rcvbuf, "SO_RCVBUF");
            }
        } catch (NativeException e) {
            nl.close();
            throw e;
        }
        return nl;
    }

    public static final int MONITOR_RCVBUF = 4 << 20;
    private static final int SO_RCVBUFFORCE = 33;
    private static final int ENOBUFS = 105;

    private static RtNetlink open(int groups) throws NativeException {
        return new RtNetlink(NetlinkSocket.open(NETLINK_ROUTE, groups, "NETLINK_ROUTE"));
    }

    public int fd() {
        return fd;
    }

    /**
     * Adds an address (ip address add). {@code scope}: 0 global, 200 site, 253 link, 254 host,
     * 255 nowhere. Adding an address that is already there is not an error.
     */
    public void addAddress(
            int ifindex,
            InetAddress address,
            int prefixLength,
            InetAddress broadcast,
            int scope,
            String label,
            int flags)
            throws NativeException {
        addAddress(ifindex, address, prefixLength, broadcast, scope, label, flags, -1);
    }

    /**
     * As {@link #addAddress(int, InetAddress, int, InetAddress, int, String, int)}, with a
     * preferred lifetime in seconds ({@code preferredSeconds} &lt; 0: forever, the default); the
     * valid lifetime stays forever (ip address add ... preferred_lft N).
     */
    public void addAddress(
            int ifindex,
            InetAddress address,
            int prefixLength,
            InetAddress broadcast,
            int scope,
            String label,
            int flags,
            long preferredSeconds)
            throws NativeException {
        addAddress(ifindex, address, prefixLength, broadcast, scope, label, flags, preferredSeconds, null);
    }

    /**
     * As above, with a point-to-point {@code peer} (ip address add ADDR peer PEER): IFA_LOCAL is
     * the address, IFA_ADDRESS the peer; null for none.
     */
    public void addAddress(
            int ifindex,
            InetAddress address,
            int prefixLength,
            InetAddress broadcast,
            int scope,
            String label,
            int flags,
            long preferredSeconds,
            InetAddress peer)
            throws NativeException {
        ByteBuffer m = message(RTM_NEWADDR, NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL);
        ifaddrmsg(m, address, prefixLength, flags & 0xff, scope, ifindex);
        attr(m, IFA_LOCAL, address.getAddress());
        attr(m, IFA_ADDRESS, (peer != null ? peer : address).getAddress());
        if (broadcast != null && address instanceof Inet4Address) {
            attr(m, IFA_BROADCAST, broadcast.getAddress());
        }
        if (label != null && address instanceof Inet4Address) {
            attr(m, IFA_LABEL, (label + "\0").getBytes(StandardCharsets.US_ASCII));
        }
        if ((flags & ~0xff) != 0) {
            attr(m, IFA_FLAGS, Bytes.nativeInt(flags));
        }
        if (preferredSeconds >= 0) {
            // struct ifa_cacheinfo: ifa_prefered, ifa_valid (0xffffffff: forever), cstamp, tstamp
            ByteBuffer ci = Bytes.nativeBuffer(16);
            ci.putInt((int) preferredSeconds).putInt(-1).putInt(0).putInt(0);
            attr(m, IFA_CACHEINFO, ci.array());
        }
        int errno = request(m, null);
        if (errno != 0 && errno != 17 /* EEXIST */) {
            throw new NativeException(
                    "RTM_NEWADDR " + address.getHostAddress() + "/" + prefixLength + " on ifindex " + ifindex, errno);
        }
    }

    /** Deletes an address (ip address del); false when it was not there. */
    public boolean deleteAddress(int ifindex, InetAddress address, int prefixLength) throws NativeException {
        return deleteAddress(ifindex, address, prefixLength, null);
    }

    /**
     * As above, for an address added with a {@code peer}: the kernel matches IFA_ADDRESS against
     * the address's peer, so it must be the peer (null: none).
     */
    public boolean deleteAddress(int ifindex, InetAddress address, int prefixLength, InetAddress peer)
            throws NativeException {
        ByteBuffer m = message(RTM_DELADDR, NLM_F_REQUEST | NLM_F_ACK);
        ifaddrmsg(m, address, prefixLength, 0, 0, ifindex);
        attr(m, IFA_LOCAL, address.getAddress());
        attr(m, IFA_ADDRESS, (peer != null ? peer : address).getAddress());
        int errno = request(m, null);
        if (errno == 99 /* EADDRNOTAVAIL */ || errno == 19 /* ENODEV */) {
            return false;
        }
        if (errno != 0) {
            throw new NativeException(
                    "RTM_DELADDR " + address.getHostAddress() + "/" + prefixLength + " on ifindex " + ifindex, errno);
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
        m.put((byte) 0)
                .put((byte) 0)
                .putShort((short) 0)
                .putInt(ifindex)
                .putInt(0)
                .putInt(0);
        Link[] found = new Link[1];
        int errno = request(m, msg -> found[0] = parseLink(msg));
        if (errno != 0) {
            throw new NativeException("RTM_GETLINK ifindex " + ifindex, errno);
        }
        return found[0];
    }

    /** The details of the link named {@code name}, or null when there is none. */
    public LinkDetails linkDetails(String name) throws NativeException {
        ByteBuffer m = message(RTM_GETLINK, NLM_F_REQUEST);
        ifinfomsg(m, 0, 0, 0);
        attr(m, IFLA_IFNAME, (name + "\0").getBytes(StandardCharsets.US_ASCII));
        LinkDetails[] found = new LinkDetails[1];
        int errno = request(m, msg -> found[0] = parseLinkDetails(msg));
        if (errno == 19 /* ENODEV */) {
            return null;
        }
        if (errno != 0) {
            throw new NativeException("RTM_GETLINK " + name, errno);
        }
        return found[0];
    }

    /**
     * Creates a macvlan {@code name} on {@code lowerIfindex} with {@code mac}, in {@code mode}
     * (ip link add link LOWER name NAME address MAC type macvlan mode private); it stays down.
     */
    public int addMacvlan(String name, int lowerIfindex, byte[] mac, int mode) throws NativeException {
        ByteBuffer m = message(RTM_NEWLINK, NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL);
        ifinfomsg(m, 0, 0, 0);
        macvlanInfo(m, mode);
        attr(m, IFLA_LINK, Bytes.nativeInt(lowerIfindex));
        attr(m, IFLA_IFNAME, (name + "\0").getBytes(StandardCharsets.US_ASCII));
        attr(m, IFLA_ADDRESS, mac);
        int errno = request(m, null);
        if (errno != 0) {
            throw new NativeException("RTM_NEWLINK macvlan " + name + " on ifindex " + lowerIfindex, errno);
        }
        return Interfaces.index(name);
    }

    /** Sets an existing macvlan's MAC and mode (ip link set NAME address MAC type macvlan mode M). */
    public void updateMacvlan(int ifindex, byte[] mac, int mode) throws NativeException {
        ByteBuffer m = message(RTM_NEWLINK, NLM_F_REQUEST | NLM_F_ACK);
        ifinfomsg(m, ifindex, 0, 0);
        macvlanInfo(m, mode);
        attr(m, IFLA_ADDRESS, mac);
        int errno = request(m, null);
        if (errno != 0) {
            throw new NativeException("RTM_NEWLINK macvlan update of ifindex " + ifindex, errno);
        }
    }

    /** IFLA_XDP and its nested attributes (linux/if_link.h). */
    private static final int IFLA_XDP = 43;

    private static final int NLA_F_NESTED = 1 << 15;

    private static final int IFLA_XDP_FD = 1;
    private static final int IFLA_XDP_FLAGS = 3;
    /** XDP attach modes: the driver's own (native), or the generic one in the stack. */
    public static final int XDP_FLAGS_SKB_MODE = 2;

    public static final int XDP_FLAGS_DRV_MODE = 4;

    /**
     * Attaches an XDP program to a link, replacing any program there (ip link set dev X xdpdrv
     * fd N); {@code programFd} -1 detaches. {@code mode} is {@link #XDP_FLAGS_DRV_MODE} or
     * {@link #XDP_FLAGS_SKB_MODE}; a driver without XDP refuses the first (EOPNOTSUPP).
     */
    public void setXdp(int ifindex, int programFd, int mode) throws NativeException {
        ByteBuffer m = message(RTM_NEWLINK, NLM_F_REQUEST | NLM_F_ACK);
        ifinfomsg(m, ifindex, 0, 0);
        ByteBuffer xdp = Bytes.nativeBuffer(32);
        NetlinkSocket.attr(xdp, IFLA_XDP_FD, Bytes.nativeInt(programFd));
        NetlinkSocket.attr(xdp, IFLA_XDP_FLAGS, Bytes.nativeInt(mode));
        attr(m, IFLA_XDP | NLA_F_NESTED, filled(xdp));
        int errno = request(m, null);
        if (errno != 0) {
            throw new NativeException(
                    "RTM_NEWLINK xdp " + (programFd < 0 ? "detach" : "attach") + " ifindex " + ifindex, errno);
        }
    }

    /** Brings a link up (ip link set up). */
    public void setUp(int ifindex) throws NativeException {
        ByteBuffer m = message(RTM_NEWLINK, NLM_F_REQUEST | NLM_F_ACK);
        ifinfomsg(m, ifindex, IFF_UP, IFF_UP);
        int errno = request(m, null);
        if (errno != 0) {
            throw new NativeException("RTM_NEWLINK up ifindex " + ifindex, errno);
        }
    }

    /**
     * No automatic IPv6 link-local address on the link (ip link set addrgenmode none); set it
     * while the link is down, since bringing it up makes the address.
     */
    public void addrGenModeNone(int ifindex) throws NativeException {
        ByteBuffer m = message(RTM_NEWLINK, NLM_F_REQUEST | NLM_F_ACK);
        ifinfomsg(m, ifindex, 0, 0);
        ByteBuffer inet6 = Bytes.nativeBuffer(64);
        NetlinkSocket.attr(inet6, IFLA_INET6_ADDR_GEN_MODE, new byte[] {(byte) IN6_ADDR_GEN_MODE_NONE});
        ByteBuffer spec = Bytes.nativeBuffer(64);
        NetlinkSocket.attr(spec, Native.AF_INET6, filled(inet6));
        attr(m, IFLA_AF_SPEC, filled(spec));
        int errno = request(m, null);
        if (errno != 0) {
            throw new NativeException("RTM_NEWLINK addrgenmode none ifindex " + ifindex, errno);
        }
    }

    /** Deletes a link (ip link del); false when it was not there. */
    public boolean deleteLink(int ifindex) throws NativeException {
        ByteBuffer m = message(RTM_DELLINK, NLM_F_REQUEST | NLM_F_ACK);
        ifinfomsg(m, ifindex, 0, 0);
        int errno = request(m, null);
        if (errno == 19 /* ENODEV */) {
            return false;
        }
        if (errno != 0) {
            throw new NativeException("RTM_DELLINK ifindex " + ifindex, errno);
        }
        return true;
    }

    private static void ifinfomsg(ByteBuffer m, int ifindex, int flags, int change) {
        m.put((byte) 0)
                .put((byte) 0)
                .putShort((short) 0)
                .putInt(ifindex)
                .putInt(flags)
                .putInt(change);
    }

    private static void macvlanInfo(ByteBuffer m, int mode) {
        ByteBuffer data = Bytes.nativeBuffer(16);
        NetlinkSocket.attr(data, IFLA_MACVLAN_MODE, Bytes.nativeInt(mode));
        ByteBuffer info = Bytes.nativeBuffer(64);
        NetlinkSocket.attr(info, IFLA_INFO_KIND, "macvlan".getBytes(StandardCharsets.US_ASCII));
        NetlinkSocket.attr(info, IFLA_INFO_DATA, filled(data));
        attr(m, IFLA_LINKINFO, filled(info));
    }

    private static byte[] filled(ByteBuffer b) {
        byte[] out = new byte[b.position()];
        System.arraycopy(b.array(), 0, out, 0, out.length);
        return out;
    }

    /**
     * Reads what is waiting on a {@link #monitorLinks()} socket and hands over each link event.
     * Returns false when the socket overran (ENOBUFS: the kernel dropped events because the
     * buffer was full): the caller must read the links' state afresh, as keepalived does, since
     * some changes were lost. The socket goes on working.
     */
    public boolean readEvents(Consumer<Link> events) throws NativeException {
        return readEvents(events, a -> {});
    }

    /**
     * As {@link #readEvents(Consumer)}, handing the address events (of a {@link
     * #monitorLinksAndAddresses()} socket) to {@code addresses}. An overrun lost link and address
     * events alike: the caller reads both afresh.
     */
    public boolean readEvents(Consumer<Link> events, Consumer<AddressEvent> addresses) throws NativeException {
        long n = Native.C.recv(fd, rx, rx.length, 0x40 /* MSG_DONTWAIT */);
        if (n < 0) {
            int errno = Native.errno();
            if (errno == Native.EAGAIN || errno == Native.EINTR) {
                return true;
            }
            if (errno == ENOBUFS) {
                return false;
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
            } else if (type == RTM_NEWADDR || type == RTM_DELADDR) {
                Address a = parseAddress(msg);
                if (a != null) {
                    addresses.accept(new AddressEvent(type == RTM_NEWADDR, a));
                }
            }
        });
        return true;
    }

    private ByteBuffer message(int type, int flags) {
        return socket.message(type, flags, 512);
    }

    private static void ifaddrmsg(ByteBuffer m, InetAddress a, int prefix, int flags, int scope, int ifindex) {
        m.put((byte) (a instanceof Inet4Address ? Native.AF_INET : Native.AF_INET6))
                .put((byte) prefix)
                .put((byte) flags)
                .put((byte) scope)
                .putInt(ifindex);
    }

    private static void attr(ByteBuffer m, int type, byte[] data) {
        NetlinkSocket.attr(m, type, data);
    }

    private int request(ByteBuffer m, Consumer<ByteBuffer> each) throws NativeException {
        return socket.request(m, each);
    }

    private static void forEach(ByteBuffer b, Consumer<ByteBuffer> each) {
        NetlinkSocket.forEach(b, each);
    }

    private static Address parseAddress(ByteBuffer msg) {
        int p = msg.position();
        int kind = msg.getShort(p + 4) & 0xffff;
        if ((kind != RTM_NEWADDR && kind != RTM_DELADDR) || msg.limit() - p < 24) {
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
        String label = found[IFA_LABEL] == null
                ? null
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

    private static LinkDetails parseLinkDetails(ByteBuffer msg) {
        int p = msg.position();
        if ((msg.getShort(p + 4) & 0xffff) != RTM_NEWLINK || msg.limit() - p < 32) {
            return null;
        }
        int ifindex = msg.getInt(p + 20);
        String[] name = new String[1];
        int[] link = new int[1];
        byte[][] mac = new byte[1][];
        String[] kind = new String[1];
        int[] mode = new int[1];
        attributes(msg, p + 32, (type, data) -> {
            if (type == IFLA_IFNAME) {
                name[0] = new String(data, StandardCharsets.US_ASCII).replace("\0", "");
            } else if (type == IFLA_LINK && data.length >= 4) {
                link[0] = ByteBuffer.wrap(data).order(ByteOrder.nativeOrder()).getInt();
            } else if (type == IFLA_ADDRESS) {
                mac[0] = data;
            } else if (type == IFLA_LINKINFO) {
                ByteBuffer info = ByteBuffer.wrap(data).order(ByteOrder.nativeOrder());
                attributes(info, 0, (t, d) -> {
                    if (t == IFLA_INFO_KIND) {
                        kind[0] = new String(d, StandardCharsets.US_ASCII).replace("\0", "");
                    } else if (t == IFLA_INFO_DATA) {
                        attributes(ByteBuffer.wrap(d).order(ByteOrder.nativeOrder()), 0, (t2, d2) -> {
                            if (t2 == IFLA_MACVLAN_MODE && d2.length >= 4) {
                                mode[0] = ByteBuffer.wrap(d2)
                                        .order(ByteOrder.nativeOrder())
                                        .getInt();
                            }
                        });
                    }
                });
            }
        });
        return new LinkDetails(ifindex, name[0], link[0], mac[0], kind[0], mode[0]);
    }

    private static void attributes(ByteBuffer msg, int from, java.util.function.BiConsumer<Integer, byte[]> each) {
        NetlinkSocket.attributes(msg, from, each);
    }

    @Override
    public void close() {
        socket.close();
    }
}
