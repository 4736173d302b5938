package org.hadirector.director;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.net.InetAddress;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.hadirector.sys.ServiceId;
import org.junit.jupiter.api.Test;

class AnnouncementsTest {
    static InetAddress ip(String s) throws Exception {
        return InetAddress.getByName(s);
    }

    static ServiceId pool(String s) {
        return ServiceId.parse(s);
    }

    final ServiceId web;
    final ServiceId tls;
    final ServiceId dns;
    final Announcements a;

    AnnouncementsTest() throws Exception {
        web = pool("TCP 198.18.0.100:80");
        tls = pool("TCP 198.18.0.100:443");
        dns = pool("UDP 198.18.0.101:53");
        a = new Announcements(Map.of(
                web, List.of(ip("198.18.0.100")),
                tls, List.of(ip("198.18.0.100")),
                dns, List.of(ip("198.18.0.101"), ip("198.18.0.102"))));
    }

    @Test
    void nothingIsAnnouncedBeforeTheChecksSayWhichPoolsServe() throws Exception {
        a.quorum(web, true); // an event before the snapshot is in the snapshot already
        assertEquals(Set.of(), a.wanted());
        a.snapshot(Map.of(web, true, tls, false, dns, false), Set.of(web, tls, dns));
        assertEquals(Set.of(ip("198.18.0.100")), a.wanted());
    }

    /**
     * At start every real server is taken as up until its checks say otherwise: a pool counts
     * only once its checkers have their first verdicts, and stays counted through a reload.
     */
    @Test
    void aPoolCountsOnlyOnceItsCheckersHaveTheirFirstVerdicts() throws Exception {
        a.snapshot(Map.of(web, true, tls, true, dns, true), Set.of(tls));
        assertEquals(Set.of(ip("198.18.0.100")), a.wanted(), "tls settled with quorum");
        a.quorum(tls, false); // its real servers were down after all
        assertEquals(Set.of(), a.wanted(), "web has quorum only by the start's assumption");
        a.settled(web);
        assertEquals(Set.of(ip("198.18.0.100")), a.wanted());
        a.settled(pool("TCP 198.18.0.103:80")); // not an announced pool
        assertEquals(Set.of(web, tls), a.settledPools());
        a.settled(dns);
        assertEquals(Set.of(ip("198.18.0.100"), ip("198.18.0.101"), ip("198.18.0.102")), a.wanted());
    }

    @Test
    void aVipStaysWhileAnyOfItsPoolsHasQuorumAndGoesWithTheLast() throws Exception {
        a.snapshot(Map.of(web, true, tls, true, dns, true), Set.of(web, tls, dns));
        assertEquals(Set.of(ip("198.18.0.100"), ip("198.18.0.101"), ip("198.18.0.102")), a.wanted());
        a.quorum(web, false);
        assertEquals(Set.of(ip("198.18.0.100"), ip("198.18.0.101"), ip("198.18.0.102")), a.wanted());
        a.quorum(tls, false);
        assertEquals(Set.of(ip("198.18.0.101"), ip("198.18.0.102")), a.wanted());
        a.quorum(dns, false);
        assertEquals(Set.of(), a.wanted());
        a.quorum(tls, true);
        assertEquals(Set.of(ip("198.18.0.100")), a.wanted());
    }

    @Test
    void otherPoolsEventsChangeNothingAndAWithdrawIsForGood() throws Exception {
        a.snapshot(Map.of(web, true, pool("TCP 198.18.0.103:80"), true), Set.of(web));
        a.quorum(pool("TCP 198.18.0.103:80"), false);
        assertEquals(Set.of(ip("198.18.0.100")), a.wanted());
        a.withdraw();
        assertEquals(Set.of(), a.wanted());
        a.quorum(dns, true);
        a.snapshot(Map.of(web, true), Set.of());
        assertEquals(Set.of(), a.wanted());
        // the operator takes the withdraw back: what has quorum now is announced
        a.resume();
        assertEquals(Set.of(ip("198.18.0.100")), a.wanted());
    }

    @Test
    void statusListsEachVipWithItsPools() throws Exception {
        Map<InetAddress, List<ServiceId>> p = a.pools();
        assertEquals(Set.of(web, tls), Set.copyOf(p.get(ip("198.18.0.100"))));
        assertEquals(List.of(dns), p.get(ip("198.18.0.102")));
    }
}
