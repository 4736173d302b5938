package org.hadirector.ipvs.dr;

import static org.hadirector.ipvs.dr.Frames.ACK;
import static org.hadirector.ipvs.dr.Frames.FIN;
import static org.hadirector.ipvs.dr.Frames.RST;
import static org.hadirector.ipvs.dr.Frames.SYN;
import static org.hadirector.ipvs.dr.Frames.ip;
import static org.hadirector.ipvs.dr.Frames.tcp;
import static org.hadirector.ipvs.dr.Frames.udp;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.hadirector.ipvs.Connection;
import org.hadirector.ipvs.DataplaneException;
import org.hadirector.ipvs.Destination;
import org.hadirector.ipvs.Endpoint;
import org.hadirector.ipvs.ForwardMethod;
import org.hadirector.ipvs.IpProtocol;
import org.hadirector.ipvs.ServiceKey;
import org.hadirector.ipvs.TableOp;
import org.hadirector.ipvs.TcpState;
import org.hadirector.ipvs.VirtualService;
import org.hadirector.ipvs.sched.Backend;
import org.hadirector.ipvs.sched.FlowRequest;
import org.hadirector.ipvs.sched.Scheduler;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class ForwardingCoreTest {
    static final String VIP = "198.18.0.100";
    static final String CLIENT = "198.18.0.10";
    static final long RS1_MAC = 0x020000000021L;
    static final long RS2_MAC = 0x020000000022L;
    static final long S = 1_000_000_000L;
    static final ServiceKey WEB = ServiceKey.of(IpProtocol.TCP, addr(VIP), 80);
    static final ServiceKey DNS = ServiceKey.of(IpProtocol.UDP, addr(VIP), 53);

    /** Plain rotation over usable backends: enough to see which server a flow is bound to. */
    static final class Rotation implements Scheduler {
        List<Backend> list = List.of();
        int next;

        public String name() {
            return "rr";
        }

        public void update(List<Backend> backends) {
            list = backends;
        }

        public Backend pick(FlowRequest flow) {
            for (int i = 0; i < list.size(); i++) {
                Backend b = list.get((next + i) % list.size());
                if (b.weight() > 0 && !b.overloaded()) {
                    next = (next + i + 1) % list.size();
                    return b;
                }
            }
            return null;
        }
    }

    ForwardingCore core;
    long now = 1_000 * S;

    static InetAddress addr(String s) {
        try {
            return InetAddress.getByName(s);
        } catch (java.net.UnknownHostException e) {
            throw new IllegalArgumentException(e);
        }
    }

    @BeforeEach
    void table() throws DataplaneException {
        core = new ForwardingCore((name, flags) -> new Rotation(), Frames.DIRECTOR_MAC);
        core.apply(new TableOp.AddService(VirtualService.of(WEB, "rr"), "t"));
        core.apply(new TableOp.AddDestination(WEB, Destination.route(addr("198.18.0.21"), 80, 1), "t"));
        core.apply(new TableOp.AddDestination(WEB, Destination.route(addr("198.18.0.22"), 80, 1), "t"));
        core.neighbours().heard(ip("198.18.0.21"), RS1_MAC, now);
        core.neighbours().heard(ip("198.18.0.22"), RS2_MAC, now);
    }

    /** Sends a frame through the core; returns the destination MAC it got, or -1 when dropped. */
    long send(ByteBuffer frame) {
        boolean out = core.process(Frames.pointer(frame), 0, frame.limit(), now);
        if (!out) {
            return -1;
        }
        assertEquals(Frames.DIRECTOR_MAC, Frames.mac(frame, 6), "source MAC is the director's");
        return Frames.mac(frame, 0);
    }

    Backend backend(String address) {
        List<Backend> found = new ArrayList<>();
        core.forEachService(s -> s.servers.values().forEach(r -> {
            if (r.backend.destination().address().equals(addr(address))) {
                found.add(r.backend);
            }
        }));
        return found.get(0);
    }

    @Test
    void newConnectionsAlternateAndStayOnTheirServer() {
        assertEquals(RS1_MAC, send(tcp(CLIENT, 40000, VIP, 80, SYN, 0)));
        assertEquals(RS2_MAC, send(tcp(CLIENT, 40001, VIP, 80, SYN, 0)));
        for (int i = 0; i < 5; i++) {
            assertEquals(RS1_MAC, send(tcp(CLIENT, 40000, VIP, 80, ACK, 100)));
            assertEquals(RS2_MAC, send(tcp(CLIENT, 40001, VIP, 80, ACK, 100)));
        }
        assertEquals(2, core.connectionCount());
    }

    @Test
    void onlyTheIpDestinationMacChanges() {
        ByteBuffer f = tcp(CLIENT, 40000, VIP, 80, SYN, 10);
        ByteBuffer before = ByteBuffer.allocate(f.limit());
        before.put(f.duplicate()).flip();
        send(f);
        assertEquals(before.slice(12, before.limit() - 12), f.slice(12, f.limit() - 12));
    }

    @Test
    void tcpStatesCountActiveAndInactiveAsTheKernel() {
        send(tcp(CLIENT, 40000, VIP, 80, SYN, 0));
        Backend b1 = backend("198.18.0.21");
        assertEquals(0, b1.activeConnections());
        assertEquals(1, b1.inactiveConnections());
        assertEquals(TcpState.SYNACK.code(), state(40000));
        send(tcp(CLIENT, 40000, VIP, 80, ACK, 0));
        assertEquals(TcpState.ESTABLISHED.code(), state(40000));
        assertEquals(1, b1.activeConnections());
        assertEquals(0, b1.inactiveConnections());
        send(tcp(CLIENT, 40000, VIP, 80, FIN | ACK, 0));
        assertEquals(TcpState.FIN_WAIT.code(), state(40000));
        assertEquals(0, b1.activeConnections());
        assertEquals(1, b1.inactiveConnections());
        send(tcp(CLIENT, 40000, VIP, 80, RST, 0));
        assertEquals(TcpState.CLOSE.code(), state(40000));
    }

    int state(int port) {
        return core.lookup(6, ip(CLIENT), port, ip(VIP), 80, false).state;
    }

    @Test
    void connectionsExpireByTheirStateTimeout() {
        send(tcp(CLIENT, 40000, VIP, 80, SYN, 0));
        send(tcp(CLIENT, 40000, VIP, 80, ACK, 0));
        now += 899 * S;
        assertEquals(0, core.expire(now));
        now += 2 * S;
        assertEquals(1, core.expire(now));
        assertEquals(0, backend("198.18.0.21").activeConnections());
        // After expiry a non-SYN segment belongs to nothing we know.
        assertEquals(-1, send(tcp(CLIENT, 40000, VIP, 80, ACK, 0)));
        assertEquals(1L, core.drops().get(Drop.NOT_SYN));
    }

    @Test
    void lvsTimeoutsApply() {
        core.timeouts(new DrTimeouts(10, 5, 3));
        send(tcp(CLIENT, 40000, VIP, 80, SYN, 0));
        send(tcp(CLIENT, 40000, VIP, 80, ACK, 0));
        now += 11 * S;
        assertEquals(1, core.expire(now));
    }

    /** lvs_timeouts' absent or 0 values leave those timeouts as they were, as the kernel's set_config does. */
    @Test
    void lvsTimeoutsLeaveAbsentOrZeroValuesAsTheyWere() {
        DrTimeouts t = DrTimeouts.DEFAULT.with(1000, null, 0);
        assertEquals(new DrTimeouts(1000, DrTimeouts.DEFAULT.tcpFin(), DrTimeouts.DEFAULT.udp()), t);
        assertEquals(new DrTimeouts(1000, 7, DrTimeouts.DEFAULT.udp()), t.with(0, 7, null));
    }

    @Test
    void unknownTrafficIsCountedNotForwarded() {
        assertEquals(-1, send(tcp(CLIENT, 40000, VIP, 81, SYN, 0)));
        assertEquals(-1, send(tcp(CLIENT, 40000, VIP, 80, ACK, 0)));
        assertEquals(-1, send(tcp(CLIENT, 40000, VIP, 80, SYN | RST, 0)));
        assertEquals(1L, core.drops().get(Drop.NO_SERVICE));
        assertEquals(2L, core.drops().get(Drop.NOT_SYN));
        assertEquals(0, core.connectionCount());
    }

    /** Two directors with the same mh service and servers, as ECMP peers run them. */
    static ForwardingCore mhDirector() throws DataplaneException {
        ForwardingCore d = new ForwardingCore(org.hadirector.ipvs.sched.Schedulers::create, Frames.DIRECTOR_MAC);
        d.apply(new TableOp.AddService(VirtualService.of(WEB, "mh"), "t"));
        for (int i = 21; i <= 24; i++) {
            d.apply(new TableOp.AddDestination(WEB, Destination.route(addr("198.18.0." + i), 80, 1), "t"));
            d.neighbours().heard(ip("198.18.0." + i), 0x020000000000L + i, 0);
        }
        return d;
    }

    static long via(ForwardingCore d, ByteBuffer frame, long nowNs) {
        return d.process(Frames.pointer(frame), 0, frame.limit(), nowNs) ? Frames.mac(frame, 0) : -1;
    }

    /**
     * sloppy_tcp: a director that meets a flow mid-way (an ECMP change moved it there) schedules
     * its first segment instead of dropping it, and with mh it picks the server the flow's first
     * director picked for its SYN; a reset still starts nothing.
     */
    @Test
    void sloppyTcpSchedulesAMidFlowSegmentToTheServerItsSynGotOnAnotherDirector() throws DataplaneException {
        ForwardingCore first = mhDirector();
        ForwardingCore second = mhDirector();
        assertEquals(-1, via(second, tcp(CLIENT, 40000, VIP, 80, ACK, 100), now));
        assertEquals(1L, second.drops().get(Drop.NOT_SYN));
        second.sloppyTcp(true);
        java.util.Set<Long> servers = new java.util.HashSet<>();
        for (int host = 30; host < 230; host++) {
            String client = "198.18.0." + host; // mh hashes the source address (no mh-port)
            long mac = via(first, tcp(client, 40000, VIP, 80, SYN, 0), now);
            assertTrue(mac != -1);
            servers.add(mac);
            assertEquals(mac, via(second, tcp(client, 40000, VIP, 80, ACK, 100), now), client);
            assertEquals(mac, via(second, tcp(client, 40000, VIP, 80, ACK | FIN, 0), now));
        }
        assertEquals(4, servers.size(), "the flows spread over every server");
        assertEquals(200, second.connectionCount());
        assertEquals(-1, via(second, tcp(CLIENT, 50000, VIP, 80, RST, 0), now));
        assertEquals(-1, via(second, tcp(CLIENT, 50001, VIP, 80, RST | ACK, 0), now));
        assertEquals(200, second.connectionCount());
    }

    @Test
    void fragmentsAndBadHeadersAreDropped() {
        ByteBuffer f = tcp(CLIENT, 40000, VIP, 80, SYN, 0);
        f.putShort(20, (short) 0x2000); // more fragments
        assertEquals(-1, send(f));
        ByteBuffer g = tcp(CLIENT, 40000, VIP, 80, SYN, 0);
        g.putShort(16, (short) 9000); // total length beyond the frame
        assertEquals(-1, send(g));
        assertEquals(1L, core.drops().get(Drop.FRAGMENT));
        assertEquals(1L, core.drops().get(Drop.MALFORMED));
    }

    /**
     * IPv6 frames take the same path: the header and its extension headers (hop-by-hop,
     * destination options) parsed to the transport header; with no IPv6 service, none is
     * forwarded. A fragment, a truncated or lying header, and an IPv4-mapped address (which would
     * take an IPv4 flow's key) are dropped and counted; neither IPv4 nor IPv6 is NOT_IP.
     */
    @Test
    void ipv6FramesAreParsedThroughTheirExtensionHeaders() {
        assertEquals(-1, send(Frames.packet6(6, "2001:db8::10", 40000, "2001:db8::100", 80, SYN, 0)));
        assertEquals(-1, send(Frames.packet6(17, "2001:db8::10", 40000, "2001:db8::100", 53, 0, 10, 0, 60)));
        assertEquals(2L, core.drops().get(Drop.NO_SERVICE));
        assertEquals(-1, send(Frames.packet6(6, "2001:db8::10", 40000, "2001:db8::100", 80, SYN, 0, 0, 44)));
        assertEquals(1L, core.drops().get(Drop.FRAGMENT));
        // ::ffff:198.18.0.100 as a destination: not the IPv4 service on 198.18.0.100
        assertEquals(-1, send(Frames.packet6(6, "2001:db8::10", 40000, "::ffff:" + VIP, 80, SYN, 0)));
        assertEquals(-1, send(Frames.packet6(6, "::ffff:198.18.0.10", 40000, "2001:db8::100", 80, SYN, 0)));
        ByteBuffer longer = Frames.packet6(6, "2001:db8::10", 40000, "2001:db8::100", 80, SYN, 0);
        longer.putShort(18, (short) 1000); // payload length beyond the frame
        assertEquals(-1, send(longer));
        ByteBuffer runaway = Frames.packet6(6, "2001:db8::10", 40000, "2001:db8::100", 80, SYN, 0, 0, 60, 0, 60, 0);
        assertEquals(-1, send(runaway)); // more extension headers than the forwarder walks
        ByteBuffer overlong = Frames.packet6(6, "2001:db8::10", 40000, "2001:db8::100", 80, SYN, 0, 60);
        overlong.put(14 + 40 + 1, (byte) 200); // an extension header longer than the packet
        assertEquals(-1, send(overlong));
        assertEquals(5L, core.drops().get(Drop.MALFORMED));
        ByteBuffer arp = tcp(CLIENT, 40000, VIP, 80, SYN, 0);
        arp.putShort(12, (short) 0x0806);
        assertEquals(-1, send(arp));
        assertEquals(1L, core.drops().get(Drop.NOT_IP));
        // the IPv4 service still serves its flows
        assertTrue(send(tcp(CLIENT, 40000, VIP, 80, SYN, 0)) != -1);
    }

    @Test
    void randomFramesNeverThrow() {
        Random r = new Random(7);
        for (int i = 0; i < 20_000; i++) {
            int kind = r.nextInt(3);
            ByteBuffer f = kind == 0
                    ? tcp(CLIENT, r.nextInt(65536), VIP, 80, r.nextInt(256), r.nextInt(64))
                    : kind == 1
                            ? Frames.packet6(
                                    6,
                                    "2001:db8::10",
                                    r.nextInt(65536),
                                    "2001:db8::100",
                                    80,
                                    r.nextInt(256),
                                    r.nextInt(64),
                                    r.nextBoolean() ? new int[] {0} : new int[0])
                            : ByteBuffer.allocateDirect(r.nextInt(120));
            int flips = r.nextInt(6);
            for (int k = 0; k < flips && f.limit() > 0; k++) {
                f.put(r.nextInt(f.limit()), (byte) r.nextInt(256));
            }
            core.process(Frames.pointer(f), 0, f.limit(), now);
        }
        assertTrue(core.connectionCount() > 0);
    }

    @Test
    void noMacYetMeansDropUntilHeard() throws DataplaneException {
        core.apply(new TableOp.AddDestination(DNS_SERVICE(), Destination.route(addr("198.18.0.23"), 53, 1), "t"));
        assertEquals(-1, send(udp(CLIENT, 5000, VIP, 53, 20)));
        assertEquals(1L, core.drops().get(Drop.NO_MAC));
        assertEquals(
                List.of(ip("198.18.0.23")),
                core.neighbours().due(now).stream()
                        .map(e -> e.address)
                        .filter(a -> a == ip("198.18.0.23"))
                        .toList());
        core.neighbours().heard(ip("198.18.0.23"), 0x020000000023L, now);
        assertEquals(0x020000000023L, send(udp(CLIENT, 5000, VIP, 53, 20)));
    }

    ServiceKey DNS_SERVICE() throws DataplaneException {
        core.apply(new TableOp.AddService(VirtualService.of(DNS, "rr"), "t"));
        return DNS;
    }

    @Test
    void weightZeroKeepsConnectionsAndTakesNoNewOnes() throws DataplaneException {
        send(tcp(CLIENT, 40000, VIP, 80, SYN, 0));
        send(tcp(CLIENT, 40000, VIP, 80, ACK, 0));
        core.apply(new TableOp.EditDestination(WEB, Destination.route(addr("198.18.0.21"), 80, 0), "drain"));
        assertEquals(RS1_MAC, send(tcp(CLIENT, 40000, VIP, 80, ACK, 10)));
        for (int p = 40001; p < 40005; p++) {
            assertEquals(RS2_MAC, send(tcp(CLIENT, p, VIP, 80, SYN, 0)));
        }
    }

    @Test
    void aRemovedServerKeepsItsLiveConnectionsUntilTheyEnd() throws DataplaneException {
        send(tcp(CLIENT, 40000, VIP, 80, SYN, 0));
        send(tcp(CLIENT, 40000, VIP, 80, ACK, 0));
        core.apply(new TableOp.DeleteDestination(WEB, new Endpoint(addr("198.18.0.21"), 80), "down"));
        assertEquals(RS1_MAC, send(tcp(CLIENT, 40000, VIP, 80, ACK, 10)));
        assertEquals(RS2_MAC, send(tcp(CLIENT, 40001, VIP, 80, SYN, 0)));
        // A new SYN on the old flow's ports goes to a live server.
        send(tcp(CLIENT, 40000, VIP, 80, RST, 0));
        assertEquals(RS2_MAC, send(tcp(CLIENT, 40000, VIP, 80, SYN, 0)));
    }

    @Test
    void persistenceSendsAClientToOneServerAndTemplatesOutliveTheirTimeoutWhileUsed() throws DataplaneException {
        core.apply(new TableOp.EditService(VirtualService.of(WEB, "rr").withPersistence(300, 24), "t"));
        long first = send(tcp(CLIENT, 40000, VIP, 80, SYN, 0));
        send(tcp(CLIENT, 40000, VIP, 80, ACK, 0));
        for (int p = 40001; p < 40010; p++) {
            assertEquals(first, send(tcp("198.18.0." + (10 + p % 5), p, VIP, 80, SYN, 0)), "same /24 -> same server");
        }
        Backend b = backend(first == RS1_MAC ? "198.18.0.21" : "198.18.0.22");
        assertEquals(1, b.persistentConnections());
        now += 301 * S;
        core.expire(now);
        // The established connection keeps its template alive.
        assertNotNull(core.lookup(6, ip("198.18.0.0"), 0, ip(VIP), 80, true));
        now += 900 * S;
        core.expire(now);
        core.expire(now);
        assertNull(core.lookup(6, ip("198.18.0.0"), 0, ip(VIP), 80, true));
        assertEquals(0, core.connectionCount());
    }

    @Test
    void syncedConnectionsAreForwardedWithoutASyn() {
        Connection c = new Connection(
                IpProtocol.TCP,
                addr(CLIENT),
                45000,
                addr(VIP),
                80,
                addr("198.18.0.22"),
                80,
                0,
                ForwardMethod.ROUTE.code(),
                TcpState.ESTABLISHED.code(),
                900);
        assertEquals(ConnectionSync.Synced.INSTALLED, core.install(c, now));
        assertEquals(RS2_MAC, send(tcp(CLIENT, 45000, VIP, 80, ACK, 100)));
        assertEquals(1, backend("198.18.0.22").activeConnections());
        Connection unknown = new Connection(
                IpProtocol.TCP,
                addr(CLIENT),
                45001,
                addr(VIP),
                80,
                addr("198.18.0.99"),
                80,
                0,
                ForwardMethod.ROUTE.code(),
                TcpState.ESTABLISHED.code(),
                900);
        assertEquals(ConnectionSync.Synced.UNKNOWN, core.install(unknown, now));
    }

    @Test
    void changesAreOfferedToSync() {
        List<Connection> out = new ArrayList<>();
        core.syncOut(out::add);
        send(tcp(CLIENT, 40000, VIP, 80, SYN, 0));
        send(tcp(CLIENT, 40000, VIP, 80, ACK, 0));
        assertEquals(0, out.size(), "ESTABLISHED waits for the threshold packet (3)");
        send(tcp(CLIENT, 40000, VIP, 80, ACK, 0));
        assertEquals(1, out.size());
        Connection c = out.get(0);
        assertEquals(TcpState.ESTABLISHED.code(), c.state());
        assertEquals(addr("198.18.0.21"), c.destAddress());
        assertEquals(ForwardMethod.ROUTE, c.method());
        assertEquals(900, c.timeoutSeconds());
        for (int i = 0; i < 59; i++) {
            send(tcp(CLIENT, 40000, VIP, 80, ACK, 10));
        }
        assertEquals(2, out.size(), "one more at packet 53 (period 50, threshold 3)");
        send(tcp(CLIENT, 40000, VIP, 80, FIN | ACK, 0));
        assertEquals(3, out.size(), "entering FIN_WAIT is sent at once");
        assertEquals(TcpState.FIN_WAIT.code(), out.get(2).state());
    }

    @Test
    void unsupportedServicesAreRefusedClearly() {
        DataplaneException e = assertThrows(
                DataplaneException.class,
                () -> core.apply(new TableOp.AddService(VirtualService.of(ServiceKey.fwmark(false, 1), "rr"), "t")));
        assertTrue(e.getMessage().contains("kernel IPVS"), e.getMessage());
        e = assertThrows(
                DataplaneException.class,
                () -> core.apply(
                        new TableOp.AddDestination(WEB, Destination.route(addr("198.18.0.23"), 8080, 1), "t")));
        assertTrue(e.getMessage().contains("cannot map ports"), e.getMessage());
        e = assertThrows(
                DataplaneException.class,
                () -> core.apply(new TableOp.AddDestination(
                        WEB, new Destination(addr("198.18.0.23"), 80, ForwardMethod.MASQ, 1, 0, 0), "t")));
        assertTrue(e.getMessage().contains("direct routing only"), e.getMessage());
    }

    @Test
    void checksumCompletion() {
        // A UDP datagram whose checksum field holds only the pseudo-header sum, as veth leaves it.
        ByteBuffer f = udp("198.18.0.10", 1234, "198.18.0.100", 53, 5);
        long pseudo = (ip("198.18.0.10") >>> 16)
                + (ip("198.18.0.10") & 0xffff)
                + (ip("198.18.0.100") >>> 16)
                + (ip("198.18.0.100") & 0xffff)
                + 17
                + 13;
        while (pseudo >>> 16 != 0) {
            pseudo = (pseudo & 0xffff) + (pseudo >>> 16);
        }
        f.putShort(14 + 20 + 6, (short) pseudo);
        Checksums.complete(Frames.pointer(f), 34, 13, 17);
        // Verifying the whole datagram with its pseudo-header must give 0xffff.
        long sum = pseudo;
        for (int i = 34; i < 34 + 13; i += 2) {
            int hi = f.get(i) & 0xff;
            int lo = i + 1 < 34 + 13 ? f.get(i + 1) & 0xff : 0;
            sum += hi << 8 | lo;
        }
        sum -= pseudo; // the field's own value is already included; remove the helper's copy
        sum += pseudo;
        while (sum >>> 16 != 0) {
            sum = (sum & 0xffff) + (sum >>> 16);
        }
        assertEquals(0xffff, sum);
    }

    // ---- bounded state under floods --------------------------------------------------------

    void limitedTable(int limit) throws DataplaneException {
        core = new ForwardingCore((name, flags) -> new Rotation(), Frames.DIRECTOR_MAC, limit);
        core.apply(new TableOp.AddService(VirtualService.of(WEB, "rr"), "t"));
        core.apply(new TableOp.AddDestination(WEB, Destination.route(addr("198.18.0.21"), 80, 1), "t"));
        core.neighbours().heard(ip("198.18.0.21"), RS1_MAC, now);
    }

    static String flooder(int i) {
        return "198.18.0." + (100 + i % 100);
    }

    @Test
    void aSynFloodNeverPushesOutEstablishedFlowsAndStaysAtTheLimit() throws DataplaneException {
        limitedTable(100);
        for (int i = 0; i < 10; i++) {
            assertEquals(RS1_MAC, send(tcp(CLIENT, 40000 + i, VIP, 80, SYN, 0)));
            assertEquals(RS1_MAC, send(tcp(CLIENT, 40000 + i, VIP, 80, ACK, 0)));
        }
        for (int i = 0; i < 10_000; i++) {
            now += 1_000_000;
            assertEquals(RS1_MAC, send(tcp(flooder(i), 1024 + i / 100, VIP, 80, SYN, 0)), "flood SYN " + i);
        }
        assertEquals(100, core.connectionCount());
        assertEquals(10_000 - 90, core.evicted());
        for (int i = 0; i < 10; i++) {
            assertEquals(RS1_MAC, send(tcp(CLIENT, 40000 + i, VIP, 80, ACK, 100)), "established flow " + i);
        }
        // A real client's handshake completes although the flood goes on: only the oldest give way.
        assertEquals(RS1_MAC, send(tcp(CLIENT, 50000, VIP, 80, SYN, 0)));
        for (int i = 0; i < 50; i++) {
            send(tcp(flooder(i), 9000, VIP, 80, SYN, 0));
        }
        assertEquals(RS1_MAC, send(tcp(CLIENT, 50000, VIP, 80, ACK, 0)));
        assertEquals(TcpState.ESTABLISHED.code(), state(50000));
    }

    @Test
    void aFullTableOfEstablishedFlowsRefusesNewOnesAndCountsThem() throws DataplaneException {
        limitedTable(20);
        for (int i = 0; i < 20; i++) {
            send(tcp(CLIENT, 40000 + i, VIP, 80, SYN, 0));
            send(tcp(CLIENT, 40000 + i, VIP, 80, ACK, 0));
        }
        assertEquals(-1, send(tcp(CLIENT, 41000, VIP, 80, SYN, 0)));
        assertEquals(1L, core.drops().get(Drop.TABLE_FULL));
        assertEquals(20, core.connectionCount());
        assertEquals(0, core.evicted());
    }

    @Test
    void halfOpenEntriesLeaveFastWhileTheTableIsOverHalfFull() throws DataplaneException {
        limitedTable(10);
        for (int i = 0; i < 4; i++) {
            send(tcp(flooder(i), 1000, VIP, 80, SYN, 0));
        }
        now += 6 * S;
        assertEquals(0, core.expire(now), "under half full: SYN_RECV keeps its 60 s");
        for (int i = 4; i < 8; i++) {
            send(tcp(flooder(i), 1000, VIP, 80, SYN, 0));
        }
        now += 6 * S;
        assertEquals(3, core.expire(now), "over half full: the half-open entries made then leave after 5 s");
    }

    @Test
    void aListingPagesThroughTheWholeTableEachEntryOnceInBoundedPages() throws DataplaneException {
        limitedTable(30_000);
        java.util.Set<Integer> sent = new java.util.HashSet<>();
        for (int i = 0; i < 20_000; i++) {
            int port = 1024 + i / 100;
            send(tcp(flooder(i), port, VIP, 80, SYN, 0));
            sent.add((100 + i % 100) << 16 | port);
        }
        assertEquals(20_000, core.connectionCount());
        java.util.Set<Integer> listed = new java.util.HashSet<>();
        int pages = 0;
        for (ConnectionTable.Page p = core.page(now, ConnectionTable.Page.FIRST, 300); ; p = core.page(now, p, 300)) {
            assertTrue(
                    p.connections().size() <= 300,
                    "a page holds at most its size: " + p.connections().size());
            assertTrue(p.last() || !p.connections().isEmpty(), "only the last page may be empty");
            for (Connection c : p.connections()) {
                int key = (c.clientAddress().getAddress()[3] & 0xff) << 16 | c.clientPort();
                assertTrue(listed.add(key), "listed once: " + c);
            }
            pages++;
            if (p.last()) {
                break;
            }
        }
        assertEquals(sent, listed);
        assertTrue(pages >= 20_000 / 300, pages + " pages");
        assertEquals(20_000, core.connections(now).size());
    }

    @Test
    void aChainLongerThanAPageIsSplitAcrossPages() throws DataplaneException {
        limitedTable(100);
        for (int i = 0; i < 30; i++) {
            send(tcp(flooder(i), 1000, VIP, 80, SYN, 0));
        }
        List<Connection> all = new ArrayList<>();
        for (ConnectionTable.Page p = core.page(now, ConnectionTable.Page.FIRST, 1); ; p = core.page(now, p, 1)) {
            assertTrue(p.connections().size() <= 1);
            all.addAll(p.connections());
            if (p.last()) {
                break;
            }
        }
        assertEquals(30, all.size());
        assertEquals(30, new java.util.HashSet<>(all).size());
        assertThrows(IllegalArgumentException.class, () -> core.page(now, ConnectionTable.Page.FIRST, 0));
    }

    @Test
    void entriesThatLeaveBetweenPagesAreNotListedAndTheRestAreOnce() throws DataplaneException {
        limitedTable(5000);
        for (int i = 0; i < 3000; i++) {
            send(tcp(flooder(i), 1000 + i / 100, VIP, 80, SYN, 0));
            send(tcp(flooder(i), 1000 + i / 100, VIP, 80, RST, 0));
        }
        ConnectionTable.Page first = core.page(now, ConnectionTable.Page.FIRST, 500);
        now += 11 * S;
        core.expire(now); // every entry expires between the pages
        int rest = 0;
        for (ConnectionTable.Page p = core.page(now, first, 500); ; p = core.page(now, p, 500)) {
            rest += p.connections().size();
            if (p.last()) {
                break;
            }
        }
        assertEquals(500, first.connections().size());
        assertEquals(0, rest);
    }
}
