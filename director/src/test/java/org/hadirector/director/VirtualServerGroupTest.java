package org.hadirector.director;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import org.hadirector.conf.model.KeepalivedConfig;
import org.hadirector.healthcheck.HealthEvent;
import org.hadirector.healthcheck.ServiceSpec;
import org.hadirector.ipvs.Destination;
import org.hadirector.ipvs.Reconciler;
import org.hadirector.ipvs.ServiceKey;
import org.hadirector.ipvs.ServiceTable;
import org.hadirector.ipvs.TableOp;
import org.hadirector.sys.RealServerId;
import org.hadirector.sys.ServiceId;
import org.junit.jupiter.api.Test;

/**
 * virtual_server_group, pure: a group's entries become services as keepalived's ipvs_group_cmd
 * makes them, one check pool decides the real servers of all of them, and a reload of a changed
 * group changes only the services added or removed.
 */
class VirtualServerGroupTest {
    static final ServiceId V100 = ServiceId.parse("TCP 198.18.0.100:80");
    static final ServiceId V101 = ServiceId.parse("TCP 198.18.0.101:80");
    static final ServiceId V102 = ServiceId.parse("TCP 198.18.0.102:80");
    static final ServiceId V103 = ServiceId.parse("TCP 198.18.0.103:80");
    static final ServiceId FWM7 = ServiceId.fwmark(7, false);
    static final RealServerId RS21 = new RealServerId(org.hadirector.sys.Addresses.parse("198.18.0.21"), 0);
    static final RealServerId RS22 = new RealServerId(org.hadirector.sys.Addresses.parse("198.18.0.22"), 0);

    static String file(String entries) {
        return """
                vrrp_instance VI_1 {
                    interface e0
                    virtual_router_id 51
                    virtual_ipaddress {
                        198.18.0.100
                        198.18.0.101
                        198.18.0.102
                        198.18.0.103 dev e1
                    }
                }
                virtual_server_group WEB {
                %s
                }
                virtual_server group WEB {
                    lvs_sched wrr
                    lvs_method DR
                    protocol TCP
                    real_server 198.18.0.21 {
                        weight 3
                        TCP_CHECK {
                            connect_port 80
                        }
                    }
                    real_server 198.18.0.22 {
                        TCP_CHECK {
                            connect_port 80
                        }
                    }
                }
                """.formatted(entries);
    }

    static final String THREE_AND_MARK = "    198.18.0.100-102 80\n    fwmark 7\n";

    static KeepalivedConfig config(String text) throws Exception {
        return DirectorReloadTest.config(text);
    }

    static HealthEvent event(ServiceId pool, RealServerId rs, HealthEvent.Kind kind, int weight) {
        return new HealthEvent(pool, rs, kind, weight, "TCP_CHECK " + rs + ": test");
    }

    @Test
    void aRangeAndAMarkBecomeOneServiceEachSharingOnePool() throws Exception {
        DirectorPlan p = DirectorPlan.compile(config(file(THREE_AND_MARK)), true, true);
        assertEquals(
                List.of(V100, V101, V102, FWM7),
                p.table().stream().map(TableConfigMapper.ServicePlan::id).toList());
        for (TableConfigMapper.ServicePlan s : p.table()) {
            assertEquals(V100, s.checks(), "one pool, named by the group's first service: " + s.id());
            assertEquals("wrr", s.service().scheduler());
            // keepalived: a DR real server takes the service's port, 0 for a fwmark service
            int port = s.id().isFwmark() ? 0 : 80;
            assertEquals(
                    List.of(
                            new Destination(RS21.address(), port, org.hadirector.ipvs.ForwardMethod.ROUTE, 3, 0, 0),
                            new Destination(RS22.address(), port, org.hadirector.ipvs.ForwardMethod.ROUTE, 1, 0, 0)),
                    List.copyOf(s.servers().values()));
            assertEquals(List.of(RS21, RS22), List.copyOf(s.servers().keySet()));
        }
        assertEquals(1, p.checks().size(), "one set of checks per real server, shared by the group's services");
        ServiceSpec pool = p.checks().get(0);
        assertEquals(V100, pool.id());
        assertEquals(
                List.of(RS21, RS22), pool.servers().stream().map(r -> r.id()).toList());
        assertEquals(Map.of(V100, "e0", V101, "e0", V102, "e0"), p.vipInterfaces());
        assertEquals(java.util.Set.of("VI_1"), p.tableInstances());
        // the lvs notify FIFO writes the group as keepalived's format_vs does
        assertEquals(Map.of(V100, "WEB"), p.notifyFifos().groups());
        assertEquals("VS [WEB]:0 UP\n", NotifyLines.virtualServer("WEB", true));
        assertEquals(
                "RS [198.18.0.21]:tcp:0 [WEB]:0 DOWN\n", NotifyLines.realServer("WEB", ServiceId.TCP, RS21, false));
    }

    @Test
    void ipv6RangesWalkTheLastSixteenBitsAndMarksTakeTheirFamily() throws Exception {
        String f = file("    2001:db8::fffe-2001:db8::1:1 443\n    fwmark 8 inet6\n")
                .replace("198.18.0.21 {", "2001:db8::21 {")
                .replace("198.18.0.22 {", "2001:db8::22 {")
                .replace("connect_port 80", "connect_port 443");
        DirectorPlan p = DirectorPlan.compile(config(f), false, true);
        assertEquals(
                List.of(
                        "TCP [2001:db8::fffe]:443",
                        "TCP [2001:db8::ffff]:443",
                        "TCP [2001:db8::]:443",
                        "TCP [2001:db8::1]:443",
                        "FWM 8"),
                p.table().stream().map(s -> s.id().toString()).toList());
        assertTrue(p.table().get(4).id().ipv6(), "fwmark 8 inet6 is an IPv6 fwmark service");
    }

    @Test
    void oneEventOfThePoolMovesTheServerInEveryServiceOfTheGroup() throws Exception {
        DesiredTable t = new DesiredTable(
                DirectorPlan.compile(config(file(THREE_AND_MARK)), true, true).table());
        assertNull(t.apply(event(V100, RS21, HealthEvent.Kind.ADD, 3)));
        assertNull(t.apply(event(V100, RS22, HealthEvent.Kind.ADD, 1)));
        ServiceTable table = t.table();
        assertEquals(4, table.size());
        for (ServiceTable.Entry e : table.entries().values()) {
            assertEquals(2, e.destinations().size(), e.service().key().toString());
        }
        assertNull(t.apply(event(V100, RS21, HealthEvent.Kind.WEIGHT, 0)));
        assertNull(t.apply(event(V100, RS22, HealthEvent.Kind.REMOVE, 0)));
        for (ServiceTable.Entry e : t.table().entries().values()) {
            assertEquals(
                    List.of(0),
                    e.destinationList().stream().map(Destination::weight).toList());
        }
        assertNotNull(t.apply(event(V101, RS21, HealthEvent.Kind.ADD, 3)), "a group's other services have no pool");
        // a drain names one service: the others keep the server's weight
        assertNull(t.drain("TCP 198.18.0.101:80", "198.18.0.21", true).error());
        assertNull(t.apply(event(V100, RS21, HealthEvent.Kind.WEIGHT, 3)));
        assertEquals(List.of(3, 0, 3, 3), weightsInOrder(t));
    }

    private static List<Integer> weightsInOrder(DesiredTable t) {
        List<Integer> out = new ArrayList<>();
        for (ServiceId id : List.of(V100, V101, V102, FWM7)) {
            ServiceKey key = t.table().entries().keySet().stream()
                    .filter(k -> k.id().equals(id))
                    .findFirst()
                    .orElseThrow();
            out.add(t.table().get(key).destinationList().get(0).weight());
        }
        return out;
    }

    @Test
    void aReloadOfAChangedGroupAddsAndRemovesOnlyTheServicesThatChanged() throws Exception {
        KeepalivedConfig before = config(file(THREE_AND_MARK));
        DirectorPlan old = DirectorPlan.compile(before, true, true);
        DesiredTable running = new DesiredTable(old.table());
        running.apply(event(V100, RS21, HealthEvent.Kind.ADD, 3));
        running.apply(event(V100, RS22, HealthEvent.Kind.ADD, 1));
        ServiceTable actual = running.table();

        // 198.18.0.100 leaves the group, 198.18.0.103 joins it; the pool keeps its name (V100 is
        // not in the group any more, so it takes the new first service's) only while it can
        KeepalivedConfig after = config(file("    198.18.0.101-103 80\n    fwmark 7\n"));
        DirectorPlan next = DirectorPlan.compile(after, true, true, old);
        PlanDiff diff = PlanDiff.between(old, next, DirectorPlanTest.running(old), after);
        assertEquals(List.of(V101), diff.servicesChanged(), "the pool is renamed: it starts again");
        assertEquals(List.of(V100), diff.servicesRemoved());
        DesiredTable reloaded = running.reloaded(next.table(), new LinkedHashSet<>(diff.servicesChanged()));
        // the restarted pool announces its initial table before the reconcile (keepalived: all up)
        reloaded.apply(event(V101, RS21, HealthEvent.Kind.ADD, 3));
        reloaded.apply(event(V101, RS22, HealthEvent.Kind.ADD, 1));
        List<TableOp> ops = Reconciler.diff(reloaded.table(), actual, "reload");
        assertEquals(
                List.of(
                        "DeleteService TCP 198.18.0.100:80",
                        "AddService TCP 198.18.0.103:80",
                        "AddDestination TCP 198.18.0.103:80 198.18.0.21",
                        "AddDestination TCP 198.18.0.103:80 198.18.0.22"),
                ops.stream()
                        .map(VirtualServerGroupTest::brief)
                        .sorted(java.util.Comparator.comparing(VirtualServerGroupTest::order))
                        .toList());
    }

    @Test
    void aGroupThatGrowsKeepsItsChecksRunningAndItsServicesUntouched() throws Exception {
        KeepalivedConfig before = config(file(THREE_AND_MARK));
        DirectorPlan old = DirectorPlan.compile(before, true, true);
        DesiredTable running = new DesiredTable(old.table());
        running.apply(event(V100, RS21, HealthEvent.Kind.ADD, 3));
        ServiceTable actual = running.table();

        // an entry in front of the others: the pool keeps its name (V100 is still in the group)
        KeepalivedConfig after = config(file("    198.18.0.103 80\n" + THREE_AND_MARK));
        DirectorPlan next = DirectorPlan.compile(after, true, true, old);
        assertEquals(V100, next.checks().get(0).id());
        PlanDiff diff = PlanDiff.between(old, next, DirectorPlanTest.running(old), after);
        assertEquals(List.of(), diff.servicesChanged(), "the checks go on: nothing restarts");
        DesiredTable reloaded = running.reloaded(next.table(), new LinkedHashSet<>(diff.servicesChanged()));
        List<TableOp> ops = Reconciler.diff(reloaded.table(), actual, "reload");
        // the new service starts with the servers the pool has up, as keepalived's ipvs_group_sync_entry
        assertEquals(
                List.of("AddService TCP 198.18.0.103:80", "AddDestination TCP 198.18.0.103:80 198.18.0.21"),
                ops.stream().map(VirtualServerGroupTest::brief).toList());
        assertEquals(Map.of(V100, "e0", V101, "e0", V102, "e0", V103, "e1"), next.vipInterfaces());
    }

    private static int order(String op) {
        return op.startsWith("Delete") ? 0 : op.startsWith("AddService") ? 1 : 2;
    }

    private static String brief(TableOp op) {
        if (op instanceof TableOp.AddService a) {
            return "AddService " + a.service().key().id();
        }
        if (op instanceof TableOp.DeleteService d) {
            return "DeleteService " + d.key().id();
        }
        if (op instanceof TableOp.AddDestination a) {
            return "AddDestination " + a.service().id() + " "
                    + org.hadirector.sys.Addresses.format(a.destination().address());
        }
        return op.toString();
    }
}
