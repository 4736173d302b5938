package org.hadirector.sys;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** Echo requests and replies as bytes (RFC 792, RFC 4443 4.1); checksums computed apart, by hand. */
class IcmpEchoTest {
    private static final byte[] FILLER = "keepalived check - keepalived check - keepalived check - "
            .repeat(3)
            .substring(0, 128)
            .getBytes(StandardCharsets.US_ASCII);

    @Test
    void ipv4RequestLayoutAndChecksum() {
        byte[] b = IcmpEcho.request(false, 0x1234, 1, "abcd".getBytes(StandardCharsets.US_ASCII));
        assertArrayEquals(new byte[] {8, 0, 0x21, 0x04, 0x12, 0x34, 0, 1, 'a', 'b', 'c', 'd'}, b);
    }

    @Test
    void ipv4RequestWithKeepalivedsFiller() {
        byte[] b = IcmpEcho.request(false, 0xbeef, 0x0102, FILLER);
        assertEquals(136, b.length);
        assertArrayEquals(new byte[] {8, 0, (byte) 0xab, 0x25, (byte) 0xbe, (byte) 0xef, 1, 2}, Arrays.copyOf(b, 8));
        assertArrayEquals(FILLER, Arrays.copyOfRange(b, 8, 136));
    }

    @Test
    void ipv6RequestLeavesTheChecksumToTheKernel() {
        byte[] b = IcmpEcho.request(true, 0xbeef, 0xfffe, new byte[] {1, 2, 3});
        assertArrayEquals(
                new byte[] {(byte) 128, 0, 0, 0, (byte) 0xbe, (byte) 0xef, (byte) 0xff, (byte) 0xfe, 1, 2, 3}, b);
    }

    @Test
    void parsesAReplyAndChecksItsChecksum() {
        byte[] reply = new byte[136];
        reply[0] = 0;
        reply[2] = (byte) 0xb3;
        reply[3] = 0x25;
        reply[4] = (byte) 0xbe;
        reply[5] = (byte) 0xef;
        reply[6] = 1;
        reply[7] = 2;
        System.arraycopy(FILLER, 0, reply, 8, 128);
        IcmpEcho.Message m = IcmpEcho.parse(false, reply, 0, reply.length);
        assertEquals(new IcmpEcho.Message(0, 0, 0xbeef, 0x0102, 128), m);
        assertTrue(m.isEchoReply(false));
        assertFalse(m.isEchoReply(true));
        reply[100] ^= 1;
        assertNull(IcmpEcho.parse(false, reply, 0, reply.length), "a damaged reply is no reply");
    }

    @Test
    void ipv6ReplyAndOtherTypes() {
        byte[] b = {(byte) 129, 0, 0x55, 0x55, 0, 7, 0, 9};
        assertEquals(new IcmpEcho.Message(129, 0, 7, 9, 0), IcmpEcho.parse(true, b, 0, 8));
        assertTrue(IcmpEcho.parse(true, b, 0, 8).isEchoReply(true));
        // destination unreachable, code 3 (address unreachable): not an echo reply
        byte[] u = {1, 3, 0, 0, 0, 0, 0, 0};
        assertFalse(IcmpEcho.parse(true, u, 0, 8).isEchoReply(true));
        assertNull(IcmpEcho.parse(true, b, 0, 7), "shorter than the header");
    }

    @Test
    void skipsTheIpv4HeaderByItsLength() {
        byte[] packet = new byte[24 + 8];
        packet[0] = 0x46; // version 4, IHL 6 words: 4 bytes of options
        byte[] request = IcmpEcho.request(false, 5, 6, new byte[0]);
        request[0] = 0; // an echo reply with the request's checksum fixed up
        request[2] = 0;
        request[3] = 0;
        int c = InternetChecksum.fold(InternetChecksum.add(0, request, 0, 8));
        request[2] = (byte) (c >>> 8);
        request[3] = (byte) c;
        System.arraycopy(request, 0, packet, 24, 8);
        assertEquals(24, IcmpEcho.afterIpv4Header(packet, packet.length));
        assertEquals(new IcmpEcho.Message(0, 0, 5, 6, 0), IcmpEcho.parse(false, packet, 24, 8));
        assertEquals(-1, IcmpEcho.afterIpv4Header(packet, 20), "header longer than the packet");
        packet[0] = 0x60;
        assertEquals(-1, IcmpEcho.afterIpv4Header(packet, packet.length), "not IPv4");
    }
}
