package org.hadirector.sys;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.util.Arrays;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Real raw sockets between two network namespaces: what one sends, the other receives, with TTL 255. */
class RawIpSocketTest {
    static final int VRRP = 112;

    private static RawIpSocket.Received receiveOne(RawIpSocket s, byte[] buf) throws Exception {
        Poller p = new Poller(s.fd());
        RawIpSocket.Received r = new RawIpSocket.Received();
        for (int i = 0; i < 50; i++) {
            if (p.await(100) != 0 && s.receive(buf, r)) {
                return r;
            }
        }
        throw new AssertionError("nothing received within 5 s");
    }

    @Test
    void multicastIpv4WithTtl255AndTos() throws Exception {
        try (NetnsLab lab = NetnsLab.create("r4")) {
            CountDownLatch joined = new CountDownLatch(1);
            InetAddress group = InetAddress.getByName("224.0.0.18");
            byte[] payload = {0x31, 0x33, 100, 1, 0, 100, 0, 0, (byte) 198, 18, 0, 100};
            Future<RawIpSocket.Received> rx = lab.start(lab.b, () -> {
                try (RawIpSocket s = RawIpSocket.open("e0", false, VRRP)) {
                    s.joinGroup(group);
                    joined.countDown();
                    byte[] buf = new byte[2048];
                    RawIpSocket.Received r = receiveOne(s, buf);
                    assertArrayEquals(payload, Arrays.copyOfRange(buf, r.payloadOffset, r.length));
                    assertEquals(0xc0, buf[1] & 0xff, "TOS 0xC0");
                    return r;
                }
            });
            assertTrue(joined.await(10, TimeUnit.SECONDS));
            lab.in(lab.a, () -> {
                try (RawIpSocket s = RawIpSocket.open("e0", false, VRRP)) {
                    // Until the receiver has one: a fresh veth may drop the first packets.
                    for (int i = 0; i < 100 && !rx.isDone(); i++) {
                        s.send(payload, group);
                        Thread.sleep(50);
                    }
                }
                return null;
            });
            RawIpSocket.Received r = NetnsLab.get(rx);
            assertEquals(InetAddress.getByName("198.18.0.11"), r.source);
            assertEquals(group, r.destination);
            assertEquals(255, r.ttl);
        }
    }

    @Test
    void multicastIpv6WithHopLimit255() throws Exception {
        try (NetnsLab lab = NetnsLab.create("r6")) {
            CountDownLatch joined = new CountDownLatch(1);
            InetAddress group = InetAddress.getByName("ff02::12");
            byte[] payload = {0x31, 0x33, 100, 1, 0, 100, 0, 0};
            Future<RawIpSocket.Received> rx = lab.start(lab.b, () -> {
                try (RawIpSocket s = RawIpSocket.open("e0", true, VRRP)) {
                    s.joinGroup(group);
                    joined.countDown();
                    byte[] buf = new byte[2048];
                    RawIpSocket.Received r = receiveOne(s, buf);
                    assertArrayEquals(payload, Arrays.copyOfRange(buf, 0, r.length));
                    return r;
                }
            });
            assertTrue(joined.await(10, TimeUnit.SECONDS));
            lab.in(lab.a, () -> {
                try (RawIpSocket s = RawIpSocket.open("e0", true, VRRP)) {
                    // Until the receiver has one: a fresh veth may drop the first packets.
                    for (int i = 0; i < 100 && !rx.isDone(); i++) {
                        s.send(payload, group);
                        Thread.sleep(50);
                    }
                }
                return null;
            });
            RawIpSocket.Received r = NetnsLab.get(rx);
            assertTrue(r.source.isLinkLocalAddress(), "sent from the link-local address: " + r.source);
            assertEquals(group, r.destination);
            assertEquals(255, r.ttl);
        }
    }

    @Test
    void unknownInterfaceNamesTheCall() throws Exception {
        try (NetnsLab lab = NetnsLab.create("ri")) {
            NativeException e = assertThrows(
                    NativeException.class, () -> lab.in(lab.a, () -> RawIpSocket.open("nope0", false, VRRP)));
            assertTrue(e.getMessage().startsWith("if_nametoindex(nope0): No such device"), e.getMessage());
        }
    }
}
