package org.hadirector.sys;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.net.InetAddress;
import org.junit.jupiter.api.Test;

/**
 * Echoes to the loopback addresses only (never another interface of the machine), on whichever
 * socket the system allows: a datagram socket within ping_group_range, else a raw one as root.
 * The datagram socket as root is {@code IcmpEchoSocketNetnsTest}'s, in a namespace of its own.
 */
class IcmpEchoSocketTest {

    private static IcmpEchoSocket openOrSkip(boolean ipv6) {
        try {
            return IcmpEchoSocket.open(ipv6);
        } catch (NativeException e) {
            assumeTrue(false, "no ICMP socket here: " + e.getMessage());
            return null;
        }
    }

    @Test
    void loopbackAnswersIpv4() throws Exception {
        echo(false, InetAddress.getByName("127.0.0.1"));
    }

    @Test
    void loopbackAnswersIpv6() throws Exception {
        echo(true, InetAddress.getByName("::1"));
    }

    private static void echo(boolean ipv6, InetAddress to) throws Exception {
        try (IcmpEchoSocket s = openOrSkip(ipv6)) {
            byte[] data = "keepalived check - ".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
            for (int seq = 40_000; seq < 40_003; seq++) {
                s.send(to, seq, data);
            }
            for (int seq = 40_000; seq < 40_003; seq++) {
                IcmpEchoSocket.Reply r = null;
                for (int i = 0; i < 20 && r == null; i++) {
                    r = s.receive(100);
                }
                assertNotNull(r, "reply " + seq + " within 2 s on " + s.kind());
                assertEquals(to, r.from());
                assertTrue(r.message().isEchoReply(ipv6), r.toString());
                assertEquals(seq, r.message().seq(), "in order on loopback");
                assertEquals(data.length, r.message().dataLength());
            }
            assertEquals(null, s.receive(0), "nothing else: requests and other identifiers are filtered");
        }
    }
}
