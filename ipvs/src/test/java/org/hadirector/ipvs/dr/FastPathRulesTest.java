package org.hadirector.ipvs.dr;

import static org.hadirector.ipvs.dr.Frames.ACK;
import static org.hadirector.ipvs.dr.Frames.FIN;
import static org.hadirector.ipvs.dr.Frames.SYN;
import static org.hadirector.ipvs.dr.Frames.ip;
import static org.hadirector.ipvs.dr.Frames.tcp;
import static org.hadirector.ipvs.dr.Frames.udp;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.util.HashMap;
import java.util.Map;
import org.hadirector.ipvs.DataplaneException;
import org.hadirector.ipvs.Destination;
import org.hadirector.ipvs.TableOp;
import org.hadirector.ipvs.VirtualService;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * When the forwarder hands a connection to the fast path (the XDP program), takes it back, and
 * folds in what the path forwarded: a fake path (pure logic; XdpDrLabTest runs the real one).
 */
class FastPathRulesTest {
    static final String VIP = ForwardingCoreTest.VIP;
    static final String CLIENT = ForwardingCoreTest.CLIENT;
    static final long S = ForwardingCoreTest.S;

    /** The map as the program keeps it: by connection, what it forwarded. */
    static class FakePath implements FastPath {
        final Map<DrConnection, Long> macs = new HashMap<>();
        final Map<DrConnection, Seen> seen = new HashMap<>();
        boolean full;

        public boolean offer(DrConnection c, long mac) {
            if (full) {
                return false;
            }
            macs.put(c, mac);
            seen.put(c, new Seen(0, 0, 0));
            return true;
        }

        public void withdraw(DrConnection c) {
            macs.remove(c);
            seen.remove(c);
        }

        public Seen seen(DrConnection c) {
            return seen.get(c);
        }

        /** What the program counted per real server since countServers last read it: packets, bytes. */
        final Map<DrConnection, long[]> unread = new HashMap<>();

        public void countServers() {
            unread.forEach((c, n) -> {
                c.server.packets += n[0];
                c.server.bytes += n[1];
                c.service.packets += n[0];
                c.service.bytes += n[1];
            });
            unread.clear();
        }

        /** The program forwarded {@code packets} more of c's frames, the last at {@code at}. */
        void forwarded(DrConnection c, long packets, long bytes, long at) {
            Seen s = seen.get(c);
            seen.put(c, new Seen(s.packets() + packets, s.bytes() + bytes, at));
            long[] n = unread.computeIfAbsent(c, k -> new long[2]);
            n[0] += packets;
            n[1] += bytes;
        }
    }

    ForwardingCore core;
    FakePath path = new FakePath();
    long now = 1_000 * S;

    @BeforeEach
    void table() throws DataplaneException {
        core = new ForwardingCore((name, flags) -> new ForwardingCoreTest.Rotation(), Frames.DIRECTOR_MAC);
        core.apply(new TableOp.AddService(VirtualService.of(ForwardingCoreTest.WEB, "rr"), "t"));
        core.apply(new TableOp.AddService(VirtualService.of(ForwardingCoreTest.DNS, "rr"), "t"));
        for (var svc : java.util.List.of(ForwardingCoreTest.WEB, ForwardingCoreTest.DNS)) {
            core.apply(new TableOp.AddDestination(
                    svc, Destination.route(ForwardingCoreTest.addr("198.18.0.21"), svc.port(), 1), "t"));
        }
        core.neighbours().heard(ip("198.18.0.21"), ForwardingCoreTest.RS1_MAC, now);
        core.fastPath(path);
    }

    boolean send(ByteBuffer frame) {
        return core.process(Frames.pointer(frame), 0, frame.limit(), now);
    }

    DrConnection tcpConnection(int port) {
        return core.lookup(6, ip(CLIENT), port, ip(VIP), 80, false);
    }

    @Test
    void aTcpConnectionIsHandedOverOnceEstablishedAndTakenBackWhenItLeavesThatState() {
        send(tcp(CLIENT, 40000, VIP, 80, SYN, 0));
        DrConnection c = tcpConnection(40000);
        assertFalse(c.offloaded, "a half-open connection stays the forwarder's");
        send(tcp(CLIENT, 40000, VIP, 80, ACK, 0));
        assertTrue(c.offloaded);
        assertEquals(ForwardingCoreTest.RS1_MAC, path.macs.get(c));
        // the program passes the FIN: the state moves here, and the path lets the connection go
        send(tcp(CLIENT, 40000, VIP, 80, FIN | ACK, 0));
        assertFalse(c.offloaded);
        assertFalse(path.macs.containsKey(c));
        send(tcp(CLIENT, 40000, VIP, 80, ACK, 0));
        assertFalse(c.offloaded, "FIN_WAIT's segments stay here");
    }

    @Test
    void aUdpFlowIsHandedOverAtOnceAndLeavesThePathWhenItExpires() {
        send(udp(CLIENT, 40000, VIP, 53, 20));
        DrConnection c = core.lookup(17, ip(CLIENT), 40000, ip(VIP), 53, false);
        assertTrue(c.offloaded);
        now += 301 * S;
        assertEquals(1, core.expire(now));
        assertTrue(path.macs.isEmpty(), "an expired connection is deleted from the map, not left to its LRU");
    }

    @Test
    void whatThePathForwardedIsCountedAndKeepsTheConnectionAlive() {
        send(tcp(CLIENT, 40000, VIP, 80, SYN, 0));
        send(tcp(CLIENT, 40000, VIP, 80, ACK, 0));
        DrConnection c = tcpConnection(40000);
        long packets = c.packets;
        long serverBytes = c.server.bytes;
        // 800 s of traffic the forwarder never saw; ESTABLISHED's timeout is 900 s
        path.forwarded(c, 1_000, 1_500_000, now + 800 * S);
        core.sampleRates(now);
        assertEquals(serverBytes + 1_500_000, c.server.bytes, "the server's counts within the second");
        assertEquals(packets, c.packets, "the connection's at the expiry scan's fold");
        now += 850 * S;
        assertEquals(0, core.expire(now), "read before expiring: the connection is alive");
        assertEquals(packets + 1_000, c.packets);
        assertEquals(serverBytes + 1_500_000, c.server.bytes, "counted once");
        assertTrue(c.offloaded);
        // nothing more: it expires 900 s after the program's last packet
        now += 849 * S;
        assertEquals(0, core.expire(now));
        now += 2 * S;
        assertEquals(1, core.expire(now));
        assertTrue(path.macs.isEmpty());
    }

    @Test
    void aSyncMasterSeesAFlowUpToTheKernelsFirstSyncPointBeforeThePathTakesIt() {
        java.util.List<org.hadirector.ipvs.Connection> out = new java.util.ArrayList<>();
        core.syncOut(out::add);
        send(tcp(CLIENT, 40000, VIP, 80, SYN, 0));
        send(tcp(CLIENT, 40000, VIP, 80, ACK, 0));
        DrConnection c = tcpConnection(40000);
        assertFalse(c.offloaded, "established, but not yet synced");
        assertTrue(out.isEmpty());
        send(tcp(CLIENT, 40000, VIP, 80, ACK, 100)); // packet 3: the backup learns it now
        assertEquals(1, out.size());
        assertTrue(c.offloaded);
        // a UDP flow too: its first two datagrams are the forwarder's, the third is synced
        send(udp(CLIENT, 40001, VIP, 53, 20));
        send(udp(CLIENT, 40001, VIP, 53, 20));
        DrConnection u = core.lookup(17, ip(CLIENT), 40001, ip(VIP), 53, false);
        assertFalse(u.offloaded);
        send(udp(CLIENT, 40001, VIP, 53, 20));
        assertEquals(2, out.size());
        assertTrue(u.offloaded);
    }

    @Test
    void aLongConnectionOnThePathIsStillOfferedToSyncAsTheKernelWould() {
        java.util.List<org.hadirector.ipvs.Connection> out = new java.util.ArrayList<>();
        core.syncOut(out::add);
        send(tcp(CLIENT, 40000, VIP, 80, SYN, 0));
        send(tcp(CLIENT, 40000, VIP, 80, ACK, 0));
        send(tcp(CLIENT, 40000, VIP, 80, ACK, 100));
        DrConnection c = tcpConnection(40000);
        assertTrue(c.offloaded);
        int offered = out.size();
        path.forwarded(c, 20, 20_000, now + 400 * S); // packets 4..23: no point of the kernel's
        now += 460 * S;
        core.expire(now);
        assertEquals(offered, out.size());
        path.forwarded(c, 20, 20_000, now + 100 * S); // 24..43: none either
        now += 460 * S;
        core.expire(now);
        assertEquals(offered, out.size());
        path.forwarded(c, 100, 100_000, now + 100 * S); // 44..143: 53 and 103, one offer for both
        now += 460 * S;
        core.expire(now);
        assertEquals(offered + 1, out.size(), "a backup keeps refreshing a long connection");
    }

    @Test
    void aNewMacOfTheServerReachesTheConnectionsOnThePathWithinTheExpiryScan() {
        send(tcp(CLIENT, 40000, VIP, 80, SYN, 0));
        send(tcp(CLIENT, 40000, VIP, 80, ACK, 0));
        DrConnection c = tcpConnection(40000);
        path.forwarded(c, 7, 7_000, now);
        long packets = c.packets;
        long moved = 0x020000000099L;
        core.neighbours().heard(ip("198.18.0.21"), moved, now);
        assertEquals(ForwardingCoreTest.RS1_MAC, path.macs.get(c), "no walk of the table on the ARP reply");
        now += S;
        core.expire(now);
        assertEquals(moved, path.macs.get(c));
        assertEquals(packets + 7, c.packets, "what the path forwarded before was counted first");
        path.forwarded(c, 3, 3_000, now);
        now += 500 * S;
        core.expire(now);
        assertEquals(packets + 10, c.packets, "and the new entry's count starts again from 0");
    }

    @Test
    void aConnectionThePathLostOrRefusedIsTheForwardersAgain() {
        send(tcp(CLIENT, 40000, VIP, 80, SYN, 0));
        send(tcp(CLIENT, 40000, VIP, 80, ACK, 0));
        DrConnection c = tcpConnection(40000);
        path.seen.remove(c); // the LRU let it go
        now += 500 * S;
        core.expire(now);
        assertFalse(c.offloaded);
        path.full = true;
        send(tcp(CLIENT, 40001, VIP, 80, SYN, 0));
        send(tcp(CLIENT, 40001, VIP, 80, ACK, 0));
        assertFalse(tcpConnection(40001).offloaded);
        assertTrue(send(tcp(CLIENT, 40001, VIP, 80, ACK, 10)), "and forwarded here as before");
    }
}
