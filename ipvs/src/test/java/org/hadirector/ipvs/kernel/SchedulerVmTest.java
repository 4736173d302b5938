package org.hadirector.ipvs.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.hadirector.ipvs.Destination;
import org.hadirector.ipvs.VirtualService;
import org.hadirector.ipvs.sched.Backend;
import org.hadirector.ipvs.sched.FlowRequest;
import org.hadirector.ipvs.sched.Scheduler;
import org.hadirector.ipvs.sched.Schedulers;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Our schedulers against the kernel's, choice by choice, in a VM (lab/vm/run). The kernel's
 * IPVS schedules UDP datagrams from 60 client addresses (random source ports) to services with
 * rr, wrr, sh, sh with sh-port, mh, mh with weights and mh-port, and lblc and lblcr;
 * `ipvsadm -Lnc` shows which real server each flow got. Our scheduler, given the same
 * destinations in the same order and the same flows in the same order, must pick the same real
 * server for every one. Skipped with a loud banner when qemu cannot run.
 */
@Tag("vm")
class SchedulerVmTest {
    static final int CLIENTS = 60;

    /** One service of the scenario: port, scheduler, flags for ipvsadm and for us, the weights of .21, .22, .23. */
    record Case(int port, String sched, String ipvsadmFlags, int flags, int[] weights) {}

    static final List<Case> CASES = List.of(
            new Case(1001, "rr", "", 0, new int[] {1, 1, 1}),
            new Case(1002, "wrr", "", 0, new int[] {3, 1, 2}),
            new Case(1003, "sh", "", 0, new int[] {1, 2, 1}),
            new Case(1004, "sh", "-b sh-port", VirtualService.F_SCHED2, new int[] {1, 1, 1}),
            new Case(1005, "mh", "", 0, new int[] {1, 1, 1}),
            new Case(1006, "mh", "-b mh-port", VirtualService.F_SCHED2, new int[] {1, 2, 3}),
            new Case(1007, "lblc", "", 0, new int[] {1, 1, 1}),
            new Case(1008, "lblcr", "", 0, new int[] {2, 1, 1}));

    @Test
    void ourPicksAreTheKernels() throws Exception {
        Path repo = KernelIpvsVmTest.repo();
        String skip = null;
        if (repo == null) {
            skip = "lab/vm/run not found";
        } else if (!new File("/usr/bin/qemu-system-x86_64").canExecute() && System.getenv("CI") == null) {
            skip = "qemu-system-x86_64 is not installed (lab/vm/build installs it)";
        }
        if (skip != null) {
            System.err.println("\n*** SCHEDULER VM TEST SKIPPED: " + skip + " ***\n");
            org.junit.jupiter.api.Assumptions.abort(skip);
        }
        StringBuilder sb = new StringBuilder(String.join(
                "\n",
                "set -e",
                "for m in ip_vs ip_vs_rr ip_vs_wrr ip_vs_sh ip_vs_mh ip_vs_lblc ip_vs_lblcr veth; do"
                        + " modprobe -d \"$HADIRECTOR_VM_KERNEL\" $m; done",
                "ip link set lo up",
                "ip netns add client",
                "ip link add v0 type veth peer name v1 netns client",
                "ip addr add 198.18.0.1/24 dev v0; ip link set v0 up",
                "ip -n client link set lo up; ip -n client addr add 198.18.0.2/24 dev v1; ip -n client link set v1 up",
                "ip addr add 198.18.0.100/32 dev lo",
                "for i in $(seq 101 " + (100 + CLIENTS) + "); do ip -n client addr add 198.18.0.$i/32 dev v1; done",
                ""));
        for (Case c : CASES) {
            sb.append("ipvsadm -A -u 198.18.0.100:")
                    .append(c.port())
                    .append(" -s ")
                    .append(c.sched())
                    .append(' ')
                    .append(c.ipvsadmFlags())
                    .append('\n');
            for (int i = 0; i < 3; i++) {
                sb.append("ipvsadm -a -u 198.18.0.100:")
                        .append(c.port())
                        .append(" -r 198.18.0.")
                        .append(21 + i)
                        .append(':')
                        .append(c.port())
                        .append(" -g -w ")
                        .append(c.weights()[i])
                        .append('\n');
            }
        }
        // Flows in a known order: for each client address, one datagram to each service.
        sb.append("for i in $(seq 101 ")
                .append(100 + CLIENTS)
                .append("); do\n")
                .append("  ip -n client route replace 198.18.0.100/32 dev v1 src 198.18.0.$i\n")
                .append("  for p in");
        CASES.forEach(c -> sb.append(' ').append(c.port()));
        sb.append("; do ip netns exec client bash -c \"echo x > /dev/udp/198.18.0.100/$p\"; done\n")
                .append("  echo \"sent $i\"\n")
                .append("done\n")
                .append("echo '=== conns'; ipvsadm -Lnc\n");
        Path share = Files.createTempDirectory(Path.of("/var/tmp"), "hdvmsched");
        String out;
        try {
            Process p = new ProcessBuilder(
                            repo.resolve("lab/vm/run").toString(),
                            "--timeout",
                            "600",
                            "--share",
                            share.toString(),
                            "--",
                            "sh",
                            "-c",
                            sb.toString())
                    .redirectErrorStream(true)
                    .start();
            out = new String(p.getInputStream().readAllBytes());
            assertTrue(p.waitFor(660, TimeUnit.SECONDS), "the VM did not stop");
            assertEquals(0, p.exitValue(), out);
        } finally {
            try (var files = Files.walk(share)) {
                files.sorted(java.util.Comparator.reverseOrder())
                        .forEach(f -> f.toFile().delete());
            }
        }
        String conns = KernelIpvsVmTest.sections(out).getOrDefault("conns", "");
        // UDP 04:59  UDP         198.18.0.101:40000 198.18.0.100:1001  198.18.0.21:1001
        Pattern line = Pattern.compile(
                "UDP\\s+\\S+\\s+UDP\\s+198\\.18\\.0\\.(\\d+):(\\d+)\\s+198\\.18\\.0\\.100:(\\d+)\\s+198\\.18\\.0\\.(\\d+):\\d+");
        Map<Integer, Map<Integer, int[]>> seen = new HashMap<>(); // port -> client -> {srcPort, rs}
        Matcher m = line.matcher(conns);
        while (m.find()) {
            seen.computeIfAbsent(Integer.parseInt(m.group(3)), k -> new HashMap<>())
                    .put(
                            Integer.parseInt(m.group(1)),
                            new int[] {Integer.parseInt(m.group(2)), Integer.parseInt(m.group(4))});
        }
        List<String> mismatches = new ArrayList<>();
        Map<String, String> summary = new LinkedHashMap<>();
        for (Case c : CASES) {
            Map<Integer, int[]> flows = seen.getOrDefault(c.port(), Map.of());
            assertEquals(CLIENTS, flows.size(), c.sched() + " on " + c.port() + ": the kernel's connections\n" + out);
            Scheduler s = Schedulers.create(c.sched(), c.flags());
            List<Backend> backends = new ArrayList<>();
            s.update(List.copyOf(backends));
            for (int i = 0; i < 3; i++) {
                backends.add(new Backend(
                        Destination.route(InetAddress.getByName("198.18.0." + (21 + i)), c.port(), c.weights()[i])));
                s.update(List.copyOf(backends));
            }
            int[] counts = new int[3];
            FlowRequest f = new FlowRequest();
            for (int client = 101; client <= 100 + CLIENTS; client++) {
                int[] kernel = flows.get(client);
                Backend b = s.pick(f.set(
                        new byte[] {(byte) 198, 18, 0, (byte) client},
                        kernel[0],
                        new byte[] {(byte) 198, 18, 0, 100},
                        c.port(),
                        17,
                        client * 1_000_000L));
                int ours = b == null ? -1 : b.destination().address().getAddress()[3];
                if (b != null) {
                    b.countInactive(1); // a UDP connection counts as inactive in the kernel, as in our table
                    counts[ours - 21]++;
                }
                if (ours != kernel[1]) {
                    mismatches.add(c.sched() + c.ipvsadmFlags() + " client ." + client + ":" + kernel[0] + " kernel ."
                            + kernel[1] + " ours ." + ours);
                }
            }
            summary.put(c.sched() + " " + c.ipvsadmFlags(), counts[0] + "/" + counts[1] + "/" + counts[2]);
        }
        System.out.println("scheduler VM test, picks of .21/.22/.23 per service: " + summary);
        assertEquals(List.of(), mismatches, "every flow scheduled as the kernel scheduled it\n" + conns);
    }
}
