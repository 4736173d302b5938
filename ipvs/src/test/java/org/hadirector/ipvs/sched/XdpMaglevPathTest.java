package org.hadirector.ipvs.sched;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.Closeable;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.hadirector.ipvs.xdp.SelfTestPrograms;
import org.hadirector.ipvs.xdp.XdpProgram;
import org.hadirector.sys.Bpf;
import org.junit.jupiter.api.Test;

/**
 * The XDP program's Maglev path (xdp_dr.c's place), run in the kernel by BPF_PROG_TEST_RUN with
 * maps the test fills as the forwarder will: a miss of an mh service goes to the real server
 * the kernel's mh picks (Java's MaglevScheduler.slot here), its connection into the map and an
 * event into the ring buffer; a SYN, FIN or RST, an unusable server without mh-fallback, a
 * server whose MAC is unknown and a full ring buffer leave the frame to Java untouched.
 * Root (CAP_BPF); no interface.
 */
class XdpMaglevPathTest {
    static final int XDP_PASS = 2;
    static final int XDP_TX = 3;
    static final int SIZE = MaglevScheduler.SIZE;
    static final int VIP = 0xc6120064; // 198.18.0.100
    static final byte[] OWN = mac(0x11);
    static final byte[][] SERVER_MACS = {mac(0x21), mac(0x22), mac(0x23)};
    static final byte[] CLIENT_MAC = mac(0x10);
    /** Server slot 0 usable with a MAC, 1 at weight 0, 2 usable with no MAC yet. */
    static final boolean[] USABLE = {true, false, true};

    static final boolean[] KNOWN = {true, true, false};

    @Test
    void aMissIsPlacedAsTheKernelsMhWouldAndToldToJava() throws Exception {
        Map<String, Closeable> made = new LinkedHashMap<>();
        try (Bpf.Program p =
                SelfTestPrograms.loadWithMaps(SelfTestPrograms.object(XdpProgram.objectName()), "hd_mh_path", made)) {
            Bpf.Map config = (Bpf.Map) made.get("config");
            Bpf.Map services = (Bpf.Map) made.get("services");
            Bpf.Map tables = (Bpf.Map) made.get("mh_tables");
            Bpf.Map servers = (Bpf.Map) made.get("servers");
            Bpf.Map conns = (Bpf.Map) made.get("conns");
            Bpf.RingBuffer placed = (Bpf.RingBuffer) made.get("placed");
            config.update(new byte[4], Arrays.copyOf(OWN, 8), Bpf.ANY);
            services.update(service(6, 80), le(0, 0), Bpf.ANY); // TCP :80, table 0, no flags
            services.update(service(17, 53), le(SIZE, 0x3), Bpf.ANY); // UDP :53, table 1, mh-port + mh-fallback
            for (int i = 0; i < 2 * SIZE; i++) {
                tables.update(le(i), le((i % SIZE) % 3 + 1), Bpf.ANY); // slot i: server i % 3
            }
            for (int d = 0; d < 3; d++) {
                byte[] v = Arrays.copyOf(SERVER_MACS[d], 8);
                v[6] = (byte) (USABLE[d] ? 1 : 0);
                v[7] = (byte) (KNOWN[d] ? 1 : 0);
                servers.update(le(d), v, Bpf.ANY);
            }
            Random r = new Random(5798);
            int[] outcomes = new int[3];
            for (int i = 0; i < 600; i++) {
                int client = 0x0a000000 | r.nextInt(1 << 24);
                int sport = 1024 + r.nextInt(60_000);
                boolean udp = i % 2 == 1;
                byte[] f = frame(udp ? 17 : 6, client, sport, udp ? 53 : 80, udp ? 0 : 0x10 /* ACK */);
                int dest = udp ? walk(client, sport) : slot(client, 0, 0) % 3;
                if (!udp && !USABLE[dest]) {
                    dest = -1; // no mh-fallback: the kernel gives no server, so does the program
                }
                Bpf.Program.TestRun run = p.testRun(f);
                List<byte[]> events = new ArrayList<>();
                placed.read((m, at, len) -> events.add(bytes(m, at, len)), 10);
                if (dest >= 0 && KNOWN[dest]) {
                    outcomes[0]++;
                    assertEquals(XDP_TX, run.retval(), "flow " + i);
                    assertArrayEquals(SERVER_MACS[dest], Arrays.copyOfRange(run.data(), 0, 6));
                    assertArrayEquals(OWN, Arrays.copyOfRange(run.data(), 6, 12));
                    assertEquals(1, events.size());
                    ByteBuffer e = ByteBuffer.wrap(events.get(0)).order(ByteOrder.LITTLE_ENDIAN);
                    assertArrayEquals(
                            key(udp ? 17 : 6, client, sport, udp ? 53 : 80), Arrays.copyOf(events.get(0), 40));
                    assertEquals(dest, e.getInt(40));
                    assertEquals(f.length, e.getLong(48));
                    byte[] v = new byte[40];
                    assertTrue(conns.lookup(key(udp ? 17 : 6, client, sport, udp ? 53 : 80), v));
                    assertArrayEquals(SERVER_MACS[dest], Arrays.copyOf(v, 6));
                    assertEquals(
                            dest,
                            ByteBuffer.wrap(v).order(ByteOrder.LITTLE_ENDIAN).getInt(8));
                    // its next frame is the map's: forwarded, nothing told again
                    assertEquals(XDP_TX, p.testRun(f).retval());
                    assertEquals(0, placed.read((m, at, len) -> {}, 10));
                } else {
                    outcomes[dest < 0 ? 1 : 2]++;
                    assertEquals(XDP_PASS, run.retval(), "flow " + i + " to " + dest);
                    assertArrayEquals(f, Arrays.copyOf(run.data(), f.length), "untouched");
                    assertEquals(0, events.size());
                    assertFalse(conns.lookup(key(udp ? 17 : 6, client, sport, udp ? 53 : 80), new byte[40]));
                }
            }
            assertTrue(outcomes[0] > 100 && outcomes[1] > 50 && outcomes[2] > 50, Arrays.toString(outcomes));

            // a new connection's SYN, a FIN, a RST: Java's, whatever the table says
            for (int flags : new int[] {0x02, 0x11, 0x04}) {
                int client = firstClientTo(0, r);
                assertEquals(
                        XDP_PASS, p.testRun(frame(6, client, 40000, 80, flags)).retval());
            }
            assertEquals(0, placed.read((m, at, len) -> {}, 10));

            // a full ring buffer: the flows it cannot tell Java of are Java's, not placed
            int told = 0;
            int passed = 0;
            for (int i = 0; i < 4_200; i++) {
                int client = firstClientTo(0, r);
                int rv = p.testRun(frame(6, client, 2000 + i, 80, 0x10)).retval();
                told += rv == XDP_TX ? 1 : 0;
                passed += rv == XDP_PASS ? 1 : 0;
            }
            // one 56-byte event and its 8-byte header a flow; the kernel never lets the buffer be
            // exactly full (a reservation must leave the positions less than its size apart)
            assertEquals(256 * 1024 / 64 - 1, told);
            assertEquals(4_200 - told, passed);
            assertEquals(told, placed.read((m, at, len) -> {}, 10_000));
        } finally {
            for (Closeable c : made.values()) {
                c.close();
            }
        }
    }

    /**
     * An sh service's misses placed as the kernel's sh picks (Java's scheduler, which
     * SchedulerVmTest matches against the kernel): its 256-bucket table written from the
     * scheduler itself (weights 1, 0 and 2, so a weight-0 server holds a bucket), TCP without
     * flags, UDP with sh-port and sh-fallback; the program walks the fallback's first 8 steps.
     */
    @Test
    void aMissOfAnShServiceIsPlacedAsTheKernelsShWould() throws Exception {
        Map<String, Closeable> made = new LinkedHashMap<>();
        try (Bpf.Program p =
                SelfTestPrograms.loadWithMaps(SelfTestPrograms.object(XdpProgram.objectName()), "hd_mh_path", made)) {
            Bpf.Map config = (Bpf.Map) made.get("config");
            Bpf.Map services = (Bpf.Map) made.get("services");
            Bpf.Map tables = (Bpf.Map) made.get("mh_tables");
            Bpf.Map servers = (Bpf.Map) made.get("servers");
            Bpf.RingBuffer placed = (Bpf.RingBuffer) made.get("placed");
            config.update(new byte[4], Arrays.copyOf(OWN, 8), Bpf.ANY);
            List<Backend> backends = new ArrayList<>();
            int[] weights = {1, 0, 2};
            for (int d = 0; d < 3; d++) {
                backends.add(new Backend(org.hadirector.ipvs.Destination.route(
                        java.net.InetAddress.getByAddress(new byte[] {(byte) 198, 18, 0, (byte) (21 + d)}),
                        80,
                        weights[d])));
                byte[] v = Arrays.copyOf(SERVER_MACS[d], 8);
                v[6] = (byte) (weights[d] > 0 ? 1 : 0);
                v[7] = (byte) (KNOWN[d] ? 1 : 0);
                servers.update(le(d), v, Bpf.ANY);
            }
            Scheduler tcp = Schedulers.create("sh", 0);
            Scheduler udp = Schedulers.create(
                    "sh", org.hadirector.ipvs.VirtualService.F_SCHED1 | org.hadirector.ipvs.VirtualService.F_SCHED2);
            tcp.update(backends);
            udp.update(backends);
            for (int t = 0; t < 2; t++) {
                PlacementTable table = (PlacementTable) (t == 0 ? tcp : udp);
                assertEquals(PlacementTable.Hash.SOURCE, table.hash());
                assertEquals(XdpProgram.SH_SIZE, table.size());
                for (int i = 0; i < table.size(); i++) {
                    tables.update(le(t * SIZE + i), le(backends.indexOf(table.at(i)) + 1), Bpf.ANY);
                }
            }
            services.update(service(6, 80), le(0, XdpProgram.SH), Bpf.ANY);
            services.update(
                    service(17, 53), le(SIZE, XdpProgram.SH | XdpProgram.MH_PORT | XdpProgram.MH_FALLBACK), Bpf.ANY);
            Random r = new Random(3768);
            FlowRequest flow = new FlowRequest();
            int[] outcomes = new int[3];
            for (int i = 0; i < 600; i++) {
                int client = 0x0a000000 | r.nextInt(1 << 24);
                int sport = 1024 + r.nextInt(60_000);
                boolean isUdp = i % 2 == 1;
                byte[] f = frame(isUdp ? 17 : 6, client, sport, isUdp ? 53 : 80, isUdp ? 0 : 0x18 /* PSH ACK */);
                Backend kernel = (isUdp ? udp : tcp)
                        .pick(flow.set(
                                ByteBuffer.allocate(4).putInt(client).array(),
                                sport,
                                ByteBuffer.allocate(4).putInt(VIP).array(),
                                isUdp ? 53 : 80,
                                isUdp ? 17 : 6,
                                0));
                int dest = shWalk((PlacementTable) (isUdp ? udp : tcp), backends, client, isUdp ? sport : 0, isUdp);
                if (dest >= 0) {
                    assertEquals(kernel, backends.get(dest), "flow " + i + ": the walk's pick is the kernel's");
                }
                Bpf.Program.TestRun run = p.testRun(f);
                List<byte[]> events = new ArrayList<>();
                placed.read((m, at, len) -> events.add(bytes(m, at, len)), 10);
                if (dest >= 0 && KNOWN[dest]) {
                    outcomes[0]++;
                    assertEquals(XDP_TX, run.retval(), "flow " + i);
                    assertArrayEquals(SERVER_MACS[dest], Arrays.copyOfRange(run.data(), 0, 6));
                    assertEquals(1, events.size());
                    assertEquals(
                            dest,
                            ByteBuffer.wrap(events.get(0))
                                    .order(ByteOrder.LITTLE_ENDIAN)
                                    .getInt(40));
                } else {
                    outcomes[dest < 0 ? 1 : 2]++;
                    assertEquals(XDP_PASS, run.retval(), "flow " + i + " to " + dest);
                    assertArrayEquals(f, Arrays.copyOf(run.data(), f.length), "untouched");
                    assertEquals(0, events.size());
                }
            }
            // placed, refused (weight 0 without fallback, or past the walk), no MAC yet
            assertTrue(outcomes[0] > 100 && outcomes[1] > 30 && outcomes[2] > 100, Arrays.toString(outcomes));
        } finally {
            for (Closeable c : made.values()) {
                c.close();
            }
        }
    }

    /**
     * An IPv6 mh service: the program folds the source as the kernel does (the XOR of its four
     * words) and places a sloppy segment where Java's mh would; the event carries the 16-byte
     * addresses (family 6) and the connection goes in the map under its IPv6 key.
     */
    @Test
    void anIpv6MissIsPlacedByTheFoldedSource() throws Exception {
        Map<String, Closeable> made = new LinkedHashMap<>();
        try (Bpf.Program p =
                SelfTestPrograms.loadWithMaps(SelfTestPrograms.object(XdpProgram.objectName()), "hd_mh_path", made)) {
            Bpf.Map config = (Bpf.Map) made.get("config");
            Bpf.Map services = (Bpf.Map) made.get("services");
            Bpf.Map tables = (Bpf.Map) made.get("mh_tables");
            Bpf.Map servers = (Bpf.Map) made.get("servers");
            Bpf.Map conns = (Bpf.Map) made.get("conns");
            Bpf.RingBuffer placed = (Bpf.RingBuffer) made.get("placed");
            config.update(new byte[4], Arrays.copyOf(OWN, 8), Bpf.ANY);
            byte[] vip6 = java.net.InetAddress.getByName("2001:db8::100").getAddress();
            ByteBuffer sk = ByteBuffer.allocate(20).order(ByteOrder.BIG_ENDIAN);
            sk.put(0, vip6).putShort(16, (short) 80).put(18, (byte) 6).put(19, (byte) 6);
            services.update(sk.array(), le(0, 0), Bpf.ANY);
            for (int i = 0; i < SIZE; i++) {
                tables.update(le(i), le(i % 3 + 1), Bpf.ANY);
            }
            for (int d = 0; d < 3; d++) {
                byte[] v = Arrays.copyOf(SERVER_MACS[d], 8);
                v[6] = (byte) (USABLE[d] ? 1 : 0);
                v[7] = (byte) (KNOWN[d] ? 1 : 0);
                servers.update(le(d), v, Bpf.ANY);
            }
            Random r = new Random(8200);
            int placedFlows = 0;
            for (int i = 0; i < 300; i++) {
                byte[] client = java.net.InetAddress.getByName("2001:db8::").getAddress();
                for (int k = 8; k < 16; k++) {
                    client[k] = (byte) r.nextInt(256);
                }
                int sport = 1024 + r.nextInt(60_000);
                ByteBuffer f = ByteBuffer.allocate(14 + 40 + 20 + 16).order(ByteOrder.BIG_ENDIAN);
                f.put(OWN).put(CLIENT_MAC).putShort((short) 0x86dd);
                f.putInt(0x60000000)
                        .putShort((short) 36)
                        .put((byte) 6)
                        .put((byte) 64)
                        .put(client)
                        .put(vip6);
                f.putShort((short) sport).putShort((short) 80).putInt(1000).putInt(2000);
                f.put((byte) 0x50).put((byte) 0x10).putShort((short) 65535).putInt(0);
                int dest = slot(HashSchedulers.fold(client), 0, 0) % 3;
                Bpf.Program.TestRun run = p.testRun(f.array());
                List<byte[]> events = new ArrayList<>();
                placed.read((m, at, len) -> events.add(bytes(m, at, len)), 10);
                ByteBuffer key = ByteBuffer.allocate(40).order(ByteOrder.BIG_ENDIAN);
                key.put(0, client).put(16, vip6).putShort(32, (short) sport).putShort(34, (short) 80);
                key.put(36, (byte) 6).put(37, (byte) 6);
                if (USABLE[dest] && KNOWN[dest]) {
                    placedFlows++;
                    assertEquals(XDP_TX, run.retval(), "flow " + i);
                    assertArrayEquals(SERVER_MACS[dest], Arrays.copyOfRange(run.data(), 0, 6));
                    assertEquals(1, events.size());
                    assertArrayEquals(key.array(), Arrays.copyOf(events.get(0), 40));
                    assertTrue(conns.lookup(key.array(), new byte[40]));
                } else {
                    assertEquals(XDP_PASS, run.retval(), "flow " + i + " to " + dest);
                    assertEquals(0, events.size());
                }
            }
            assertTrue(placedFlows > 50, "placed " + placedFlows);
        } finally {
            for (Closeable c : made.values()) {
                c.close();
            }
        }
    }

    /** The program's sh pick: the bucket, then with fallback the first 8 steps of the kernel's walk; -1: Java's. */
    static int shWalk(PlacementTable t, List<Backend> backends, int client, int port, boolean fallback) {
        int ihash = HashSchedulers.Sh.key(client, port, 0);
        int d = backends.indexOf(t.at(ihash));
        if (d < 0 || PlacementTable.usable(backends.get(d))) {
            return d;
        }
        if (!fallback) {
            return -1;
        }
        for (int offset = 0; offset < 8; offset++) {
            d = backends.indexOf(t.at(HashSchedulers.Sh.key(client, port, (offset + ihash) % 256)));
            if (d < 0 || PlacementTable.usable(backends.get(d))) {
                return d;
            }
        }
        return -1;
    }

    static int slot(int client, int port, int offset) {
        return MaglevScheduler.slot(client, port, MaglevScheduler.HASH1, offset, SIZE);
    }

    /** The UDP service's pick (mh-port, mh-fallback) as the program walks: -1 for Java's. */
    static int walk(int client, int sport) {
        int ihash = slot(client, sport, 0);
        if (USABLE[ihash % 3]) {
            return ihash % 3;
        }
        for (int offset = 0; offset < 8; offset++) {
            int d = slot(client, sport, (offset + ihash) % SIZE) % 3;
            if (USABLE[d]) {
                return d;
            }
        }
        return -1;
    }

    static int firstClientTo(int dest, Random r) {
        while (true) {
            int client = 0x0b000000 | r.nextInt(1 << 24);
            if (slot(client, 0, 0) % 3 == dest) {
                return client;
            }
        }
    }

    static byte[] frame(int proto, int client, int sport, int dport, int flags) {
        int l4 = proto == 6 ? 20 : 8;
        ByteBuffer b = ByteBuffer.allocate(14 + 20 + l4 + 16).order(ByteOrder.BIG_ENDIAN);
        b.put(OWN).put(CLIENT_MAC).putShort((short) 0x0800);
        b.put((byte) 0x45).put((byte) 0).putShort((short) (20 + l4 + 16)).putShort((short) 1);
        b.putShort((short) 0x4000).put((byte) 64).put((byte) proto).putShort((short) 0);
        b.putInt(client).putInt(VIP).putShort((short) sport).putShort((short) dport);
        if (proto == 6) {
            b.putInt(1000).putInt(2000).put((byte) 0x50).put((byte) flags).putShort((short) 65535);
            b.putInt(0);
        } else {
            b.putShort((short) (8 + 16)).putShort((short) 0);
        }
        return b.array();
    }

    /** struct conn_key of an IPv4 flow from client:sport to VIP:dport. */
    static byte[] key(int proto, int client, int sport, int dport) {
        ByteBuffer b = ByteBuffer.allocate(40).order(ByteOrder.BIG_ENDIAN);
        b.putInt(0, client).putInt(16, VIP).putShort(32, (short) sport).putShort(34, (short) dport);
        b.put(36, (byte) proto).put(37, (byte) 4);
        return b.array();
    }

    /** struct svc_key of VIP:port. */
    static byte[] service(int proto, int port) {
        ByteBuffer b = ByteBuffer.allocate(20).order(ByteOrder.BIG_ENDIAN);
        b.putInt(0, VIP).putShort(16, (short) port).put(18, (byte) proto).put(19, (byte) 4);
        return b.array();
    }

    static byte[] le(int... words) {
        ByteBuffer b = ByteBuffer.allocate(4 * words.length).order(ByteOrder.LITTLE_ENDIAN);
        for (int w : words) {
            b.putInt(w);
        }
        return b.array();
    }

    static byte[] mac(int last) {
        return new byte[] {2, 0, 0, 0, 0, (byte) last};
    }

    static byte[] bytes(jnr.ffi.Pointer m, long at, int len) {
        byte[] b = new byte[len];
        m.get(at, b, 0, len);
        return b;
    }
}
