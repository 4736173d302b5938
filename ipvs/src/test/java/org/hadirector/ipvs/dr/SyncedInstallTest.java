package org.hadirector.ipvs.dr;

import static org.hadirector.ipvs.dr.Frames.ip;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.UnknownHostException;
import org.hadirector.ipvs.Connection;
import org.hadirector.ipvs.DataplaneException;
import org.hadirector.ipvs.Destination;
import org.hadirector.ipvs.ForwardMethod;
import org.hadirector.ipvs.IpProtocol;
import org.hadirector.ipvs.ServiceKey;
import org.hadirector.ipvs.TableOp;
import org.hadirector.ipvs.TcpState;
import org.hadirector.ipvs.VirtualService;
import org.hadirector.ipvs.sync.SyncLimits;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Connections from sync messages, as a forger would send them: the timeout bounded by the
 * table's for the state, and new entries refused at the synced-entry cap.
 */
class SyncedInstallTest {
    static final String VIP = "198.18.0.100";
    static final long S = 1_000_000_000L;
    static final ServiceKey WEB = ServiceKey.of(IpProtocol.TCP, addr(VIP), 80);
    static final ServiceKey DNS = ServiceKey.of(IpProtocol.UDP, addr(VIP), 53);
    static final ServiceKey STICKY = ServiceKey.of(IpProtocol.TCP, addr(VIP), 443);

    ForwardingCore core;
    long now = 1_000 * S;

    static InetAddress addr(String s) {
        try {
            return InetAddress.getByName(s);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException(e);
        }
    }

    @BeforeEach
    void table() throws DataplaneException {
        core = new ForwardingCore((name, flags) -> new ForwardingCoreTest.Rotation(), Frames.DIRECTOR_MAC);
        core.apply(new TableOp.AddService(VirtualService.of(WEB, "rr"), "t"));
        core.apply(new TableOp.AddDestination(WEB, Destination.route(addr("198.18.0.21"), 80, 1), "t"));
        core.apply(new TableOp.AddService(VirtualService.of(DNS, "rr"), "t"));
        core.apply(new TableOp.AddDestination(DNS, Destination.route(addr("198.18.0.21"), 53, 1), "t"));
        core.apply(new TableOp.AddService(new VirtualService(STICKY, "rr", 0, 120, 32, ""), "t"));
        core.apply(new TableOp.AddDestination(STICKY, Destination.route(addr("198.18.0.21"), 443, 1), "t"));
    }

    static Connection tcp(int clientPort, TcpState state, int timeout) {
        return new Connection(
                IpProtocol.TCP,
                addr("198.18.0.10"),
                clientPort,
                addr(VIP),
                80,
                addr("198.18.0.21"),
                80,
                0,
                ForwardMethod.ROUTE.code(),
                state.code(),
                timeout);
    }

    /** Seconds until the entry expires: the table drops it at the first expiry at or after then. */
    long lifetime(int proto, int cport, int vport, boolean template) {
        DrConnection c = core.lookup(proto, ip("198.18.0.10"), cport, ip(VIP), vport, template);
        assertNotNull(c, "installed");
        return (c.expiresNs - now) / S;
    }

    @Test
    void aForgedTimeoutIsBoundedByTheStateTimeout() {
        assertEquals(
                ConnectionSync.Synced.INSTALLED,
                core.install(tcp(40000, TcpState.ESTABLISHED, Integer.MAX_VALUE), now));
        assertEquals(900, lifetime(6, 40000, 80, false), "ESTABLISHED: tcp timeout (900 s), not 2^31 s");
        core.expire(now + 899 * S);
        assertEquals(1, core.connectionCount());
        core.expire(now + 900 * S);
        assertEquals(0, core.connectionCount(), "gone after the state's timeout");
    }

    @Test
    void theOperatorsTimeoutsBound() {
        core.timeouts(new DrTimeouts(60, 30, 20));
        core.install(tcp(40000, TcpState.ESTABLISHED, 900), now);
        assertEquals(60, lifetime(6, 40000, 80, false));
        core.install(tcp(40001, TcpState.FIN_WAIT, 120), now);
        assertEquals(30, lifetime(6, 40001, 80, false));
        core.install(tcp(40002, TcpState.TIME_WAIT, 1_000_000), now);
        assertEquals(TcpState.TIME_WAIT.defaultTimeoutSeconds(), lifetime(6, 40002, 80, false));
        Connection udp = new Connection(
                IpProtocol.UDP,
                addr("198.18.0.10"),
                5353,
                addr(VIP),
                53,
                addr("198.18.0.21"),
                53,
                0,
                ForwardMethod.ROUTE.code(),
                0,
                86_400);
        assertEquals(ConnectionSync.Synced.INSTALLED, core.install(udp, now));
        assertEquals(20, lifetime(17, 5353, 53, false));
    }

    @Test
    void aShorterTimeoutIsKeptAndZeroTakesTheStates() {
        core.install(tcp(40000, TcpState.ESTABLISHED, 10), now);
        assertEquals(10, lifetime(6, 40000, 80, false), "the master's shorter timeout stands");
        core.install(tcp(40001, TcpState.FIN_WAIT, 0), now);
        assertEquals(
                TcpState.FIN_WAIT.defaultTimeoutSeconds(),
                lifetime(6, 40001, 80, false),
                "0 (a version 0 message) takes the state's, as ip_vs_proc_conn does");
    }

    @Test
    void aTemplateIsBoundedByThePersistenceTimeout() {
        Connection t = new Connection(
                IpProtocol.TCP,
                addr("198.18.0.10"),
                0,
                addr(VIP),
                443,
                addr("198.18.0.21"),
                443,
                0,
                Connection.F_TEMPLATE | ForwardMethod.ROUTE.code(),
                0,
                Integer.MAX_VALUE);
        assertEquals(ConnectionSync.Synced.INSTALLED, core.install(t, now));
        assertEquals(120, lifetime(6, 0, 443, true));
        Connection onPlain = new Connection(
                IpProtocol.TCP,
                addr("198.18.0.10"),
                0,
                addr(VIP),
                80,
                addr("198.18.0.21"),
                80,
                0,
                Connection.F_TEMPLATE | ForwardMethod.ROUTE.code(),
                0,
                300);
        assertEquals(
                ConnectionSync.Synced.UNKNOWN,
                core.install(onPlain, now),
                "no template for a service without persistence");
    }

    @Test
    void newEntriesAreRefusedAtTheCapAndUpdatesGoOn() {
        core.syncMaxEntries(3);
        for (int p = 40000; p < 40003; p++) {
            assertEquals(ConnectionSync.Synced.INSTALLED, core.install(tcp(p, TcpState.SYN_RECV, 60), now));
        }
        assertEquals(ConnectionSync.Synced.FULL, core.install(tcp(40003, TcpState.ESTABLISHED, 900), now));
        assertNull(core.lookup(6, ip("198.18.0.10"), 40003, ip(VIP), 80, false));
        assertEquals(3, core.connectionCount());
        // an entry already there is updated (the real master's refresh of a live connection)
        assertEquals(ConnectionSync.Synced.INSTALLED, core.install(tcp(40001, TcpState.ESTABLISHED, 900), now));
        assertEquals(TcpState.ESTABLISHED.code(), core.lookup(6, ip("198.18.0.10"), 40001, ip(VIP), 80, false).state);
        // room again once entries expire
        core.expire(now + 61 * S);
        assertEquals(1, core.connectionCount());
        assertEquals(
                ConnectionSync.Synced.INSTALLED, core.install(tcp(40003, TcpState.ESTABLISHED, 900), now + 61 * S));
    }

    /**
     * What one synced entry costs on the heap, which {@link SyncLimits#ENTRY_BYTES} sizes the
     * default cap by.
     */
    @Test
    void anEntryCostsAtMostEntryBytes() {
        int n = 200_000;
        long before = usedAfterGc();
        for (int i = 0; i < n; i++) {
            int c = 0x0a000000 + i;
            Connection m = new Connection(
                    IpProtocol.TCP,
                    org.hadirector.ipvs.dr.Ipv4.address(c),
                    1024 + i % 60000,
                    addr(VIP),
                    80,
                    addr("198.18.0.21"),
                    80,
                    0,
                    ForwardMethod.ROUTE.code(),
                    TcpState.ESTABLISHED.code(),
                    900);
            core.install(m, now);
        }
        long after = usedAfterGc();
        assertEquals(n, core.connectionCount());
        double per = (after - before) / (double) n;
        System.out.printf("synced entry: %.0f bytes of heap each (%d entries)%n", per, n);
        assertTrue(per <= SyncLimits.ENTRY_BYTES, per + " bytes per entry > " + SyncLimits.ENTRY_BYTES);
    }

    static long usedAfterGc() {
        Runtime r = Runtime.getRuntime();
        long used = Long.MAX_VALUE;
        for (int i = 0; i < 5; i++) {
            System.gc();
            used = Math.min(used, r.totalMemory() - r.freeMemory());
        }
        return used;
    }
}
