package org.hadirector.ipvs.dr;

import static org.hadirector.ipvs.dr.Frames.ip;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.hadirector.ipvs.Connection;
import org.hadirector.ipvs.Destination;
import org.hadirector.ipvs.IpProtocol;
import org.hadirector.ipvs.ServiceKey;
import org.hadirector.ipvs.TcpState;
import org.hadirector.ipvs.VirtualService;
import org.junit.jupiter.api.Test;

/** The connection table alone: entries made by hand, time passed in (nanoseconds). */
class ConnectionTableTest {
    static final long S = 1_000_000_000L;
    static final int TCP = 6;
    static final int UDP = 17;
    static final int VIP = ip("198.18.0.100");

    final Neighbours neighbours = new Neighbours();
    final DrService web = new DrService(
            VirtualService.of(ServiceKey.of(IpProtocol.TCP, ForwardingCoreTest.addr("198.18.0.100"), 80), "rr"),
            new ForwardingCoreTest.Rotation());
    final DrService sticky = new DrService(
            new VirtualService(
                    ServiceKey.of(IpProtocol.TCP, ForwardingCoreTest.addr("198.18.0.100"), 443), "rr", 0, 120, 24, ""),
            new ForwardingCoreTest.Rotation());
    final DrRealServer rs1 = server("198.18.0.21", 80);
    long now = 1_000 * S;

    DrRealServer server(String address, int port) {
        return new DrRealServer(Destination.route(ForwardingCoreTest.addr(address), port, 1), neighbours);
    }

    /** A TCP flow from 198.18.0.10:port to the VIP, linked and refreshed now. */
    DrConnection flow(ConnectionTable t, int port) {
        DrConnection c = new DrConnection(TCP, ip("198.18.0.10"), port, VIP, 80, false, web, rs1);
        t.link(c);
        t.refresh(c, now);
        return c;
    }

    DrConnection established(ConnectionTable t, int port) {
        DrConnection c = flow(t, port);
        t.setState(c, TcpState.ESTABLISHED.code());
        t.refresh(c, now);
        return c;
    }

    @Test
    void theBucketsAreFixedByTheLimitAndNeverGrow() {
        assertEquals(1024, new ConnectionTable(1).buckets(), "at least 1,024");
        assertEquals(1 << 19, new ConnectionTable(1 << 20).buckets(), "about two entries a bucket at the limit");
        ConnectionTable t = new ConnectionTable(5000);
        int before = t.buckets();
        for (int p = 0; p < 5000; p++) {
            flow(t, 1024 + p);
        }
        assertEquals(5000, t.count());
        assertEquals(before, t.buckets(), "never rehashed");
        for (int p = 0; p < 5000; p++) {
            assertNotNull(t.lookup(TCP, ip("198.18.0.10"), 1024 + p, VIP, 80, false), "port " + (1024 + p));
        }
        assertThrows(IllegalArgumentException.class, () -> new ConnectionTable(0));
    }

    @Test
    void theDefaultLimitIsAQuarterOfTheHeap() {
        assertEquals(
                96L * 1024 * 1024 / 4 / ConnectionTable.BYTES_PER_ENTRY,
                ConnectionTable.defaultLimit(96L * 1024 * 1024));
        assertEquals(4096, ConnectionTable.defaultLimit(1024));
        assertEquals(1 << 24, ConnectionTable.defaultLimit(Long.MAX_VALUE));
    }

    /** An IPv6 flow is found by its 128-bit addresses, never by an IPv4 flow's key with the same low bits. */
    @Test
    void ipv6AndIpv4FlowsKeepTheirOwnKeys() {
        ConnectionTable t = new ConnectionTable(100);
        long cHi = 0x20010db800000000L;
        long vHi = 0x20010db800000000L;
        long cLo = Ip128.v4(ip("198.18.0.10")) & 0xffffffffL; // the IPv4 flow's low 32 bits
        long vLo = Ip128.v4(VIP) & 0xffffffffL;
        DrConnection v6 = new DrConnection(TCP, cHi, cLo, 40000, vHi, vLo, 80, false, web, rs1);
        t.link(v6);
        DrConnection v4 = flow(t, 40000);
        assertSame(v6, t.lookup(TCP, cHi, cLo, 40000, vHi, vLo, 80, false));
        assertSame(v4, t.lookup(TCP, ip("198.18.0.10"), 40000, VIP, 80, false));
        assertNull(t.lookup(TCP, 0, cLo, 40000, 0, vLo, 80, false));
        assertEquals(
                "/2001:db8:0:0:0:0:c612:a", v6.toConnection(10).clientAddress().toString());
        assertEquals("/198.18.0.10", v4.toConnection(10).clientAddress().toString());
        t.unlink(v6);
        assertNull(t.lookup(TCP, cHi, cLo, 40000, vHi, vLo, 80, false));
        assertEquals(1, t.count());
    }

    /** Persistence masks: an IPv4 prefix counts IPv4's bits, an IPv6 prefix the whole address. */
    @Test
    void prefixesMaskEachFamilyAsItsOwnLength() {
        long lo4 = Ip128.v4(ip("198.18.0.10"));
        assertEquals(0, Ip128.maskHi(0, lo4, 24));
        assertEquals(Ip128.v4(ip("198.18.0.0")), Ip128.maskLo(0, lo4, 24));
        assertEquals(Ip128.v4(0), Ip128.maskLo(0, lo4, 0));
        assertEquals(lo4, Ip128.maskLo(0, lo4, 32));
        long hi = 0x20010db8_00010002L;
        long lo = 0x00030004_00050006L;
        assertEquals(0x20010db8_00000000L, Ip128.maskHi(hi, lo, 32));
        assertEquals(0, Ip128.maskLo(hi, lo, 32));
        assertEquals(hi, Ip128.maskHi(hi, lo, 64));
        assertEquals(0x00030000_00000000L, Ip128.maskLo(hi, lo, 80));
        assertEquals(lo, Ip128.maskLo(hi, lo, 128));
        assertEquals(0, Ip128.maskHi(hi, lo, 0));
    }

    @Test
    void linkAndUnlinkKeepTheServersCountsWithTheTable() {
        ConnectionTable t = new ConnectionTable(100);
        DrConnection c = flow(t, 40000);
        assertSame(c, t.lookup(TCP, ip("198.18.0.10"), 40000, VIP, 80, false));
        assertNull(t.lookup(TCP, ip("198.18.0.10"), 40000, VIP, 80, true), "a template is another key");
        assertNull(t.lookup(UDP, ip("198.18.0.10"), 40000, VIP, 80, false), "so is another protocol");
        assertEquals(1, rs1.backend.inactiveConnections());
        assertEquals(1, rs1.connections);
        assertEquals(1, web.connections);
        t.setState(c, TcpState.ESTABLISHED.code());
        assertEquals(1, rs1.backend.activeConnections());
        assertEquals(0, rs1.backend.inactiveConnections());
        t.setState(c, TcpState.FIN_WAIT.code());
        assertEquals(0, rs1.backend.activeConnections());
        assertEquals(1, rs1.backend.inactiveConnections());

        DrConnection tmpl = new DrConnection(TCP, ip("198.18.0.0"), 0, VIP, 443, true, sticky, rs1);
        t.link(tmpl);
        assertEquals(1, rs1.backend.persistentConnections());
        assertEquals(1, rs1.connections, "a template is not a connection in the totals");
        assertEquals(2, t.count());

        t.unlink(c);
        t.unlink(tmpl);
        t.unlink(tmpl); // gone already: nothing changes
        assertEquals(0, t.count());
        assertFalse(rs1.hasConnections());
        assertEquals(1, rs1.connections, "totals are statistics: they stay");
    }

    @Test
    void removeIfTakesWhatThePredicateAccepts() {
        ConnectionTable t = new ConnectionTable(100);
        for (int p = 0; p < 50; p++) {
            flow(t, 1000 + p);
        }
        t.removeIf(c -> c.clientPort % 2 == 0);
        assertEquals(25, t.count());
        assertEquals(25, rs1.backend.inactiveConnections());
        assertNull(t.lookup(TCP, ip("198.18.0.10"), 1000, VIP, 80, false));
        assertNotNull(t.lookup(TCP, ip("198.18.0.10"), 1001, VIP, 80, false));
    }

    @Test
    void aFullTableEvictsTheOldestHalfOpenEntryAndNeverAnEstablishedOne() {
        ConnectionTable t = new ConnectionTable(4);
        DrConnection est = established(t, 1);
        DrConnection oldest = flow(t, 2);
        DrConnection older = flow(t, 3);
        DrConnection newest = flow(t, 4);
        assertSame(oldest, t.oldestHalfOpen());
        assertTrue(t.makeRoom(1));
        assertEquals(1, t.evicted());
        assertNull(t.lookup(TCP, ip("198.18.0.10"), 2, VIP, 80, false), "the oldest half-open entry gave way");
        assertSame(older, t.oldestHalfOpen());
        // A half-open entry that completes its handshake leaves the list.
        t.setState(older, TcpState.ESTABLISHED.code());
        assertSame(newest, t.oldestHalfOpen());
        assertTrue(t.makeRoom(2));
        assertEquals(2, t.evicted());
        assertNull(t.oldestHalfOpen());
        assertEquals(2, t.count());
        assertFalse(t.makeRoom(3), "established flows never give way");
        assertEquals(1, t.refused());
        assertSame(est, t.lookup(TCP, ip("198.18.0.10"), 1, VIP, 80, false));
        assertTrue(t.makeRoom(2), "room enough without evicting");
        assertEquals(2, t.evicted());
    }

    @Test
    void entriesExpireByTheirStatesTimeout() {
        ConnectionTable t = new ConnectionTable(100);
        t.timeouts(new DrTimeouts(10, 5, 3));
        established(t, 1);
        DrConnection fin = established(t, 2);
        t.setState(fin, TcpState.FIN_WAIT.code());
        t.refresh(fin, now);
        DrConnection udp = new DrConnection(UDP, ip("198.18.0.10"), 3, VIP, 53, false, web, rs1);
        t.link(udp);
        t.refresh(udp, now);
        assertEquals(10 * S, t.timeoutNs(t.lookup(TCP, ip("198.18.0.10"), 1, VIP, 80, false)));
        assertEquals(5 * S, t.timeoutNs(fin));
        assertEquals(3 * S, t.timeoutNs(udp));
        assertEquals(0, t.expire(now + 3 * S - 1));
        assertEquals(1, t.expire(now + 3 * S), "udp, at its deadline");
        assertEquals(1, t.expire(now + 5 * S), "fin_wait");
        assertEquals(0, t.expire(now + 10 * S - 1));
        assertEquals(1, t.expire(now + 10 * S), "established");
        assertEquals(0, t.count());
    }

    @Test
    void halfOpenEntriesGetFiveSecondsWhileTheTableIsOverHalfFull() {
        ConnectionTable t = new ConnectionTable(10);
        DrConnection early = flow(t, 1);
        t.setState(early, TcpState.SYN_RECV.code());
        t.refresh(early, now);
        assertEquals(now + 60 * S, early.expiresNs, "under half full: SYN_RECV's 60 s");
        for (int p = 2; p <= 6; p++) {
            flow(t, p);
        }
        t.refresh(early, now);
        assertEquals(now + ConnectionTable.HALF_OPEN_UNDER_PRESSURE_NS, early.expiresNs, "6 of 10: over half full");
        DrConnection est = established(t, 7);
        assertEquals(now + 900 * S, est.expiresNs, "an established flow keeps its timeout");
    }

    @Test
    void aTemplateOutlivesItsTimeoutWhileItControlsALiveConnection() {
        ConnectionTable t = new ConnectionTable(100);
        DrConnection tmpl = new DrConnection(TCP, ip("198.18.0.0"), 0, VIP, 443, true, sticky, rs1);
        t.link(tmpl);
        tmpl.expiresNs = now + t.timeoutNs(tmpl);
        assertEquals(120 * S, t.timeoutNs(tmpl), "the service's persistence timeout");
        DrConnection c = new DrConnection(TCP, ip("198.18.0.10"), 40000, VIP, 443, false, sticky, rs1);
        c.controlledBy(tmpl);
        t.link(c);
        t.setState(c, TcpState.ESTABLISHED.code());
        t.refresh(c, now);
        assertEquals(0, t.expire(now + 121 * S), "controlled: kept");
        // The template may sit in a bucket the pass reached before the connection's: the next pass takes it.
        int expired = t.expire(now + 901 * S);
        expired += t.expire(now + 901 * S);
        assertEquals(2, expired, "the connection went, then the template it freed");
        assertEquals(0, rs1.backend.persistentConnections());
    }

    @Test
    void expiryBySlicesPassesOverTheWholeTableInThatManyCalls() {
        ConnectionTable t = new ConnectionTable(20_000);
        for (int p = 0; p < 10_000; p++) {
            flow(t, p);
        }
        now += 61 * S;
        int total = 0;
        for (int i = 0; i < 7; i++) {
            int n = t.expireSlice(now, 7);
            assertTrue(n < 10_000, "a slice never takes the whole table");
            total += n;
        }
        assertEquals(10_000, total);
        assertEquals(0, t.count());
        assertEquals(0, t.expireSlice(now, 7), "the next pass starts again from the first bucket");
    }

    @Test
    void aRemovedServerIsForgottenWhenItsLastEntryLeaves() {
        ConnectionTable t = new ConnectionTable(100);
        DrConnection a = flow(t, 1);
        DrConnection b = flow(t, 2);
        rs1.removed = true;
        t.unlink(a);
        assertNotNull(rs1.neighbour, "still one connection: its MAC is still wanted");
        assertEquals(1, neighbours.size());
        t.unlink(b);
        assertNull(rs1.neighbour);
        assertEquals(0, neighbours.size());
        assertEquals(-1, rs1.mac());
    }

    @Test
    void pagesListEachEntryOnceWithTheTimeItHasLeft() {
        ConnectionTable t = new ConnectionTable(5000);
        for (int p = 0; p < 3000; p++) {
            established(t, p);
        }
        Set<Integer> ports = new HashSet<>();
        int pages = 0;
        for (ConnectionTable.Page pg = t.page(now + 100 * S, ConnectionTable.Page.FIRST, 256);
                ;
                pg = t.page(now + 100 * S, pg, 256)) {
            assertTrue(pg.connections().size() <= 256);
            for (Connection c : pg.connections()) {
                assertTrue(ports.add(c.clientPort()), "once: " + c);
                assertEquals(800, c.timeoutSeconds(), "900 s less the 100 s gone");
                assertEquals(TcpState.ESTABLISHED.code(), c.state());
            }
            pages++;
            if (pg.last()) {
                break;
            }
        }
        assertEquals(3000, ports.size());
        assertTrue(pages >= 3000 / 256, pages + " pages");
        List<Connection> all = t.connections(now + 2000 * S);
        assertEquals(3000, all.size());
        assertEquals(0, all.get(0).timeoutSeconds(), "overdue entries show 0 left");
    }
}
