package org.hadirector.sys;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The TUN device against the real kernel in a namespace, checked with ip(8). */
class TunDeviceTest {
    private static final InetAddress VIP = address("198.18.0.100");
    private static final InetAddress VIP6 = address("2001:db8::100");

    @Test
    void hostAddressesLiveOnAnUpInterfaceThatGoesWithTheDescriptor() throws Exception {
        try (NetnsLab lab = NetnsLab.create("tun")) {
            TunDevice tun = lab.in(lab.a, () -> {
                TunDevice t = TunDevice.open("hd-announce");
                t.add(VIP);
                t.add(VIP); // again: no change, not an error
                t.add(VIP6);
                return t;
            });
            try {
                String shown = NetnsLab.ip("-n", lab.a, "addr", "show", "dev", "hd-announce");
                assertTrue(shown.contains("state UNKNOWN") || shown.contains(",UP,"), shown);
                assertTrue(shown.contains("inet 198.18.0.100/32 scope global hd-announce"), shown);
                assertTrue(shown.contains("inet6 2001:db8::100/128 scope global nodad noprefixroute"), shown);
                assertFalse(shown.contains("fe80:"), "no link-local address: " + shown);
                // A /32 makes no prefix route; the VIP is local, so nothing is sent on the TUN.
                String routes = NetnsLab.ip("-n", lab.a, "route", "show", "dev", "hd-announce");
                assertEquals("", routes.strip());
                String local = NetnsLab.ip("-n", lab.a, "route", "get", "198.18.0.100");
                assertTrue(local.startsWith("local 198.18.0.100 dev lo"), local);
                assertEquals(List.of(VIP, VIP6), lab.in(lab.a, tun::addresses));
                // O_CLOEXEC (octal 02000000): a script the daemon starts must not inherit the
                // descriptor, or the device and its VIPs would outlive the daemon in the child.
                String fdinfo = java.nio.file.Files.readString(java.nio.file.Path.of("/proc/self/fdinfo/" + tun.fd()));
                Matcher flags = Pattern.compile("flags:\\s+(\\d+)").matcher(fdinfo);
                assertTrue(flags.find(), fdinfo);
                assertTrue((Long.parseLong(flags.group(1), 8) & 02000000) != 0, fdinfo);

                assertTrue(lab.in(lab.a, () -> tun.remove(VIP)));
                assertFalse(lab.in(lab.a, () -> tun.remove(VIP)), "second remove: not there");
                assertEquals(List.of(VIP6), lab.in(lab.a, tun::addresses));
            } finally {
                lab.in(lab.a, () -> {
                    tun.close();
                    tun.close(); // twice: harmless
                    return null;
                });
            }
            String links = NetnsLab.ip("-n", lab.a, "link", "show");
            assertFalse(links.contains("hd-announce"), links);
        }
    }

    @Test
    void refusesANameThatIsTakenWhetherByATunOrAnotherDevice() throws Exception {
        try (NetnsLab lab = NetnsLab.create("tux")) {
            lab.in(lab.a, () -> {
                try (TunDevice first = TunDevice.open("hd-announce")) {
                    NativeException e = assertThrows(NativeException.class, () -> TunDevice.open("hd-announce"));
                    assertEquals(16, e.errno(), e.getMessage());
                    assertTrue(e.getMessage().contains("exists already (ifindex " + first.ifindex()), e.getMessage());
                }
                return null;
            });
            // A persistent TUN (ip tuntap) would outlive us with the VIPs: refused, not attached to.
            NetnsLab.ip("-n", lab.a, "tuntap", "add", "dev", "hd-persist", "mode", "tun");
            lab.in(lab.a, () -> {
                for (String name : List.of("hd-persist", "e0")) {
                    NativeException e = assertThrows(NativeException.class, () -> TunDevice.open(name));
                    assertTrue(e.getMessage().contains("exists already"), e.getMessage());
                }
                return null;
            });
            assertTrue(NetnsLab.ip("-n", lab.a, "link", "show", "e0").contains("e0"));
            NativeException none =
                    assertThrows(NativeException.class, () -> TunDevice.open("hd-announce", "/nonexistent/tun"));
            assertTrue(none.getMessage().startsWith("open(/nonexistent/tun): no TUN driver here"), none.getMessage());
            assertThrows(IllegalArgumentException.class, () -> TunDevice.open("a-name-too-long-x"));
            assertThrows(IllegalArgumentException.class, () -> TunDevice.open("bad/name"));
        }
    }

    /**
     * Packets an operator routes to the TUN wait in its queue, which nobody reads: past the
     * queue's bound the kernel drops them (tx_dropped), the sender is never blocked.
     */
    @Test
    void anUnreadQueueDropsPastItsBoundAndNeverBlocks() throws Exception {
        try (NetnsLab lab = NetnsLab.create("tuq")) {
            TunDevice tun = lab.in(lab.a, () -> TunDevice.open("hd-announce"));
            try {
                NetnsLab.ip("-n", lab.a, "route", "add", "198.18.0.200/32", "dev", "hd-announce");
                int sent = 2000;
                long took = lab.in(lab.a, () -> {
                    long t0 = System.nanoTime();
                    try (DatagramSocket s = new DatagramSocket(new InetSocketAddress("198.18.0.11", 0))) {
                        byte[] payload = new byte[100];
                        for (int i = 0; i < sent; i++) {
                            s.send(new DatagramPacket(
                                    payload, payload.length, new InetSocketAddress("198.18.0.200", 9)));
                        }
                    }
                    return (System.nanoTime() - t0) / 1_000_000;
                });
                String stats = NetnsLab.ip("-n", lab.a, "-s", "link", "show", "dev", "hd-announce");
                Matcher tx = Pattern.compile("TX:.*\\n\\s+(\\d+)\\s+(\\d+)\\s+(\\d+)\\s+(\\d+)")
                        .matcher(stats);
                assertTrue(tx.find(), stats);
                // tun counts tx packets when they are read, so none; what is held is sent - dropped.
                long dropped = Long.parseLong(tx.group(4));
                System.out.printf(
                        "unread TUN: %d sent in %d ms, %d dropped, %d held in the queue (txqueuelen 500)%n",
                        sent, took, dropped, sent - dropped);
                assertEquals(0, Long.parseLong(tx.group(2)), stats);
                assertTrue(sent - dropped <= 500, stats);
                assertTrue(took < 10_000, "sends were never blocked: " + took + " ms");
            } finally {
                lab.in(lab.a, () -> {
                    tun.close();
                    return null;
                });
            }
        }
    }

    @Test
    void ifreqCarriesTheNameAndFlags() {
        byte[] r = TunDevice.ifreq("hd-announce", (short) 0x9001);
        assertEquals(40, r.length);
        assertEquals("hd-announce", new String(r, 0, 11, java.nio.charset.StandardCharsets.US_ASCII));
        assertEquals(0, r[11]);
        assertEquals(0x01, r[16]);
        assertEquals((byte) 0x90, r[17]);
    }

    private static InetAddress address(String s) {
        try {
            return InetAddress.getByName(s);
        } catch (java.net.UnknownHostException e) {
            throw new IllegalArgumentException(e);
        }
    }
}
