package org.hadirector.sys;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import org.junit.jupiter.api.Test;

/**
 * Both kinds of socket between two namespaces: where ping_group_range covers root's group the
 * socket is a datagram one (the kernel's identifier and checksum), where it is the kernel's "1 0"
 * a raw one; each gets its echo replies, and an address nobody has answers nothing.
 */
class IcmpEchoSocketNetnsTest {
    private static final byte[] DATA = "keepalived check - ".getBytes(java.nio.charset.StandardCharsets.US_ASCII);

    /** Pings {@code to} until a reply comes (a fresh veth may lose the first packets while neighbours resolve). */
    private static IcmpEchoSocket.Reply echo(IcmpEchoSocket s, InetAddress to) throws Exception {
        for (int seq = 1; seq <= 20; seq++) {
            s.send(to, seq, DATA);
            IcmpEchoSocket.Reply r = s.receive(250);
            if (r != null) {
                assertEquals(to, r.from());
                assertTrue(r.message().isEchoReply(s.ipv6()), r.toString());
                assertTrue(r.message().seq() >= 1 && r.message().seq() <= seq, r.toString());
                assertEquals(DATA.length, r.message().dataLength());
                return r;
            }
        }
        throw new AssertionError("no echo reply from " + to + " in 5 s on " + s.kind());
    }

    /** Nothing answers {@code seq} within 700 ms (late replies to the earlier pings may still come). */
    private static void assertNoReply(IcmpEchoSocket s, int seq) throws Exception {
        long end = System.nanoTime() + 700_000_000L;
        for (long left; (left = end - System.nanoTime()) > 0; ) {
            IcmpEchoSocket.Reply r = s.receive((int) Math.max(1, left / 1_000_000));
            assertTrue(r == null || r.message().seq() != seq, "a reply from nobody: " + r);
        }
    }

    @Test
    void datagramWithinPingGroupRangeRawOutsideIt() throws Exception {
        try (NetnsLab lab = NetnsLab.create("icmp")) {
            NetnsLab.ip("netns", "exec", lab.a, "sysctl", "-qw", "net.ipv4.ping_group_range=0 0");
            lab.in(lab.a, () -> {
                for (boolean v6 : new boolean[] {false, true}) {
                    try (IcmpEchoSocket s = IcmpEchoSocket.open(v6)) {
                        assertEquals(IcmpEchoSocket.Kind.DATAGRAM, s.kind());
                        assertNotNull(echo(s, InetAddress.getByName(v6 ? "2001:db8::12" : "198.18.0.12")));
                        // an address on the link that nobody has: no reply (the ARP / ND failure is not ours to see)
                        s.send(InetAddress.getByName(v6 ? "2001:db8::99" : "198.18.0.99"), 30_000, DATA);
                        assertNoReply(s, 30_000);
                    }
                }
                return null;
            });
            lab.in(lab.b, () -> {
                for (boolean v6 : new boolean[] {false, true}) {
                    try (IcmpEchoSocket s = IcmpEchoSocket.open(v6)) {
                        assertEquals(IcmpEchoSocket.Kind.RAW, s.kind(), "ping_group_range is '1 0' in a new namespace");
                        assertNotNull(echo(s, InetAddress.getByName(v6 ? "2001:db8::11" : "198.18.0.11")));
                        s.send(InetAddress.getByName(v6 ? "2001:db8::99" : "198.18.0.99"), 30_000, DATA);
                        assertNoReply(s, 30_000);
                    }
                }
                return null;
            });
        }
    }
}
