package org.hadirector.sys;

import java.io.Closeable;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * A TUN interface that exists only while this process holds its descriptor: the VIPs put on it
 * (host routes, /32 and /128) are what a routing daemon's {@code protocol direct} announces. When
 * the process dies the kernel closes the descriptor, deletes the interface and its addresses, and
 * the routing daemon withdraws the routes with no help from us. Nothing reads the device.
 *
 * <p>Why nothing needs to read it: the addresses are local (table local), so packets to them are
 * delivered to this host, never transmitted on the TUN; a /32 gets no prefix route and IPv6's
 * /128 prefix route is suppressed (NOPREFIXROUTE); the interface has no IPv6 link-local address
 * (addrgenmode none), so no router solicitations or MLD reports are queued either. Whatever an
 * operator routes to the interface anyway waits in the device's queue, bounded by its
 * txqueuelen (500); past it the kernel drops and counts tx_dropped, it never blocks the sender
 * (tun_net_xmit, ptr_ring). {@code TunDeviceTest} checks that.
 *
 * <p>One owner thread: the descriptor and the rtnetlink socket are used without locks.
 */
public final class TunDevice implements Closeable {
    static final String DEV = "/dev/net/tun";
    /** _IOW('T', 202, int) */
    static final long TUNSETIFF = 0x400454caL;

    static final short IFF_TUN = 0x0001;
    /** Reads carry no 4-byte packet information header; nothing reads, but no header to parse if a drain ever does. */
    static final short IFF_NO_PI = 0x1000;
    /**
     * Fail with EBUSY when any interface of that name exists. Without it the kernel attaches to an
     * existing TUN of that name, which may be persistent (ip tuntap add) and would then outlive us
     * with the VIPs on it: exactly the announcement that must not survive the process.
     */
    static final short IFF_TUN_EXCL = (short) 0x8000;

    static final int IFNAMSIZ = 16;
    private static final int ENOENT = 2;
    private static final int ENXIO = 6;
    private static final int ENODEV = 19;
    private static final int EBUSY = 16;

    private final String name;
    private final int fd;
    private final int ifindex;
    private final RtNetlink rtnl;
    private boolean closed;

    private TunDevice(String name, int fd, int ifindex, RtNetlink rtnl) {
        this.name = name;
        this.fd = fd;
        this.ifindex = ifindex;
        this.rtnl = rtnl;
    }

    /**
     * Creates the interface {@code name} in the calling thread's network namespace and brings it
     * up with no address. Refuses, with the reason, when there is no TUN driver or when an
     * interface of that name exists already (another hadirector, or a device not ours).
     */
    public static TunDevice open(String name) throws NativeException {
        return open(name, DEV);
    }

    /** As {@link #open(String)} with another clone device (tests: a missing one). */
    static TunDevice open(String name, String dev) throws NativeException {
        checkName(name);
        int fd = Native.C.open(dev, Native.O_RDWR | Native.O_CLOEXEC | Native.O_NONBLOCK);
        if (fd < 0) {
            int errno = Native.errno();
            if (errno == ENOENT || errno == ENODEV || errno == ENXIO) {
                throw new NativeException(
                        "open(" + dev + "): no TUN driver here (modprobe tun; in a container, pass the device in)",
                        errno);
            }
            throw new NativeException("open(" + dev + ")", errno);
        }
        RtNetlink rtnl = null;
        try {
            byte[] ifreq = ifreq(name, (short) (IFF_TUN | IFF_NO_PI | IFF_TUN_EXCL));
            if (Native.C.ioctl(fd, TUNSETIFF, ifreq) < 0) {
                int errno = Native.errno();
                if (errno == EBUSY) {
                    throw new NativeException(
                            "TUNSETIFF " + name + ": an interface of that name exists already" + existing(name)
                                    + "; refusing to announce through a device this process does not own",
                            errno);
                }
                throw new NativeException("TUNSETIFF " + name, errno);
            }
            rtnl = RtNetlink.open();
            int ifindex = Interfaces.index(name);
            // Before up: up is when the kernel would make the link-local address.
            rtnl.addrGenModeNone(ifindex);
            rtnl.setUp(ifindex);
            return new TunDevice(name, fd, ifindex, rtnl);
        } catch (NativeException | RuntimeException e) {
            if (rtnl != null) {
                rtnl.close();
            }
            Native.closeQuietly(fd);
            throw e;
        }
    }

    private static String existing(String name) {
        try (RtNetlink nl = RtNetlink.open()) {
            RtNetlink.LinkDetails d = nl.linkDetails(name);
            if (d == null) {
                return "";
            }
            return " (ifindex " + d.ifindex() + (d.kind() != null ? ", kind " + d.kind() : "") + ")";
        } catch (NativeException e) {
            return "";
        }
    }

    static void checkName(String name) {
        if (name == null || name.isEmpty() || name.length() >= IFNAMSIZ) {
            throw new IllegalArgumentException("interface name must have 1 to 15 characters: " + name);
        }
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (c <= ' ' || c >= 0x7f || c == '/' || c == ':' || c == '%') {
                throw new IllegalArgumentException("interface name has a character the kernel refuses: " + name);
            }
        }
        if (name.equals(".") || name.equals("..")) {
            throw new IllegalArgumentException("interface name the kernel refuses: " + name);
        }
    }

    /** struct ifreq: ifr_name[16], then the union whose first member here is short ifr_flags. */
    static byte[] ifreq(String name, short flags) {
        byte[] b = new byte[40];
        byte[] n = name.getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(n, 0, b, 0, n.length);
        byte[] f = Bytes.nativeBuffer(2).putShort(flags).array();
        b[IFNAMSIZ] = f[0];
        b[IFNAMSIZ + 1] = f[1];
        return b;
    }

    public String name() {
        return name;
    }

    public int ifindex() {
        return ifindex;
    }

    /** The descriptor, for tests that look at its flags. */
    int fd() {
        return fd;
    }

    /**
     * Puts {@code address} on the interface as a host address (/32 or /128, scope global, which
     * {@code protocol direct} needs: it skips link and host scope). Already there: no change.
     */
    public void add(InetAddress address) throws NativeException {
        if (address instanceof Inet4Address) {
            rtnl.addAddress(ifindex, address, 32, null, 0, null, 0);
        } else {
            rtnl.addAddress(
                    ifindex, address, 128, null, 0, null, RtNetlink.IFA_F_NODAD | RtNetlink.IFA_F_NOPREFIXROUTE);
        }
    }

    /** Removes {@code address}; false when it was not there. */
    public boolean remove(InetAddress address) throws NativeException {
        return rtnl.deleteAddress(ifindex, address, address instanceof Inet4Address ? 32 : 128);
    }

    /** The addresses on the interface now, as the kernel has them. */
    public List<InetAddress> addresses() throws NativeException {
        List<InetAddress> out = new ArrayList<>();
        for (RtNetlink.Address a : rtnl.addresses(ifindex)) {
            out.add(a.address());
        }
        return out;
    }

    /** Closes the descriptor: the kernel deletes the interface and every address on it. */
    @Override
    public void close() {
        if (closed) {
            return; // the number may belong to another descriptor by now
        }
        closed = true;
        rtnl.close();
        Native.closeQuietly(fd);
    }
}
