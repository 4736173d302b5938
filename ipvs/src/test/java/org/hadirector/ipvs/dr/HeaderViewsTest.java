package org.hadirector.ipvs.dr;

import static org.hadirector.ipvs.dr.Frames.ip;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import jnr.ffi.Pointer;
import org.junit.jupiter.api.Test;

/** The header views read the fields where the RFCs put them, from frames built byte by byte. */
class HeaderViewsTest {
    @Test
    void tcpFrame() {
        ByteBuffer f = Frames.tcp("198.18.0.10", 40000, "198.18.0.100", 80, Frames.SYN | Frames.ACK, 7);
        Pointer p = Frames.pointer(f);
        assertEquals(EthernetHeader.ETHERTYPE_IPV4, EthernetHeader.etherType(p, 0));
        long ip = EthernetHeader.LENGTH;
        assertEquals(4, Ipv4Header.version(p, ip));
        assertEquals(20, Ipv4Header.ihl(p, ip));
        assertEquals(20 + 20 + 7, Ipv4Header.totalLength(p, ip));
        assertFalse(Ipv4Header.fragment(p, ip), "DF alone is not a fragment");
        assertEquals(Ipv4Header.PROTOCOL_TCP, Ipv4Header.protocol(p, ip));
        assertEquals(ip("198.18.0.10"), Ipv4Header.source(p, ip));
        assertEquals(ip("198.18.0.100"), Ipv4Header.destination(p, ip));
        long l4 = ip + 20;
        assertEquals(40000, TransportHeader.sourcePort(p, l4));
        assertEquals(80, TransportHeader.destinationPort(p, l4));
        assertEquals(Frames.SYN | Frames.ACK, TcpHeader.flags(p, l4));
        f.putShort((int) ip + Ipv4Header.FLAGS_FRAGMENT_OFFSET, (short) 0x0001);
        assertTrue(Ipv4Header.fragment(p, ip), "a fragment offset");
        f.put((int) ip, (byte) 0x46);
        assertEquals(24, Ipv4Header.ihl(p, ip), "IHL counts 32-bit words");
    }

    @Test
    void udpFrameAndMacRewrite() {
        ByteBuffer f = Frames.udp("198.18.0.10", 5353, "198.18.0.100", 53, 3);
        Pointer p = Frames.pointer(f);
        long l4 = EthernetHeader.LENGTH + Ipv4Header.MIN_LENGTH;
        assertEquals(Ipv4Header.PROTOCOL_UDP, Ipv4Header.protocol(p, EthernetHeader.LENGTH));
        assertEquals(5353, TransportHeader.sourcePort(p, l4));
        assertEquals(53, TransportHeader.destinationPort(p, l4));
        EthernetHeader.putDestination(p, 0, 0x0a0b0c0d0e0fL);
        EthernetHeader.putSource(p, 0, 0x020000000011L);
        assertEquals(0x0a0b0c0d0e0fL, Frames.mac(f, 0));
        assertEquals(0x020000000011L, Frames.mac(f, 6));
        assertEquals(EthernetHeader.ETHERTYPE_IPV4, EthernetHeader.etherType(p, 0), "the type is left alone");
    }
}
