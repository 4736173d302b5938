package org.hadirector.ipvs.dr;

import java.util.EnumMap;
import java.util.Map;
import jnr.ffi.Pointer;
import org.hadirector.ipvs.TcpState;
import org.hadirector.ipvs.sched.Backend;
import org.hadirector.ipvs.sched.FlowRequest;

/**
 * The decision for each received frame: parse it, find its connection or schedule a new one, move
 * the TCP state, refresh the timeout, offer it to sync, and rewrite the Ethernet addresses for
 * the real server; or count why not. Pure (time passed in) and allocation-free per packet but
 * for a new flow's entry. Single-threaded: the forwarder thread owns it.
 *
 * <p>IPv4 and IPv6 frames share the path: addresses are {@link Ip128}'s two longs.
 *
 * <p>What the kernel's IPVS does that this does not: fwmark services (the frames are seen
 * before netfilter marks them), IP fragments (dropped and counted), ICMP errors for existing
 * connections, NAT and tunnel forwarding.
 */
final class FramePath {
    private static final long NS_PER_SECOND = 1_000_000_000L;
    private static final Drop[] DROPS = Drop.values();

    private final DrServiceTable services;
    private final ConnectionTable table;
    private final ConnectionSync sync;
    /** By {@link Drop#ordinal}: counting never boxes. */
    private final long[] drops = new long[DROPS.length];
    /** Reused for every scheduling decision: a new flow allocates its entry only. */
    private final FlowRequest flow = new FlowRequest();

    private final byte[] src4 = new byte[4];
    private final byte[] dst4 = new byte[4];
    private final byte[] src16 = new byte[16];
    private final byte[] dst16 = new byte[16];
    private long ownMac;
    /**
     * The kernel's net.ipv4.vs.sloppy_tcp: a TCP segment other than a SYN (never a reset) of a
     * flow with no connection is scheduled too, not dropped. With a consistent scheduler (mh, sh)
     * that is how a director that an ECMP change hands an established flow goes on sending it to
     * the real server the flow's first director chose.
     */
    private boolean sloppyTcp;

    private long forwarded;
    /**
     * TCP connections made from a segment other than a SYN (sloppy_tcp): flows another director
     * started, handed here by an ECMP change; and of those, the ones the fast path placed.
     */
    private long midFlow;

    private long midFlowPlaced;

    FramePath(DrServiceTable services, ConnectionTable table, ConnectionSync sync, long ownMac) {
        this.services = services;
        this.table = table;
        this.sync = sync;
        this.ownMac = ownMac;
    }

    /** The interface's MAC changed (the interface was re-created). */
    void ownMac(long mac) {
        this.ownMac = mac;
    }

    long forwarded() {
        return forwarded;
    }

    /** TCP connections made from a segment other than a SYN, all, and those the fast path placed. */
    long[] midFlow() {
        return new long[] {midFlow, midFlowPlaced};
    }

    void drop(Drop reason) {
        drops[reason.ordinal()]++;
    }

    /** Every reason with its count; TABLE_FULL is the table's refusals. */
    Map<Drop, Long> drops() {
        Map<Drop, Long> m = new EnumMap<>(Drop.class);
        for (Drop d : DROPS) {
            m.put(d, drops[d.ordinal()]);
        }
        m.merge(Drop.TABLE_FULL, table.refused(), Long::sum);
        return m;
    }

    /**
     * Decides one received frame at {@code off} (its Ethernet header) of {@code len} bytes. When
     * it is for a real server, rewrites the destination MAC to the server's and the source MAC to
     * ours and returns true; the IP packet is not touched. Otherwise counts the reason and
     * returns false.
     */
    boolean process(Pointer p, long off, int len, long nowNs) {
        int type = len < EthernetHeader.LENGTH ? 0 : EthernetHeader.etherType(p, off);
        long ip = off + EthernetHeader.LENGTH;
        int proto;
        long l4;
        int total;
        long cHi;
        long cLo;
        long vHi;
        long vLo;
        if (type == EthernetHeader.ETHERTYPE_IPV4 && len >= EthernetHeader.LENGTH + Ipv4Header.MIN_LENGTH) {
            int ihl = Ipv4Header.ihl(p, ip);
            total = Ipv4Header.totalLength(p, ip);
            if (Ipv4Header.version(p, ip) != Ipv4Header.VERSION
                    || ihl < Ipv4Header.MIN_LENGTH
                    || total < ihl
                    || total > len - EthernetHeader.LENGTH) {
                drop(Drop.MALFORMED);
                return false;
            }
            if (Ipv4Header.fragment(p, ip)) {
                drop(Drop.FRAGMENT);
                return false;
            }
            proto = Ipv4Header.protocol(p, ip);
            l4 = ip + ihl;
            cHi = 0;
            cLo = Ip128.v4(Ipv4Header.source(p, ip));
            vHi = 0;
            vLo = Ip128.v4(Ipv4Header.destination(p, ip));
        } else if (type == EthernetHeader.ETHERTYPE_IPV6 && len >= EthernetHeader.LENGTH + Ipv6Header.LENGTH) {
            total = Ipv6Header.LENGTH + Ipv6Header.payloadLength(p, ip);
            cHi = Ipv6Header.high(p, ip + Ipv6Header.SOURCE_OFFSET);
            cLo = Ipv6Header.low(p, ip + Ipv6Header.SOURCE_OFFSET);
            vHi = Ipv6Header.high(p, ip + Ipv6Header.DESTINATION_OFFSET);
            vLo = Ipv6Header.low(p, ip + Ipv6Header.DESTINATION_OFFSET);
            long t = Ipv6Header.version(p, ip) != Ipv6Header.VERSION || total > len - EthernetHeader.LENGTH
                    ? -1
                    : Ipv6Header.transport(p, ip, total);
            // IPv4-mapped addresses never appear on the wire (RFC 4291 2.5.5.2); here they would
            // take an IPv4 flow's or service's key (Ip128)
            if (t < 0 || Ip128.isV4(cHi, cLo) || Ip128.isV4(vHi, vLo)) {
                drop(Drop.MALFORMED);
                return false;
            }
            proto = (int) t;
            if (proto == Ipv6Header.FRAGMENT) {
                drop(Drop.FRAGMENT);
                return false;
            }
            l4 = ip + (t >>> 32);
        } else {
            drop(
                    len < EthernetHeader.LENGTH
                                    || type == EthernetHeader.ETHERTYPE_IPV4
                                    || type == EthernetHeader.ETHERTYPE_IPV6
                            ? Drop.MALFORMED
                            : Drop.NOT_IP);
            return false;
        }
        int l4len = (int) (ip + total - l4);
        int tcpFlags = 0;
        if (proto == Ipv4Header.PROTOCOL_TCP) {
            if (l4len < TcpHeader.MIN_LENGTH) {
                drop(Drop.MALFORMED);
                return false;
            }
            tcpFlags = TcpHeader.flags(p, l4);
        } else if (proto == Ipv4Header.PROTOCOL_UDP) {
            if (l4len < UdpHeader.LENGTH) {
                drop(Drop.MALFORMED);
                return false;
            }
        } else {
            drop(Drop.NO_SERVICE);
            return false;
        }
        int sport = TransportHeader.sourcePort(p, l4);
        int dport = TransportHeader.destinationPort(p, l4);
        DrConnection c = table.lookup(proto, cHi, cLo, sport, vHi, vLo, dport, false);
        if (c != null
                && proto == Ipv4Header.PROTOCOL_TCP
                && (tcpFlags & (TcpInputOnly.SYN | TcpInputOnly.ACK | TcpInputOnly.RST)) == TcpInputOnly.SYN
                && reusable(c)) {
            // A new SYN on a finished connection: like the kernel's conn_reuse_mode, forget the old
            // one and schedule afresh, so a quiesced or removed server gets no new connection.
            table.unlink(c);
            c = null;
        }
        if (c == null) {
            c = schedule(proto, cHi, cLo, sport, vHi, vLo, dport, tcpFlags, nowNs);
            if (c == null) {
                return false;
            }
        }
        DrRealServer r = c.server;
        c.packets++;
        r.packets++;
        r.bytes += total;
        c.service.packets++;
        c.service.bytes += total;
        boolean changed = moveState(c, proto, tcpFlags);
        table.refresh(c, nowNs);
        sync.packet(c, changed);
        long mac = r.mac();
        if (mac == -1) {
            r.macWanted(nowNs);
            drop(Drop.NO_MAC);
            return false;
        }
        EthernetHeader.putDestination(p, off, mac);
        EthernetHeader.putSource(p, off, ownMac);
        forwarded++;
        FastPath fast = table.fastPath();
        if (fast != null
                && !c.offloaded
                && (proto == Ipv4Header.PROTOCOL_UDP || c.state == TcpState.ESTABLISHED.code())
                && sync.offloadable(c)) {
            c.offloadedPackets = 0;
            c.offeredMac = mac;
            c.offloaded = fast.offer(c, mac);
        }
        return true;
    }

    /**
     * A frame the fast path placed and forwarded itself (the XDP program's Maglev path): its
     * connection made or moved as {@link #process} would have for that frame, with the server
     * the path chose, and on the path already. Its counts come from the path: the connection's
     * from its entry at the next fold, the server's and service's from the per-server counts.
     */
    void placed(
            int proto,
            long cHi,
            long cLo,
            int sport,
            long vHi,
            long vLo,
            int dport,
            DrService svc,
            DrRealServer server,
            int tcpFlags,
            long nowNs) {
        FastPath fast = table.fastPath();
        DrConnection c = table.lookup(proto, cHi, cLo, sport, vHi, vLo, dport, false);
        if (c == null) {
            boolean gone = services.match(proto, vHi, vLo, dport) != svc;
            if (gone || server.removed || table.count() >= table.limit() && !table.makeRoom(1)) {
                // its service or server went (the path hears at the batch's end), or no room here:
                // the path forgets it too, and its next frame is the forwarder's
                fast.withdraw(new DrConnection(proto, cHi, cLo, sport, vHi, vLo, dport, false, svc, server));
                drop(gone ? Drop.NO_SERVICE : server.removed ? Drop.NO_REAL_SERVER : Drop.TABLE_FULL);
                return;
            }
            c = new DrConnection(proto, cHi, cLo, sport, vHi, vLo, dport, false, svc, server);
            table.link(c);
            if (proto == Ipv4Header.PROTOCOL_TCP) { // the path places no SYN
                midFlow++;
                midFlowPlaced++;
            }
        } else if (c.server != server) {
            // the forwarder had scheduled it already (its SYN) and the table changed since: it
            // keeps its server, which the path is told for its next frames
            long mac = c.server.mac();
            c.offloadedPackets = 0;
            c.offeredMac = mac;
            c.offloaded = mac != -1 && fast.offer(c, mac);
            if (!c.offloaded) {
                fast.withdraw(c);
            }
            return;
        }
        boolean changed = moveState(c, proto, tcpFlags);
        table.refresh(c, nowNs);
        // the path's entry is new: its counts start at this frame, which the next fold adds
        c.offloaded = true;
        c.offloadedPackets = 0;
        c.offeredMac = server.mac();
        sync.packet(c, changed);
    }

    /** A TCP segment moves its connection's state (the kernel's input-only table); true when it did. */
    private boolean moveState(DrConnection c, int proto, int tcpFlags) {
        if (proto != Ipv4Header.PROTOCOL_TCP) {
            return false;
        }
        int next = TcpInputOnly.next(c.state, tcpFlags);
        if (next == c.state) {
            return false;
        }
        table.setState(c, next);
        return true;
    }

    private static boolean reusable(DrConnection c) {
        int s = c.state;
        return s != TcpState.ESTABLISHED.code()
                        && s != TcpState.SYN_RECV.code()
                        && s != TcpState.SYN_SENT.code()
                        && s != TcpState.SYNACK.code()
                        && s != TcpState.NONE.code()
                || c.server.removed
                || c.server.backend.weight() == 0;
    }

    void sloppyTcp(boolean on) {
        sloppyTcp = on;
    }

    boolean sloppyTcp() {
        return sloppyTcp;
    }

    /** A new entry for a flow the table does not know, or null with the reason counted. */
    private DrConnection schedule(
            int proto, long cHi, long cLo, int sport, long vHi, long vLo, int dport, int tcpFlags, long nowNs) {
        DrService svc = services.match(proto, vHi, vLo, dport);
        if (svc == null) {
            drop(Drop.NO_SERVICE);
            return null;
        }
        if (proto == Ipv4Header.PROTOCOL_TCP
                && ((tcpFlags & TcpInputOnly.RST) != 0 || (tcpFlags & TcpInputOnly.SYN) == 0 && !sloppyTcp)) {
            // tcp_conn_schedule: only a SYN starts a connection (any segment but a reset with
            // sloppy_tcp); the rest belong to flows we do not know.
            drop(Drop.NOT_SYN);
            return null;
        }
        DrConnection template = null;
        DrRealServer server;
        if (svc.service.persistent()) {
            int prefix = svc.service.netmask();
            long netHi = Ip128.maskHi(cHi, cLo, prefix);
            long netLo = Ip128.maskLo(cHi, cLo, prefix);
            template = table.lookup(proto, netHi, netLo, 0, vHi, vLo, svc.port, true);
            if (template != null && template.server.removed) {
                table.unlink(template);
                template = null;
            }
            if (template == null) {
                // Room for the template and its first connection.
                if (table.count() + 1 >= table.limit() && !table.makeRoom(2)) {
                    return null;
                }
                server = pick(svc, cHi, cLo, sport, vHi, vLo, dport, proto, nowNs);
                if (server == null) {
                    return null;
                }
                template = new DrConnection(proto, netHi, netLo, 0, vHi, vLo, svc.port, true, svc, server);
                table.link(template);
            } else {
                server = template.server;
            }
            template.expiresNs = nowNs + svc.service.persistenceTimeout() * NS_PER_SECOND;
        } else {
            server = pick(svc, cHi, cLo, sport, vHi, vLo, dport, proto, nowNs);
            if (server == null) {
                return null;
            }
        }
        if (table.count() >= table.limit() && !table.makeRoom(1)) {
            return null;
        }
        DrConnection c = new DrConnection(proto, cHi, cLo, sport, vHi, vLo, dport, false, svc, server);
        if (template != null) {
            c.controlledBy(template);
        }
        table.link(c);
        if (proto == Ipv4Header.PROTOCOL_TCP && (tcpFlags & TcpInputOnly.SYN) == 0) {
            midFlow++;
        }
        return c;
    }

    private DrRealServer pick(
            DrService svc, long cHi, long cLo, int sport, long vHi, long vLo, int dport, int proto, long nowNs) {
        byte[] src;
        byte[] dst;
        if (Ip128.isV4(cHi, cLo)) {
            put(src4, (int) cLo);
            put(dst4, (int) vLo);
            src = src4;
            dst = dst4;
        } else {
            put(src16, cHi, cLo);
            put(dst16, vHi, vLo);
            src = src16;
            dst = dst16;
        }
        Backend b = svc.scheduler.pick(flow.set(src, sport, dst, dport, proto, nowNs));
        DrRealServer r = b == null ? null : svc.byBackend.get(b);
        if (r == null) {
            drop(Drop.NO_REAL_SERVER);
        }
        return r;
    }

    private static void put(byte[] b, long hi, long lo) {
        for (int i = 0; i < 8; i++) {
            b[i] = (byte) (hi >>> (56 - 8 * i));
            b[8 + i] = (byte) (lo >>> (56 - 8 * i));
        }
    }

    private static void put(byte[] b, int v) {
        b[0] = (byte) (v >>> 24);
        b[1] = (byte) (v >>> 16);
        b[2] = (byte) (v >>> 8);
        b[3] = (byte) v;
    }
}
