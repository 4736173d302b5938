package org.hadirector.ipvs.kernel;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.hadirector.ipvs.Destination;
import org.hadirector.ipvs.ForwardMethod;
import org.hadirector.ipvs.IpProtocol;
import org.hadirector.ipvs.ServiceKey;
import org.hadirector.ipvs.Stats;
import org.hadirector.ipvs.Tunnel;
import org.hadirector.ipvs.VirtualService;

/**
 * The IPVS generic netlink family's messages (include/uapi/linux/ip_vs.h, version 1), built and
 * read without a kernel: attribute payloads for requests, and model types from the kernel's dump
 * replies. Numbers are in host order except ports, IPv4 masks and multicast groups, which the
 * kernel takes in network order; addresses are 16 bytes (union nf_inet_addr).
 */
public final class IpvsGenl {
    public static final int VERSION = 1;
    public static final int CMD_NEW_SERVICE = 1;
    public static final int CMD_SET_SERVICE = 2;
    public static final int CMD_DEL_SERVICE = 3;
    public static final int CMD_GET_SERVICE = 4;
    public static final int CMD_NEW_DEST = 5;
    public static final int CMD_SET_DEST = 6;
    public static final int CMD_DEL_DEST = 7;
    public static final int CMD_GET_DEST = 8;
    public static final int CMD_NEW_DAEMON = 9;
    public static final int CMD_DEL_DAEMON = 10;
    public static final int CMD_GET_DAEMON = 11;
    public static final int CMD_SET_CONFIG = 12;
    public static final int CMD_GET_CONFIG = 13;
    public static final int CMD_GET_INFO = 15;
    public static final int CMD_ZERO = 16;
    public static final int CMD_FLUSH = 17;

    static final int ATTR_SERVICE = 1;
    static final int ATTR_DEST = 2;
    static final int ATTR_DAEMON = 3;
    static final int ATTR_TIMEOUT_TCP = 4;
    static final int ATTR_TIMEOUT_TCP_FIN = 5;
    static final int ATTR_TIMEOUT_UDP = 6;

    static final int SVC_AF = 1;
    static final int SVC_PROTOCOL = 2;
    static final int SVC_ADDR = 3;
    static final int SVC_PORT = 4;
    static final int SVC_FWMARK = 5;
    static final int SVC_SCHED_NAME = 6;
    static final int SVC_FLAGS = 7;
    static final int SVC_TIMEOUT = 8;
    static final int SVC_NETMASK = 9;
    static final int SVC_STATS = 10;
    static final int SVC_PE_NAME = 11;
    static final int SVC_STATS64 = 12;

    static final int DEST_ADDR = 1;
    static final int DEST_PORT = 2;
    static final int DEST_FWD_METHOD = 3;
    static final int DEST_WEIGHT = 4;
    static final int DEST_U_THRESH = 5;
    static final int DEST_L_THRESH = 6;
    static final int DEST_ACTIVE_CONNS = 7;
    static final int DEST_INACT_CONNS = 8;
    static final int DEST_PERSIST_CONNS = 9;
    static final int DEST_STATS = 10;
    static final int DEST_ADDR_FAMILY = 11;
    static final int DEST_STATS64 = 12;
    static final int DEST_TUN_TYPE = 13;
    static final int DEST_TUN_PORT = 14;
    static final int DEST_TUN_FLAGS = 15;

    static final int DAEMON_STATE = 1;
    static final int DAEMON_MCAST_IFN = 2;
    static final int DAEMON_SYNC_ID = 3;
    static final int DAEMON_SYNC_MAXLEN = 4;
    static final int DAEMON_MCAST_GROUP = 5;
    static final int DAEMON_MCAST_GROUP6 = 6;
    static final int DAEMON_MCAST_PORT = 7;
    static final int DAEMON_MCAST_TTL = 8;

    static final int INFO_VERSION = 1;
    static final int INFO_CONN_TAB_SIZE = 2;

    static final int AF_INET = 2;
    static final int AF_INET6 = 10;
    static final int SVC_F_PERSISTENT = 1;
    /** The genl header's size: attributes of a reply start after nlmsghdr (16) and genlmsghdr (4). */
    static final int ATTRIBUTES = 20;

    /** A sync daemon as the kernel runs it: state MASTER 1 or BACKUP 2. */
    public record Daemon(
            int state, String interfaceName, int syncId, int maxlen, InetAddress group, int port, int ttl) {
        public static final int MASTER = 1;
        public static final int BACKUP = 2;
    }

    /** ipvsadm --set tcp tcpfin udp, in seconds (0 leaves a value unchanged). */
    public record Timeouts(int tcp, int tcpFin, int udp) {}

    /** IPVS's version (e.g. 0x010201 for 1.2.1) and connection table size. */
    public record Info(int version, int connectionTableSize) {
        public String versionText() {
            return (version >> 16) + "." + (version >> 8 & 0xff) + "." + (version & 0xff);
        }
    }

    private IpvsGenl() {}

    // ---- building ------------------------------------------------------------------------------

    static ByteBuffer buffer() {
        return ByteBuffer.allocate(1024).order(ByteOrder.nativeOrder());
    }

    private static void attr(ByteBuffer b, int type, byte[] data) {
        b.putShort((short) (4 + data.length)).putShort((short) type).put(data);
        while (b.position() % 4 != 0) {
            b.put((byte) 0);
        }
    }

    private static void u16(ByteBuffer b, int type, int v) {
        attr(
                b,
                type,
                ByteBuffer.allocate(2)
                        .order(ByteOrder.nativeOrder())
                        .putShort((short) v)
                        .array());
    }

    private static void be16(ByteBuffer b, int type, int v) {
        attr(b, type, new byte[] {(byte) (v >> 8), (byte) v});
    }

    private static void u32(ByteBuffer b, int type, int v) {
        attr(
                b,
                type,
                ByteBuffer.allocate(4).order(ByteOrder.nativeOrder()).putInt(v).array());
    }

    private static void string(ByteBuffer b, int type, String s) {
        attr(b, type, (s + "\0").getBytes(StandardCharsets.US_ASCII));
    }

    private static byte[] address16(InetAddress a) {
        byte[] out = new byte[16];
        byte[] raw = a.getAddress();
        System.arraycopy(raw, 0, out, 0, raw.length);
        return out;
    }

    /** Opens a nested attribute; {@link #end} fills in its length. */
    private static int begin(ByteBuffer b, int type) {
        int at = b.position();
        b.putShort((short) 0).putShort((short) type);
        return at;
    }

    private static void end(ByteBuffer b, int at) {
        b.putShort(at, (short) (b.position() - at));
    }

    private static void serviceId(ByteBuffer b, ServiceKey k) {
        u16(b, SVC_AF, k.ipv6() ? AF_INET6 : AF_INET);
        if (k.isFwmark()) {
            u32(b, SVC_FWMARK, k.fwmark());
        } else {
            u16(b, SVC_PROTOCOL, k.protocol().number());
            attr(b, SVC_ADDR, address16(k.address()));
            be16(b, SVC_PORT, k.port());
        }
    }

    /** The service as NEW_SERVICE / SET_SERVICE want it: identity plus scheduler, flags, timeout, mask. */
    public static ByteBuffer service(VirtualService s) {
        ByteBuffer b = buffer();
        int at = begin(b, ATTR_SERVICE);
        serviceId(b, s.key());
        string(b, SVC_SCHED_NAME, s.scheduler());
        if (!s.persistenceEngine().isEmpty()) {
            string(b, SVC_PE_NAME, s.persistenceEngine());
        }
        int flags = (s.flags() & ~SVC_F_PERSISTENT) | (s.persistent() ? SVC_F_PERSISTENT : 0);
        attr(
                b,
                SVC_FLAGS,
                ByteBuffer.allocate(8)
                        .order(ByteOrder.nativeOrder())
                        .putInt(flags)
                        .putInt(-1)
                        .array());
        u32(b, SVC_TIMEOUT, s.persistenceTimeout());
        if (s.key().ipv6()) {
            u32(b, SVC_NETMASK, s.netmask());
        } else {
            int m = s.netmask() == 0 ? 0 : (int) (0xffffffffL << (32 - s.netmask()));
            attr(b, SVC_NETMASK, new byte[] {(byte) (m >>> 24), (byte) (m >>> 16), (byte) (m >>> 8), (byte) m});
        }
        end(b, at);
        return b;
    }

    /** A service named by its key alone (DEL_SERVICE, GET_DEST). */
    public static ByteBuffer serviceKey(ServiceKey k) {
        ByteBuffer b = buffer();
        int at = begin(b, ATTR_SERVICE);
        serviceId(b, k);
        end(b, at);
        return b;
    }

    /** NEW_DEST / SET_DEST: the service's key and the whole destination. */
    public static ByteBuffer destination(ServiceKey k, Destination d) {
        ByteBuffer b = serviceKey(k);
        int at = begin(b, ATTR_DEST);
        attr(b, DEST_ADDR, address16(d.address()));
        be16(b, DEST_PORT, d.port());
        u32(b, DEST_FWD_METHOD, d.method().code());
        u32(b, DEST_WEIGHT, d.weight());
        Tunnel t = d.tunnel();
        if (t != null) {
            // as keepalived sends them: the port for gue only, the flags for gue and gre (u8, be16, u16)
            attr(b, DEST_TUN_TYPE, new byte[] {(byte) t.type()});
            if (t.type() == Tunnel.GUE) {
                be16(b, DEST_TUN_PORT, t.port());
            }
            if (t.type() != Tunnel.IPIP) {
                u16(b, DEST_TUN_FLAGS, t.flags());
            }
        }
        u32(b, DEST_U_THRESH, d.upperThreshold());
        u32(b, DEST_L_THRESH, d.lowerThreshold());
        u16(b, DEST_ADDR_FAMILY, d.address() instanceof Inet6Address ? AF_INET6 : AF_INET);
        end(b, at);
        return b;
    }

    /** DEL_DEST: the service's key and the destination's address and port. */
    public static ByteBuffer destinationKey(ServiceKey k, InetAddress address, int port) {
        ByteBuffer b = serviceKey(k);
        int at = begin(b, ATTR_DEST);
        attr(b, DEST_ADDR, address16(address));
        be16(b, DEST_PORT, port);
        u16(b, DEST_ADDR_FAMILY, address instanceof Inet6Address ? AF_INET6 : AF_INET);
        end(b, at);
        return b;
    }

    /** NEW_DAEMON (or, with only the state, DEL_DAEMON). */
    public static ByteBuffer daemon(Daemon d) {
        ByteBuffer b = buffer();
        int at = begin(b, ATTR_DAEMON);
        u32(b, DAEMON_STATE, d.state());
        if (d.interfaceName() != null) {
            string(b, DAEMON_MCAST_IFN, d.interfaceName());
            u32(b, DAEMON_SYNC_ID, d.syncId());
            if (d.maxlen() > 0) {
                u16(b, DAEMON_SYNC_MAXLEN, d.maxlen());
            }
            if (d.group() instanceof Inet4Address) {
                attr(b, DAEMON_MCAST_GROUP, d.group().getAddress());
            } else if (d.group() instanceof Inet6Address) {
                attr(b, DAEMON_MCAST_GROUP6, d.group().getAddress());
            }
            if (d.port() > 0) {
                u16(b, DAEMON_MCAST_PORT, d.port());
            }
            if (d.ttl() > 0) {
                attr(b, DAEMON_MCAST_TTL, new byte[] {(byte) d.ttl()});
            }
        }
        end(b, at);
        return b;
    }

    public static ByteBuffer timeouts(Timeouts t) {
        ByteBuffer b = buffer();
        u32(b, ATTR_TIMEOUT_TCP, t.tcp());
        u32(b, ATTR_TIMEOUT_TCP_FIN, t.tcpFin());
        u32(b, ATTR_TIMEOUT_UDP, t.udp());
        return b;
    }

    // ---- reading -------------------------------------------------------------------------------

    /** The attributes from {@code from} to {@code to} by type (nested flags stripped); bad lengths throw. */
    static Map<Integer, ByteBuffer> attributes(ByteBuffer b, int from, int to) throws IpvsGenlException {
        Map<Integer, ByteBuffer> out = new HashMap<>();
        int a = from;
        while (a + 4 <= to) {
            int len = Short.toUnsignedInt(b.getShort(a));
            int type = b.getShort(a + 2) & 0x3fff;
            if (len < 4 || a + len > to) {
                throw new IpvsGenlException(
                        "attribute " + type + " of length " + len + " at " + a + " runs past " + to);
            }
            ByteBuffer v = b.duplicate().order(ByteOrder.nativeOrder());
            v.position(a + 4).limit(a + len);
            out.put(type, v.slice().order(ByteOrder.nativeOrder()));
            a += (len + 3) & ~3;
        }
        return out;
    }

    /** The top-level attributes of one reply message (positioned at its nlmsghdr). */
    static Map<Integer, ByteBuffer> message(ByteBuffer msg) throws IpvsGenlException {
        int p = msg.position();
        if (msg.limit() - p < ATTRIBUTES) {
            throw new IpvsGenlException("message of " + (msg.limit() - p) + " bytes has no genl header");
        }
        return attributes(msg, p + ATTRIBUTES, msg.limit());
    }

    private static Map<Integer, ByteBuffer> nested(ByteBuffer v) throws IpvsGenlException {
        return attributes(v, 0, v.limit());
    }

    private static int u16(Map<Integer, ByteBuffer> m, int type, String what) throws IpvsGenlException {
        return Short.toUnsignedInt(need(m, type, 2, what).getShort(0));
    }

    private static int be16(Map<Integer, ByteBuffer> m, int type, String what) throws IpvsGenlException {
        ByteBuffer v = need(m, type, 2, what);
        return (v.get(0) & 0xff) << 8 | (v.get(1) & 0xff);
    }

    private static int u32(Map<Integer, ByteBuffer> m, int type, String what) throws IpvsGenlException {
        return need(m, type, 4, what).getInt(0);
    }

    private static int u32Or(Map<Integer, ByteBuffer> m, int type, int otherwise) throws IpvsGenlException {
        return m.containsKey(type) ? u32(m, type, "attribute " + type) : otherwise;
    }

    private static ByteBuffer need(Map<Integer, ByteBuffer> m, int type, int size, String what)
            throws IpvsGenlException {
        ByteBuffer v = m.get(type);
        if (v == null) {
            throw new IpvsGenlException("no " + what + " in the kernel's reply");
        }
        if (v.limit() < size) {
            throw new IpvsGenlException(what + " has " + v.limit() + " bytes, want " + size);
        }
        return v;
    }

    private static String string(ByteBuffer v) {
        byte[] s = new byte[v.limit()];
        v.get(0, s);
        int n = 0;
        while (n < s.length && s[n] != 0) {
            n++;
        }
        return new String(s, 0, n, StandardCharsets.US_ASCII);
    }

    private static InetAddress address(ByteBuffer v, int af) throws IpvsGenlException {
        int len = af == AF_INET6 ? 16 : 4;
        if (v.limit() < len) {
            throw new IpvsGenlException("address of " + v.limit() + " bytes");
        }
        byte[] a = new byte[len];
        v.get(0, a);
        try {
            return InetAddress.getByAddress(a);
        } catch (UnknownHostException e) {
            throw new IpvsGenlException("address: " + e.getMessage());
        }
    }

    /** A service and its counters from one GET_SERVICE reply. */
    public record ServiceReply(VirtualService service, Stats stats) {}

    /** A destination, its connection counts and counters from one GET_DEST reply. */
    public record DestinationReply(Destination destination, long active, long inactive, long persistent, Stats stats) {}

    public static ServiceReply parseService(ByteBuffer msg) throws IpvsGenlException {
        Map<Integer, ByteBuffer> top = message(msg);
        Map<Integer, ByteBuffer> s = nested(need(top, ATTR_SERVICE, 0, "service"));
        int af = u16(s, SVC_AF, "service family");
        if (af != AF_INET && af != AF_INET6) {
            throw new IpvsGenlException("service family " + af);
        }
        int fwmark = u32Or(s, SVC_FWMARK, 0);
        ServiceKey key;
        if (fwmark != 0) {
            key = ServiceKey.fwmark(af == AF_INET6, fwmark);
        } else {
            IpProtocol p = IpProtocol.of(u16(s, SVC_PROTOCOL, "service protocol"));
            if (p == null) {
                throw new IpvsGenlException("service protocol " + u16(s, SVC_PROTOCOL, "protocol"));
            }
            key = ServiceKey.of(
                    p, address(need(s, SVC_ADDR, 4, "service address"), af), be16(s, SVC_PORT, "service port"));
        }
        String sched = string(need(s, SVC_SCHED_NAME, 1, "scheduler name"));
        ByteBuffer f = need(s, SVC_FLAGS, 8, "service flags");
        int flags = f.getInt(0);
        int timeout = u32Or(s, SVC_TIMEOUT, 0);
        int netmask;
        if (af == AF_INET6) {
            netmask = u32Or(s, SVC_NETMASK, 128);
        } else {
            ByteBuffer m = need(s, SVC_NETMASK, 4, "service netmask");
            netmask = Integer.bitCount(
                    (m.get(0) & 0xff) << 24 | (m.get(1) & 0xff) << 16 | (m.get(2) & 0xff) << 8 | (m.get(3) & 0xff));
        }
        String pe = s.containsKey(SVC_PE_NAME) ? string(s.get(SVC_PE_NAME)) : "";
        boolean persistent = (flags & SVC_F_PERSISTENT) != 0;
        VirtualService vs = new VirtualService(
                key,
                sched,
                flags & ~(SVC_F_PERSISTENT | VirtualService.F_HASHED),
                persistent ? timeout : 0,
                netmask,
                pe);
        return new ServiceReply(vs, stats(s, SVC_STATS64, SVC_STATS));
    }

    public static DestinationReply parseDestination(ByteBuffer msg, boolean serviceIpv6) throws IpvsGenlException {
        Map<Integer, ByteBuffer> top = message(msg);
        Map<Integer, ByteBuffer> d = nested(need(top, ATTR_DEST, 0, "destination"));
        int af = d.containsKey(DEST_ADDR_FAMILY)
                ? u16(d, DEST_ADDR_FAMILY, "destination family")
                : serviceIpv6 ? AF_INET6 : AF_INET;
        InetAddress a = address(need(d, DEST_ADDR, 4, "destination address"), af);
        ForwardMethod m = ForwardMethod.of(u32(d, DEST_FWD_METHOD, "forwarding method"));
        if (m == null) {
            throw new IpvsGenlException("forwarding method " + u32(d, DEST_FWD_METHOD, "method"));
        }
        int weight = u32(d, DEST_WEIGHT, "weight");
        Destination dest = new Destination(
                a,
                be16(d, DEST_PORT, "destination port"),
                m,
                Math.max(0, weight),
                u32Or(d, DEST_U_THRESH, 0),
                u32Or(d, DEST_L_THRESH, 0),
                m == ForwardMethod.TUNNEL ? tunnel(d) : null);
        return new DestinationReply(
                dest,
                Integer.toUnsignedLong(u32Or(d, DEST_ACTIVE_CONNS, 0)),
                Integer.toUnsignedLong(u32Or(d, DEST_INACT_CONNS, 0)),
                Integer.toUnsignedLong(u32Or(d, DEST_PERSIST_CONNS, 0)),
                stats(d, DEST_STATS64, DEST_STATS));
    }

    /** A tunnelled destination's encapsulation; a kernel older than 5.2 sends none (ipip). */
    private static Tunnel tunnel(Map<Integer, ByteBuffer> d) throws IpvsGenlException {
        int type = d.containsKey(DEST_TUN_TYPE)
                ? need(d, DEST_TUN_TYPE, 1, "tunnel type").get(0) & 0xff
                : 0;
        int port = d.containsKey(DEST_TUN_PORT) ? be16(d, DEST_TUN_PORT, "tunnel port") : 0;
        int flags = d.containsKey(DEST_TUN_FLAGS) ? u16(d, DEST_TUN_FLAGS, "tunnel flags") : 0;
        if (type > Tunnel.GRE || flags > Tunnel.REMCSUM) {
            throw new IpvsGenlException("tunnel type " + type + " flags " + flags);
        }
        // the kernel keeps what it was given; Tunnel drops what its type does not use
        return new Tunnel(type, port, flags);
    }

    /** STATS64 when the kernel sends it (all u64), else STATS (u32 but the byte counts, u64). */
    private static Stats stats(Map<Integer, ByteBuffer> m, int type64, int type32) throws IpvsGenlException {
        boolean wide = m.containsKey(type64);
        ByteBuffer v = wide ? m.get(type64) : m.get(type32);
        if (v == null) {
            return Stats.ZERO;
        }
        Map<Integer, ByteBuffer> s = nested(v);
        long[] x = new long[11];
        for (int i = 1; i <= 10; i++) {
            ByteBuffer f = s.get(i);
            if (f == null) {
                continue;
            }
            boolean u64 = wide || i == 4 || i == 5;
            if (f.limit() < (u64 ? 8 : 4)) {
                throw new IpvsGenlException("statistic " + i + " has " + f.limit() + " bytes");
            }
            x[i] = u64 ? f.getLong(0) : Integer.toUnsignedLong(f.getInt(0));
        }
        return new Stats(x[1], x[2], x[3], x[4], x[5], x[6], x[7], x[8], x[9], x[10]);
    }

    public static Daemon parseDaemon(ByteBuffer msg) throws IpvsGenlException {
        Map<Integer, ByteBuffer> top = message(msg);
        Map<Integer, ByteBuffer> d = nested(need(top, ATTR_DAEMON, 0, "daemon"));
        InetAddress group = null;
        if (d.containsKey(DAEMON_MCAST_GROUP)) {
            group = address(d.get(DAEMON_MCAST_GROUP), AF_INET);
        } else if (d.containsKey(DAEMON_MCAST_GROUP6)) {
            group = address(d.get(DAEMON_MCAST_GROUP6), AF_INET6);
        }
        int ttl = d.containsKey(DAEMON_MCAST_TTL) && d.get(DAEMON_MCAST_TTL).limit() >= 1
                ? d.get(DAEMON_MCAST_TTL).get(0) & 0xff
                : 0;
        return new Daemon(
                u32(d, DAEMON_STATE, "daemon state"),
                string(need(d, DAEMON_MCAST_IFN, 1, "daemon interface")),
                u32(d, DAEMON_SYNC_ID, "sync id"),
                d.containsKey(DAEMON_SYNC_MAXLEN) ? u16(d, DAEMON_SYNC_MAXLEN, "maxlen") : 0,
                group,
                d.containsKey(DAEMON_MCAST_PORT) ? u16(d, DAEMON_MCAST_PORT, "port") : 0,
                ttl);
    }

    public static Timeouts parseTimeouts(ByteBuffer msg) throws IpvsGenlException {
        Map<Integer, ByteBuffer> top = message(msg);
        return new Timeouts(
                u32(top, ATTR_TIMEOUT_TCP, "tcp timeout"),
                u32(top, ATTR_TIMEOUT_TCP_FIN, "tcpfin timeout"),
                u32(top, ATTR_TIMEOUT_UDP, "udp timeout"));
    }

    public static Info parseInfo(ByteBuffer msg) throws IpvsGenlException {
        Map<Integer, ByteBuffer> top = message(msg);
        return new Info(u32(top, INFO_VERSION, "version"), u32(top, INFO_CONN_TAB_SIZE, "connection table size"));
    }

    /** All of a dump's messages, each parsed; for tests and callers that collect. */
    static <T> List<T> all(List<ByteBuffer> messages, Parser<T> p) throws IpvsGenlException {
        List<T> out = new ArrayList<>();
        for (ByteBuffer m : messages) {
            out.add(p.parse(m));
        }
        return out;
    }

    interface Parser<T> {
        T parse(ByteBuffer msg) throws IpvsGenlException;
    }
}
