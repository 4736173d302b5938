package org.hadirector.ipvs.dr;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The forwarder's socket filter run on frames by a small classic-BPF interpreter with the
 * kernel's semantics for the instructions it uses (net/core/filter.c; a load past the frame's
 * end drops it): which frames the kernel copies to the forwarder, and which it never sees.
 */
class BpfProgramTest {
    static final int PACKET_HOST = 0;
    static final int PACKET_OTHERHOST = 3;
    static final int ACCEPT = 0x40000;

    /** Runs {@code prog} on {@code f} as the kernel would for a frame of type {@code pktType}; returns the bytes kept. */
    static int run(int[][] prog, ByteBuffer f, int pktType) {
        int a = 0;
        int x = 0;
        int len = f.limit();
        for (int pc = 0; pc < prog.length; pc++) {
            int[] i = prog[pc];
            int k = i[3];
            switch (i[0]) {
                case 0x20 -> { // ld [k]
                    if (k == 0xfffff000 + 4) {
                        a = pktType;
                    } else if (k + 4 > len) {
                        return 0;
                    } else {
                        a = f.getInt(k);
                    }
                }
                case 0x28 -> { // ldh [k]
                    if (k + 2 > len) {
                        return 0;
                    }
                    a = Short.toUnsignedInt(f.getShort(k));
                }
                case 0x30 -> { // ldb [k]
                    if (k + 1 > len) {
                        return 0;
                    }
                    a = f.get(k) & 0xff;
                }
                case 0xb1 -> { // ldxb 4*([k]&0xf)
                    if (k + 1 > len) {
                        return 0;
                    }
                    x = 4 * (f.get(k) & 0xf);
                }
                case 0x50 -> { // ldb [x+k]
                    if (x + k + 1 > len) {
                        return 0;
                    }
                    a = f.get(x + k) & 0xff;
                }
                case 0x54 -> a &= k; // and #k
                case 0x05 -> pc += k; // ja k
                case 0x48 -> { // ldh [x+k]
                    if (x + k + 2 > len) {
                        return 0;
                    }
                    a = Short.toUnsignedInt(f.getShort(x + k));
                }
                case 0x15 -> pc += a == k ? i[1] : i[2]; // jeq #k
                case 0x45 -> pc += (a & k) != 0 ? i[1] : i[2]; // jset #k
                case 0x06 -> {
                    return k; // ret #k
                }
                default ->
                    throw new IllegalStateException("instruction " + Integer.toHexString(i[0]) + " not expected");
            }
        }
        throw new IllegalStateException("ran off the end");
    }

    static final int VIP = Frames.ip("198.18.0.100");
    static final List<BpfProgram.Target> TARGETS =
            List.of(new BpfProgram.Target(6, VIP, 80), new BpfProgram.Target(17, VIP, 0));
    static final int[][] PROG = BpfProgram.build(TARGETS, BpfProgram.Lane.ESTABLISHED);
    static final int[][] OPENING = BpfProgram.build(TARGETS, BpfProgram.Lane.OPENING);

    /** What both sockets take of a frame: its bytes in the established lane, in the opening lane. */
    static String lanes(ByteBuffer f) {
        return run(PROG, f, PACKET_HOST) + "/" + run(OPENING, f, PACKET_HOST);
    }

    static ByteBuffer arp() {
        byte[] f = org.hadirector.sys.ArpFrame.request(
                new byte[] {2, 0, 0, 0, 0, 0x15}, new byte[] {(byte) 198, 18, 0, 21}, new byte[] {(byte) 198, 18, 0, 11
                });
        return ByteBuffer.wrap(f);
    }

    @Test
    void aSynTakesTheOpeningLaneAndEveryOtherFrameOfAServiceTheEstablishedOne() {
        String established = ACCEPT + "/0";
        String opening = "0/" + ACCEPT;
        assertEquals(opening, lanes(Frames.tcp("198.18.0.10", 40000, "198.18.0.100", 80, Frames.SYN, 0)));
        assertEquals(
                opening,
                lanes(Frames.tcp("198.18.0.10", 40000, "198.18.0.100", 80, Frames.SYN | Frames.FIN, 0)),
                "a SYN with other flags (no ACK) still opens");
        for (int flags : new int[] {Frames.ACK, Frames.ACK | Frames.SYN, Frames.ACK | Frames.FIN, Frames.RST, 0}) {
            assertEquals(
                    established,
                    lanes(Frames.tcp("198.18.0.10", 40000, "198.18.0.100", 80, flags, 100)),
                    "flags " + flags);
        }
        assertEquals(established, lanes(Frames.udp("198.18.0.10", 5353, "198.18.0.100", 53, 10)), "UDP");
        assertEquals(established, lanes(arp()), "ARP");
        assertEquals("0/0", lanes(Frames.tcp("198.18.0.10", 40000, "198.18.0.100", 81, Frames.SYN, 0)));
        assertEquals("0/0", lanes(Frames.tcp("198.18.0.10", 40000, "198.18.0.101", 80, Frames.ACK, 0)));
        // the flags are read after IP options too (ldb [x+27])
        ByteBuffer syn = Frames.tcp("198.18.0.10", 40000, "198.18.0.100", 80, Frames.SYN, 0);
        assertEquals(opening, lanes(withOptions(syn)));
        assertEquals(
                established, lanes(withOptions(Frames.tcp("198.18.0.10", 40000, "198.18.0.100", 80, Frames.ACK, 0))));
    }

    /** The frame with 4 bytes of IPv4 options (IHL 6). */
    static ByteBuffer withOptions(ByteBuffer plain) {
        ByteBuffer opt = ByteBuffer.allocate(plain.limit() + 4);
        for (int i = 0; i < 34; i++) {
            opt.put(i, plain.get(i));
        }
        opt.put(14, (byte) 0x46);
        for (int i = 34; i < plain.limit(); i++) {
            opt.put(i + 4, plain.get(i));
        }
        return opt;
    }

    @Test
    void theServicesTrafficAndArpReachTheForwarderAndNothingElse() {
        assertEquals(
                ACCEPT, run(PROG, Frames.tcp("198.18.0.10", 40000, "198.18.0.100", 80, Frames.ACK, 0), PACKET_HOST));
        assertEquals(ACCEPT, run(PROG, arp(), PACKET_HOST), "ARP: the real servers' MACs");
        assertEquals(
                ACCEPT,
                run(PROG, Frames.udp("198.18.0.10", 5353, "198.18.0.100", 53, 10), PACKET_HOST),
                "port 0 in a target: every port of that protocol");
        assertEquals(
                0,
                run(PROG, Frames.tcp("198.18.0.10", 40000, "198.18.0.100", 81, Frames.ACK, 0), PACKET_HOST),
                "another port");
        assertEquals(
                0,
                run(PROG, Frames.tcp("198.18.0.10", 40000, "198.18.0.101", 80, Frames.ACK, 0), PACKET_HOST),
                "another address");
        assertEquals(
                0,
                run(PROG, Frames.tcp("198.18.0.10", 40000, "198.18.0.100", 80, Frames.ACK, 0), PACKET_OTHERHOST),
                "not addressed to this host's MAC");
    }

    static final String VIP6 = "2001:db8::100";
    static final List<BpfProgram.Target> TARGETS6 = List.of(
            new BpfProgram.Target(6, 0x20010db800000000L, 0x100L, 80),
            new BpfProgram.Target(17, 0x20010db800000000L, 0x100L, 0),
            new BpfProgram.Target(6, VIP, 80));

    static String lanes6(ByteBuffer f) {
        return run(BpfProgram.build(TARGETS6, BpfProgram.Lane.ESTABLISHED), f, PACKET_HOST) + "/"
                + run(BpfProgram.build(TARGETS6, BpfProgram.Lane.OPENING), f, PACKET_HOST);
    }

    /**
     * IPv6 services: a SYN opens, the rest of a service's frames and neighbour advertisements
     * and solicitations take the established lane, another address, port or ICMPv6 message
     * none; a frame whose first next header is an extension header is taken to a service's
     * address whatever its port (the frame path walks the chain).
     */
    @Test
    void ipv6ServicesAndNeighbourDiscoveryReachTheForwarder() {
        String established = ACCEPT + "/0";
        String opening = "0/" + ACCEPT;
        assertEquals(opening, lanes6(Frames.packet6(6, "2001:db8::10", 40000, VIP6, 80, Frames.SYN, 0)));
        assertEquals(established, lanes6(Frames.packet6(6, "2001:db8::10", 40000, VIP6, 80, Frames.ACK, 10)));
        assertEquals(established, lanes6(Frames.packet6(17, "2001:db8::10", 5353, VIP6, 53, 0, 10)));
        assertEquals("0/0", lanes6(Frames.packet6(6, "2001:db8::10", 40000, VIP6, 81, Frames.SYN, 0)));
        assertEquals("0/0", lanes6(Frames.packet6(6, "2001:db8::10", 40000, "2001:db8::101", 80, Frames.ACK, 0)));
        assertEquals("0/0", lanes6(Frames.packet6(6, "2001:db8:1::100", 40000, "2001:db9::100", 80, Frames.ACK, 0)));
        assertEquals(
                established,
                lanes6(Frames.packet6(6, "2001:db8::10", 40000, VIP6, 81, Frames.SYN, 0, 0)),
                "hop-by-hop");
        assertEquals("0/0", lanes6(Frames.packet6(6, "2001:db8::10", 40000, "2001:db8::101", 80, Frames.SYN, 0, 0)));
        ByteBuffer na = NdpFramesTest.advertisement(0x020000000021L, 255).duplicate();
        assertEquals(established, lanes6(na), "a neighbour advertisement");
        ByteBuffer echo = NdpFramesTest.advertisement(0x020000000021L, 255).duplicate();
        echo.put(54, (byte) 128);
        assertEquals("0/0", lanes6(echo), "another ICMPv6 message");
        // IPv4 beside it as before
        assertEquals(opening, lanes6(Frames.tcp("198.18.0.10", 40000, "198.18.0.100", 80, Frames.SYN, 0)));
        assertEquals("0/0", lanes6(Frames.udp("198.18.0.10", 5353, "198.18.0.100", 53, 10)));
        assertEquals(established, lanes6(arp()));
    }

    @Test
    void laterFragmentsAndOptionsAreReadRight() {
        ByteBuffer frag = Frames.tcp("198.18.0.10", 40000, "198.18.0.100", 80, Frames.ACK, 8);
        frag.putShort(20, (short) 0x0001); // fragment offset 8: no ports in it
        assertEquals(0, run(PROG, frag, PACKET_HOST), "a later fragment goes to the local stack");
        // IHL 6 (4 bytes of options): the port is read after them (ldxb 4*([14]&0xf))
        assertEquals(
                ACCEPT,
                run(
                        PROG,
                        withOptions(Frames.tcp("198.18.0.10", 40000, "198.18.0.100", 80, Frames.ACK, 0)),
                        PACKET_HOST));
        assertEquals(0, run(PROG, ByteBuffer.wrap(new byte[20]), PACKET_HOST), "too short to be anything");
    }

    @Test
    void aProgramHasAtMostTheKernels4096Instructions() {
        List<BpfProgram.Target> many = new ArrayList<>();
        for (int i = 0; i < 700; i++) {
            many.add(new BpfProgram.Target(6, VIP + i, 80));
        }
        assertThrows(IllegalArgumentException.class, () -> BpfProgram.build(many, BpfProgram.Lane.OPENING));
        // an IPv4 TCP target takes 7 instructions (its verdict is one jump to the shared flags'
        // test): 580 of them fit in the kernel's limit beside the IPv6 and ARP parts
        assertEquals(4093, BpfProgram.build(many.subList(0, 580), BpfProgram.Lane.ESTABLISHED).length);
        assertThrows(
                IllegalArgumentException.class,
                () -> BpfProgram.build(many.subList(0, 581), BpfProgram.Lane.ESTABLISHED));
    }
}
