package org.hadirector.healthcheck;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetSocketAddress;
import java.util.List;
import org.hadirector.sys.RealServerId;
import org.hadirector.sys.ServiceId;
import org.junit.jupiter.api.Test;

/** Which checkers a reload keeps, carries over, starts and stops: specs in, a plan out, no loop. */
class PoolMigrationTest {
    private static final long S = 1_000_000_000L;
    static final ServiceId WEB = ServiceId.parse("TCP 198.18.0.100:80");
    static final ServiceId MAIL = ServiceId.parse("TCP 198.18.0.100:25");
    static final ServiceId DNS = ServiceId.parse("UDP 198.18.0.100:53");

    static CheckSpec tcp(int port) {
        return new CheckSpec(
                new CheckSettings.Tcp(new InetSocketAddress("198.18.0.21", port), null, 5 * S),
                new CheckTiming(5 * S, 1, S, 6 * S, 0, false, false));
    }

    static RealServerSpec rs(String id, int weight, CheckSpec... checks) {
        return new RealServerSpec(RealServerId.parse(id), weight, false, null, null, List.of(checks));
    }

    static ServiceSpec vs(ServiceId id, RealServerSpec... servers) {
        return new ServiceSpec(id, 0, 0, null, false, null, null, List.of(servers));
    }

    @Test
    void anUnchangedPoolIsKeptANewOneStartsARemovedOneStops() {
        ServiceSpec web = vs(WEB, rs("198.18.0.21:80", 1, tcp(80)));
        ServiceSpec mail = vs(MAIL, rs("198.18.0.21:25", 1, tcp(25)));
        ServiceSpec dns = vs(DNS, rs("198.18.0.21:53", 1, tcp(53)));
        PoolMigration.Plan p = PoolMigration.of(List.of(web, mail), List.of(web, dns));

        assertEquals(2, p.pools().size());
        PoolMigration.Pool kept = p.pools().get(0);
        assertTrue(kept.unchanged());
        assertEquals(web, kept.was());
        PoolMigration.Pool started = p.pools().get(1);
        assertFalse(started.unchanged());
        assertNull(started.was(), "a new pool");
        assertEquals(List.of(-1), started.carriedFrom(), "nothing to carry over");
        assertEquals(List.of(DNS), p.restarted());
        assertEquals(List.of(MAIL), p.stopped());
    }

    @Test
    void aChangedPoolCarriesOverTheCheckersOfServersWhoseChecksAreTheSame() {
        ServiceSpec before = vs(
                WEB,
                rs("198.18.0.21:80", 1, tcp(80)),
                rs("198.18.0.22:80", 1, tcp(80), tcp(8080)),
                rs("198.18.0.23:80", 1, tcp(80)));
        // .21's weight changes (its checks do not), .22 loses a check, .23 leaves, .24 comes, and
        // the order changes: a server is found by identity, not by position
        ServiceSpec after = vs(
                WEB,
                rs("198.18.0.24:80", 1, tcp(80)),
                rs("198.18.0.22:80", 1, tcp(80)),
                rs("198.18.0.21:80", 5, tcp(80)));
        PoolMigration.Plan p = PoolMigration.of(List.of(before), List.of(after));

        PoolMigration.Pool m = p.pools().get(0);
        assertFalse(m.unchanged());
        assertEquals(before, m.was());
        assertEquals(List.of(-1, -1, 0), m.carriedFrom(), "only .21 (old index 0) kept its exact checks");
        assertEquals(List.of(WEB), p.restarted());
        assertEquals(List.of(), p.stopped());
    }

    @Test
    void aServerIsKnownByItsIdentityHoweverTheAddressIsWritten() {
        ServiceSpec before = vs(WEB, rs("[2001:db8::21]:80", 1, tcp(80)), rs("198.18.0.22:80", 1, tcp(80)));
        ServiceSpec after = vs(WEB, rs("[2001:DB8:0:0::21]:80", 1, tcp(80)), rs("198.18.0.22:80", 2, tcp(80)));
        assertEquals(
                List.of(0, 1),
                PoolMigration.of(List.of(before), List.of(after)).pools().get(0).carriedFrom());
    }

    @Test
    void nothingRunningEverythingStarts() {
        ServiceSpec web = vs(WEB, rs("198.18.0.21:80", 1, tcp(80)));
        PoolMigration.Plan p = PoolMigration.of(List.of(), List.of(web));
        assertEquals(List.of(WEB), p.restarted());
        assertEquals(List.of(), PoolMigration.of(List.of(web), List.of()).pools());
        assertEquals(List.of(WEB), PoolMigration.of(List.of(web), List.of()).stopped());
    }
}
