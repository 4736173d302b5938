package org.hadirector.ipvs.sync;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.hadirector.ipvs.Connection;
import org.hadirector.ipvs.IpProtocol;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/** Wireshark's own "ipvs" dissector reads our sync messages without a malformed-packet warning. */
class SyncTsharkTest {

    @Test
    void tsharkDecodesOurMessages() throws Exception {
        if (!Files.isExecutable(Path.of("/usr/bin/tshark"))) {
            if (System.getenv("CI") != null) {
                throw new AssertionError("tshark is missing: .ci/run must install it");
            }
            Assumptions.abort("tshark not installed");
        }
        List<Connection> conns = new ArrayList<>();
        for (int i = 0; i < 45; i++) {
            conns.add(SyncCodecTest.established(30000 + i));
        }
        conns.add(new Connection(
                IpProtocol.TCP,
                SyncCodecTest.ip("198.18.0.0"),
                0,
                SyncCodecTest.ip("198.18.0.100"),
                80,
                SyncCodecTest.ip("198.18.0.22"),
                80,
                0,
                Connection.F_TEMPLATE | 3,
                0,
                300));
        conns.add(new Connection(
                IpProtocol.UDP,
                SyncCodecTest.ip("198.18.0.10"),
                5353,
                SyncCodecTest.ip("198.18.0.100"),
                53,
                SyncCodecTest.ip("198.18.0.21"),
                53,
                0,
                3 | 0x100,
                0,
                300));
        List<byte[]> messages = SyncCodec.encode(7, conns, SyncCodec.DEFAULT_MAXLEN);
        assertEquals(2, messages.size());
        Path pcap = Files.createTempFile("sync", ".pcap");
        try {
            Files.write(pcap, pcap(messages));
            Process p = new ProcessBuilder("tshark", "-n", "-r", pcap.toString(), "-V")
                    .redirectErrorStream(true)
                    .start();
            String out = new String(p.getInputStream().readAllBytes());
            assertTrue(p.waitFor(60, TimeUnit.SECONDS));
            assertFalse(out.contains("Malformed"), out);
            assertFalse(out.contains("Expert Info"), out);
            assertEquals(2, count(out, "IP Virtual Services Sync Daemon"), out);
            assertTrue(out.contains("Synchronization ID: 7"), out);
            assertTrue(out.contains("Connection Count: 40"), out);
            assertTrue(out.contains("Connection Count: 7"), out);
            assertEquals(47, count(out, "Destination Address: 198.18.0.2"), out);
            assertTrue(out.contains("Client Port: 30044"), out);
        } finally {
            Files.deleteIfExists(pcap);
        }
    }

    private static int count(String s, String what) {
        int n = 0;
        for (int i = s.indexOf(what); i >= 0; i = s.indexOf(what, i + 1)) {
            n++;
        }
        return n;
    }

    /** A classic pcap of Ethernet frames carrying each message from 198.18.0.11 to 224.0.0.81:8848. */
    static byte[] pcap(List<byte[]> messages) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteBuffer g = ByteBuffer.allocate(24).order(ByteOrder.LITTLE_ENDIAN);
        g.putInt(0xa1b2c3d4)
                .putShort((short) 2)
                .putShort((short) 4)
                .putInt(0)
                .putInt(0)
                .putInt(65535)
                .putInt(1);
        out.writeBytes(g.array());
        for (byte[] m : messages) {
            ByteBuffer f = ByteBuffer.allocate(14 + 20 + 8 + m.length);
            f.put(new byte[] {1, 0, 0x5e, 0, 0, 0x51, 2, 0, 0, 0, 0, 0x11, 8, 0});
            f.put((byte) 0x45)
                    .put((byte) 0)
                    .putShort((short) (28 + m.length))
                    .putShort((short) 1)
                    .putShort((short) 0x4000)
                    .put((byte) 1)
                    .put((byte) 17)
                    .putShort((short) 0)
                    .put(new byte[] {(byte) 198, 18, 0, 11})
                    .put(new byte[] {(byte) 224, 0, 0, 81});
            f.putShort((short) 8848)
                    .putShort((short) 8848)
                    .putShort((short) (8 + m.length))
                    .putShort((short) 0);
            f.put(m);
            ByteBuffer r = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN);
            r.putInt(0).putInt(0).putInt(f.capacity()).putInt(f.capacity());
            out.writeBytes(r.array());
            out.writeBytes(f.array());
        }
        return out.toByteArray();
    }
}
