package org.hadirector.ipvs.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * lvs_method TUN's tunnel options in the real kernel (lab/vm/run): what we program is what
 * `ipvsadm -L -n --tun-info` shows, our listing of it is ipvsadm's byte for byte, and a changed
 * gue port and checksum is one edit of the destination, after which nothing differs.
 */
@Tag("vm")
class KernelIpvsTunnelVmTest {

    @Test
    void tunnelOptionsReachTheKernelAndReadBack() throws Exception {
        Path repo = KernelIpvsVmTest.repo();
        String skip = null;
        if (repo == null) {
            skip = "lab/vm/run not found";
        } else if (!Files.exists(Path.of("/dev/kvm"))
                && !new File("/usr/bin/qemu-system-x86_64").canExecute()
                && System.getenv("CI") == null) {
            skip = "qemu-system-x86_64 is not installed (lab/vm/build installs it)";
        }
        if (skip != null) {
            System.err.println("\n*** KERNEL IPVS TUNNEL VM TEST SKIPPED: " + skip + " ***\n");
            org.junit.jupiter.api.Assumptions.abort(skip);
        }
        String javaBin = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        String probe = javaBin + " -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -Xshare:auto -cp "
                + System.getProperty("java.class.path") + " org.hadirector.ipvs.kernel.KernelIpvsProbe";
        String script = String.join(
                "\n",
                "set -e",
                "for m in ip_vs ip_vs_rr; do modprobe -d \"$HADIRECTOR_VM_KERNEL\" $m; done",
                "ip link set lo up",
                probe + " tunnel tun-info",
                "echo '=== ipvsadm tun-info'; ipvsadm -L -n --tun-info",
                probe + " tunnel-edit tun-info",
                "echo '=== ipvsadm after edit'; ipvsadm -L -n --tun-info",
                "echo '=== end'");
        Process p = new ProcessBuilder(
                        repo.resolve("lab/vm/run").toString(), "--timeout", "400", "--", "sh", "-c", script)
                .redirectErrorStream(true)
                .start();
        String out = new String(p.getInputStream().readAllBytes());
        assertTrue(p.waitFor(460, TimeUnit.SECONDS), "the VM did not stop");
        assertEquals(0, p.exitValue(), out);
        Map<String, String> s = KernelIpvsVmTest.sections(out);
        assertEquals(
                "op AddService\nop AddDestination\nop AddDestination\nop AddDestination\nagain 0\n",
                s.get("tunnel"),
                out);
        String ipvsadm = s.get("ipvsadm tun-info");
        assertTrue(ipvsadm.contains("198.18.0.31:80               Tunnel  ipip          1"), out);
        assertTrue(ipvsadm.contains("198.18.0.32:80               Tunnel  gue:6080:+c   2"), out);
        assertTrue(ipvsadm.contains("198.18.0.33:80               Tunnel  gre:+c        3"), out);
        assertEquals(ipvsadm, s.get("tun-info"), out);
        assertEquals("op EditDestination\nagain 0\n", s.get("tunnel-edit"), out);
        String edited = s.get("ipvsadm after edit");
        assertTrue(edited.contains("198.18.0.32:80               Tunnel  gue:6081:r+c  2"), out);
        assertEquals(edited, s.get("tun-info#2"), out);
    }
}
