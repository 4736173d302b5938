package org.hadirector.ipvs.sched;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Map;
import java.util.Random;
import org.hadirector.ipvs.xdp.SelfTestPrograms;
import org.hadirector.sys.Bpf;
import org.junit.jupiter.api.Test;

/**
 * The XDP program's mh hashing (ipvs/src/main/bpf/maglev.h) against Java's, which the kernel's
 * IPVS matches (SchedulerVmTest): the build's test program maglev_selftest.o runs in the kernel
 * by BPF_PROG_TEST_RUN on inputs written into its frame, and writes back its hash and slot. Root
 * (CAP_BPF) is needed to load it; no interface is touched.
 */
class MaglevHashBpfTest {
    static final int XDP_PASS = 2;

    @Test
    void theProgramHashesAndPlacesAsJavaDoes() throws Exception {
        try (Bpf.Program p =
                SelfTestPrograms.load(SelfTestPrograms.object("maglev_selftest.o"), "hd_mh_selftest", Map.of())) {
            Random r = new Random(4093);
            long[] keys = {MaglevScheduler.HASH1, MaglevScheduler.HASH2, 0, -1L};
            int[] moduli = {MaglevScheduler.SIZE, MaglevScheduler.SIZE - 1, 1, 65521};
            for (int i = 0; i < 4_000; i++) {
                int addr = i < 4 ? new int[] {0, -1, 0xc6120064, 0x0a000001}[i] : r.nextInt();
                int port = i % 2 == 0 ? 0 : r.nextInt(65536); // mh-port off, on
                int offset = i % 3 == 0 ? 0 : r.nextInt(MaglevScheduler.SIZE); // the fallback walk's offsets
                long key = i % 5 == 4 ? r.nextLong() : keys[i % keys.length];
                int modulo = moduli[(i / 4) % moduli.length];
                ByteBuffer in = ByteBuffer.allocate(32).order(ByteOrder.LITTLE_ENDIAN);
                in.putInt(0, addr)
                        .putInt(4, port)
                        .putInt(8, offset)
                        .putInt(12, modulo)
                        .putLong(16, key);
                Bpf.Program.TestRun run = p.testRun(in.array());
                assertEquals(XDP_PASS, run.retval());
                ByteBuffer out = ByteBuffer.wrap(run.data()).order(ByteOrder.LITTLE_ENDIAN);
                String what =
                        String.format("addr %08x port %d offset %d key %x modulo %d", addr, port, offset, key, modulo);
                assertEquals(SipHash.hsiphash32(offset + port + addr, key), out.getInt(24), "hash of " + what);
                assertEquals(MaglevScheduler.slot(addr, port, key, offset, modulo), out.getInt(28), "slot of " + what);
            }
        }
    }
}
