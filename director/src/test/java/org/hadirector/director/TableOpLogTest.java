package org.hadirector.director;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import org.hadirector.ipvs.Destination;
import org.hadirector.ipvs.IpProtocol;
import org.hadirector.ipvs.ServiceKey;
import org.hadirector.ipvs.TableOp;
import org.hadirector.ipvs.VirtualService;
import org.junit.jupiter.api.Test;

class TableOpLogTest {
    static final ServiceKey WEB = TableKeeperTest.WEB;
    static final ServiceKey API = ServiceKey.of(IpProtocol.TCP, ip("198.18.0.101"), 80);

    static InetAddress ip(String s) {
        return TableKeeperTest.ip(s);
    }

    static TableOp add(ServiceKey s, int i, String why) {
        return new TableOp.AddDestination(s, Destination.route(ip("198.18.0." + (i % 250)), 80 + i / 250, 1), why);
    }

    @Test
    void aSmallPassIsLoggedAnOperationALine() {
        List<TableOp> ops = List.of(
                add(WEB, 21, "TCP_CHECK 198.18.0.21:80 up"),
                new TableOp.DeleteDestination(
                        WEB, Destination.route(ip("198.18.0.22"), 80, 1).endpoint(), "down"));
        assertEquals(ops.stream().map(TableOp::describe).toList(), TableOpLog.lines(ops));
        assertEquals(List.of(), TableOpLog.lines(List.of()));
    }

    @Test
    void aLargePassIsLoggedALinePerServiceKindAndReasonInTheOrderSeen() {
        List<TableOp> ops = new ArrayList<>();
        TableOp service = new TableOp.AddService(VirtualService.of(API, "rr"), "configuration");
        ops.add(service);
        for (int i = 0; i < 100; i++) {
            ops.add(add(WEB, i, "start"));
            ops.add(add(API, i, "start"));
        }
        TableOp lone = new TableOp.DeleteDestination(
                WEB, Destination.route(ip("198.18.0.9"), 9, 1).endpoint(), "down");
        ops.add(lone);
        ops.add(new TableOp.EditDestination(API, Destination.route(ip("198.18.0.1"), 80, 2), "weight"));
        ops.add(new TableOp.EditDestination(API, Destination.route(ip("198.18.0.2"), 80, 2), "weight"));
        assertEquals(
                List.of(
                        service.describe(),
                        "add 100 real server(s) to " + WEB + " (start)",
                        "add 100 real server(s) to " + API + " (start)",
                        lone.describe(),
                        "set the weight of 2 real server(s) in " + API + " (weight)"),
                TableOpLog.lines(ops));
    }

    @Test
    void thePassSizeThatSwitchesToSummariesIsAboveThirtyTwo() {
        List<TableOp> ops = new ArrayList<>();
        for (int i = 0; i < TableOpLog.ONE_LINE_EACH; i++) {
            ops.add(add(WEB, i, "start"));
        }
        assertEquals(TableOpLog.ONE_LINE_EACH, TableOpLog.lines(ops).size());
        ops.add(add(WEB, 99, "start"));
        assertEquals(List.of("add 33 real server(s) to " + WEB + " (start)"), TableOpLog.lines(ops));
    }
}
