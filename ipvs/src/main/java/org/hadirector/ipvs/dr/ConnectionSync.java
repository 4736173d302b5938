package org.hadirector.ipvs.dr;

import java.net.Inet4Address;
import org.hadirector.ipvs.Connection;
import org.hadirector.ipvs.Endpoint;
import org.hadirector.ipvs.IpProtocol;
import org.hadirector.ipvs.SyncOut;
import org.hadirector.ipvs.TcpState;

/**
 * Connection sync for the userspace forwarder, both ways: which entries a master offers to its
 * sync sender and when (as the kernel's ip_vs_sync_conn_needed), and installing what a backup
 * receives (as ip_vs_proc_conn, with bounds of its own). Pure: time is passed in.
 * Single-threaded: the forwarder thread owns it.
 */
final class ConnectionSync {
    static final int SYNC_THRESHOLD = 3;
    static final int SYNC_PERIOD = 50;

    private static final long NS_PER_SECOND = 1_000_000_000L;

    /** What became of one synced connection. */
    enum Synced {
        /** Added to the table, or an entry already there updated. */
        INSTALLED,
        /** Names no service or real server of this table: nothing changed. */
        UNKNOWN,
        /** A new entry while the table already holds the synced-entry cap: refused. */
        FULL
    }

    private final DrServiceTable services;
    private final ConnectionTable table;
    private SyncOut out;
    /**
     * Synced installs stop adding entries once the table holds this many (updates to entries
     * already there go on): forged sync messages cannot fill the heap, and the table keeps room
     * for the connections the director schedules itself after a failover.
     */
    private int maxEntries = Integer.MAX_VALUE;

    ConnectionSync(DrServiceTable services, ConnectionTable table) {
        this.services = services;
        this.table = table;
    }

    /** Where to offer connections (the sync master's sender), or null while not master. */
    void out(SyncOut out) {
        this.out = out;
    }

    void maxEntries(int n) {
        if (n < 0) {
            throw new IllegalArgumentException("sync entry cap " + n);
        }
        this.maxEntries = n;
    }

    // ---- out: the master's side ----------------------------------------------------------------

    /**
     * A connection saw a packet ({@code stateChanged} if it moved to another TCP state): offers it
     * to the sync sender when the kernel would, with the template that controls it.
     */
    void packet(DrConnection c, boolean stateChanged) {
        if (out != null && needed(c, stateChanged)) {
            out.offer(toConnection(c));
            if (c.controller != null) {
                out.offer(toConnection(c.controller));
            }
        }
    }

    /**
     * Whether the fast path may carry {@code c} from now on. A sync master keeps a flow until it
     * has seen the kernel's first sync point (packet 3) itself: the program's packets reach Java
     * only when an expiry scan reads them, at the latest half a timeout later, and a backup that
     * learnt an established connection that late would break it on a failover meanwhile.
     */
    /** Whether this forwarder sends sync messages now (a sync master). */
    boolean master() {
        return out != null;
    }

    boolean offloadable(DrConnection c) {
        return out == null || c.packets >= SYNC_THRESHOLD;
    }

    /**
     * The fast path forwarded packets of {@code c} that this forwarder never saw: its count went
     * from {@code before} to {@code c.packets} at once. Offered when the count passed one of the
     * kernel's points (3, 53, 103, ...), so that a backup keeps refreshing a long connection.
     */
    void folded(DrConnection c, long before) {
        if (out == null || c.packets <= before) {
            return;
        }
        if (c.protocol == Ipv4Header.PROTOCOL_TCP && c.state != TcpState.ESTABLISHED.code()) {
            return;
        }
        if (Math.floorDiv(c.packets + SYNC_PERIOD - SYNC_THRESHOLD, SYNC_PERIOD)
                != Math.floorDiv(before + SYNC_PERIOD - SYNC_THRESHOLD, SYNC_PERIOD)) {
            out.offer(toConnection(c));
            if (c.controller != null) {
                out.offer(toConnection(c.controller));
            }
        }
    }

    /**
     * ip_vs_sync_conn_needed with the kernel's defaults (sync_period 50, sync_threshold 3, no
     * refresh period): TCP only in ESTABLISHED, FIN_WAIT, CLOSE, CLOSE_WAIT, TIME_WAIT; at once
     * on entering any of them but ESTABLISHED; otherwise at packet 3, 53, 103, ...
     * A persistence template goes along whenever a connection it controls is sent.
     */
    static boolean needed(DrConnection c, boolean stateChanged) {
        if (c.protocol == Ipv4Header.PROTOCOL_TCP) {
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

    /** An entry as a sync message carries it: with its state's whole timeout. */
    Connection toConnection(DrConnection c) {
        return c.toConnection((int) (table.timeoutNs(c) / NS_PER_SECOND));
    }

    // ---- in: the backup's side -----------------------------------------------------------------

    /**
     * Installs or updates a connection the master announced, as the kernel's backup does
     * (ip_vs_proc_conn), with two bounds the kernel lacks: a new entry is refused at the synced
     * entry cap, and the timeout never exceeds what this table gives the entry's state (the
     * service's persistence timeout for a template). A timeout of 0 (version 0 messages) takes
     * the state's, as the kernel does. Changes nothing unless it returns INSTALLED.
     */
    Synced install(Connection m, long nowNs) {
        boolean v4 = m.virtualAddress() instanceof Inet4Address;
        if (m.fwmark() != 0
                || (m.clientAddress() instanceof Inet4Address) != v4
                || (m.destAddress() instanceof Inet4Address) != v4
                || (m.protocol() != IpProtocol.TCP && m.protocol() != IpProtocol.UDP)) {
            return Synced.UNKNOWN;
        }
        int proto = m.protocol().number();
        long vHi = Ip128.hi(m.virtualAddress());
        long vLo = Ip128.lo(m.virtualAddress());
        DrService svc = services.match(proto, vHi, vLo, m.virtualPort());
        boolean template = m.template();
        if (svc == null || template && !svc.service.persistent()) {
            return Synced.UNKNOWN;
        }
        DrRealServer server = svc.servers.get(new Endpoint(m.destAddress(), m.destPort()));
        if (server == null) {
            return Synced.UNKNOWN;
        }
        long cHi = Ip128.hi(m.clientAddress());
        long cLo = Ip128.lo(m.clientAddress());
        DrConnection c = table.lookup(proto, cHi, cLo, m.clientPort(), vHi, vLo, m.virtualPort(), template);
        // Synced entries never take the last quarter of the table: a backup that becomes master
        // needs room for the new connections it schedules itself.
        if (c == null && table.count() >= Math.min(maxEntries, table.limit() - table.limit() / 4)) {
            return Synced.FULL;
        }
        if (c != null && c.server != server) {
            table.unlink(c);
            c = null;
        }
        if (c == null) {
            if (table.count() >= table.limit() && !table.makeRoom(1)) {
                return Synced.FULL;
            }
            c = new DrConnection(proto, cHi, cLo, m.clientPort(), vHi, vLo, m.virtualPort(), template, svc, server);
            table.link(c);
            if (!template && svc.service.persistent()) {
                int prefix = svc.service.netmask();
                DrConnection t = table.lookup(
                        proto,
                        Ip128.maskHi(cHi, cLo, prefix),
                        Ip128.maskLo(cHi, cLo, prefix),
                        0,
                        vHi,
                        vLo,
                        svc.port,
                        true);
                if (t != null && t.server == server) {
                    c.controlledBy(t);
                }
            }
        }
        if (!template && proto == Ipv4Header.PROTOCOL_TCP) {
            TcpState s = TcpState.of(m.state());
            if (s != null && s.code() != c.state) {
                table.setState(c, s.code());
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
        long limitNs = table.timeoutNs(c);
        long sentNs = Integer.toUnsignedLong(sentSeconds) * NS_PER_SECOND;
        return sentNs == 0 ? limitNs : Math.min(sentNs, limitNs);
    }
}
