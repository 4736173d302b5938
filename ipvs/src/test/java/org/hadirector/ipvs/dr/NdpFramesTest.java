package org.hadirector.ipvs.dr;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import jnr.ffi.Pointer;
import org.junit.jupiter.api.Test;

/**
 * The forwarder's neighbour discovery frames: a solicitation as RFC 4861 4.3 lays it out (to
 * the target's solicited-node group, hop limit 255, the source link-layer address option, a
 * checksum a receiver accepts), and the reading of advertisements and solicitations, with what
 * 7.1 says to discard. (The lab's IPv6 test has a real Linux neighbour answer them.)
 */
class NdpFramesTest {
    static final long MAC = 0x020000000011L;
    static final long SRC_HI = 0xfe80_0000_0000_0000L;
    static final long SRC_LO = 0x0000_00ff_fe00_0011L;
    static final long RS_HI = 0x2001_0db8_0000_0000L;
    static final long RS_LO = 0x0000_0000_0012_3456L;

    static Pointer memory(ByteBuffer b) {
        return Pointer.wrap(Frames.RUNTIME, b.order(ByteOrder.nativeOrder()));
    }

    @Test
    void aSolicitationGoesToTheTargetsSolicitedNodeGroupAndReadsBack() {
        ByteBuffer b = ByteBuffer.allocateDirect(128);
        Pointer p = memory(b);
        assertEquals(86, NdpFrames.solicit(p, 0, MAC, SRC_HI, SRC_LO, RS_HI, RS_LO));
        ByteBuffer f = b.duplicate().order(ByteOrder.BIG_ENDIAN);
        byte[] dst = new byte[6];
        f.get(0, dst);
        assertArrayEquals(new byte[] {0x33, 0x33, (byte) 0xff, 0x12, 0x34, 0x56}, dst);
        assertEquals(0x86dd, f.getShort(12) & 0xffff);
        assertEquals(32, f.getShort(18));
        assertEquals(58, f.get(20));
        assertEquals(255, f.get(21) & 0xff);
        assertEquals(0xff02_0000_0000_0000L, f.getLong(38));
        assertEquals(0x0000_0001_ff12_3456L, f.getLong(46));
        assertEquals(135, f.get(54) & 0xff);
        assertEquals(RS_HI, f.getLong(62));
        assertEquals(RS_LO, f.getLong(70));
        assertEquals(1, f.get(78));
        assertEquals(1, f.get(79));
        long[] out = new long[3];
        // a solicitation vouches for its source: the checksum a receiver computes holds
        assertTrue(NdpFrames.sender(p, 0, 86, out));
        assertArrayEquals(new long[] {SRC_HI, SRC_LO, MAC}, out);
    }

    /** An advertisement as a Linux neighbour sends it, solicited, with its target link-layer address. */
    static ByteBuffer advertisement(long targetMac, int hopLimit) {
        ByteBuffer b = ByteBuffer.allocateDirect(86);
        Pointer p = memory(b);
        // the solicitation's layout, turned into an advertisement from RS to the director
        NdpFrames.solicit(p, 0, targetMac, RS_HI, RS_LO, SRC_HI, SRC_LO);
        ByteBuffer f = b.duplicate().order(ByteOrder.BIG_ENDIAN);
        f.put(21, (byte) hopLimit);
        f.putLong(38, SRC_HI).putLong(46, SRC_LO); // to the director
        f.put(54, (byte) 136).putShort(56, (short) 0).putInt(58, 0x6000_0000); // solicited, override
        f.putLong(62, RS_HI).putLong(70, RS_LO); // target: the real server
        f.put(78, (byte) 2); // target link-layer address
        fixChecksum(f);
        return b;
    }

    static void fixChecksum(ByteBuffer f) {
        f.putShort(56, (short) 0);
        long sum = 32 + 58;
        for (int i = 22; i < 54; i += 2) {
            sum += f.getShort(i) & 0xffff;
        }
        for (int i = 54; i < 86; i += 2) {
            sum += f.getShort(i) & 0xffff;
        }
        while ((sum >>> 16) != 0) {
            sum = (sum & 0xffff) + (sum >>> 16);
        }
        f.putShort(56, (short) ~sum);
    }

    @Test
    void anAdvertisementGivesItsTargetsMac() {
        long[] out = new long[3];
        assertTrue(NdpFrames.sender(memory(advertisement(0x020000000021L, 255)), 0, 86, out));
        assertArrayEquals(new long[] {RS_HI, RS_LO, 0x020000000021L}, out);
    }

    @Test
    void whatRfc4861SaysToDiscardIsNotRead() {
        long[] out = new long[3];
        assertFalse(NdpFrames.sender(memory(advertisement(0x020000000021L, 64)), 0, 86, out), "routed: hop limit 64");
        ByteBuffer bad = advertisement(0x020000000021L, 255);
        bad.duplicate().order(ByteOrder.BIG_ENDIAN).put(85, (byte) 0x99);
        assertFalse(NdpFrames.sender(memory(bad), 0, 86, out), "wrong checksum");
        ByteBuffer noLength = advertisement(0x020000000021L, 255);
        ByteBuffer f = noLength.duplicate().order(ByteOrder.BIG_ENDIAN);
        f.put(79, (byte) 0);
        fixChecksum(f);
        assertFalse(NdpFrames.sender(memory(noLength), 0, 86, out), "an option of length 0");
        ByteBuffer multicast = advertisement(0x030000000021L, 255);
        assertFalse(NdpFrames.sender(memory(multicast), 0, 86, out), "a multicast MAC");
        ByteBuffer code = advertisement(0x020000000021L, 255);
        f = code.duplicate().order(ByteOrder.BIG_ENDIAN);
        f.put(55, (byte) 1);
        fixChecksum(f);
        assertFalse(NdpFrames.sender(memory(code), 0, 86, out), "code 1");
        assertFalse(NdpFrames.sender(memory(advertisement(0x020000000021L, 255)), 0, 80, out), "cut short");
        ByteBuffer dad = ByteBuffer.allocateDirect(86);
        NdpFrames.solicit(memory(dad), 0, MAC, 0, 0, RS_HI, RS_LO);
        assertFalse(NdpFrames.sender(memory(dad), 0, 86, out), "a solicitation from the unspecified address");
        java.util.Random r = new java.util.Random(4861);
        for (int i = 0; i < 20_000; i++) {
            ByteBuffer x = advertisement(0x020000000021L, 255);
            ByteBuffer y = x.duplicate().order(ByteOrder.BIG_ENDIAN);
            for (int k = 0; k < 1 + r.nextInt(4); k++) {
                y.put(r.nextInt(86), (byte) r.nextInt(256));
            }
            NdpFrames.sender(memory(x), 0, r.nextInt(87), out); // never throws
        }
    }
}
