package org.hadirector.ipvs.xdp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.stream.Collectors;
import org.hadirector.sys.Bpf;
import org.junit.jupiter.api.Test;

/** The build's own xdp_dr.o read by the Java loader: what the kernel will be given. */
class BpfObjectTest {
    static byte[] object() throws IOException {
        try (InputStream in = BpfObject.class.getResourceAsStream(XdpProgram.OBJECT)) {
            return in.readAllBytes();
        }
    }

    @Test
    void theMapsAreTheLayoutsJavaWritesAndTheProgramReferencesEach() throws Exception {
        BpfObject o = BpfObject.parse(object());
        assertEquals(new BpfObject.MapDef("conns", Bpf.MAP_TYPE_LRU_HASH, 40, 40, 65536, 0), o.map("conns"));
        assertEquals(new BpfObject.MapDef("config", Bpf.MAP_TYPE_ARRAY, 4, 8, 1, 0), o.map("config"));
        assertEquals(
                new BpfObject.MapDef("counters", Bpf.MAP_TYPE_PERCPU_ARRAY, 4, 8, XdpProgram.COUNTERS.size(), 0),
                o.map("counters"));
        assertEquals(new BpfObject.MapDef("dests", Bpf.MAP_TYPE_PERCPU_ARRAY, 4, 16, 16384, 0), o.map("dests"));
        assertEquals(new BpfObject.MapDef("services", Bpf.MAP_TYPE_HASH, 20, 8, 64, 0), o.map("services"));
        assertEquals(new BpfObject.MapDef("mh_tables", Bpf.MAP_TYPE_ARRAY, 4, 4, 64 * 4093, 0), o.map("mh_tables"));
        assertEquals(new BpfObject.MapDef("servers", Bpf.MAP_TYPE_ARRAY, 4, 8, 16384, 0), o.map("servers"));
        assertEquals(new BpfObject.MapDef("placed", Bpf.MAP_TYPE_RINGBUF, 0, 0, 256 * 1024, 0), o.map("placed"));
        assertEquals(Set.of("xdp"), o.programs().keySet());
        BpfObject.Program p = o.program("xdp");
        assertEquals("xdp_dr", p.function());
        assertEquals(
                Set.of("conns", "config", "counters", "dests", "services", "mh_tables", "servers", "placed"),
                p.maps().stream().map(BpfObject.MapRef::map).collect(Collectors.toSet()));
        assertEquals("GPL", o.license());
    }

    @Test
    void theCounterNamesAreTheProgramsEnumInItsOrder() throws Exception {
        String source = java.nio.file.Files.readString(java.nio.file.Path.of("src/main/bpf/xdp_dr.c"));
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("\\bC_([A-Z0-9_]+)\\b")
                .matcher(source.substring(source.indexOf("enum {"), source.indexOf("C_COUNTERS")));
        java.util.List<String> names = new java.util.ArrayList<>();
        while (m.find()) {
            names.add(m.group(1).toLowerCase(java.util.Locale.ROOT));
        }
        assertEquals(XdpProgram.COUNTERS, names);
    }

    @Test
    void linkingSetsEachReferenceToItsMapsDescriptor() throws Exception {
        BpfObject o = BpfObject.parse(object());
        BpfObject.Program p = o.program("xdp");
        Map<String, Integer> fds = Map.of(
                "conns",
                7,
                "config",
                8,
                "counters",
                9,
                "dests",
                10,
                "services",
                11,
                "mh_tables",
                12,
                "servers",
                13,
                "placed",
                14);
        byte[] code = BpfObject.linked(p, fds);
        ByteBuffer b = ByteBuffer.wrap(code).order(ByteOrder.LITTLE_ENDIAN);
        for (BpfObject.MapRef r : p.maps()) {
            assertEquals(0x18, code[r.offset()] & 0xff);
            assertEquals(1, (code[r.offset() + 1] >> 4) & 0x0f, "src_reg BPF_PSEUDO_MAP_FD");
            assertEquals(fds.get(r.map()), b.getInt(r.offset() + 4));
        }
        // everything else as clang wrote it
        byte[] original = p.instructions();
        int changed = 0;
        for (int i = 0; i < code.length; i++) {
            changed += code[i] != original[i] ? 1 : 0;
        }
        assertTrue(changed <= p.maps().size() * 2, changed + " bytes changed");
        assertThrows(IllegalArgumentException.class, () -> BpfObject.linked(p, Map.of("conns", 7)));
    }

    @Test
    void aDamagedObjectIsAnIoExceptionNeverAnotherFailure() throws Exception {
        byte[] good = object();
        assertThrows(IOException.class, () -> BpfObject.parse(new byte[0]));
        assertThrows(IOException.class, () -> BpfObject.parse(new byte[64]));
        assertThrows(IOException.class, () -> BpfObject.parse(java.util.Arrays.copyOf(good, good.length / 2)));
        Random random = new Random(17);
        for (int round = 0; round < 3_000; round++) {
            byte[] bad = good.clone();
            for (int n = 1 + random.nextInt(8); n > 0; n--) {
                bad[random.nextInt(bad.length)] = (byte) random.nextInt(256);
            }
            try {
                BpfObject.parse(bad);
            } catch (IOException expected) {
                // said what it could not read
            }
        }
    }
}
