package org.hadirector.ipvs.sync;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import org.hadirector.ipvs.Connection;
import org.hadirector.ipvs.IpProtocol;
import org.hadirector.ipvs.TcpState;
import org.junit.jupiter.api.Test;

class SyncCodecTest {
    static InetAddress ip(String s) {
        try {
            return InetAddress.getByName(s);
        } catch (java.net.UnknownHostException e) {
            throw new IllegalArgumentException(e);
        }
    }

    static Connection established(int cport) {
        return new Connection(
                IpProtocol.TCP,
                ip("198.18.0.10"),
                cport,
                ip("198.18.0.100"),
                80,
                ip("198.18.0.21"),
                80,
                0,
                0x83,
                TcpState.ESTABLISHED.code(),
                900);
    }

    static final byte[] ONE_ENTRY = HexFormat.of()
            .parseHex(
                    "0005002c01010000" // reserved, syncid 5, size 44, 1 conn, version 1, spare
                            + "00060024" // IPv4, TCP, version 0 / size 36
                            + "00000083" // DR (3) | NOOUTPUT (0x80)
                            + "0001" + "9c40" + "0050" + "0050" // ESTABLISHED, cport 40000, vport 80, dport 80
                            + "00000000" + "00000384" // fwmark 0, timeout 900 s
                            + "c612000a" + "c6120064" + "c6120015"); // 198.18.0.10, .100, .21

    /** The bytes derived by hand from struct ip_vs_sync_mesg and struct ip_vs_sync_v4. */
    @Test
    void encodesOneEntryAsTheKernelLaysItOut() {
        List<byte[]> m = SyncCodec.encode(5, List.of(established(40000)), SyncCodec.DEFAULT_MAXLEN);
        assertEquals(1, m.size());
        assertArrayEquals(ONE_ENTRY, m.get(0));
    }

    @Test
    void decodesWhatItEncodes() throws Exception {
        Connection tmpl = new Connection(
                IpProtocol.TCP,
                ip("198.18.0.0"),
                0,
                ip("198.18.0.100"),
                80,
                ip("198.18.0.22"),
                80,
                0,
                Connection.F_TEMPLATE | 3,
                0,
                300);
        Connection v6 = new Connection(
                IpProtocol.UDP,
                ip("2001:db8::10"),
                5353,
                ip("2001:db8::100"),
                53,
                ip("2001:db8::21"),
                53,
                0,
                3 | 0x100,
                0,
                300);
        List<Connection> in = List.of(established(40000), tmpl, v6, established(40001));
        byte[] m = SyncCodec.encode(9, in, SyncCodec.DEFAULT_MAXLEN).get(0);
        assertEquals(8 + 36 + 36 + 72 + 36, m.length);
        SyncMessage out = SyncCodec.decode(m, m.length, 9);
        assertNull(out.truncatedBy());
        assertEquals(in, out.connections());
        assertEquals(1, out.version());
    }

    @Test
    void splitsIntoMessagesOfAtMostMaxlen() throws Exception {
        List<Connection> many = new ArrayList<>();
        for (int i = 0; i < 1000; i++) {
            many.add(established(10000 + i));
        }
        List<byte[]> msgs = SyncCodec.encode(1, many, SyncCodec.DEFAULT_MAXLEN);
        assertEquals(25, msgs.size(), "40 IPv4 entries fit 1472 bytes");
        List<Connection> back = new ArrayList<>();
        for (byte[] m : msgs) {
            assertTrue(m.length <= 1472);
            back.addAll(SyncCodec.decode(m, m.length, 0).connections());
        }
        assertEquals(many, back);
    }

    @Test
    void backupChecksAsTheKernel() {
        SyncFormatException e = assertThrows(SyncFormatException.class, () -> SyncCodec.decode(ONE_ENTRY, 40, 0));
        assertTrue(e.getMessage().contains("bogus message size"), e.getMessage());
        e = assertThrows(SyncFormatException.class, () -> SyncCodec.decode(ONE_ENTRY, ONE_ENTRY.length, 6));
        assertTrue(e.getMessage().contains("sync id 5"), e.getMessage());
        assertThrows(SyncFormatException.class, () -> SyncCodec.decode(new byte[3], 3, 0));
    }

    @Test
    void anEntryOfAnUnknownVersionDropsTheRest() throws Exception {
        byte[] two = SyncCodec.encode(5, List.of(established(1), established(2)), 1472)
                .get(0);
        two[8 + 36 + 2] = 0x10; // the second entry claims version 1
        SyncMessage m = SyncCodec.decode(two, two.length, 5);
        assertEquals(1, m.connections().size());
        assertNotNull(m.truncatedBy());
    }

    @Test
    void optionsMandatoryUnknownSkipTheEntrySkippableOnesAreIgnored() throws Exception {
        byte[] base = SyncCodec.encode(5, List.of(established(1)), 1472).get(0);
        for (int type : new int[] {0x07, 0x47}) {
            byte[] m = new byte[base.length + 4];
            System.arraycopy(base, 0, m, 0, base.length);
            m[base.length] = (byte) type;
            m[base.length + 1] = 2;
            m[3] = (byte) m.length;
            m[8 + 3] = 40; // entry size 36 + 4 option bytes
            SyncMessage out = SyncCodec.decode(m, m.length, 5);
            assertEquals(type == 0x07 ? 0 : 1, out.connections().size(), "option type " + type);
            assertEquals(type == 0x07 ? 1 : 0, out.skipped());
        }
    }

    @Test
    void versionZeroMessagesAreRead() throws Exception {
        // struct ip_vs_sync_mesg_v0 {nr_conns 1, syncid 5, size 28} + one ip_vs_sync_conn_v0
        byte[] v0 = HexFormat.of()
                .parseHex("0105001c" + "0006" + "9c40" + "0050" + "0050" + "0083" + "0001" + "c612000a" + "c6120064"
                        + "c6120015");
        SyncMessage m = SyncCodec.decode(v0, v0.length, 5);
        assertEquals(0, m.version());
        assertEquals(List.of(established(40000)), m.connections());
    }

    @Test
    void randomDatagramsNeverThrowAnythingElse() {
        Random r = new Random(11);
        byte[] good = SyncCodec.encode(5, List.of(established(1), established(2), established(3)), 1472)
                .get(0);
        int decoded = 0;
        for (int i = 0; i < 50_000; i++) {
            byte[] d = r.nextBoolean() ? good.clone() : new byte[r.nextInt(200)];
            if (d.length == good.length) {
                for (int k = r.nextInt(6); k > 0; k--) {
                    d[r.nextInt(d.length)] = (byte) r.nextInt(256);
                }
            } else {
                r.nextBytes(d);
                if (d.length >= 4) {
                    d[2] = (byte) (d.length >> 8);
                    d[3] = (byte) d.length;
                }
            }
            try {
                SyncCodec.decode(d, d.length, 0);
                decoded++;
            } catch (SyncFormatException e) {
                // dropped with a reason: fine
            }
        }
        assertTrue(decoded > 1000);
    }

    @Test
    void batcherFlushesWhenFullOrAfterTheDelay() {
        SyncBatcher b = new SyncBatcher(1, 1472, 1_000_000_000L);
        long t = 5_000;
        for (int i = 0; i < 40; i++) {
            assertEquals(List.of(), b.add(established(i), t));
        }
        assertEquals(1, b.add(established(40), t).size(), "the 41st entry does not fit: the full message goes");
        assertEquals(List.of(), b.due(t + 999_999_999L));
        assertEquals(1, b.due(t + 1_000_000_000L).size());
        assertEquals(-1, b.deadlineNs());
    }
}
