package org.hadirector.ipvs.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.HexFormat;
import java.util.Random;
import org.hadirector.ipvs.Destination;
import org.hadirector.ipvs.ForwardMethod;
import org.hadirector.ipvs.IpProtocol;
import org.hadirector.ipvs.ServiceKey;
import org.hadirector.ipvs.Stats;
import org.hadirector.ipvs.Tunnel;
import org.hadirector.ipvs.VirtualService;
import org.junit.jupiter.api.Test;

/** The IPVS genl messages against bytes derived by hand from include/uapi/linux/ip_vs.h (x86_64). */
class IpvsGenlTest {
    static InetAddress ip(String s) throws Exception {
        return InetAddress.getByName(s);
    }

    static final ServiceKey WEB;

    static {
        try {
            WEB = ServiceKey.of(IpProtocol.TCP, ip("198.18.0.100"), 80);
        } catch (Exception e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    static String hex(ByteBuffer b) {
        byte[] out = new byte[b.position()];
        System.arraycopy(b.array(), 0, out, 0, out.length);
        return HexFormat.of().formatHex(out);
    }

    @Test
    void newServiceAsIpvsadmSendsIt() {
        String want = "5400" + "0100" // IPVS_CMD_ATTR_SERVICE, 84 bytes
                + "0600" + "0100" + "0200" + "0000" // AF = AF_INET (u16) + pad
                + "0600" + "0200" + "0600" + "0000" // PROTOCOL = TCP
                + "1400" + "0300" + "c6120064" + "000000000000000000000000" // ADDR, 16 bytes
                + "0600" + "0400" + "0050" + "0000" // PORT 80, network order
                + "0700" + "0600" + "727200" + "00" // SCHED_NAME "rr\0"
                + "0c00" + "0700" + "00000000" + "ffffffff" // FLAGS {flags 0, mask ~0}
                + "0800" + "0800" + "00000000" // TIMEOUT 0
                + "0800" + "0900" + "ffffffff"; // NETMASK 255.255.255.255
        assertEquals(want, hex(IpvsGenl.service(VirtualService.of(WEB, "rr"))));
    }

    @Test
    void persistenceSetsTheFlagTimeoutAndMask() {
        String h = hex(IpvsGenl.service(VirtualService.of(WEB, "wlc").withPersistence(300, 24)));
        assertTrue(h.contains("0c00" + "0700" + "01000000" + "ffffffff"), h);
        assertTrue(h.contains("0800" + "0800" + "2c010000"), h);
        assertTrue(h.contains("0800" + "0900" + "ffffff00"), h);
    }

    @Test
    void newDestinationCarriesTheServiceKeyAndTheWholeDestination() throws Exception {
        String h = hex(IpvsGenl.destination(WEB, Destination.route(ip("198.18.0.21"), 80, 2)));
        String dest = "4800" + "0200" // IPVS_CMD_ATTR_DEST, 72 bytes
                + "1400" + "0100" + "c6120015" + "000000000000000000000000"
                + "0600" + "0200" + "0050" + "0000"
                + "0800" + "0300" + "03000000" // FWD_METHOD = ROUTE (DR)
                + "0800" + "0400" + "02000000" // WEIGHT 2
                + "0800" + "0500" + "00000000" + "0800" + "0600" + "00000000" // thresholds
                + "0600" + "0b00" + "0200" + "0000"; // ADDR_FAMILY AF_INET
        assertTrue(h.endsWith(dest), h);
        assertTrue(h.startsWith("3000" + "0100" + "0600" + "0100" + "0200"), h);
    }

    static ByteBuffer destinationReply(Destination d, byte[] extra) {
        ByteBuffer attrs = IpvsGenl.destination(WEB, d);
        ByteBuffer r = ByteBuffer.allocate(1024).order(ByteOrder.nativeOrder());
        r.putInt(0).putShort((short) 30).putShort((short) 2).putInt(1).putInt(0);
        r.put((byte) 8).put((byte) 1).putShort((short) 0);
        int svcLen = attrs.duplicate().order(ByteOrder.nativeOrder()).getShort(0);
        int nest = r.position();
        r.put(attrs.array(), svcLen, attrs.position() - svcLen);
        r.put(extra);
        r.putShort(nest, (short) (r.position() - nest));
        r.putInt(0, r.position());
        r.flip();
        return r;
    }

    @Test
    void aTunnelledDestinationCarriesItsEncapsulationAsKeepalivedSendsIt() throws Exception {
        // ipip: the type alone (IPVS_DEST_ATTR_TUN_TYPE 13, u8)
        String ipip = hex(IpvsGenl.destination(
                WEB, new Destination(ip("198.18.0.21"), 80, ForwardMethod.TUNNEL, 1, 0, 0, Tunnel.DEFAULT)));
        assertTrue(
                ipip.contains("0800" + "0300" + "02000000" + "0800" + "0400" + "01000000" + "0500" + "0d00" + "00"
                        + "000000" + "0800" + "0500"),
                ipip);
        assertTrue(!ipip.contains("0e00") && !ipip.contains("0600" + "0f00"), ipip);
        // gue port 5555 with csum: type 1, TUN_PORT 14 in network order, TUN_FLAGS 15 = CSUM (1)
        String gue = hex(IpvsGenl.destination(
                WEB,
                new Destination(
                        ip("198.18.0.21"), 80, ForwardMethod.TUNNEL, 1, 0, 0, new Tunnel(Tunnel.GUE, 5555, 1))));
        assertTrue(
                gue.contains("0500" + "0d00" + "01" + "000000" + "0600" + "0e00" + "15b3" + "0000" + "0600" + "0f00"
                        + "0100" + "0000"),
                gue);
        // gre with remcsum: type 2, no port, flags 2
        String gre = hex(IpvsGenl.destination(
                WEB,
                new Destination(ip("198.18.0.21"), 80, ForwardMethod.TUNNEL, 1, 0, 0, new Tunnel(Tunnel.GRE, 0, 2))));
        assertTrue(gre.contains("0500" + "0d00" + "02" + "000000" + "0600" + "0f00" + "0200" + "0000"), gre);
        assertTrue(!gre.contains("0600" + "0e00"), gre);
        // a direct-routing destination carries none
        String dr = hex(IpvsGenl.destination(WEB, Destination.route(ip("198.18.0.21"), 80, 1)));
        assertTrue(!dr.contains("0500" + "0d00"), dr);
    }

    @Test
    void readsATunnelledDestinationAsTheKernelDumpsIt() throws Exception {
        // the kernel's ip_vs_genl_fill_dest puts all three attributes, whatever the type
        Destination ipip = new Destination(ip("198.18.0.22"), 80, ForwardMethod.TUNNEL, 3, 0, 0, null);
        byte[] ipipAttrs = HexFormat.of()
                .parseHex("0500" + "0d00" + "00" + "000000" + "0600" + "0e00" + "0000" + "0000" + "0600" + "0f00"
                        + "0000" + "0000");
        // the builder wrote TUN_TYPE 0 for ipip; the kernel's port and flags (zeros) come after it
        ByteBuffer r = destinationReply(
                new Destination(ip("198.18.0.22"), 80, ForwardMethod.TUNNEL, 3, 0, 0),
                HexFormat.of().parseHex("0600" + "0e00" + "0000" + "0000" + "0600" + "0f00" + "0000" + "0000"));
        assertEquals(ipip, IpvsGenl.parseDestination(r, false).destination());
        // what a type does not use is not kept: wanted and read back stay equal (no endless edits)
        assertEquals(Tunnel.DEFAULT, new Tunnel(Tunnel.IPIP, 4789, Tunnel.CSUM));
        assertEquals(new Tunnel(Tunnel.GRE, 0, Tunnel.CSUM), new Tunnel(Tunnel.GRE, 4789, Tunnel.CSUM));
        assertEquals(
                Tunnel.DEFAULT,
                IpvsGenl.parseDestination(r.rewind(), false).destination().tunnel());
        Destination gue =
                new Destination(ip("198.18.0.22"), 80, ForwardMethod.TUNNEL, 3, 0, 0, new Tunnel(Tunnel.GUE, 6080, 2));
        assertEquals(
                gue,
                IpvsGenl.parseDestination(destinationReply(gue, new byte[0]), false)
                        .destination());
        Destination gre =
                new Destination(ip("198.18.0.22"), 80, ForwardMethod.TUNNEL, 3, 0, 0, new Tunnel(Tunnel.GRE, 0, 1));
        // with a stray port from the kernel (it keeps what it was given): only gue's port means anything
        Destination got = IpvsGenl.parseDestination(
                        destinationReply(gre, HexFormat.of().parseHex("0600" + "0e00" + "1234" + "0000")), false)
                .destination();
        assertEquals(gre, got);
        // a direct-routing destination's zeros are not a tunnel
        Destination dr = Destination.route(ip("198.18.0.22"), 80, 3);
        assertEquals(
                dr,
                IpvsGenl.parseDestination(destinationReply(dr, ipipAttrs), false)
                        .destination());
        // a type the kernel does not define here is the codec's error
        Destination bad = new Destination(ip("198.18.0.22"), 80, ForwardMethod.TUNNEL, 3, 0, 0, null);
        ByteBuffer garbage = destinationReply(bad, new byte[0]);
        int at = hex(IpvsGenl.destination(WEB, bad)).indexOf("05000d00") / 2;
        int svcLen = IpvsGenl.destination(WEB, bad).getShort(0);
        garbage.put(ATTRIBUTES_OF_REPLY + at - svcLen + 4, (byte) 7);
        assertThrows(IpvsGenlException.class, () -> IpvsGenl.parseDestination(garbage, false));
    }

    /** Where a hand-made reply's attributes start: nlmsghdr 16 + genlmsghdr 4. */
    static final int ATTRIBUTES_OF_REPLY = 20;

    @Test
    void daemonAsKeepalivedStartsIt() throws Exception {
        String h = hex(
                IpvsGenl.daemon(new IpvsGenl.Daemon(IpvsGenl.Daemon.MASTER, "e0", 5, 1472, ip("224.0.0.81"), 8848, 1)));
        assertEquals(
                "3c00" + "0300"
                        + "0800" + "0100" + "01000000" // STATE MASTER
                        + "0700" + "0200" + "653000" + "00" // MCAST_IFN "e0"
                        + "0800" + "0300" + "05000000" // SYNC_ID 5
                        + "0600" + "0400" + "c005" + "0000" // SYNC_MAXLEN 1472
                        + "0800" + "0500" + "e0000051" // MCAST_GROUP 224.0.0.81, network order
                        + "0600" + "0700" + "9022" + "0000" // MCAST_PORT 8848, host order
                        + "0500" + "0800" + "01" + "000000",
                h); // MCAST_TTL 1
    }

    /** A reply as the kernel's ip_vs_genl_fill_service writes it, with STATS64. */
    static ByteBuffer serviceReply(VirtualService s, long conns) {
        ByteBuffer attrs = IpvsGenl.service(s);
        ByteBuffer r = ByteBuffer.allocate(1024).order(ByteOrder.nativeOrder());
        r.putInt(0).putShort((short) 30).putShort((short) 2).putInt(1).putInt(0); // nlmsghdr (MULTI)
        r.put((byte) 4).put((byte) 1).putShort((short) 0); // genlmsghdr: GET_SERVICE v1
        int nest = r.position();
        r.put(attrs.array(), 0, attrs.position());
        // append STATS64 inside the service nest and fix its length
        int stats = r.position();
        r.putShort((short) 0).putShort((short) 12);
        for (int i = 1; i <= 10; i++) {
            r.putShort((short) 12).putShort((short) i).putLong(i == 1 ? conns : i * 1000L);
        }
        r.putShort(stats, (short) (r.position() - stats));
        r.putShort(nest, (short) (r.position() - nest));
        r.putInt(0, r.position());
        r.flip();
        return r;
    }

    @Test
    void readsAServiceDumpReply() throws Exception {
        VirtualService s = VirtualService.of(WEB, "wrr").withPersistence(600, 24);
        IpvsGenl.ServiceReply r = IpvsGenl.parseService(serviceReply(s, 77));
        assertEquals(s, r.service());
        assertEquals(new Stats(77, 2000, 3000, 4000, 5000, 6000, 7000, 8000, 9000, 10000), r.stats());
    }

    @Test
    void readsADestinationReply() throws Exception {
        Destination d = Destination.route(ip("198.18.0.22"), 80, 3);
        ByteBuffer attrs = IpvsGenl.destination(WEB, d);
        ByteBuffer r = ByteBuffer.allocate(1024).order(ByteOrder.nativeOrder());
        r.putInt(0).putShort((short) 30).putShort((short) 2).putInt(1).putInt(0);
        r.put((byte) 8).put((byte) 1).putShort((short) 0);
        // skip the service nest the builder put first: a GET_DEST reply has only the destination
        ByteBuffer a = attrs.duplicate().order(ByteOrder.nativeOrder());
        int svcLen = a.getShort(0);
        int nest = r.position();
        r.put(attrs.array(), svcLen, attrs.position() - svcLen);
        r.putShort((short) 8).putShort((short) 7).putInt(4); // ACTIVE_CONNS 4
        r.putShort((short) 8).putShort((short) 8).putInt(9); // INACT_CONNS 9
        r.putShort(nest, (short) (r.position() - nest));
        r.putInt(0, r.position());
        r.flip();
        IpvsGenl.DestinationReply got = IpvsGenl.parseDestination(r, false);
        assertEquals(d, got.destination());
        assertEquals(4, got.active());
        assertEquals(9, got.inactive());
    }

    @Test
    void garbageGivesTheCodecsExceptionOnly() {
        Random rnd = new Random(5);
        ByteBuffer good = serviceReply(VirtualService.of(WEB, "rr"), 1);
        byte[] base = new byte[good.limit()];
        good.get(base);
        int parsed = 0;
        for (int i = 0; i < 20_000; i++) {
            byte[] m = base.clone();
            for (int k = rnd.nextInt(5); k >= 0; k--) {
                m[rnd.nextInt(m.length)] = (byte) rnd.nextInt(256);
            }
            int len = rnd.nextInt(4) == 0 ? rnd.nextInt(m.length) : m.length;
            ByteBuffer b = ByteBuffer.wrap(m, 0, len).order(ByteOrder.nativeOrder());
            try {
                IpvsGenl.parseService(b);
                parsed++;
            } catch (IpvsGenlException | IllegalArgumentException e) {
                // a clear refusal; IllegalArgumentException comes from the model's own checks
            }
        }
        assertTrue(parsed > 100);
        assertThrows(IpvsGenlException.class, () -> IpvsGenl.parseService(ByteBuffer.allocate(10)));
    }
}
