package org.hadirector.vrrp.track;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** keepalived's tracking rules: rise / fall, weights, reverse, weight 0 = FAULT. */
class TrackersTest {

    @Test
    void riseAndFallCountConsecutiveResults() {
        ScriptState s = new ScriptState(2, 3, false);
        assertTrue(s.up());
        assertFalse(s.onResult(false));
        assertFalse(s.onResult(false));
        assertFalse(s.onResult(true), "a success resets the count");
        assertFalse(s.onResult(false));
        assertFalse(s.onResult(false));
        assertTrue(s.onResult(false), "third consecutive failure");
        assertFalse(s.up());
        assertFalse(s.onResult(true));
        assertTrue(s.onResult(true), "second consecutive success");
        assertTrue(s.up());
    }

    @Test
    void initFailStartsDown() {
        ScriptState s = new ScriptState(1, 1, true);
        assertFalse(s.up());
        assertTrue(s.onResult(true));
    }

    @Test
    void weightsAsKeepalivedDocumentsThem() {
        TrackedWeight plus = new TrackedWeight(10, false);
        assertEquals(10, plus.delta(true));
        assertEquals(0, plus.delta(false));
        TrackedWeight minus = new TrackedWeight(-20, false);
        assertEquals(0, minus.delta(true));
        assertEquals(-20, minus.delta(false));
        TrackedWeight plusReverse = new TrackedWeight(10, true);
        assertEquals(-10, plusReverse.delta(true), "reverse: decreased when up (keepalived's multiplier -1)");
        assertEquals(0, plusReverse.delta(false));
        TrackedWeight minusReverse = new TrackedWeight(-10, true);
        assertEquals(0, minusReverse.delta(true));
        assertEquals(10, minusReverse.delta(false), "reverse: increased when down");
        TrackedWeight zero = new TrackedWeight(0, false);
        assertTrue(zero.faults(false));
        assertFalse(zero.faults(true));
        assertTrue(new TrackedWeight(0, true).faults(true), "'weight 0 reverse': down while the object is up");
    }

    @Test
    void aSetSumsWeightsAndNamesTheFault() {
        TrackerSet t = new TrackerSet();
        t.add("interface e0", new TrackedWeight(0, false), true);
        t.add("interface e1", new TrackedWeight(-30, false), true);
        t.add("script chk", new TrackedWeight(15, false), true);
        assertEquals(15, t.adjustment());
        assertNull(t.faultReason());
        assertTrue(t.update("interface e1", false));
        assertEquals(-15, t.adjustment());
        assertFalse(t.update("interface e1", false), "no change, no news");
        assertTrue(t.update("interface e0", false));
        assertEquals("interface e0 is down", t.faultReason());
        assertFalse(t.update("unknown", false));
    }

    @Test
    void trackFilesWeighTheirValueAsKeepalivedDocumentsIt() {
        TrackerSet t = new TrackerSet();
        t.addValue("track_file maint", new TrackedWeight(-60, false), 0);
        assertEquals(0, t.adjustment());
        assertTrue(t.updateValue("track_file maint", 1));
        assertEquals(-60, t.adjustment());
        assertNull(t.faultReason());
        assertTrue(t.updateValue("track_file maint", 5));
        assertEquals(0, t.adjustment(), "-300 is below -253: FAULT instead of a priority change");
        assertEquals("track_file maint gives -300 (below -253)", t.faultReason());
        TrackerSet z = new TrackerSet();
        z.addValue("track_file f", new TrackedWeight(0, false), 0);
        assertNull(z.faultReason());
        z.updateValue("track_file f", 3);
        assertEquals("track_file f holds 3 (non-zero with weight 0)", z.faultReason());
        TrackerSet r = new TrackerSet();
        r.addValue("track_file f", new TrackedWeight(10, true), 2);
        assertEquals(-20, r.adjustment(), "reverse negates");
    }

    @Test
    void fileValuesParseLeniently() {
        assertEquals(42, TrackedFile.parse(" 42\n"));
        assertEquals(-7, TrackedFile.parse("-7 trailing"));
        assertEquals(0, TrackedFile.parse(""));
        assertEquals(0, TrackedFile.parse("abc"));
    }

    @Test
    void fileValuesParseAsStrtolBaseZeroClamped() {
        assertEquals(16, TrackedFile.parse("0x10"));
        assertEquals(8, TrackedFile.parse("010"));
        assertEquals(0, TrackedFile.parse("0x"));
        assertEquals(-300, TrackedFile.parse("-300"));
        assertEquals(0, TrackedFile.parse("\0\0\0"));
        assertEquals(5, TrackedFile.parse("\t+5"));
        // keepalived ignores what overflows or leaves INT32_MIN..INT32_MAX + 1 (process_track_file)
        assertEquals(null, TrackedFile.parse("99999999999999999999999"));
        assertEquals(2147483648L, TrackedFile.parse("2147483648"));
        assertEquals(null, TrackedFile.parse("2147483649"));
        assertEquals(-2147483648L, TrackedFile.parse("-2147483648"));
        assertEquals(null, TrackedFile.parse("-2147483649"));
    }

    @org.junit.jupiter.api.io.TempDir
    java.nio.file.Path dir;

    @Test
    @org.junit.jupiter.api.Timeout(10)
    void aTrackFileThatIsALinkToDevZeroOrAFifoReadsPromptlyAsZero() throws Exception {
        java.nio.file.Path zero = dir.resolve("zero");
        java.nio.file.Files.createSymbolicLink(zero, java.nio.file.Path.of("/dev/zero"));
        TrackedFile z = new TrackedFile("z", zero, new TrackedWeight(10, false));
        java.nio.file.Path fifo = dir.resolve("fifo");
        assertEquals(0, new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor());
        TrackedFile f = new TrackedFile("f", fifo, new TrackedWeight(10, false));
        long t0 = System.nanoTime();
        assertEquals(0, z.read());
        assertEquals(0, f.read());
        assertTrue(System.nanoTime() - t0 < 2_000_000_000L);
        java.nio.file.Path big = dir.resolve("big");
        java.nio.file.Files.writeString(big, "12" + "3".repeat(1_000_000));
        assertEquals(0, new TrackedFile("b", big, new TrackedWeight(1, false)).read(), "127 digits: ignored, 0 stays");
    }

    @Test
    @org.junit.jupiter.api.Timeout(20)
    void aWatchedFileIsSeenToChangeWithoutReadingOnTheCallersThread() throws Exception {
        java.nio.file.Path p = dir.resolve("value");
        java.nio.file.Files.writeString(p, "3\n");
        TrackedFile f = new TrackedFile("v", p, new TrackedWeight(1, false));
        assertEquals(3, f.read());
        assertTrue(!f.changed());
        java.nio.file.Files.writeString(p, "12\n");
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (!f.changed() && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertTrue(f.changed());
        assertEquals(12, f.read());
        assertTrue(!f.changed());
        java.nio.file.Files.delete(p);
        deadline = System.nanoTime() + 10_000_000_000L;
        while (!f.changed() && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertEquals(0, f.read(), "a file that went away reads as 0");
    }

    @Test
    @org.junit.jupiter.api.Timeout(20)
    void aNumberOutOfRangeLeavesThePreviousValue() throws Exception {
        java.nio.file.Path p = dir.resolve("range");
        java.nio.file.Files.writeString(p, "3\n");
        TrackedFile f = new TrackedFile("r", p, new TrackedWeight(1, false));
        assertEquals(3, f.read());
        java.nio.file.Files.writeString(p, "99999999999\n");
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (!f.changed() && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertEquals(3, f.read(), "keepalived: 'Invalid number ... - ignoring'");
        java.nio.file.Files.writeString(p, "-5\n");
        deadline = System.nanoTime() + 10_000_000_000L;
        while (!f.changed() && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertEquals(-5, f.read());
    }

    @Test
    void aFilesResultIsClampedAloneAndWeightZeroReverseFaultsOnZero() {
        TrackerSet t = new TrackerSet();
        // 1000 x 1 counts 253 (keepalived clamps each file's status to -254..253), not 1000
        t.addValue("track_file big", new TrackedWeight(1, false), 1000);
        t.add("script s", new TrackedWeight(-100, false), false);
        assertEquals(153, t.adjustment());
        TrackerSet z = new TrackerSet();
        z.addValue("track_file f", new TrackedWeight(0, true), 0);
        assertEquals("track_file f holds 0 (weight 0 reverse)", z.faultReason());
        z.updateValue("track_file f", 7);
        assertNull(z.faultReason());
    }
}
