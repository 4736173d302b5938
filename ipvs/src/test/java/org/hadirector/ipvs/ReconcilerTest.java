package org.hadirector.ipvs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class ReconcilerTest {

    static InetAddress ip(String s) {
        try {
            return InetAddress.getByName(s);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException(e);
        }
    }

    static final ServiceKey WEB = ServiceKey.of(IpProtocol.TCP, ip("198.18.0.100"), 80);
    static final Destination RS1 = Destination.route(ip("198.18.0.21"), 80, 1);
    static final Destination RS2 = Destination.route(ip("198.18.0.22"), 80, 1);

    @Test
    void emptyToTableAddsServiceThenDestinations() {
        ServiceTable want = ServiceTable.EMPTY.withService(VirtualService.of(WEB, "rr"), List.of(RS1, RS2));
        List<TableOp> ops = Reconciler.diff(want, ServiceTable.EMPTY, "config");
        assertEquals(3, ops.size());
        assertInstanceOf(TableOp.AddService.class, ops.get(0));
        assertEquals(new TableOp.AddDestination(WEB, RS1, "config"), ops.get(1));
        assertEquals(new TableOp.AddDestination(WEB, RS2, "config"), ops.get(2));
    }

    /** Each operation carries its own reason: a destination's is the check that moved it, the service's its own. */
    @Test
    void eachOperationCarriesTheReasonForItsDestination() {
        ServiceTable have = ServiceTable.EMPTY.withService(VirtualService.of(WEB, "rr"), List.of(RS1));
        ServiceTable want = ServiceTable.EMPTY.withService(VirtualService.of(WEB, "wrr"), List.of(RS2));
        List<TableOp> ops = Reconciler.diff(
                want,
                have,
                (service, destination) -> destination == null
                        ? "configuration"
                        : "HTTP_GET " + destination + ": "
                                + (destination.equals(RS1.endpoint()) ? "status 503" : "ok"));
        assertEquals(
                List.of(
                        new TableOp.EditService(VirtualService.of(WEB, "wrr"), "configuration"),
                        new TableOp.DeleteDestination(WEB, RS1.endpoint(), "HTTP_GET 198.18.0.21:80: status 503"),
                        new TableOp.AddDestination(WEB, RS2, "HTTP_GET 198.18.0.22:80: ok")),
                ops);
    }

    @Test
    void sameTableGivesNothing() {
        ServiceTable t = ServiceTable.EMPTY.withService(VirtualService.of(WEB, "rr"), List.of(RS1, RS2));
        assertEquals(List.of(), Reconciler.diff(t, t, "x"));
    }

    @Test
    void weightZeroIsAnEditNotADelete() {
        ServiceTable have = ServiceTable.EMPTY.withService(VirtualService.of(WEB, "wrr"), List.of(RS1, RS2));
        ServiceTable want =
                ServiceTable.EMPTY.withService(VirtualService.of(WEB, "wrr"), List.of(RS1, RS2.withWeight(0)));
        assertEquals(
                List.of(new TableOp.EditDestination(WEB, RS2.withWeight(0), "drain")),
                Reconciler.diff(want, have, "drain"));
    }

    @Test
    void deletingAServiceIsOneOperation() {
        ServiceTable have = ServiceTable.EMPTY.withService(VirtualService.of(WEB, "rr"), List.of(RS1, RS2));
        assertEquals(List.of(new TableOp.DeleteService(WEB, "r")), Reconciler.diff(ServiceTable.EMPTY, have, "r"));
    }

    @Test
    void schedulerChangeIsAnEdit() {
        ServiceTable have = ServiceTable.EMPTY.withService(VirtualService.of(WEB, "rr"), List.of(RS1));
        ServiceTable want =
                ServiceTable.EMPTY.withService(VirtualService.of(WEB, "wlc").withPersistence(300, 32), List.of(RS1));
        List<TableOp> ops = Reconciler.diff(want, have, "r");
        assertEquals(1, ops.size());
        assertInstanceOf(TableOp.EditService.class, ops.get(0));
    }

    @Test
    void applyRefusesWhatTheKernelWouldRefuse() {
        ServiceTable t = ServiceTable.EMPTY.withService(VirtualService.of(WEB, "rr"), List.of(RS1));
        assertThrows(
                IllegalArgumentException.class, () -> Reconciler.apply(t, new TableOp.AddDestination(WEB, RS1, "x")));
        assertThrows(
                IllegalArgumentException.class,
                () -> Reconciler.apply(t, new TableOp.AddService(VirtualService.of(WEB, "rr"), "x")));
        assertThrows(
                IllegalArgumentException.class,
                () -> Reconciler.apply(t, new TableOp.DeleteDestination(WEB, RS2.endpoint(), "x")));
    }

    /** Random tables: applying the diff reaches the desired table, and a second diff is empty. */
    @Test
    void diffReachesDesiredAndIsIdempotent() {
        Random random = new Random(42);
        for (int round = 0; round < 2000; round++) {
            ServiceTable actual = randomTable(random);
            ServiceTable desired = randomTable(random);
            List<TableOp> ops = Reconciler.diff(desired, actual, "t");
            ServiceTable result = actual;
            for (TableOp op : ops) {
                result = Reconciler.apply(result, op);
            }
            assertEquals(sorted(desired), sorted(result), "round " + round);
            assertTrue(Reconciler.diff(desired, result, "t").isEmpty());
        }
    }

    /** Order of services and destinations is not part of equality for a dataplane. */
    private static String sorted(ServiceTable t) {
        List<String> lines = new ArrayList<>();
        for (ServiceTable.Entry e : t.entries().values()) {
            for (Destination d : e.destinations().values()) {
                lines.add(e.service() + " " + d);
            }
            lines.add(e.service().toString());
        }
        lines.sort(null);
        return String.join("\n", lines);
    }

    private static ServiceTable randomTable(Random r) {
        ServiceTable t = ServiceTable.EMPTY;
        int services = r.nextInt(4);
        for (int s = 0; s < services; s++) {
            ServiceKey key = ServiceKey.of(IpProtocol.TCP, ip("198.18.0.10" + r.nextInt(3)), 80 + r.nextInt(2));
            VirtualService vs = VirtualService.of(key, r.nextBoolean() ? "rr" : "wlc");
            List<Destination> dests = new ArrayList<>();
            for (int d = 0; d < 4; d++) {
                if (r.nextBoolean()) {
                    dests.add(Destination.route(ip("198.18.0.2" + d), 80, r.nextInt(3)));
                }
            }
            t = t.withService(vs, dests);
        }
        return t;
    }
}
