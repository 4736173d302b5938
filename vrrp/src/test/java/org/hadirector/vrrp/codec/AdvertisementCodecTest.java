package org.hadirector.vrrp.codec;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Known bytes: adverts captured from Debian's keepalived 2.2.7 in network namespaces
 * (lab/capture-keepalived-adverts). We decode them, and our encoder must produce them byte for
 * byte, checksum included.
 */
class AdvertisementCodecTest {

    static byte[] captured(String name) throws IOException {
        try (InputStream in = AdvertisementCodecTest.class.getResourceAsStream("/captures/" + name + ".hex")) {
            String first = new String(in.readAllBytes(), StandardCharsets.US_ASCII)
                    .lines()
                    .findFirst()
                    .orElseThrow();
            return HexFormat.of().parseHex(first);
        }
    }

    static InetAddress ip(String s) throws Exception {
        return InetAddress.getByName(s);
    }

    private static Advertisement decodeCaptured(String name) throws Exception {
        byte[] pkt = captured(name);
        IpPacket ip = IpPacket.parse(pkt, pkt.length);
        assertEquals(255, ip.ttl(), "keepalived sends with TTL / hop limit 255");
        assertEquals(112, ip.protocol());
        return AdvertisementCodec.decode(
                pkt, ip.payloadOffset(), ip.payloadLength(), ip.source(), ip.destination(), false);
    }

    private static void assertReencodes(String name, Advertisement a) throws Exception {
        byte[] pkt = captured(name);
        IpPacket ip = IpPacket.parse(pkt, pkt.length);
        byte[] payload = java.util.Arrays.copyOfRange(pkt, ip.payloadOffset(), ip.payloadOffset() + ip.payloadLength());
        assertArrayEquals(
                payload,
                AdvertisementCodec.encode(a, ip.source(), ip.destination(), AdvertisementCodec.V3Checksum.RFC5798),
                "our encoding of " + a);
    }

    @Test
    void keepalivedV2WithPassword() throws Exception {
        Advertisement a = decodeCaptured("v2-pass");
        assertEquals(Advertisement.v2(51, 255, 1, "hadirect", List.of(ip("198.18.0.100"), ip("198.18.0.101"))), a);
        assertEquals(Advertisement.AUTH_PASS, a.authType());
        assertReencodes("v2-pass", a);
    }

    @Test
    void keepalivedV2WithoutAuthentication() throws Exception {
        Advertisement a = decodeCaptured("v2-none");
        assertEquals(Advertisement.v2(52, 255, 2, null, List.of(ip("198.18.0.102"))), a);
        assertEquals(200, a.intervalCentis());
        assertReencodes("v2-none", a);
    }

    @Test
    void keepalivedV3OverIpv4HasThePseudoHeaderChecksum() throws Exception {
        Advertisement a = decodeCaptured("v3-ipv4");
        assertEquals(Advertisement.v3(53, 255, 10, List.of(ip("198.18.0.103"), ip("198.18.0.104"))), a);
        assertReencodes("v3-ipv4", a);
    }

    @Test
    void keepalivedV3OverIpv6() throws Exception {
        Advertisement a = decodeCaptured("v3-ipv6");
        assertEquals(Advertisement.v3(54, 255, 50, List.of(ip("2001:db8::100"))), a);
        assertReencodes("v3-ipv6", a);
    }

    @Test
    void keepalivedV3Unicast() throws Exception {
        byte[] pkt = captured("v3-unicast");
        IpPacket ip = IpPacket.parse(pkt, pkt.length);
        assertEquals(ip("198.18.0.12"), ip.destination());
        Advertisement a = decodeCaptured("v3-unicast");
        assertEquals(Advertisement.v3(55, 255, 100, List.of(ip("198.18.0.105"))), a);
        assertReencodes("v3-unicast", a);
    }

    @Test
    void v3ChecksumAsV2IsRejectedUnlessAllowed() throws Exception {
        Advertisement a = Advertisement.v3(7, 100, 100, List.of(ip("198.18.0.100")));
        InetAddress src = ip("198.18.0.11");
        InetAddress dst = ip("198.18.0.12");
        byte[] old = AdvertisementCodec.encode(a, src, dst, AdvertisementCodec.V3Checksum.AS_V2);
        AdvertisementException e = assertThrows(
                AdvertisementException.class, () -> AdvertisementCodec.decode(old, 0, old.length, src, dst, false));
        assertEquals(DropReason.BAD_CHECKSUM, e.reason());
        assertEquals(a, AdvertisementCodec.decode(old, 0, old.length, src, dst, true));
    }

    @Test
    void everySingleBitFlipIsRejectedOrChangesTheDecodedValue() throws Exception {
        byte[] pkt = captured("v2-pass");
        IpPacket ip = IpPacket.parse(pkt, pkt.length);
        byte[] payload = java.util.Arrays.copyOfRange(pkt, ip.payloadOffset(), ip.payloadOffset() + ip.payloadLength());
        for (int bit = 0; bit < payload.length * 8; bit++) {
            byte[] bad = payload.clone();
            bad[bit / 8] ^= (byte) (1 << (bit % 8));
            // The Internet checksum detects every single-bit error.
            assertThrows(
                    AdvertisementException.class,
                    () -> AdvertisementCodec.decode(bad, 0, bad.length, ip.source(), ip.destination(), false),
                    "bit " + bit);
        }
    }

    @Test
    void structuralErrorsHaveTheirReason() throws Exception {
        InetAddress src = ip("198.18.0.11");
        InetAddress dst = ip("224.0.0.18");
        byte[] good = AdvertisementCodec.encode(
                Advertisement.v3(9, 100, 100, List.of(ip("198.18.0.100"))),
                src,
                dst,
                AdvertisementCodec.V3Checksum.RFC5798);
        assertEquals(DropReason.TOO_SHORT, reason(java.util.Arrays.copyOf(good, 7), src, dst));
        byte[] v4 = good.clone();
        v4[0] = 0x41;
        assertEquals(DropReason.BAD_VERSION, reason(v4, src, dst));
        byte[] t2 = good.clone();
        t2[0] = 0x32;
        assertEquals(DropReason.BAD_TYPE, reason(t2, src, dst));
        byte[] count = good.clone();
        count[3] = 2;
        assertEquals(DropReason.BAD_LENGTH, reason(count, src, dst));
        byte[] longer = java.util.Arrays.copyOf(good, good.length + 4);
        assertEquals(DropReason.BAD_LENGTH, reason(longer, src, dst));
        byte[] sum = good.clone();
        sum[7] ^= 1;
        assertEquals(DropReason.BAD_CHECKSUM, reason(sum, src, dst));
        byte[] v2over6 = AdvertisementCodec.encode(
                Advertisement.v2(9, 100, 1, null, List.of(ip("198.18.0.100"))),
                src,
                dst,
                AdvertisementCodec.V3Checksum.RFC5798);
        assertEquals(DropReason.BAD_VERSION, reason(v2over6, ip("fe80::1"), ip("ff02::12")));
    }

    private static DropReason reason(byte[] b, InetAddress src, InetAddress dst) {
        return assertThrows(
                        AdvertisementException.class, () -> AdvertisementCodec.decode(b, 0, b.length, src, dst, false))
                .reason();
    }
}
