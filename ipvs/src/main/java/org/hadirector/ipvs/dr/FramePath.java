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
 * <p>What the kernel's IPVS does that this does not: IPv6, fwmark services (the frames are seen
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
        if (len < EthernetHeader.LENGTH + Ipv4Header.MIN_LENGTH
                || EthernetHeader.etherType(p, off) != EthernetHeader.ETHERTYPE_IPV4) {
            drop(Drop.NOT_IPV4);
            return false;
        }
        long ip = off + EthernetHeader.LENGTH;
        int ihl = Ipv4Header.ihl(p, ip);
        int total = Ipv4Header.totalLength(p, ip);
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
        int proto = Ipv4Header.protocol(p, ip);
        long l4 = ip + ihl;
        int l4len = total - ihl;
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
        int saddr = Ipv4Header.source(p, ip);
        int daddr = Ipv4Header.destination(p, ip);
        int sport = TransportHeader.sourcePort(p, l4);
        int dport = TransportHeader.destinationPort(p, l4);
        DrConnection c = table.lookup(proto, saddr, sport, daddr, dport, false);
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
            c = schedule(proto, saddr, sport, daddr, dport, tcpFlags, nowNs);
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
            int saddr,
            int sport,
            int daddr,
            int dport,
            DrService svc,
            DrRealServer server,
            int tcpFlags,
            long nowNs) {
        FastPath fast = table.fastPath();
        DrConnection c = table.lookup(proto, saddr, sport, daddr, dport, false);
        if (c == null) {
            boolean gone = services.match(proto, daddr, dport) != svc;
            if (gone || server.removed || table.count() >= table.limit() && !table.makeRoom(1)) {
                // its service or server went (the path hears at the batch's end), or no room here:
                // the path forgets it too, and its next frame is the forwarder's
                fast.withdraw(new DrConnection(proto, saddr, sport, daddr, dport, false, svc, server));
                drop(gone ? Drop.NO_SERVICE : server.removed ? Drop.NO_REAL_SERVER : Drop.TABLE_FULL);
                return;
            }
            c = new DrConnection(proto, saddr, sport, daddr, dport, false, svc, server);
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
    private DrConnection schedule(int proto, int saddr, int sport, int daddr, int dport, int tcpFlags, long nowNs) {
        DrService svc = services.match(proto, daddr, dport);
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
            int net = Ipv4.mask(saddr, svc.service.netmask());
            template = table.lookup(proto, net, 0, daddr, svc.port, true);
            if (template != null && template.server.removed) {
                table.unlink(template);
                template = null;
            }
            if (template == null) {
                // Room for the template and its first connection.
                if (table.count() + 1 >= table.limit() && !table.makeRoom(2)) {
                    return null;
                }
                server = pick(svc, saddr, sport, daddr, dport, proto, nowNs);
                if (server == null) {
                    return null;
                }
                template = new DrConnection(proto, net, 0, daddr, svc.port, true, svc, server);
                table.link(template);
            } else {
                server = template.server;
            }
            template.expiresNs = nowNs + svc.service.persistenceTimeout() * NS_PER_SECOND;
        } else {
            server = pick(svc, saddr, sport, daddr, dport, proto, nowNs);
            if (server == null) {
                return null;
            }
        }
        if (table.count() >= table.limit() && !table.makeRoom(1)) {
            return null;
        }
        DrConnection c = new DrConnection(proto, saddr, sport, daddr, dport, false, svc, server);
        if (template != null) {
            c.controlledBy(template);
        }
        table.link(c);
        if (proto == Ipv4Header.PROTOCOL_TCP && (tcpFlags & TcpInputOnly.SYN) == 0) {
            midFlow++;
        }
        return c;
    }

    private DrRealServer pick(DrService svc, int saddr, int sport, int daddr, int dport, int proto, long nowNs) {
        put(src4, saddr);
        put(dst4, daddr);
        Backend b = svc.scheduler.pick(flow.set(src4, sport, dst4, dport, proto, nowNs));
        DrRealServer r = b == null ? null : svc.byBackend.get(b);
        if (r == null) {
            drop(Drop.NO_REAL_SERVER);
        }
        return r;
    }

    private static void put(byte[] b, int v) {
        b[0] = (byte) (v >>> 24);
        b[1] = (byte) (v >>> 16);
        b[2] = (byte) (v >>> 8);
        b[3] = (byte) v;
    }
}
