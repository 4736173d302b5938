package org.hadirector.ipvs.xdp;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.hadirector.sys.Bpf;
import org.junit.jupiter.api.Test;

/**
 * {@link Bpf.RingBuffer} against the kernel's own ring buffer: the tests' program
 * ringbuf_selftest.o (run by BPF_PROG_TEST_RUN, never attached) submits one 16-byte record a run;
 * Java reads them back in order, including records that wrap round the buffer's end, and the
 * program sees a full buffer as a failed submit, not a wait. Root (CAP_BPF); no interface.
 */
class RingBufferBpfTest {
    static final int XDP_PASS = 2;
    static final int XDP_DROP = 1;
    /** A 16-byte record and its 8-byte header. */
    static final int RECORD = 24;

    @Test
    void recordsComeBackInOrderAcrossTheEndAndAFullBufferRefuses() throws Exception {
        BpfObject object = SelfTestPrograms.object("ringbuf_selftest.o");
        int size = object.map("events").maxEntries();
        try (Bpf.RingBuffer ring = Bpf.RingBuffer.create("hd_selftest", size);
                Bpf.Program p = SelfTestPrograms.load(object, "hd_rb_selftest", Map.of("events", ring.fd()))) {
            int fits = size / RECORD;
            long seq = 0;
            // fill it: the runs past its room are refused (XDP_DROP here), none blocks
            List<Integer> verdicts = new ArrayList<>();
            for (int i = 0; i < fits + 10; i++) {
                verdicts.add(p.testRun(frame(seq++)).retval());
            }
            assertEquals(fits, verdicts.stream().filter(v -> v == XDP_PASS).count());
            assertEquals(
                    10,
                    verdicts.subList(fits, fits + 10).stream()
                            .filter(v -> v == XDP_DROP)
                            .count());
            assertEquals((long) fits * RECORD, ring.pending());
            List<Long> got = new ArrayList<>();
            assertEquals(100, ring.read((m, at, len) -> got.add(len == 16 ? m.getLong(at) : -1), 100));
            assertEquals(fits - 100, ring.read((m, at, len) -> got.add(len == 16 ? m.getLong(at) : -1), 1_000_000));
            assertEquals(0, ring.pending());
            for (int i = 0; i < fits; i++) {
                assertEquals(i, got.get(i), "record " + i);
            }
            // three more rounds: the positions go on past the end, where records wrap round
            long next = seq;
            for (int round = 0; round < 3; round++) {
                for (int i = 0; i < fits; i++) {
                    assertEquals(XDP_PASS, p.testRun(frame(seq++)).retval());
                }
                got.clear();
                // both words whole: a record that wraps round the end reads as one piece
                assertEquals(
                        fits,
                        ring.read(
                                (m, at, len) ->
                                        got.add((m.getLong(at) ^ MARK) == m.getLong(at + 8) ? m.getLong(at) : -1),
                                fits));
                for (int i = 0; i < fits; i++) {
                    assertEquals(next++, got.get(i), "round " + round + " record " + i);
                }
            }
        }
    }

    static final long MARK = 0x5a5a_1234_dead_beefL;

    /** A frame whose first 16 bytes are seq and seq ^ MARK (little-endian). */
    static byte[] frame(long seq) {
        ByteBuffer b = ByteBuffer.allocate(64).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(0, seq).putLong(8, seq ^ MARK);
        return b.array();
    }
}
