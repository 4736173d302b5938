package org.hadirector.healthcheck;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.HexFormat;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** DNS_CHECK's query bytes and keepalived's judgement of replies, from known bytes. */
class DnsMessageTest {
    private static final HexFormat HEX = HexFormat.of();

    static byte[] hex(String s) {
        return HEX.parseHex(s.replace(" ", ""));
    }

    /** A reply to {@code query(0x1234, A, www.example.test)} with the given flags and answer count. */
    static byte[] reply(int id, int flags, int answers) {
        byte[] q = DnsMessage.query(0x1234, 1, DnsMessage.qname("www.example.test"));
        byte[] r = Arrays.copyOf(q, q.length + 16 * answers);
        r[0] = (byte) (id >> 8);
        r[1] = (byte) id;
        r[2] = (byte) (flags >> 8);
        r[3] = (byte) flags;
        r[6] = (byte) (answers >> 8);
        r[7] = (byte) answers;
        for (int i = 0, at = q.length; i < answers; i++, at += 16) {
            // name pointer to the question, A, IN, TTL 60, 4 bytes of address
            System.arraycopy(hex("c00c 0001 0001 0000003c 0004 c0000201"), 0, r, at, 16);
        }
        return r;
    }

    @Test
    void queryIsAsKeepalivedSendsIt() {
        byte[] q = DnsMessage.query(0x1234, DnsMessage.type("A"), DnsMessage.qname("www.example.test"));
        assertArrayEquals(
                hex("1234 0100 0001 0000 0000 0000" + "03 777777 07 6578616d706c65 04 74657374 00" + "0001 0001"),
                q,
                "id, RD only, one question, name as labels, type A, class IN");
    }

    @Test
    void defaultQueryIsSoaForTheRoot() {
        byte[] q = DnsMessage.query(0xbeef, DnsMessage.type("SOA"), DnsMessage.qname("."));
        assertArrayEquals(hex("beef 0100 0001 0000 0000 0000 00 0006 0001"), q);
    }

    @Test
    void aTrailingDotChangesNothing() {
        assertArrayEquals(DnsMessage.qname("example.test"), DnsMessage.qname("example.test."));
    }

    @Test
    void namesDnsCannotCarryAreRefused() {
        for (String bad : new String[] {
            "", "a..b", ".test", "..", "x".repeat(64) + ".test", ("x".repeat(63) + ".").repeat(4) + "x"
        }) {
            assertThrows(IllegalArgumentException.class, () -> DnsMessage.qname(bad), bad);
        }
        assertEquals(64, DnsMessage.qname("x".repeat(63)).length - 1, "63 bytes is the longest label");
    }

    @Test
    void typesAreKeepalivedsWithoutCase() {
        assertEquals(1, DnsMessage.type("A"));
        assertEquals(2, DnsMessage.type("ns"));
        assertEquals(5, DnsMessage.type("CNAME"));
        assertEquals(6, DnsMessage.type("SOA"));
        assertEquals(15, DnsMessage.type("Mx"));
        assertEquals(16, DnsMessage.type("TXT"));
        assertEquals(28, DnsMessage.type("aaaa"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> DnsMessage.type("SRV"));
        assertEquals(
                "DNS_CHECK: unknown type 'SRV', want one of A, NS, CNAME, SOA, MX, TXT, AAAA, RRSIG, DNSKEY",
                e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> DnsMessage.type(null));
    }

    @Test
    void noErrorWithTheQueryIdSucceeds() {
        assertEquals(
                Optional.of(ProbeResult.ok("NOERROR, 1 answer")), DnsMessage.judge(0x1234, reply(0x1234, 0x8180, 1)));
        assertEquals(
                Optional.of(ProbeResult.ok("NOERROR, 2 answers")), DnsMessage.judge(0x1234, reply(0x1234, 0x8180, 2)));
    }

    @Test
    void noErrorWithoutAnswersStillSucceedsAsInKeepalived() {
        assertEquals(
                Optional.of(ProbeResult.ok("NOERROR, 0 answers")), DnsMessage.judge(0x1234, reply(0x1234, 0x8180, 0)));
    }

    @Test
    void anErrorCodeFails() {
        assertEquals(
                Optional.of(ProbeResult.fail("rcode NXDOMAIN")), DnsMessage.judge(0x1234, reply(0x1234, 0x8183, 0)));
        assertEquals(
                Optional.of(ProbeResult.fail("rcode SERVFAIL")), DnsMessage.judge(0x1234, reply(0x1234, 0x8182, 0)));
        assertEquals(
                Optional.of(ProbeResult.fail("rcode REFUSED")), DnsMessage.judge(0x1234, reply(0x1234, 0x8005, 0)));
        assertEquals(Optional.of(ProbeResult.fail("rcode 15")), DnsMessage.judge(0x1234, reply(0x1234, 0x800f, 0)));
        assertEquals(
                Optional.of(ProbeResult.fail("rcode NXDOMAIN")),
                DnsMessage.judge(0x1234, reply(0x1234, 0x8183, 1)),
                "answers do not rescue an error");
    }

    @Test
    void anotherIdOrAQueryIsIgnored() {
        assertEquals(Optional.empty(), DnsMessage.judge(0x1234, reply(0x1235, 0x8180, 1)));
        assertEquals(Optional.empty(), DnsMessage.judge(0x1234, reply(0x3412, 0x8183, 1)));
        assertEquals(
                Optional.empty(), DnsMessage.judge(0x1234, reply(0x1234, 0x0100, 0)), "QR clear: our own query echoed");
        assertEquals(
                Optional.empty(), DnsMessage.judge(0x1234, reply(0x1234, 0x0103, 0)), "QR clear, whatever the rcode");
    }

    @Test
    void onlyTheHeaderIsRead() {
        byte[] good = reply(0x1234, 0x8380, 3);
        assertTrue(DnsMessage.judge(0x1234, good).orElseThrow().success(), "TC set: keepalived does not look");
        byte[] headerOnly = Arrays.copyOf(good, DnsMessage.HEADER_BYTES);
        assertEquals(
                Optional.of(ProbeResult.ok("NOERROR, 3 answers")),
                DnsMessage.judge(0x1234, headerOnly),
                "answers claimed but cut off: the header alone decides");
        byte[] garbageBody = Arrays.copyOf(headerOnly, 40);
        Arrays.fill(garbageBody, DnsMessage.HEADER_BYTES, 40, (byte) 0xff);
        assertTrue(DnsMessage.judge(0x1234, garbageBody).orElseThrow().success());
    }

    @Test
    void truncatedHeadersAreIgnored() {
        byte[] good = reply(0x1234, 0x8180, 1);
        for (int n = 0; n < DnsMessage.HEADER_BYTES; n++) {
            assertEquals(Optional.empty(), DnsMessage.judge(0x1234, Arrays.copyOf(good, n)), n + " bytes");
        }
    }

    @Test
    void noDatagramMakesItThrow() {
        Random r = new Random(42);
        int decided = 0;
        for (int i = 0; i < 20_000; i++) {
            byte[] b = new byte[r.nextInt(64)];
            r.nextBytes(b);
            if (b.length >= 2 && r.nextBoolean()) {
                b[0] = 0x12;
                b[1] = 0x34;
            }
            Optional<ProbeResult> v = DnsMessage.judge(0x1234, b);
            if (v.isPresent()) {
                decided++;
                assertFalse(v.get().reason().isBlank());
            }
        }
        assertTrue(decided > 0, "some random datagrams carry the id and decide");
    }
}
