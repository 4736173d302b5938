package org.hadirector.vrrp;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.net.InetAddress;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Which interface each VIP's gratuitous ARP / NA goes on and whose pacing holds it back, as
 * keepalived 2.2.7 does (vrrp_complete_instance sets ipaddress->ifp; send_arp sends there from its
 * MAC; send_gratuitous_arp and ndisc_send_unsolicited_na pace on IF_BASE_IFP of it).
 */
class GarpRouteTest {
    private static final long MS = 1_000_000L;

    private static VirtualAddress vip(String address, String dev) throws Exception {
        InetAddress a = InetAddress.getByName(address);
        return new VirtualAddress(a, a.getAddress().length == 4 ? 32 : 128, dev, null, 0, null, 0);
    }

    private static InstanceConfig config(
            Vmac vmac, List<VirtualAddress> vips, List<VirtualAddress> excluded, GarpPlan.Timing garp)
            throws Exception {
        InstanceConfig c = VrrpInstanceRuntimeOpenTest.config("e0", null);
        return new InstanceConfig(
                c.settings(),
                "e0",
                vmac,
                vips,
                excluded,
                c.multicastGroup(),
                c.unicastPeers(),
                null,
                null,
                false,
                false,
                false,
                false,
                garp,
                NotifyScripts.NONE,
                List.of(),
                List.of(),
                List.of(),
                List.of(),
                0,
                255,
                255,
                false,
                false);
    }

    private static GarpPlan.Timing paced(long e0Garp, Map<String, GarpPlan.Pacing> others) {
        return new GarpPlan.Timing(0, 5, 0, 5, 0, 1, e0Garp, 0, others);
    }

    @Test
    void aVipWithAnotherDevIsSentAndPacedThereExcludedVipsToo() throws Exception {
        InstanceConfig c = config(
                null,
                List.of(vip("198.18.0.100", null), vip("198.18.0.101", "e0"), vip("198.18.0.120", "e1")),
                List.of(vip("198.18.0.121", "e2"), vip("198.18.0.102", null)),
                GarpPlan.Timing.DEFAULTS);
        assertEquals(
                List.of(
                        new GarpRoute("e0", "e0", false),
                        new GarpRoute("e0", "e0", false),
                        new GarpRoute("e1", "e1", false),
                        new GarpRoute("e2", "e2", false),
                        new GarpRoute("e0", "e0", false)),
                GarpRoute.of(c));
        // the queue's indexes: VIPs first, then the excluded ones, as vrrp_send_link_update walks them
        assertEquals(
                List.of("198.18.0.100", "198.18.0.101", "198.18.0.120", "198.18.0.121", "198.18.0.102"),
                GarpRoute.garpVips(c).stream()
                        .map(v -> v.address().getHostAddress())
                        .toList());
    }

    @Test
    void theVmacTakesOnlyTheInstancesFamilyOnItsInterfaceAndIsPacedOnTheBase() throws Exception {
        Vmac vmac = new Vmac("vrrp.51", 51, false, false);
        InstanceConfig c = config(
                vmac,
                List.of(vip("198.18.0.100", null), vip("198.18.0.120", "e1")),
                List.of(vip("2001:db8::1", null), vip("198.18.0.101", "e0")),
                GarpPlan.Timing.DEFAULTS);
        assertEquals(
                List.of(
                        new GarpRoute("vrrp.51", "e0", true),
                        // another dev: its own MAC, never the VMAC (keepalived's use_vmac applies to the instance's
                        // interface)
                        new GarpRoute("e1", "e1", false),
                        // the other family stays on the base interface
                        new GarpRoute("e0", "e0", false),
                        new GarpRoute("vrrp.51", "e0", true)),
                GarpRoute.of(c));
    }

    @Test
    void eachInterfaceHasItsOwnPacing() throws Exception {
        GarpPlan.Timing t =
                paced(300 * MS, Map.of("e1", new GarpPlan.Pacing(600 * MS, 0), "e2", new GarpPlan.Pacing(0, 700 * MS)));
        assertEquals(new GarpPlan.Pacing(300 * MS, 0), t.pacing("e0", "e0"));
        assertEquals(new GarpPlan.Pacing(600 * MS, 0), t.pacing("e1", "e0"));
        assertEquals(new GarpPlan.Pacing(0, 700 * MS), t.pacing("e2", "e0"));
        // an interface the director gave no pacing (none configured for it): unpaced
        assertEquals(GarpPlan.Pacing.NONE, t.pacing("e3", "e0"));
    }

    @Test
    void aBurstIsPacedPerInterface() throws Exception {
        // e0 unpaced, e1 at 600 ms: .100 goes five times at once, .120 once now and once 600 ms later
        GarpPacer e0 = new GarpPacer(0, 0);
        GarpPacer e1 = new GarpPacer(600 * MS, 0);
        GarpQueue q = new GarpQueue(List.of(false, false), List.of(e0, e1));
        long t = 1_000 * MS;
        assertEquals(List.of(0, 1, 0, 0, 0, 0), q.burst(5, t));
        assertEquals(t + 600 * MS, q.nextDeadlineNanos(t));
        assertEquals(List.of(), q.due(t + 599 * MS));
        assertEquals(List.of(1), q.due(t + 600 * MS));
        assertEquals(Long.MAX_VALUE, q.nextDeadlineNanos(t + 600 * MS));
    }

    @Test
    void instancesSharingAVipsDevShareItsPacer() throws Exception {
        // keepalived keeps one garp_delay per interface: another instance's VIP on e1 waits for it too
        Map<String, GarpPlan.Pacing> e1 = Map.of("hdgr-e1", new GarpPlan.Pacing(400 * MS, 0));
        InstanceConfig a = config(null, List.of(vip("198.18.0.120", "hdgr-e1")), List.of(), paced(0, e1));
        InstanceConfig b = config(null, List.of(vip("198.18.0.121", "hdgr-e1")), List.of(), paced(0, e1));
        GarpPacer pa = GarpRoute.of(a).get(0).pacer(a);
        GarpPacer pb = GarpRoute.of(b).get(0).pacer(b);
        assertEquals(pa, pb);
        GarpQueue qa = new GarpQueue(List.of(false), List.of(pa));
        GarpQueue qb = new GarpQueue(List.of(false), List.of(pb));
        long t = 5_000 * MS;
        assertEquals(List.of(0), qa.burst(1, t));
        assertEquals(List.of(), qb.burst(1, t));
        assertEquals(List.of(0), qb.due(t + 400 * MS));
    }
}
