package org.hadirector.ipvs.dr;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;
import java.util.function.Consumer;
import jnr.ffi.Pointer;
import org.hadirector.ipvs.Connection;
import org.hadirector.ipvs.DataplaneException;
import org.hadirector.ipvs.Destination;
import org.hadirector.ipvs.Endpoint;
import org.hadirector.ipvs.ForwardMethod;
import org.hadirector.ipvs.IpProtocol;
import org.hadirector.ipvs.ServiceKey;
import org.hadirector.ipvs.ServiceTable;
import org.hadirector.ipvs.SyncOut;
import org.hadirector.ipvs.TableDump;
import org.hadirector.ipvs.TableOp;
import org.hadirector.ipvs.TcpState;
import org.hadirector.ipvs.VirtualService;
import org.hadirector.ipvs.sched.Backend;
import org.hadirector.ipvs.sched.FlowRequest;
import org.hadirector.ipvs.sched.Scheduler;

/**
 * The userspace DR forwarder's logic, with no I/O: the service table, the connection table with
 * IPVS's one-direction TCP states and timeouts, persistence templates, scheduling, counters, and
 * the decision for each received frame (drop, or rewrite the Ethernet addresses for a real
 * server). Time is passed in. Single-threaded: the forwarder thread owns it.
 *
 * <p>What the kernel's IPVS does that this does not: IPv6, fwmark services (the frames are seen
 * before netfilter marks them), IP fragments (dropped and counted), ICMP errors for existing
 * connections, NAT and tunnel forwarding.
 */
final class ForwardingCore {

    /** Why a frame was not forwarded. */
    enum Drop {
        NOT_IPV4,
        MALFORMED,
        FRAGMENT,
        NO_SERVICE,
        NOT_SYN,
        NO_REAL_SERVER,
        NO_MAC,
        TOO_BIG,
        TX_RING_FULL,
        /** A new flow while the table is at its limit with no half-open entry to give way. */
        TABLE_FULL
    }

    /**
     * What one table entry costs on the heap, rounded up generously (object, bucket slot, the
     * collector's headroom): the default limit gives the table a quarter of the heap.
     */
    static final long BYTES_PER_ENTRY = 192;
    /**
     * Half-open entries' timeout while the table is over half full, instead of SYN_RECV's 60 s:
     * a flood's entries leave fast, a real client's handshake completes in milliseconds.
     */
    static final long HALF_OPEN_UNDER_PRESSURE_NS = 5_000_000_000L;

    static final int SYNC_THRESHOLD = 3;
    static final int SYNC_PERIOD = 50;
    static final int ETH_HLEN = 14;

    private final BiFunction<String, Integer, Scheduler> schedulers;
    private final Map<Long, DrService> services = new HashMap<>();
    private final Map<ServiceKey, DrService> byKey = new java.util.LinkedHashMap<>();
    private final Neighbours neighbours = new Neighbours();
    private final Map<DrRealServer, Neighbours.Entry> macs = new java.util.IdentityHashMap<>();
    private final EnumMap<Drop, Long> drops = new EnumMap<>(Drop.class);
    private final FlowRequest flow = new FlowRequest();
    private final byte[] src4 = new byte[4];
    private final byte[] dst4 = new byte[4];
    private DrTimeouts timeouts = DrTimeouts.DEFAULT;
    private SyncOut syncOut;
    private long ownMac;

    /**
     * Fixed at construction from the limit, never rehashed: a doubling rehash of a million
     * entries would stall the rings for tens of milliseconds.
     */
    private final DrConnection[] buckets;

    private final int limit;
    private int connectionCount;
    private long forwarded;
    private long evicted;
    private int expiryCursor;
    /** Half-open TCP connections, oldest first: the first to give way when the table is full. */
    private DrConnection halfOpenOldest;

    private DrConnection halfOpenNewest;

    ForwardingCore(BiFunction<String, Integer, Scheduler> schedulers, long ownMac) {
        this(schedulers, ownMac, defaultLimit(Runtime.getRuntime().maxMemory()));
    }

    /** With a limit on connections plus templates (the table refuses new flows beyond it). */
    ForwardingCore(BiFunction<String, Integer, Scheduler> schedulers, long ownMac, int limit) {
        if (limit < 1) {
            throw new IllegalArgumentException("connection limit " + limit);
        }
        this.limit = limit;
        this.buckets = new DrConnection[Math.max(1024, Integer.highestOneBit(Math.max(1, limit - 1)))];
        this.schedulers = schedulers;
        this.ownMac = ownMac;
        for (Drop d : Drop.values()) {
            drops.put(d, 0L);
        }
    }

    /** A quarter of the heap at {@link #BYTES_PER_ENTRY} each, at least 4,096 and at most 2^24. */
    static int defaultLimit(long maxHeapBytes) {
        return (int) Math.max(4096, Math.min(1 << 24, maxHeapBytes / 4 / BYTES_PER_ENTRY));
    }

    int connectionLimit() {
        return limit;
    }

    /** Half-open connections that gave way to new flows while the table was full. */
    long evicted() {
        return evicted;
    }

    /** The interface's MAC changed (the interface was re-created). */
    void ownMac(long mac) {
        this.ownMac = mac;
    }

    void syncOut(SyncOut out) {
        this.syncOut = out;
    }

    void timeouts(DrTimeouts t) {
        this.timeouts = t;
    }

    DrTimeouts timeouts() {
        return timeouts;
    }

    // ---- the table -------------------------------------------------------------------------

    static void checkSupported(VirtualService s) throws DataplaneException {
        ServiceKey k = s.key();
        if (k.isFwmark()) {
            throw new DataplaneException("the userspace DR forwarder cannot balance " + k
                    + ": it sees frames before netfilter sets marks; use the kernel IPVS backend");
        }
        if (k.ipv6()) {
            throw new DataplaneException("the userspace DR forwarder handles IPv4 only, not " + k);
        }
        if (k.protocol() == IpProtocol.SCTP) {
            throw new DataplaneException("the userspace DR forwarder handles TCP and UDP, not " + k);
        }
        if (!s.persistenceEngine().isEmpty()) {
            throw new DataplaneException(
                    "persistence engine " + s.persistenceEngine() + " is not supported by the userspace DR forwarder");
        }
        if (k.port() == 0 && !s.persistent()) {
            throw new DataplaneException(k + ": a port-0 service must be persistent (as ipvsadm requires)");
        }
    }

    void apply(TableOp op) throws DataplaneException {
        try {
            applyChecked(op);
        } catch (IllegalArgumentException e) {
            throw new DataplaneException(e.getMessage(), e);
        }
    }

    private void applyChecked(TableOp op) throws DataplaneException {
        if (op instanceof TableOp.AddService a) {
            VirtualService s = a.service();
            checkSupported(s);
            if (byKey.containsKey(s.key())) {
                throw new DataplaneException("service " + s.key() + " exists");
            }
            DrService d = new DrService(s, schedulers.apply(s.scheduler(), s.flags()));
            d.rescheduled();
            byKey.put(s.key(), d);
            services.put(serviceKey(d.protocol, d.address, d.port), d);
        } else if (op instanceof TableOp.EditService e) {
            VirtualService s = e.service();
            checkSupported(s);
            DrService d = service(s.key());
            if (!d.service.scheduler().equals(s.scheduler()) || d.service.flags() != s.flags()) {
                d.scheduler = schedulers.apply(s.scheduler(), s.flags());
            }
            d.service = s;
            d.rescheduled();
        } else if (op instanceof TableOp.DeleteService del) {
            DrService d = service(del.key());
            for (DrRealServer r : d.servers.values()) {
                forget(r);
            }
            byKey.remove(del.key());
            services.remove(serviceKey(d.protocol, d.address, d.port));
            // Its connections stop with it, as ip_vs_unlink_service flushes them.
            removeConnections(c -> c.service == d);
        } else if (op instanceof TableOp.AddDestination a) {
            DrService d = service(a.service());
            Destination dest = checkDestination(d, a.destination());
            if (d.servers.containsKey(dest.endpoint())) {
                throw new DataplaneException("real server " + dest.endpoint() + " exists in " + a.service());
            }
            DrRealServer r = new DrRealServer(dest);
            d.servers.put(dest.endpoint(), r);
            d.byBackend.put(r.backend, r);
            macs.put(r, neighbours.use(r.address));
            d.rescheduled();
        } else if (op instanceof TableOp.EditDestination e) {
            DrService d = service(e.service());
            Destination dest = checkDestination(d, e.destination());
            DrRealServer r = d.servers.get(dest.endpoint());
            if (r == null) {
                throw new DataplaneException("no real server " + dest.endpoint() + " in " + e.service());
            }
            r.backend.destination(dest);
            d.rescheduled();
        } else {
            TableOp.DeleteDestination del = (TableOp.DeleteDestination) op;
            DrService d = service(del.service());
            DrRealServer r = d.servers.remove(del.destination());
            if (r == null) {
                throw new DataplaneException("no real server " + del.destination() + " in " + del.service());
            }
            d.byBackend.remove(r.backend);
            r.removed = true;
            d.rescheduled();
            // Like the kernel with expire_nodest_conn = 0, live connections keep going to it until
            // they expire; only new ones (and persistence templates) stop.
            removeConnections(c -> c.template && c.server == r && c.controlled == 0);
            if (!hasConnections(r)) {
                forget(r);
            }
        }
    }

    private Destination checkDestination(DrService d, Destination dest) throws DataplaneException {
        if (dest.method() != ForwardMethod.ROUTE) {
            throw new DataplaneException("the userspace forwarder does direct routing only; " + dest.endpoint()
                    + " asks for " + dest.method().ipvsadmName());
        }
        if (!(dest.address() instanceof java.net.Inet4Address)) {
            throw new DataplaneException("the userspace DR forwarder handles IPv4 only: " + dest.endpoint());
        }
        if (dest.port() != d.port) {
            throw new DataplaneException(
                    "direct routing cannot map ports: " + d.service.key() + " -> " + dest.endpoint());
        }
        return dest;
    }

    private DrService service(ServiceKey key) throws DataplaneException {
        DrService d = byKey.get(key);
        if (d == null) {
            throw new DataplaneException("no service " + key);
        }
        return d;
    }

    private void forget(DrRealServer r) {
        Neighbours.Entry e = macs.remove(r);
        if (e != null) {
            neighbours.release(e);
        }
    }

    ServiceTable table() {
        ServiceTable t = ServiceTable.EMPTY;
        for (DrService d : byKey.values()) {
            List<Destination> dests = new ArrayList<>();
            for (DrRealServer r : d.servers.values()) {
                dests.add(r.backend.destination());
            }
            t = t.withService(d.service, dests);
        }
        return t;
    }

    TableDump dump() {
        List<TableDump.ServiceDump> list = new ArrayList<>();
        for (DrService d : byKey.values()) {
            List<TableDump.DestinationDump> dests = new ArrayList<>();
            for (DrRealServer r : d.servers.values()) {
                Backend b = r.backend;
                dests.add(new TableDump.DestinationDump(
                        b.destination(),
                        b.activeConnections(),
                        b.inactiveConnections(),
                        b.persistentConnections(),
                        r.stats()));
            }
            list.add(new TableDump.ServiceDump(d.service, d.stats(), dests));
        }
        return new TableDump(list);
    }

    Map<Drop, Long> drops() {
        return new EnumMap<>(drops);
    }

    long forwarded() {
        return forwarded;
    }

    int connectionCount() {
        return connectionCount;
    }

    Neighbours neighbours() {
        return neighbours;
    }

    // ---- frames ----------------------------------------------------------------------------

    void drop(Drop reason) {
        drops.merge(reason, 1L, Long::sum);
    }

    /**
     * Decides one received frame at {@code off} (its Ethernet header) of {@code len} bytes. When
     * it is for a real server, rewrites the destination MAC to the server's and the source MAC to
     * ours and returns true; the IP packet is not touched. Otherwise counts the reason and
     * returns false.
     */
    boolean process(Pointer p, long off, int len, long nowNs) {
        if (len < ETH_HLEN + 20 || Short.reverseBytes(p.getShort(off + 12)) != 0x0800) {
            drop(Drop.NOT_IPV4);
            return false;
        }
        long ip = off + ETH_HLEN;
        int vihl = p.getByte(ip) & 0xff;
        int ihl = (vihl & 0x0f) * 4;
        int total = Short.toUnsignedInt(Short.reverseBytes(p.getShort(ip + 2)));
        if (vihl >> 4 != 4 || ihl < 20 || total < ihl || total > len - ETH_HLEN) {
            drop(Drop.MALFORMED);
            return false;
        }
        int frag = Short.reverseBytes(p.getShort(ip + 6)) & 0x3fff;
        if (frag != 0) {
            drop(Drop.FRAGMENT);
            return false;
        }
        int proto = p.getByte(ip + 9) & 0xff;
        int saddr = Integer.reverseBytes(p.getInt(ip + 12));
        int daddr = Integer.reverseBytes(p.getInt(ip + 16));
        long l4 = ip + ihl;
        int l4len = total - ihl;
        int tcpFlags = 0;
        if (proto == 6) {
            if (l4len < 20) {
                drop(Drop.MALFORMED);
                return false;
            }
            tcpFlags = p.getByte(l4 + 13) & 0xff;
        } else if (proto == 17) {
            if (l4len < 8) {
                drop(Drop.MALFORMED);
                return false;
            }
        } else {
            drop(Drop.NO_SERVICE);
            return false;
        }
        int sport = Short.toUnsignedInt(Short.reverseBytes(p.getShort(l4)));
        int dport = Short.toUnsignedInt(Short.reverseBytes(p.getShort(l4 + 2)));
        DrConnection c = lookup(proto, saddr, sport, daddr, dport, false);
        if (c != null
                && proto == 6
                && (tcpFlags & (TcpInputOnly.SYN | TcpInputOnly.ACK | TcpInputOnly.RST)) == TcpInputOnly.SYN
                && reusable(c)) {
            // A new SYN on a finished connection: like the kernel's conn_reuse_mode, forget the old
            // one and schedule afresh, so a quiesced or removed server gets no new connection.
            unlink(c);
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
        boolean changed = false;
        if (proto == 6) {
            int next = TcpInputOnly.next(c.state, tcpFlags);
            if (next != c.state) {
                setState(c, next);
                changed = true;
            }
            c.expiresNs = nowNs
                    + (c.halfOpen && connectionCount > limit / 2
                            ? Math.min(HALF_OPEN_UNDER_PRESSURE_NS, timeouts.tcpNs(c.state))
                            : timeouts.tcpNs(c.state));
        } else {
            c.expiresNs = nowNs + timeouts.udpNs();
        }
        if (syncOut != null && syncNeeded(c, changed)) {
            sync(c);
            if (c.controller != null) {
                sync(c.controller);
            }
        }
        Neighbours.Entry n = macs.get(r);
        long mac = n == null ? -1 : n.mac;
        if (mac == -1) {
            drop(Drop.NO_MAC);
            return false;
        }
        putMac(p, off, mac);
        putMac(p, off + 6, ownMac);
        forwarded++;
        return true;
    }

    /**
     * ip_vs_sync_conn_needed with the kernel's defaults (sync_period 50, sync_threshold 3, no
     * refresh period): TCP only in ESTABLISHED, FIN_WAIT, CLOSE, CLOSE_WAIT, TIME_WAIT; at once
     * on entering any of them but ESTABLISHED; otherwise at packet 3, 53, 103, ...
     * A persistence template goes along whenever a connection it controls is sent.
     */
    private static boolean syncNeeded(DrConnection c, boolean stateChanged) {
        if (c.protocol == 6) {
            int s = c.state;
            if (s != TcpState.ESTABLISHED.code()
                    && s != TcpState.FIN_WAIT.code()
                    && s != TcpState.CLOSE.code()
                    && s != TcpState.CLOSE_WAIT.code()
                    && s != TcpState.TIME_WAIT.code()) {
                return false;
            }
            if (stateChanged && s != TcpState.ESTABLISHED.code()) {
                return true;
            }
        }
        return c.packets % SYNC_PERIOD == SYNC_THRESHOLD;
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

    private static void putMac(Pointer p, long at, long mac) {
        for (int i = 0; i < 6; i++) {
            p.putByte(at + i, (byte) (mac >>> (40 - 8 * i)));
        }
    }

    private DrConnection schedule(int proto, int saddr, int sport, int daddr, int dport, int tcpFlags, long nowNs) {
        DrService svc = services.get(serviceKey(proto, daddr, dport));
        if (svc == null) {
            svc = services.get(serviceKey(proto, daddr, 0));
            if (svc == null || !svc.service.persistent()) {
                drop(Drop.NO_SERVICE);
                return null;
            }
        }
        if (proto == 6 && (tcpFlags & (TcpInputOnly.SYN | TcpInputOnly.RST)) != TcpInputOnly.SYN) {
            // tcp_conn_schedule: only a SYN starts a connection; the rest belong to flows we do not know.
            drop(Drop.NOT_SYN);
            return null;
        }
        DrConnection template = null;
        DrRealServer server;
        if (svc.service.persistent()) {
            int net = Ipv4.mask(saddr, svc.service.netmask());
            template = lookup(proto, net, 0, daddr, svc.port, true);
            if (template != null && template.server.removed) {
                unlink(template);
                template = null;
            }
            if (template == null) {
                if (connectionCount + 1 >= limit && !makeRoom(2)) {
                    return null;
                }
                server = pick(svc, saddr, sport, daddr, dport, proto, nowNs);
                if (server == null) {
                    return null;
                }
                template = new DrConnection(proto, net, 0, daddr, svc.port, true, svc, server);
                template.flags = Connection.F_TEMPLATE | ForwardMethod.ROUTE.code();
                link(template);
                server.backend.countPersistent(1);
                template.expiresNs = nowNs + svc.service.persistenceTimeout() * 1_000_000_000L;
            } else {
                server = template.server;
                template.expiresNs = nowNs + svc.service.persistenceTimeout() * 1_000_000_000L;
            }
        } else {
            server = pick(svc, saddr, sport, daddr, dport, proto, nowNs);
            if (server == null) {
                return null;
            }
        }
        if (connectionCount >= limit && !makeRoom(1)) {
            return null;
        }
        DrConnection c = new DrConnection(proto, saddr, sport, daddr, dport, false, svc, server);
        c.flags = ForwardMethod.ROUTE.code() | Connection.F_NOOUTPUT | Connection.F_INACTIVE;
        c.state = TcpState.NONE.code();
        if (template != null) {
            c.controller = template;
            template.controlled++;
        }
        link(c);
        server.backend.countInactive(1);
        server.connections++;
        svc.connections++;
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

    private void setState(DrConnection c, int next) {
        Backend b = c.server.backend;
        boolean inactive = (c.flags & Connection.F_INACTIVE) != 0;
        boolean established = next == TcpState.ESTABLISHED.code();
        if (!inactive && !established) {
            b.countActive(-1);
            b.countInactive(1);
            c.flags |= Connection.F_INACTIVE;
        } else if (inactive && established) {
            b.countInactive(-1);
            b.countActive(1);
            c.flags &= ~Connection.F_INACTIVE;
        }
        c.state = next;
        trackHalfOpen(c);
    }

    private static boolean halfOpenState(int state) {
        return state == TcpState.NONE.code()
                || state == TcpState.SYN_RECV.code()
                || state == TcpState.SYN_SENT.code()
                || state == TcpState.SYNACK.code();
    }

    /** Keeps the half-open list to the TCP connections (not templates) whose handshake is not done. */
    private void trackHalfOpen(DrConnection c) {
        boolean should = c.protocol == 6 && !c.template && halfOpenState(c.state);
        if (should == c.halfOpen) {
            return;
        }
        if (should) {
            c.halfOpen = true;
            c.olderHalfOpen = halfOpenNewest;
            c.newerHalfOpen = null;
            if (halfOpenNewest != null) {
                halfOpenNewest.newerHalfOpen = c;
            } else {
                halfOpenOldest = c;
            }
            halfOpenNewest = c;
        } else {
            leaveHalfOpen(c);
        }
    }

    private void leaveHalfOpen(DrConnection c) {
        if (!c.halfOpen) {
            return;
        }
        if (c.olderHalfOpen != null) {
            c.olderHalfOpen.newerHalfOpen = c.newerHalfOpen;
        } else {
            halfOpenOldest = c.newerHalfOpen;
        }
        if (c.newerHalfOpen != null) {
            c.newerHalfOpen.olderHalfOpen = c.olderHalfOpen;
        } else {
            halfOpenNewest = c.olderHalfOpen;
        }
        c.olderHalfOpen = null;
        c.newerHalfOpen = null;
        c.halfOpen = false;
    }

    /**
     * The table is at its limit: as the kernel's drop_entry defence, the oldest half-open
     * connections give way (a SYN flood's entries, never an established flow). False, with the
     * new flow counted as TABLE_FULL, when there is not room for {@code needed}.
     */
    private boolean makeRoom(int needed) {
        while (connectionCount + needed > limit && halfOpenOldest != null) {
            unlink(halfOpenOldest);
            evicted++;
        }
        if (connectionCount + needed > limit) {
            drop(Drop.TABLE_FULL);
            return false;
        }
        return true;
    }

    private void sync(DrConnection c) {
        if (syncOut != null) {
            syncOut.offer(toConnection(c));
        }
    }

    // ---- connections from the master's sync messages ------------------------------------------

    /** What became of one synced connection. */
    enum Synced {
        /** Added to the table, or an entry already there updated. */
        INSTALLED,
        /** Names no service or real server of this table: nothing changed. */
        UNKNOWN,
        /** A new entry while the table already holds the synced-entry cap: refused. */
        FULL
    }

    /**
     * Synced installs stop adding entries once the table holds this many (updates to entries
     * already there go on): forged sync messages cannot fill the heap, and the table keeps room
     * for the connections the director schedules itself after a failover.
     */
    private int syncMaxEntries = Integer.MAX_VALUE;

    void syncMaxEntries(int n) {
        if (n < 0) {
            throw new IllegalArgumentException("sync entry cap " + n);
        }
        this.syncMaxEntries = n;
    }

    /**
     * Installs or updates a connection the master announced, as the kernel's backup does
     * (ip_vs_proc_conn), with two bounds the kernel lacks: a new entry is refused at the synced
     * entry cap, and the timeout never exceeds what this table gives the entry's state (the
     * service's persistence timeout for a template). A timeout of 0 (version 0 messages) takes
     * the state's, as the kernel does. Changes nothing unless it returns INSTALLED.
     */
    Synced install(Connection m, long nowNs) {
        if (m.fwmark() != 0
                || !(m.clientAddress() instanceof java.net.Inet4Address)
                || !(m.virtualAddress() instanceof java.net.Inet4Address)
                || !(m.destAddress() instanceof java.net.Inet4Address)
                || (m.protocol() != IpProtocol.TCP && m.protocol() != IpProtocol.UDP)) {
            return Synced.UNKNOWN;
        }
        int proto = m.protocol().number();
        int vaddr = Ipv4.of(m.virtualAddress());
        DrService svc = services.get(serviceKey(proto, vaddr, m.virtualPort()));
        if (svc == null) {
            svc = services.get(serviceKey(proto, vaddr, 0));
        }
        boolean template = m.template();
        if (svc == null || template && !svc.service.persistent()) {
            return Synced.UNKNOWN;
        }
        DrRealServer server = svc.servers.get(new Endpoint(m.destAddress(), m.destPort()));
        if (server == null) {
            return Synced.UNKNOWN;
        }
        int caddr = Ipv4.of(m.clientAddress());
        DrConnection c = lookup(proto, caddr, m.clientPort(), vaddr, m.virtualPort(), template);
        // Synced entries never take the last quarter of the table: a backup that becomes master
        // needs room for the new connections it schedules itself.
        if (c == null && connectionCount >= Math.min(syncMaxEntries, limit - limit / 4)) {
            return Synced.FULL;
        }
        if (c != null && c.server != server) {
            unlink(c);
            c = null;
        }
        if (c == null) {
            if (connectionCount >= limit && !makeRoom(1)) {
                return Synced.FULL;
            }
            c = new DrConnection(proto, caddr, m.clientPort(), vaddr, m.virtualPort(), template, svc, server);
            c.flags = template
                    ? Connection.F_TEMPLATE | ForwardMethod.ROUTE.code()
                    : ForwardMethod.ROUTE.code() | Connection.F_NOOUTPUT | Connection.F_INACTIVE;
            c.state = TcpState.NONE.code();
            link(c);
            if (template) {
                server.backend.countPersistent(1);
            } else {
                server.backend.countInactive(1);
                server.connections++;
                svc.connections++;
                if (svc.service.persistent()) {
                    DrConnection t = lookup(proto, Ipv4.mask(caddr, svc.service.netmask()), 0, vaddr, svc.port, true);
                    if (t != null && t.server == server) {
                        c.controller = t;
                        t.controlled++;
                    }
                }
            }
        }
        if (!template && proto == 6) {
            TcpState s = TcpState.of(m.state());
            if (s != null && s.code() != c.state) {
                setState(c, s.code());
            }
        }
        c.expiresNs = nowNs + syncedTimeoutNs(c, m.timeoutSeconds());
        return Synced.INSTALLED;
    }

    /**
     * The master's timeout, bounded by ours for the entry's state: the kernel takes what the
     * message says (up to MAX_SCHEDULE_TIMEOUT), so one forged entry could sit for 68 years.
     */
    private long syncedTimeoutNs(DrConnection c, int sentSeconds) {
        long limitNs;
        if (c.template) {
            limitNs = c.service.service.persistenceTimeout() * 1_000_000_000L;
        } else if (c.protocol == 6) {
            limitNs = timeouts.tcpNs(c.state);
        } else {
            limitNs = timeouts.udpNs();
        }
        long sentNs = Integer.toUnsignedLong(sentSeconds) * 1_000_000_000L;
        return sentNs == 0 ? limitNs : Math.min(sentNs, limitNs);
    }

    Connection toConnection(DrConnection c) {
        long timeout;
        if (c.template) {
            timeout = c.service.service.persistenceTimeout();
        } else if (c.protocol == 6) {
            timeout = timeouts.tcpNs(c.state) / 1_000_000_000L;
        } else {
            timeout = timeouts.udp();
        }
        Destination d = c.server.backend.destination();
        return new Connection(
                IpProtocol.of(c.protocol),
                Ipv4.address(c.clientAddress),
                c.clientPort,
                Ipv4.address(c.virtualAddress),
                c.virtualPort,
                d.address(),
                d.port(),
                0,
                c.flags & ~Connection.F_HASHED,
                c.protocol == 6 && !c.template ? c.state : 0,
                (int) timeout);
    }

    /** The whole table in one list (tests); listings read it by {@link #page}. */
    List<Connection> connections(long nowNs) {
        List<Connection> all = new ArrayList<>(connectionCount);
        for (Page p = page(nowNs, Page.FIRST, Integer.MAX_VALUE); ; p = page(nowNs, p, Integer.MAX_VALUE)) {
            all.addAll(p.connections());
            if (p.last()) {
                return all;
            }
        }
    }

    /**
     * One page of a listing: its entries, and where the next one starts (a bucket, and how many
     * entries of that bucket's chain were listed already).
     */
    record Page(List<Connection> connections, int bucket, int skip, boolean last) {
        static final Page FIRST = new Page(List.of(), 0, 0, false);
    }

    /**
     * The page after {@code after}: at most {@code max} entries, whole buckets while they fit (a
     * chain is split only when it alone is longer than a page), so that the caller can take the
     * table a page per short visit to the forwarder thread, which forwards between them. Between
     * pages the table changes: an entry added to or removed from a bucket not yet reached shows
     * or not, as with the kernel's /proc/net/ip_vs_conn; one that stays shows once (unless its
     * own chain was split and changed in between, where it may show twice or not at all).
     */
    Page page(long nowNs, Page after, int max) {
        if (max < 1) {
            throw new IllegalArgumentException("page size " + max);
        }
        List<Connection> list = new ArrayList<>(Math.min(max, Math.max(16, connectionCount)));
        int b = after.bucket();
        int skip = after.skip();
        for (; b < buckets.length; b++, skip = 0) {
            int chain = 0;
            for (DrConnection c = buckets[b]; c != null; c = c.next) {
                chain++;
            }
            int left = Math.max(0, chain - skip);
            if (list.size() + left > max) {
                if (!list.isEmpty()) {
                    return new Page(list, b, skip, false);
                }
                // A chain longer than a page: this page ends inside it.
                addChain(list, buckets[b], skip, max, nowNs);
                return new Page(list, b, skip + max, false);
            }
            addChain(list, buckets[b], skip, left, nowNs);
        }
        return new Page(list, buckets.length, 0, true);
    }

    private void addChain(List<Connection> list, DrConnection head, int skip, int count, long nowNs) {
        DrConnection c = head;
        for (int i = 0; i < skip && c != null; i++) {
            c = c.next;
        }
        for (int i = 0; i < count && c != null; i++, c = c.next) {
            list.add(listed(c, nowNs));
        }
    }

    /** An entry as a listing shows it: its timeout is the time it has left. */
    private Connection listed(DrConnection c, long nowNs) {
        Connection m = toConnection(c);
        long left = Math.max(0, (c.expiresNs - nowNs) / 1_000_000_000L);
        return new Connection(
                m.protocol(),
                m.clientAddress(),
                m.clientPort(),
                m.virtualAddress(),
                m.virtualPort(),
                m.destAddress(),
                m.destPort(),
                0,
                m.flags(),
                m.state(),
                (int) left);
    }

    // ---- the connection hash table -----------------------------------------------------------

    private static long serviceKey(int proto, int addr, int port) {
        return (long) proto << 48 | (addr & 0xffffffffL) << 16 | port;
    }

    DrConnection lookup(int proto, int caddr, int cport, int vaddr, int vport, boolean template) {
        int i = DrConnection.hash(proto, caddr, cport, vaddr, vport, template) & (buckets.length - 1);
        for (DrConnection c = buckets[i]; c != null; c = c.next) {
            if (c.matches(proto, caddr, cport, vaddr, vport, template)) {
                return c;
            }
        }
        return null;
    }

    private void link(DrConnection c) {
        int i = index(c, buckets.length);
        c.next = buckets[i];
        buckets[i] = c;
        connectionCount++;
        trackHalfOpen(c);
    }

    private static int index(DrConnection c, int size) {
        return DrConnection.hash(c.protocol, c.clientAddress, c.clientPort, c.virtualAddress, c.virtualPort, c.template)
                & (size - 1);
    }

    /** Removes one connection from the table and from its server's counts. */
    private void unlink(DrConnection c) {
        int i = index(c, buckets.length);
        DrConnection prev = null;
        for (DrConnection x = buckets[i]; x != null; prev = x, x = x.next) {
            if (x == c) {
                if (prev == null) {
                    buckets[i] = x.next;
                } else {
                    prev.next = x.next;
                }
                connectionCount--;
                released(c);
                return;
            }
        }
    }

    private void released(DrConnection c) {
        leaveHalfOpen(c);
        Backend b = c.server.backend;
        if (c.template) {
            b.countPersistent(-1);
        } else if ((c.flags & Connection.F_INACTIVE) != 0) {
            b.countInactive(-1);
        } else {
            b.countActive(-1);
        }
        if (c.controller != null) {
            c.controller.controlled--;
            c.controller = null;
        }
        if (c.server.removed && !hasConnections(c.server)) {
            forget(c.server);
        }
    }

    private boolean hasConnections(DrRealServer r) {
        Backend b = r.backend;
        return b.activeConnections() + b.inactiveConnections() + b.persistentConnections() > 0;
    }

    private void removeConnections(java.util.function.Predicate<DrConnection> which) {
        removeConnections(which, 0, buckets.length);
    }

    private void removeConnections(java.util.function.Predicate<DrConnection> which, int from, int to) {
        for (int i = from; i < to; i++) {
            DrConnection prev = null;
            DrConnection c = buckets[i];
            while (c != null) {
                DrConnection next = c.next;
                if (which.test(c)) {
                    if (prev == null) {
                        buckets[i] = next;
                    } else {
                        prev.next = next;
                    }
                    connectionCount--;
                    released(c);
                } else {
                    prev = c;
                }
                c = next;
            }
        }
    }

    /**
     * Drops expired connections and refreshes rates. A template that still controls live
     * connections is kept, as the kernel restarts its timer. Returns how many expired.
     */
    int expire(long nowNs) {
        int before = connectionCount;
        removeConnections(c -> c.expiresNs - nowNs <= 0 && c.controlled == 0, 0, buckets.length);
        sampleRates(nowNs);
        return before - connectionCount;
    }

    /**
     * Drops the expired connections of one slice of the table, {@code 1/slices} of its buckets
     * after the last slice: called {@code slices} times a second, it passes over the whole table
     * each second without ever holding the forwarder thread for the whole of it.
     */
    int expireSlice(long nowNs, int slices) {
        int before = connectionCount;
        int s = Math.max(1, slices);
        int n = (buckets.length + s - 1) / s;
        int from = expiryCursor;
        int to = Math.min(buckets.length, from + n);
        removeConnections(c -> c.expiresNs - nowNs <= 0 && c.controlled == 0, from, to);
        expiryCursor = to == buckets.length ? 0 : to;
        return before - connectionCount;
    }

    /** Refreshes the services' and real servers' rate estimates (once a second). */
    void sampleRates(long nowNs) {
        for (DrService d : byKey.values()) {
            d.rates.sample(nowNs, d.connections, d.packets, 0, d.bytes, 0);
            for (DrRealServer r : d.servers.values()) {
                r.rates.sample(nowNs, r.connections, r.packets, 0, r.bytes, 0);
            }
        }
    }

    /** Removes every connection (a flush of the table's state; services stay). */
    void flushConnections() {
        removeConnections(c -> true);
    }

    void forEachService(Consumer<DrService> each) {
        byKey.values().forEach(each);
    }
}
