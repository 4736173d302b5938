package org.hadirector.sys;

import java.io.Closeable;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.concurrent.ThreadLocalRandom;

/**
 * An ICMP (or ICMPv6) socket that sends echo requests and receives echo replies, shared by any
 * number of pings: a reply names its source and sequence number, by which the caller matches it.
 *
 * <p>It is a datagram ("ping") socket where the system allows one (the process's group within
 * {@code net.ipv4.ping_group_range}, which covers ICMPv6 too), as keepalived's PING_CHECK uses:
 * the kernel then sets the identifier and the checksum and delivers only the replies to this
 * socket's own requests. Otherwise (the range is "1 0", nobody, in a fresh network namespace) it
 * is a raw socket, which needs root or CAP_NET_RAW: the kernel's filter passes echo replies only,
 * and this class keeps those with its own identifier. Which one, and why, is logged at open.
 *
 * <p>One thread may send while another receives; each of those is not thread-safe by itself.
 */
public final class IcmpEchoSocket implements Closeable {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(IcmpEchoSocket.class);
    /**
     * keepalived gives each check's socket 128 KiB; this one socket serves every ping of its
     * family, so it asks for more (the kernel caps it at net.core.rmem_max).
     */
    private static final int RECEIVE_BUFFER = 1 << 20;
    /** An echo reply to our requests is 136 bytes; anything larger is not ours (and fails its checksum cut). */
    private static final int MAX_MESSAGE = 2048;

    public enum Kind {
        DATAGRAM,
        RAW
    }

    /** One echo reply: who sent it, its type and code, and the identifier and sequence it echoes. */
    public record Reply(InetAddress from, IcmpEcho.Message message) {}

    private final int fd;
    private final boolean ipv6;
    private final Kind kind;
    /** Our identifier on a raw socket; on a datagram socket the kernel's (its local "port"). */
    private final int id;

    private final byte[] buffer = new byte[MAX_MESSAGE];
    private final byte[] from = new byte[SockAddr.IN6_SIZE];
    private final byte[] fromLength = new byte[4];
    private final Poller poller;

    private IcmpEchoSocket(int fd, boolean ipv6, Kind kind, int id) {
        this.fd = fd;
        this.ipv6 = ipv6;
        this.kind = kind;
        this.id = id;
        this.poller = new Poller(fd);
    }

    /** A datagram socket where allowed, else a raw one; logs which, and why. */
    public static IcmpEchoSocket open(boolean ipv6) throws NativeException {
        String family = ipv6 ? "ICMPv6" : "ICMP";
        try {
            IcmpEchoSocket s = open(ipv6, Kind.DATAGRAM);
            LOG.info("PING_CHECK: {} datagram socket", family);
            return s;
        } catch (NativeException e) {
            if (e.errno() != Native.EACCES && e.errno() != Native.EPERM) {
                throw e;
            }
            String range = SmallFiles.readTextAtMost(Path.of("/proc/sys/net/ipv4/ping_group_range"), 64);
            String why = family + " datagram sockets are not allowed (" + Native.strerror(e.errno())
                    + "; net.ipv4.ping_group_range is '"
                    + (range == null ? "?" : range.trim().replace('\t', ' '))
                    + "', which does not cover this process's group)";
            IcmpEchoSocket s;
            try {
                s = open(ipv6, Kind.RAW);
            } catch (NativeException raw) {
                throw new NativeException(raw.call() + " after " + why, raw.errno());
            }
            LOG.info("PING_CHECK: {} raw socket: {}", family, why);
            return s;
        }
    }

    /** A socket of this kind, or the system's refusal. */
    public static IcmpEchoSocket open(boolean ipv6, Kind kind) throws NativeException {
        int type = (kind == Kind.RAW ? Native.SOCK_RAW : Native.SOCK_DGRAM) | Native.SOCK_CLOEXEC;
        int protocol = ipv6 ? Native.IPPROTO_ICMPV6 : Native.IPPROTO_ICMP;
        int fd = Native.check(
                Native.C.socket(ipv6 ? Native.AF_INET6 : Native.AF_INET, type, protocol),
                "socket(" + (ipv6 ? "AF_INET6, " : "AF_INET, ") + kind + ", " + (ipv6 ? "ICMPv6" : "ICMP") + ")");
        try {
            // as keepalived: failing to enlarge the buffer is not fatal, the default still works
            if (Native.C.setsockopt(fd, Native.SOL_SOCKET, Native.SO_RCVBUF, Bytes.nativeInt(RECEIVE_BUFFER), 4) < 0) {
                LOG.info("PING_CHECK: setsockopt(SO_RCVBUF): {}", Native.strerror(Native.errno()));
            }
            int id = 0;
            if (kind == Kind.RAW) {
                // A raw socket gets a copy of every ICMP message the host receives: let the
                // kernel drop all but echo replies before they are queued.
                filterAllButEchoReplies(fd, ipv6);
                id = ThreadLocalRandom.current().nextInt(1, 0x10000);
            }
            return new IcmpEchoSocket(fd, ipv6, kind, id);
        } catch (NativeException e) {
            Native.closeQuietly(fd);
            throw e;
        }
    }

    private static void filterAllButEchoReplies(int fd, boolean ipv6) throws NativeException {
        if (ipv6) {
            // struct icmp6_filter: 256 bits, a set bit blocks that type
            ByteBuffer f = Bytes.nativeBuffer(32);
            for (int i = 0; i < 8; i++) {
                f.putInt(i * 4, -1);
            }
            int t = IcmpEcho.ECHO_REPLY_V6;
            f.putInt((t >> 5) * 4, ~(1 << (t & 31)));
            Native.check(
                    Native.C.setsockopt(fd, Native.IPPROTO_ICMPV6, Native.ICMP6_FILTER, f.array(), 32),
                    "setsockopt(ICMP6_FILTER)");
        } else {
            // struct icmp_filter: one 32-bit mask, a set bit filters that type out
            Native.check(
                    Native.C.setsockopt(
                            fd, Native.SOL_RAW, Native.ICMP_FILTER, Bytes.nativeInt(~(1 << IcmpEcho.ECHO_REPLY)), 4),
                    "setsockopt(ICMP_FILTER)");
        }
    }

    public Kind kind() {
        return kind;
    }

    public boolean ipv6() {
        return ipv6;
    }

    public int fd() {
        return fd;
    }

    /** Sends an echo request with {@code data} to {@code to}. */
    public void send(InetAddress to, int seq, byte[] data) throws NativeException {
        if ((to instanceof Inet6Address) != ipv6) {
            throw new IllegalArgumentException("address family of " + to);
        }
        byte[] message = IcmpEcho.request(ipv6, id, seq, data);
        byte[] sa = SockAddr.of(to, 0);
        for (int attempt = 0; ; attempt++) {
            long n = Native.C.sendto(fd, message, message.length, 0, sa, sa.length);
            if (n >= 0) {
                return;
            }
            int errno = Native.errno();
            if (errno != Native.EINTR || attempt > 8) {
                throw new NativeException("sendto(" + to.getHostAddress() + ")", errno);
            }
        }
    }

    /**
     * The next echo reply for this socket, waiting up to {@code timeoutMillis} (0: only what is
     * queued); null when there is none. Messages that are not (raw: other identifiers, bad
     * checksums) are read and passed over.
     */
    public Reply receive(int timeoutMillis) throws NativeException {
        if (timeoutMillis > 0 && poller.await(timeoutMillis) == 0) {
            return null;
        }
        while (true) {
            ByteBuffer.wrap(fromLength).order(ByteOrder.nativeOrder()).putInt(0, from.length);
            long n = Native.C.recvfrom(fd, buffer, buffer.length, Native.MSG_DONTWAIT, from, fromLength);
            if (n < 0) {
                int errno = Native.errno();
                if (errno == Native.EAGAIN || errno == Native.EINTR) {
                    return null;
                }
                throw new NativeException("recvfrom(" + (ipv6 ? "ICMPv6" : "ICMP") + ")", errno);
            }
            int len = (int) Math.min(n, buffer.length);
            int off = 0;
            if (kind == Kind.RAW && !ipv6) {
                // a raw IPv4 socket receives the IP header too
                off = IcmpEcho.afterIpv4Header(buffer, len);
                if (off < 0) {
                    continue;
                }
            }
            IcmpEcho.Message m = IcmpEcho.parse(ipv6, buffer, off, len - off);
            if (m == null || (kind == Kind.RAW && m.id() != id)) {
                continue;
            }
            InetAddress source = SockAddr.parse(
                    from,
                    ByteBuffer.wrap(fromLength).order(ByteOrder.nativeOrder()).getInt(0));
            if (source != null) {
                return new Reply(source, m);
            }
        }
    }

    @Override
    public void close() {
        Native.closeQuietly(fd);
    }
}
