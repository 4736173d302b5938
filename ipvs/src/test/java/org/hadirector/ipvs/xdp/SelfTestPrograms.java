package org.hadirector.ipvs.xdp;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.Closeable;
import java.io.IOException;
import java.util.Map;
import org.hadirector.sys.Bpf;
import org.junit.jupiter.api.Assumptions;

/** The tests' BPF programs (ipvs/src/test/bpf, built into the test classes), loaded to be run by BPF_PROG_TEST_RUN. */
public final class SelfTestPrograms {
    private SelfTestPrograms() {}

    /** The object of that name; skips the test where it cannot be loaded (not root), fails in CI. */
    public static BpfObject object(String name) throws IOException {
        boolean root = "root".equals(System.getProperty("user.name"));
        if (!root && System.getenv("CI") != null) {
            fail("privileged tests must run as root in CI");
        }
        Assumptions.assumeTrue(root, "needs root to load a BPF program");
        return BpfObject.resource(name);
    }

    /**
     * Its "xdp" program loaded with a map made for each of the object's (a ring buffer as a
     * {@link Bpf.RingBuffer}), put in {@code made} by name for the test to fill, read and close.
     */
    public static Bpf.Program loadWithMaps(BpfObject object, String name, Map<String, Closeable> made)
            throws IOException {
        Map<String, Integer> fds = new java.util.LinkedHashMap<>();
        for (BpfObject.MapDef d : object.maps().values()) {
            if (d.type() == Bpf.MAP_TYPE_RINGBUF) {
                Bpf.RingBuffer r = Bpf.RingBuffer.create("hd_t_" + d.name(), d.maxEntries());
                made.put(d.name(), r);
                fds.put(d.name(), r.fd());
            } else {
                Bpf.Map m = Bpf.Map.create(
                        "hd_t_" + d.name(), d.type(), d.keySize(), d.valueSize(), d.maxEntries(), d.flags());
                made.put(d.name(), m);
                fds.put(d.name(), m.fd());
            }
        }
        return load(object, name, fds);
    }

    /** Its "xdp" program loaded, with these maps' descriptors linked in. */
    public static Bpf.Program load(BpfObject object, String name, Map<String, Integer> maps) throws IOException {
        return Bpf.Program.load(
                Bpf.PROG_TYPE_XDP, name, BpfObject.linked(object.program("xdp"), maps), object.license());
    }
}
