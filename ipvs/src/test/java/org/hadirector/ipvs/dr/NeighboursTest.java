package org.hadirector.ipvs.dr;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class NeighboursTest {
    static final long S = 1_000_000_000L;
    /** 198.18.0.1 and 198.18.0.2, addresses a link may have. */
    static final int A = 0xc612_0001;

    static final int B = 0xc612_0002;
    final Neighbours n = new Neighbours();

    /** The IPv4 addresses due now. */
    List<Integer> due(long nowNs) {
        return n.due(nowNs).stream().map(e -> e.address).toList();
    }

    /** The seconds (from 0, checked every 100 ms as the forwarder does) at which {@code address} is asked. */
    List<Long> askedAt(int address, long untilS) {
        List<Long> at = new ArrayList<>();
        for (long t = 0; t <= untilS * S; t += S / 10) {
            if (due(t).contains(address)) {
                at.add(t / (S / 10));
            }
        }
        return at;
    }

    @Test
    void aSilentAddressIsAskedThreeTimesThenLessAndLessOftenUpToOnceAMinute() {
        n.use(A);
        // tenths of a second: 0, 1 s, 2 s, then 4, 8, 16, 32, 64 s apart, then once a minute
        assertEquals(List.of(0L, 10L, 20L, 40L, 80L, 160L, 320L, 640L, 1240L, 1840L), askedAt(A, 200));
    }

    @Test
    void aHeardAddressIsRefreshedOnceAMinuteAndKeepsItsMacWhenSilent() {
        Neighbours.Entry e = n.use(A);
        assertEquals(List.of(A), due(0));
        n.heard(A, 0xa, S / 10);
        assertEquals(List.of(), due(59 * S));
        assertEquals(List.of(A), due(60 * S + S / 10));
        // silent at its refresh: asked a second apart, then backing off; the MAC stays
        assertEquals(List.of(), due(61 * S));
        assertEquals(List.of(A), due(61 * S + S / 10));
        assertEquals(0xa, e.mac);
        n.heard(A, 0xb, 62 * S);
        assertEquals(0xb, e.mac);
        assertEquals(List.of(), due(121 * S));
        assertEquals(List.of(A), due(122 * S));
    }

    @Test
    void trafficForAnUnknownAddressBringsTheNextAskForwardToASecondWhateverTheRate() {
        Neighbours.Entry e = n.use(A);
        for (long t = 0; t < 100 * S; t += S / 10) {
            due(t);
        }
        assertTrue(e.unanswered > Neighbours.SOLICIT);
        long asked = e.askedNs;
        // a packet flood needing the MAC: one ask a second after the last, not one per packet
        for (int i = 0; i < 100_000; i++) {
            n.wanted(e, 100 * S);
        }
        assertEquals(List.of(A), due(Math.max(100 * S, asked + S)));
        assertEquals(List.of(), due(asked + S + S / 2));
    }

    @Test
    void oneCallAsksAtMostItsCapAndTheRestAtTheNext() {
        int count = Neighbours.MAX_ASKS_PER_CALL * 2 + 10;
        for (int a = 1; a <= count; a++) {
            n.use(A + a);
        }
        assertEquals(Neighbours.MAX_ASKS_PER_CALL, due(0).size());
        assertEquals(Neighbours.MAX_ASKS_PER_CALL, due(S / 10).size());
        assertEquals(10, due(2 * S / 10).size());
        assertEquals(0, due(3 * S / 10).size());
    }

    @Test
    void anAddressAddedLaterIsAskedAtTheNextCallEvenWhenNothingElseIsDue() {
        n.use(A);
        due(0);
        n.heard(A, 0xa, 0);
        assertEquals(List.of(), due(S));
        n.use(B);
        assertEquals(List.of(B), due(S + S / 10));
    }

    @Test
    void aReleasedAddressIsForgotten() {
        Neighbours.Entry e = n.use(A);
        n.use(A);
        n.release(e);
        assertEquals(1, n.size());
        n.release(e);
        assertEquals(0, n.size());
        assertEquals(List.of(), due(0));
    }

    @Test
    void anAddressThatCannotBeOnALinkIsNeverAskedForNorLearned() {
        for (String a : List.of("127.1.0.1", "0.0.0.7", "224.0.0.18", "240.0.0.1", "255.255.255.255")) {
            Neighbours.Entry e = n.use(Frames.ip(a));
            assertEquals(false, e.onLink, a);
            // a spoofed ARP from such a sender teaches nothing (the kernel's arp_process drops it)
            assertEquals(false, n.heard(Frames.ip(a), 0xa, 0), a);
            assertEquals(-1, e.mac, a);
        }
        for (String a : List.of("::1", "::", "ff02::1")) {
            java.net.InetAddress x = ForwardingCoreTest.addr(a);
            Neighbours.Entry e = n.use(Ip128.hi(x), Ip128.lo(x));
            assertEquals(false, e.onLink, a);
        }
        for (long t = 0; t < 200 * S; t += S / 10) {
            assertEquals(List.of(), n.due(t), "at " + t);
        }
        for (String a : List.of("198.18.0.9", "10.0.0.1", "fe80::1", "2001:db8::1", "::ffff:198.18.0.10")) {
            java.net.InetAddress x = ForwardingCoreTest.addr(a);
            assertEquals(true, Neighbours.canBeOnLink(Ip128.hi(x), Ip128.lo(x)), a);
        }
    }
}
