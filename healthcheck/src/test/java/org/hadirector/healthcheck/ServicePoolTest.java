package org.hadirector.healthcheck;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetSocketAddress;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.hadirector.healthcheck.HealthEvent.Kind;
import org.hadirector.sys.RealServerId;
import org.hadirector.sys.ServiceId;
import org.junit.jupiter.api.Test;

class ServicePoolTest {
    private static final long S = 1_000_000_000L;

    static CheckSpec tcp(boolean alpha) {
        return new CheckSpec(
                new CheckSettings.Tcp(new InetSocketAddress("198.18.0.21", 80), null, 5 * S),
                new CheckTiming(5 * S, 1, S, 6 * S, 0, alpha, false));
    }

    static final ServiceId SERVICE = ServiceId.parse("TCP 198.18.0.100:80");

    /** The real server a test calls by a letter: 198.18.0.97:80 for "a" (the letter's code), and so on. */
    static RealServerId id(String letter) {
        return RealServerId.parse("198.18.0." + (int) letter.charAt(0) + ":80");
    }

    static RealServerSpec rs(String name, int weight, boolean inhibit, CheckSpec... checks) {
        return new RealServerSpec(id(name), weight, inhibit, null, null, List.of(checks));
    }

    static ServiceSpec vs(int quorum, int hysteresis, String sorry, RealServerSpec... servers) {
        return new ServiceSpec(
                SERVICE, quorum, hysteresis, sorry == null ? null : id(sorry), false, null, null, List.of(servers));
    }

    static HealthEvent ev(String server, Kind kind, int weight) {
        return ev(id(server), kind, weight);
    }

    static HealthEvent ev(RealServerId server, Kind kind, int weight) {
        return new HealthEvent(SERVICE, server, kind, weight, "why");
    }

    @Test
    void serversStartInTheTableAndLeaveWhenTheirCheckerGoesDown() {
        ServicePool p = new ServicePool(vs(1, 0, null, rs("a", 1, false, tcp(false)), rs("b", 3, false, tcp(false))));
        assertEquals(
                List.of(ev("a", Kind.ADD, 1), ev("b", Kind.ADD, 3)),
                p.initialTable().stream()
                        .map(e -> ev(e.server(), e.kind(), e.weight()))
                        .toList());
        ServicePool.Update down = p.onChecker(0, 0, false, null, "why");
        assertEquals(List.of(ev("a", Kind.REMOVE, 0)), down.ops());
        assertEquals(Boolean.FALSE, down.serverUp(), "notify_down runs");
        assertNull(down.quorumUp());
        ServicePool.Update up = p.onChecker(0, 0, true, null, "why");
        assertEquals(List.of(ev("a", Kind.ADD, 1)), up.ops());
        assertEquals(Boolean.TRUE, up.serverUp(), "notify_up runs");
    }

    @Test
    void alphaServersStartOutsideAndJoinOnTheirFirstSuccess() {
        ServicePool p = new ServicePool(vs(0, 0, null, rs("a", 1, false, tcp(true))));
        assertEquals(List.of(), p.initialTable());
        assertFalse(p.alive(0));
        assertEquals(
                List.of(ev("a", Kind.ADD, 1)),
                p.onChecker(0, 0, true, null, "why").ops());
    }

    @Test
    void inhibitOnFailureSetsWeightZeroInsteadOfRemoving() {
        ServicePool p = new ServicePool(vs(0, 0, null, rs("a", 4, true, tcp(false))));
        assertEquals(
                List.of(ev("a", Kind.WEIGHT, 0)),
                p.onChecker(0, 0, false, null, "why").ops());
        assertEquals(Map.of(id("a"), 0), p.desired());
        assertEquals(
                List.of(ev("a", Kind.WEIGHT, 4)),
                p.onChecker(0, 0, true, null, "why").ops());
    }

    @Test
    void aServerIsAliveOnlyWhileAllItsCheckersPass() {
        ServicePool p = new ServicePool(vs(0, 0, null, rs("a", 1, false, tcp(false), tcp(false))));
        assertEquals(
                List.of(ev("a", Kind.REMOVE, 0)),
                p.onChecker(0, 0, false, null, "why").ops());
        assertEquals(ServicePool.Update.NONE, p.onChecker(0, 1, false, null, "why"), "already out");
        assertEquals(ServicePool.Update.NONE, p.onChecker(0, 0, true, null, "why"), "the second still fails");
        assertEquals(
                List.of(ev("a", Kind.ADD, 1)),
                p.onChecker(0, 1, true, null, "why").ops());
    }

    @Test
    void aServerWithoutCheckersIsAlwaysAlive() {
        ServicePool p = new ServicePool(vs(0, 0, null, rs("a", 2, false)));
        assertTrue(p.alive(0));
        assertEquals(Map.of(id("a"), 2), p.desired());
    }

    @Test
    void miscDynamicWeightsReweightTheServer() {
        ServicePool p = new ServicePool(vs(0, 0, null, rs("a", 1, false, tcp(false))));
        assertEquals(
                List.of(ev("a", Kind.WEIGHT, 5)),
                p.onChecker(0, 0, true, 5, "why").ops());
        assertEquals(ServicePool.Update.NONE, p.onChecker(0, 0, true, 5, "why"), "same weight again: nothing");
        assertEquals(
                List.of(ev("a", Kind.REMOVE, 0)),
                p.onChecker(0, 0, false, null, "why").ops());
        assertEquals(
                List.of(ev("a", Kind.ADD, 5)),
                p.onChecker(0, 0, true, null, "why").ops(),
                "back with the last dynamic weight");
    }

    @Test
    void quorumLostBringsTheSorryServerAloneAndHysteresisDelaysTheReturn() {
        ServicePool p = new ServicePool(vs(3, 1, "s", rs("a", 2, false, tcp(false)), rs("b", 2, false, tcp(false))));
        assertTrue(p.hasQuorum());
        ServicePool.Update u = p.onChecker(0, 0, false, null, "why");
        assertEquals(List.of(ev("a", Kind.REMOVE, 0)), u.ops(), "alive 2 is not below quorum - hysteresis = 2");
        assertNull(u.quorumUp());
        u = p.onChecker(1, 0, false, null, "why");
        assertEquals(List.of(ev("b", Kind.REMOVE, 0), ev("s", Kind.ADD, 1)), u.ops());
        assertEquals(Boolean.FALSE, u.quorumUp(), "quorum_down runs");
        u = p.onChecker(1, 0, true, null, "why");
        assertEquals(List.of(), u.ops(), "alive 2 < quorum + hysteresis = 4: the sorry server stays alone");
        assertEquals(Boolean.TRUE, u.serverUp());
        assertEquals(Map.of(id("s"), 1), p.desired());
        u = p.onChecker(0, 0, true, null, "why");
        assertEquals(Boolean.TRUE, u.quorumUp(), "quorum_up runs");
        assertEquals(List.of(ev("s", Kind.REMOVE, 0), ev("a", Kind.ADD, 2), ev("b", Kind.ADD, 2)), u.ops());
        Map<RealServerId, Integer> want = new LinkedHashMap<>();
        want.put(id("a"), 2);
        want.put(id("b"), 2);
        assertEquals(want, p.desired());
    }

    @Test
    void withoutASorryServerLosingQuorumOnlyRunsTheScript() {
        ServicePool p = new ServicePool(vs(2, 0, null, rs("a", 1, false, tcp(false)), rs("b", 1, false, tcp(false))));
        ServicePool.Update u = p.onChecker(0, 0, false, null, "why");
        assertEquals(Boolean.FALSE, u.quorumUp());
        assertEquals(List.of(ev("a", Kind.REMOVE, 0)), u.ops(), "b stays: no sorry server to replace it");
    }
}
