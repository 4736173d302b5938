package org.hadirector.healthcheck;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.channel.EventLoopGroup;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.hadirector.sys.HexPattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * UDP_CHECK: keepalived's rules (pure), then the checker against real sockets on 127.0.0.1: an
 * echo server, a silent one, and a closed port.
 */
class UdpCheckTest {
    private static final long MS = 1_000_000L;
    private static EventLoopGroup group;

    @BeforeAll
    static void up() {
        group = new io.netty.channel.MultiThreadIoEventLoopGroup(1, io.netty.channel.nio.NioIoHandler.newFactory());
    }

    @AfterAll
    static void down() {
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }

    @Test
    void theDefaultDatagramIsKeepalivedsFiller() {
        assertEquals(
                "keepalived check - keepalived c",
                new String(UdpCheckRules.datagram(null), StandardCharsets.US_ASCII).substring(0, 31));
        assertEquals(32, UdpCheckRules.datagram(null).length);
        assertEquals(2, UdpCheckRules.datagram(HexPattern.parse("0a0b", false)).length);
    }

    @Test
    void aReplyIsJudgedOnItsLengthAndItsFirstBytesAsKeepalivedDoes() {
        HexPattern want = HexPattern.parse("0a0x", true);
        assertNull(UdpCheckRules.judge(new byte[] {0x0a, 0x05, 0x77}, want, 0, 255), "x matches any nibble");
        assertNull(UdpCheckRules.judge(new byte[] {0x0a}, want, 0, 255), "only min(len, pattern) bytes compared");
        assertEquals("reply data mismatch at byte 1", UdpCheckRules.judge(new byte[] {0x0a, 0x15}, want, 0, 255));
        assertEquals("reply of 1 bytes, not 2..255", UdpCheckRules.judge(new byte[] {0x0a}, want, 2, 255));
        assertEquals("reply of 3 bytes, not 0..2", UdpCheckRules.judge(new byte[] {0x0a, 0, 0}, want, 0, 2));
        assertNull(UdpCheckRules.judge(new byte[] {1, 2, 3}, null, 5, 1), "without DATA any reply passes");
    }

    private static CheckSettings.Udp udp(InetSocketAddress to, boolean require, String reply, int min, int max) {
        return new CheckSettings.Udp(
                to,
                null,
                300 * MS,
                HexPattern.parse("68 69", false),
                require,
                reply == null ? null : HexPattern.parse(reply, true),
                min,
                max);
    }

    private static InetSocketAddress local(DatagramSocket s) {
        return new InetSocketAddress(DnsCheckerTest.loopback(), s.getLocalPort());
    }

    @Test
    void anEchoPassesAndItsContentIsJudged() throws Exception {
        try (DatagramSocket echo = new DatagramSocket(new InetSocketAddress(DnsCheckerTest.loopback(), 0))) {
            Thread t = new Thread(() -> {
                byte[] buf = new byte[1500];
                try {
                    while (true) {
                        DatagramPacket p = new DatagramPacket(buf, buf.length);
                        echo.receive(p);
                        echo.send(new DatagramPacket(p.getData(), p.getLength(), p.getSocketAddress()));
                    }
                } catch (java.io.IOException closed) {
                    // the test closed the socket
                }
            });
            t.setDaemon(true);
            t.start();
            ProbeResult ok = DnsCheckerTest.once(new UdpChecker(udp(local(echo), true, "6869", 0, 255), group));
            assertTrue(ok.success(), ok.reason());
            ProbeResult wrong = DnsCheckerTest.once(new UdpChecker(udp(local(echo), true, "6870", 0, 255), group));
            assertFalse(wrong.success());
            assertEquals("reply data mismatch at byte 1", wrong.reason());
            ProbeResult tooLong = DnsCheckerTest.once(new UdpChecker(udp(local(echo), true, "68", 0, 1), group));
            assertFalse(tooLong.success(), "the 2-byte echo is longer than max_reply_length 1");
        }
    }

    @Test
    void silencePassesUnlessAReplyIsRequired() throws Exception {
        try (DatagramSocket silent = new DatagramSocket(new InetSocketAddress(DnsCheckerTest.loopback(), 0))) {
            ProbeResult quiet = DnsCheckerTest.once(new UdpChecker(udp(local(silent), false, null, 0, 255), group));
            assertTrue(quiet.success(), quiet.reason());
            ProbeResult required = DnsCheckerTest.once(new UdpChecker(udp(local(silent), true, null, 0, 255), group));
            assertFalse(required.success());
            assertEquals("no reply within 300 ms", required.reason());
        }
    }

    @Test
    void aClosedPortFailsAtOnceOnTheIcmpError() throws Exception {
        InetSocketAddress closed;
        try (DatagramSocket s = new DatagramSocket(new InetSocketAddress(DnsCheckerTest.loopback(), 0))) {
            closed = local(s);
        }
        // a long timeout: silence would pass, so a failure can only be the ICMP error's
        CheckSettings.Udp s = new CheckSettings.Udp(closed, null, 4000 * MS, null, false, null, 0, 255);
        ProbeResult r = DnsCheckerTest.once(new UdpChecker(s, group));
        assertFalse(r.success(), "an ICMP port unreachable fails even without require_reply");
        assertEquals("port unreachable", r.reason());
    }
}
