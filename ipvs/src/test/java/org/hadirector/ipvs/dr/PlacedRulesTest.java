package org.hadirector.ipvs.dr;

import static org.hadirector.ipvs.dr.Frames.ACK;
import static org.hadirector.ipvs.dr.Frames.SYN;
import static org.hadirector.ipvs.dr.Frames.ip;
import static org.hadirector.ipvs.dr.Frames.tcp;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Predicate;
import org.hadirector.ipvs.DataplaneException;
import org.hadirector.ipvs.Destination;
import org.hadirector.ipvs.TableOp;
import org.hadirector.ipvs.TcpState;
import org.hadirector.ipvs.VirtualService;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The forwarder's half of the fast path's own placing (the XDP program's Maglev path): which
 * services it may place for, and the connections it placed taken into the table as the forwarder
 * would have made them. A fake path (pure logic; XdpMaglevPathTest runs the program's half).
 */
class PlacedRulesTest {
    static final String VIP = ForwardingCoreTest.VIP;
    static final String CLIENT = ForwardingCoreTest.CLIENT;
    static final long S = ForwardingCoreTest.S;

    /** A path that places what the test says it did. */
    static final class PlacingPath extends FastPathRulesTest.FakePath {
        final Set<String> placeable = new TreeSet<>();
        final List<Object[]> events = new ArrayList<>();

        @Override
        public void place(List<DrService> services, Predicate<DrService> may) {
            placeable.clear();
            for (DrService s : services) {
                if (may.test(s)) {
                    placeable.add(s.service.key().toString());
                }
            }
        }

        @Override
        public int placed(Placed to, int max) {
            int n = 0;
            for (Object[] e : events) {
                to.placed(
                        (int) e[0],
                        0,
                        Ip128.v4((int) e[1]),
                        (int) e[2],
                        0,
                        Ip128.v4((int) e[3]),
                        (int) e[4],
                        (DrService) e[5],
                        (DrRealServer) e[6],
                        (int) e[7],
                        64);
                n++;
            }
            events.clear();
            return n;
        }

        /** The program placed this flow on {@code server} and put it in its map (one frame seen). */
        void placedFlow(int proto, int cport, int vport, DrService svc, DrRealServer server, int flags) {
            events.add(new Object[] {proto, ip(CLIENT), cport, ip(VIP), vport, svc, server, flags});
        }
    }

    ForwardingCore core;
    PlacingPath path = new PlacingPath();
    long now = 1_000 * S;

    @BeforeEach
    void table() throws DataplaneException {
        core = new ForwardingCore((name, flags) -> new ForwardingCoreTest.Rotation(), Frames.DIRECTOR_MAC);
        core.fastPath(path);
        core.apply(new TableOp.AddService(VirtualService.of(ForwardingCoreTest.WEB, "mh"), "t"));
        core.apply(new TableOp.AddService(VirtualService.of(ForwardingCoreTest.DNS, "mh"), "t"));
        for (var svc : List.of(ForwardingCoreTest.WEB, ForwardingCoreTest.DNS)) {
            for (String rs : List.of("198.18.0.21", "198.18.0.22")) {
                core.apply(new TableOp.AddDestination(
                        svc, Destination.route(ForwardingCoreTest.addr(rs), svc.port(), 1), "t"));
            }
        }
        core.neighbours().heard(ip("198.18.0.21"), ForwardingCoreTest.RS1_MAC, now);
        core.neighbours().heard(ip("198.18.0.22"), ForwardingCoreTest.RS2_MAC, now);
        core.place();
    }

    void apply(TableOp op) throws DataplaneException {
        core.apply(op);
        core.place(); // as UserspaceDr does after each batch
    }

    DrService service(int port) {
        DrService[] found = new DrService[1];
        core.forEachService(s -> {
            if (s.port == port) {
                found[0] = s;
            }
        });
        return found[0];
    }

    DrRealServer server(int port, String address) {
        for (DrRealServer r : service(port).servers.values()) {
            if (r.address == ip(address)) {
                return r;
            }
        }
        throw new AssertionError(address);
    }

    @Test
    void onlyServicesWhoseEveryMissTheForwarderWouldPlaceTooArePlaceable() throws DataplaneException {
        String web = ForwardingCoreTest.WEB.toString();
        String dns = ForwardingCoreTest.DNS.toString();
        assertEquals(Set.of(dns), path.placeable, "TCP without sloppy_tcp: a segment without SYN is dropped here");
        core.sloppyTcp(true);
        core.sampleRates(now); // each second the path is told again
        assertEquals(Set.of(web, dns), path.placeable);
        apply(new TableOp.EditService(
                VirtualService.of(ForwardingCoreTest.DNS, "mh").withPersistence(300, 32), "t"));
        assertEquals(Set.of(web), path.placeable, "persistence: templates are the forwarder's");
        apply(new TableOp.EditDestination(
                ForwardingCoreTest.WEB,
                new Destination(
                        ForwardingCoreTest.addr("198.18.0.21"),
                        80,
                        org.hadirector.ipvs.ForwardMethod.ROUTE,
                        1,
                        100,
                        0,
                        null),
                "t"));
        assertEquals(Set.of(), path.placeable, "thresholds move with counts the path does not keep");
        apply(new TableOp.EditDestination(
                ForwardingCoreTest.WEB, Destination.route(ForwardingCoreTest.addr("198.18.0.21"), 80, 1), "t"));
        assertEquals(Set.of(web), path.placeable);
        core.syncOut(c -> {});
        core.sampleRates(now);
        assertEquals(Set.of(), path.placeable, "a sync master must see each connection's third packet");
        core.syncOut(null);
        apply(new TableOp.DeleteService(ForwardingCoreTest.WEB, "t"));
        assertEquals(Set.of(), path.placeable, "a deleted service is no longer the path's");
    }

    @Test
    void aPlacedFlowIsTheForwardersConnectionOnThePath() {
        core.sloppyTcp(true);
        DrRealServer rs2 = server(80, "198.18.0.22");
        // a flow another director served: its first segment here is an ACK, placed by the path
        path.placedFlow(6, 40000, 80, service(80), rs2, ACK);
        assertEquals(1, core.takePlaced(now));
        DrConnection c = core.lookup(6, ip(CLIENT), 40000, ip(VIP), 80, false);
        assertSame(rs2, c.server);
        // the kernel's input-only table: a flow first seen at an ACK is CLOSE (sNO + ack), kept
        // alive by each segment, as the forwarder's sloppy_tcp makes it
        assertEquals(TcpState.CLOSE.code(), c.state);
        assertTrue(c.offloaded);
        assertEquals(1, rs2.backend.inactiveConnections());
        // its counts come from the path's entry at the next fold
        path.seen.put(c, new FastPath.Seen(5, 320, now + 5 * S));
        assertEquals(0, core.expire(now + 11 * S), "read before expiring: alive (CLOSE's 10 s from its last segment)");
        assertEquals(5, c.packets);

        // a UDP flow's first datagram
        DrRealServer dns1 = server(53, "198.18.0.21");
        path.placedFlow(17, 5353, 53, service(53), dns1, 0);
        core.takePlaced(now);
        DrConnection u = core.lookup(17, ip(CLIENT), 5353, ip(VIP), 53, false);
        assertSame(dns1, u.server);
        assertTrue(u.offloaded);
    }

    @Test
    void aConnectionTheForwarderScheduledKeepsItsServer() {
        core.sloppyTcp(true);
        send(tcp(CLIENT, 40001, VIP, 80, SYN, 0));
        DrConnection c = core.lookup(6, ip(CLIENT), 40001, ip(VIP), 80, false);
        assertFalse(c.offloaded, "half-open: the forwarder's");
        // the client's ACK missed the program's map and was placed: same server, the
        // connection moves to ESTABLISHED and is the path's
        path.placedFlow(6, 40001, 80, service(80), c.server, ACK);
        core.takePlaced(now);
        assertEquals(TcpState.ESTABLISHED.code(), c.state);
        assertTrue(c.offloaded);
        // the table changed between: another server placed it; the connection keeps its own
        send(tcp(CLIENT, 40002, VIP, 80, SYN, 0));
        DrConnection d = core.lookup(6, ip(CLIENT), 40002, ip(VIP), 80, false);
        DrRealServer other =
                d.server == server(80, "198.18.0.21") ? server(80, "198.18.0.22") : server(80, "198.18.0.21");
        path.placedFlow(6, 40002, 80, service(80), other, ACK);
        core.takePlaced(now);
        assertNotSame(other, d.server);
        assertEquals(d.server.mac(), (long) path.macs.get(d), "the path told the connection's own server");
    }

    @Test
    void aFullTableLeavesThePlacedFlowToTheForwarder() throws DataplaneException {
        core = new ForwardingCore((name, flags) -> new ForwardingCoreTest.Rotation(), Frames.DIRECTOR_MAC, 1);
        core.fastPath(path);
        core.apply(new TableOp.AddService(VirtualService.of(ForwardingCoreTest.DNS, "mh"), "t"));
        core.apply(new TableOp.AddDestination(
                ForwardingCoreTest.DNS, Destination.route(ForwardingCoreTest.addr("198.18.0.21"), 53, 1), "t"));
        DrRealServer rs1 = server(53, "198.18.0.21");
        path.placedFlow(17, 5000, 53, service(53), rs1, 0);
        path.placedFlow(17, 5001, 53, service(53), rs1, 0);
        core.takePlaced(now);
        assertEquals(1, core.connectionCount());
        assertNull(core.lookup(17, ip(CLIENT), 5001, ip(VIP), 53, false));
    }

    @Test
    void aFlowPlacedForAServiceDeletedMeanwhileIsNotTakenIn() throws DataplaneException {
        DrService dns = service(53);
        DrRealServer rs1 = server(53, "198.18.0.21");
        core.apply(new TableOp.DeleteService(ForwardingCoreTest.DNS, "t")); // the path hears at the batch's end
        path.placedFlow(17, 5000, 53, dns, rs1, 0);
        core.takePlaced(now);
        assertEquals(0, core.connectionCount());
        assertEquals(1L, core.drops().get(Drop.NO_SERVICE));
    }

    boolean send(ByteBuffer frame) {
        return core.process(Frames.pointer(frame), 0, frame.limit(), now);
    }

    static void assertNotSame(Object a, Object b) {
        org.junit.jupiter.api.Assertions.assertNotSame(a, b);
    }
}
