package org.hadirector.director;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.hadirector.conf.model.LvsFlushOnStop;
import org.hadirector.healthcheck.HealthEvent;
import org.hadirector.ipvs.Connection;
import org.hadirector.ipvs.ConnectionCursor;
import org.hadirector.ipvs.Dataplane;
import org.hadirector.ipvs.DataplaneException;
import org.hadirector.ipvs.Destination;
import org.hadirector.ipvs.IpProtocol;
import org.hadirector.ipvs.Reconciler;
import org.hadirector.ipvs.ServiceKey;
import org.hadirector.ipvs.ServiceTable;
import org.hadirector.ipvs.TableDump;
import org.hadirector.ipvs.TableOp;
import org.hadirector.ipvs.VirtualService;
import org.hadirector.sys.RealServerId;
import org.hadirector.sys.ServiceId;
import org.junit.jupiter.api.Test;

/**
 * Health events and operator actions against a table held in memory (a dataplane whose only
 * logic is the reconciler's own apply): the operations made, their reasons, drains, and that
 * services the director does not own are left alone.
 */
class TableKeeperTest {
    static final ServiceKey WEB = ServiceKey.of(IpProtocol.TCP, ip("198.18.0.100"), 80);
    static final ServiceKey OTHER = ServiceKey.of(IpProtocol.TCP, ip("198.18.0.200"), 443);

    static InetAddress ip(String s) {
        try {
            return InetAddress.getByName(s);
        } catch (java.net.UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A table in memory; every applied op is recorded. */
    static class MemoryDataplane implements Dataplane {
        ServiceTable table = ServiceTable.EMPTY;
        final List<TableOp> ops = new ArrayList<>();
        /** How many of the next applies throw (a bug in the dataplane, not a refused operation). */
        int breakNext;
        /** Whether it outlives the process, as the kernel's table does (and so can be flushed). */
        boolean persistent;

        @Override
        public java.util.Optional<org.hadirector.ipvs.PersistentTable> persistentTable() {
            return persistent
                    ? java.util.Optional.of(() -> {
                        synchronized (this) {
                            table = ServiceTable.EMPTY;
                            ops.add(null);
                        }
                    })
                    : java.util.Optional.empty();
        }

        @Override
        public String name() {
            return "memory";
        }

        @Override
        public synchronized ServiceTable table() {
            return table;
        }

        @Override
        public synchronized void apply(TableOp op) throws DataplaneException {
            if (breakNext > 0) {
                breakNext--;
                throw new IllegalStateException("dataplane bug");
            }
            try {
                table = Reconciler.apply(table, op);
            } catch (IllegalArgumentException e) {
                throw new DataplaneException(e.getMessage());
            }
            ops.add(op);
        }

        synchronized List<String> take() {
            List<String> out = ops.stream().map(TableOp::describe).toList();
            ops.clear();
            return out;
        }

        @Override
        public TableDump dump() {
            throw new UnsupportedOperationException();
        }

        @Override
        public void sloppyTcp(boolean on) {}

        @Override
        public void timeouts(Integer tcp, Integer tcpFin, Integer udp) {
            throw new UnsupportedOperationException();
        }

        @Override
        public ConnectionCursor connections(int pageSize) {
            return new ConnectionCursor() {
                @Override
                public List<Connection> next() {
                    return List.of();
                }

                @Override
                public void close() {}
            };
        }

        @Override
        public void close() {}
    }

    static TableConfigMapper.ServicePlan plan() {
        Map<RealServerId, Destination> servers = new LinkedHashMap<>();
        servers.put(RealServerId.parse("198.18.0.21:80"), Destination.route(ip("198.18.0.21"), 80, 2));
        servers.put(RealServerId.parse("198.18.0.22:80"), Destination.route(ip("198.18.0.22"), 80, 1));
        return new TableConfigMapper.ServicePlan(VirtualService.of(WEB, "wrr"), servers);
    }

    static HealthEvent add(String rs, int w) {
        return new HealthEvent(
                ServiceId.parse("TCP 198.18.0.100:80"),
                RealServerId.parse(rs),
                HealthEvent.Kind.ADD,
                w,
                "HTTP_GET " + rs + " /health: ok");
    }

    @Test
    void lvsFlushEmptiesTheWholeTableFirstAndOnlyThen() throws Exception {
        for (boolean flush : new boolean[] {false, true}) {
            MemoryDataplane dp = new MemoryDataplane();
            dp.persistent = true;
            dp.apply(new TableOp.AddService(VirtualService.of(OTHER, "rr"), "an operator's own service"));
            dp.take();
            TableKeeper k = new TableKeeper(dp, new DesiredTable(List.of(plan())));
            k.start(flush);
            assertEquals(
                    !flush,
                    dp.table().entries().keySet().contains(OTHER),
                    "the operator's own service stays unless lvs_flush");
            assertTrue(dp.table().entries().keySet().contains(WEB));
            k.close();
        }
    }

    @Test
    void healthEventsBecomeTheFewestOpsWithTheirReasons() throws Exception {
        MemoryDataplane dp = new MemoryDataplane();
        dp.apply(new TableOp.AddService(VirtualService.of(OTHER, "rr"), "an operator's own service"));
        dp.take();
        TableKeeper k = new TableKeeper(dp, new DesiredTable(List.of(plan())));
        k.start();
        assertEquals(List.of("add service TCP  198.18.0.100:80 wrr (configuration)"), dp.take());
        k.onHealth(add("198.18.0.21:80", 2));
        k.onHealth(add("198.18.0.22:80", 1));
        k.call(() -> null);
        k.call(() -> null);
        assertEquals(
                List.of(
                        "add 198.18.0.21:80 weight 2 to TCP  198.18.0.100:80 (HTTP_GET 198.18.0.21:80 /health: ok)",
                        "add 198.18.0.22:80 weight 1 to TCP  198.18.0.100:80 (HTTP_GET 198.18.0.22:80 /health: ok)"),
                dp.take());
        k.onHealth(new HealthEvent(
                ServiceId.parse("TCP 198.18.0.100:80"),
                RealServerId.parse("198.18.0.22:80"),
                HealthEvent.Kind.REMOVE,
                0,
                "HTTP_GET 198.18.0.22:80 /health: status 503, want 200-299"));
        k.onHealth(new HealthEvent(
                ServiceId.parse("TCP 198.18.0.100:80"),
                RealServerId.parse("198.18.0.99:80"),
                HealthEvent.Kind.ADD,
                1,
                "not configured"));
        k.call(() -> null);
        k.call(() -> null);
        assertEquals(
                List.of("remove 198.18.0.22:80 from TCP  198.18.0.100:80 "
                        + "(HTTP_GET 198.18.0.22:80 /health: status 503, want 200-299)"),
                dp.take());
        assertTrue(dp.table().get(OTHER) != null, "the operator's service is not ours to remove");
        assertEquals(4, k.opsApplied(), "the service and three destination changes");

        k.stop(LvsFlushOnStop.NONE);
        assertEquals(List.of("delete service TCP  198.18.0.100:80 (stopping)"), dp.take());
        assertTrue(dp.table().get(OTHER) != null);
        k.close();
    }

    /**
     * Work handed over after health events (the announcer's) runs once their reconcile has put
     * them in the dataplane, and after a reload's held step only at reconcileNow: it never sees
     * a table still filling.
     */
    @Test
    void workWaitingForTheTableSeesEveryEventHandedOverBeforeIt() throws Exception {
        MemoryDataplane dp = new MemoryDataplane();
        TableKeeper k = new TableKeeper(dp, new DesiredTable(List.of(plan())));
        k.start();
        java.util.concurrent.BlockingQueue<Integer> seen = new java.util.concurrent.LinkedBlockingQueue<>();
        Runnable look = () -> seen.add(dp.table().get(WEB).destinationList().size());
        k.whenApplied(look);
        assertEquals(0, seen.poll(5, java.util.concurrent.TimeUnit.SECONDS), "nothing pending: at once");

        k.onHealth(add("198.18.0.21:80", 2));
        k.onHealth(add("198.18.0.22:80", 1));
        k.whenApplied(look);
        assertEquals(2, seen.poll(5, java.util.concurrent.TimeUnit.SECONDS), "after both events' reconcile");

        k.reload(List.of(plan()), java.util.Set.of(ServiceId.parse("TCP 198.18.0.100:80")));
        k.onHealth(add("198.18.0.21:80", 2));
        k.whenApplied(look);
        k.call(() -> null);
        k.call(() -> null);
        assertNull(seen.poll(), "held by the reload until reconcileNow");
        k.reconcileNow();
        assertEquals(1, seen.poll(5, java.util.concurrent.TimeUnit.SECONDS), "the restarted pool's table as it came");

        k.whenApplied(() -> {
            throw new IllegalStateException("another part's bug");
        });
        k.whenApplied(look);
        assertEquals(1, seen.poll(5, java.util.concurrent.TimeUnit.SECONDS), "the next work still runs");
        assertTrue(k.answers(1000));
        k.close();
    }

    /** A failure of the keeper's work is the part's fault until a reconcile, retried with backoff, succeeds. */
    @Test
    void aFailedReconcileIsAFaultAndIsRetriedUntilTheTableIsAsDesired() throws Exception {
        MemoryDataplane dp = new MemoryDataplane();
        TableKeeper k = new TableKeeper(dp, new DesiredTable(List.of(plan())));
        java.util.concurrent.BlockingQueue<java.util.Optional<String>> faults =
                new java.util.concurrent.LinkedBlockingQueue<>();
        k.onFault(f -> faults.add(java.util.Optional.ofNullable(f)));
        k.start();
        dp.take();
        synchronized (dp) {
            dp.breakNext = 2;
        }
        k.onHealth(add("198.18.0.21:80", 2));
        java.util.Optional<String> down = faults.poll(5, java.util.concurrent.TimeUnit.SECONDS);
        assertTrue(down != null && down.isPresent() && down.get().contains("dataplane bug"), String.valueOf(down));
        java.util.Optional<String> up = faults.poll(5, java.util.concurrent.TimeUnit.SECONDS);
        assertEquals(java.util.Optional.empty(), up, "cleared by the reconcile that succeeded");
        assertEquals(
                List.of("add 198.18.0.21:80 weight 2 to TCP  198.18.0.100:80 (HTTP_GET 198.18.0.21:80 /health: ok)"),
                dp.take(),
                "applied by the retry, with the event's reason");
        assertTrue(k.answers(1000));

        k.injectFailure();
        down = faults.poll(5, java.util.concurrent.TimeUnit.SECONDS);
        assertTrue(down != null && down.get().contains("injected failure"), String.valueOf(down));
        assertEquals(java.util.Optional.empty(), faults.poll(5, java.util.concurrent.TimeUnit.SECONDS));
        assertEquals(List.of(), dp.take(), "nothing to do: the table was as desired");
        k.close();
    }

    @Test
    void drainKeepsTheServerAtWeightZeroThroughHealthChangesUntilEnabled() throws Exception {
        MemoryDataplane dp = new MemoryDataplane();
        TableKeeper k = new TableKeeper(dp, new DesiredTable(List.of(plan())));
        k.start();
        k.onHealth(add("198.18.0.21:80", 2));
        k.call(() -> null);
        k.call(() -> null);
        dp.take();
        assertEquals(
                "ok: 198.18.0.21:80 in TCP 198.18.0.100:80 drained (weight 0: keeps its connections, gets no new ones)\n",
                k.drain("198.18.0.100:80", "198.18.0.21:80", true).get());
        assertEquals(
                List.of("set 198.18.0.21:80 weight 0 in TCP  198.18.0.100:80 (operator: real-server drain)"),
                dp.take());
        k.onHealth(new HealthEvent(
                ServiceId.parse("TCP 198.18.0.100:80"),
                RealServerId.parse("198.18.0.21:80"),
                HealthEvent.Kind.WEIGHT,
                5,
                "misc_dynamic"));
        k.call(() -> null);
        k.call(() -> null);
        assertEquals(List.of(), dp.take(), "a drained server stays at 0 whatever its checks say");
        assertEquals(
                "ok: 198.18.0.21:80 in TCP 198.18.0.100:80 enabled (the weight its checks give)\n",
                k.drain("TCP 198.18.0.100:80", "198.18.0.21:80", false).get());
        assertEquals(
                List.of("set 198.18.0.21:80 weight 5 in TCP  198.18.0.100:80 (operator: real-server enable)"),
                dp.take());
        assertTrue(k.drain("198.18.0.100:81", "198.18.0.21:80", true).get().startsWith("error: no virtual_server"));
        assertTrue(k.drain("198.18.0.100:80", "198.18.0.23:80", true)
                .get()
                .startsWith("error: TCP 198.18.0.100:80 has no"));
        assertEquals(List.of(), dp.take(), "errors change nothing");
        k.close();
    }

    @Test
    void reloadAppliesExactlyTheDifference() throws Exception {
        MemoryDataplane dp = new MemoryDataplane();
        TableKeeper k = new TableKeeper(dp, new DesiredTable(List.of(plan())));
        k.start();
        k.onHealth(add("198.18.0.21:80", 2));
        k.onHealth(add("198.18.0.22:80", 1));
        k.drain("198.18.0.100:80", "198.18.0.21:80", true).get();
        dp.take();
        k.reload(List.of(plan()), java.util.Set.of());
        assertEquals(0, k.reconcileNow(), "the same configuration: nothing to do");
        // rs2's weight becomes 3: its pool restarts, and its initial table arrives before the reconcile
        Map<RealServerId, Destination> servers = new LinkedHashMap<>(plan().servers());
        servers.put(RealServerId.parse("198.18.0.22:80"), Destination.route(ip("198.18.0.22"), 80, 3));
        k.reload(
                List.of(new TableConfigMapper.ServicePlan(VirtualService.of(WEB, "wrr"), servers)),
                java.util.Set.of(ServiceId.parse("TCP 198.18.0.100:80")));
        k.onHealth(add("198.18.0.21:80", 2));
        k.call(() -> null);
        k.call(() -> null);
        assertEquals(
                List.of(), dp.take(), "nothing is applied between the two steps of a reload, however the events fall");
        k.onHealth(add("198.18.0.22:80", 3));
        assertEquals(1, k.reconcileNow());
        assertEquals(
                List.of("set 198.18.0.22:80 weight 3 in TCP  198.18.0.100:80 (HTTP_GET 198.18.0.22:80 /health: ok)"),
                dp.take(),
                "the drained server stays drained");
        // the service is gone from the configuration: it is removed
        k.reload(List.of(), java.util.Set.of());
        assertEquals(1, k.reconcileNow());
        assertEquals(List.of("delete service TCP  198.18.0.100:80 (configuration)"), dp.take());
        k.close();
    }

    @Test
    void desiredTableResolvesServiceNames() {
        DesiredTable d = new DesiredTable(List.of(plan()));
        ServiceId web = ServiceId.parse("TCP 198.18.0.100:80");
        assertEquals(web, d.resolveService("198.18.0.100:80"));
        assertEquals(web, d.resolveService("TCP 198.18.0.100:80"));
        assertNull(d.resolveService("198.18.0.100"));
        assertNull(d.resolveService("UDP 198.18.0.100:80"));

        // the operator's text parses to an identity: any spelling of the address, the service's
        // address and port alone or a fwmark's number when only one service has it
        ServiceKey v6 = ServiceKey.of(IpProtocol.TCP, ip("2001:db8::100"), 80);
        ServiceKey udp = ServiceKey.of(IpProtocol.UDP, ip("198.18.0.100"), 80);
        ServiceKey mark = ServiceKey.fwmark(false, 7);
        DesiredTable many = new DesiredTable(List.of(
                plan(),
                new TableConfigMapper.ServicePlan(VirtualService.of(v6, "rr"), Map.of()),
                new TableConfigMapper.ServicePlan(VirtualService.of(udp, "rr"), Map.of()),
                new TableConfigMapper.ServicePlan(VirtualService.of(mark, "rr"), Map.of())));
        assertNull(many.resolveService("198.18.0.100:80"), "TCP and UDP have it: ambiguous");
        assertEquals(udp.id(), many.resolveService("UDP 198.18.0.100:80"));
        assertEquals(v6.id(), many.resolveService("TCP [2001:DB8:0::100]:80"));
        assertEquals(v6.id(), many.resolveService("[2001:db8::100]:80"));
        assertEquals(mark.id(), many.resolveService("FWM 7"));
        assertEquals(mark.id(), many.resolveService("7"));
        assertNull(many.resolveService("FWM 8"));
        assertEquals(
                "no virtual_server TCP 198.18.0.1:80",
                d.apply(new HealthEvent(
                        ServiceId.parse("TCP 198.18.0.1:80"),
                        RealServerId.parse("198.18.0.21:80"),
                        HealthEvent.Kind.ADD,
                        1,
                        "x")));
    }
}
