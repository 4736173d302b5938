package org.hadirector.director.lab;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The director on the kernel's IPVS in the VM (lab/vm/run): a share directory the guest writes
 * to, and a script that builds the seed topology inside (a bridge; client .10, director1 .11,
 * real servers rs1 .21 and rs2 .22 running nginx, the VIPs on their lo for direct routing), runs
 * hadirector in director1 on DIR/director1.conf and prints what the test reads as {@code === NAME}
 * sections. {@link #close()} deletes the share.
 */
final class DirectorVm implements AutoCloseable {
    /** The share, as the guest's script names it. */
    static final String SHARE = "$HADIRECTOR_VM_SHARE";
    /** The prefix of a command in the director's namespace. */
    static final String D1 = "ip netns exec director1 ";

    final Path share;
    private final Path repo;

    private DirectorVm(Path repo, Path share) {
        this.repo = repo;
        this.share = share;
    }

    /**
     * The VM with {@code conf} as director1's configuration and the real servers' nginx
     * configurations written, or the test aborted with a loud banner naming {@code what} when
     * qemu, nginx or lab/vm/run is missing (qemu is required in CI).
     */
    static DirectorVm create(String what, String conf) throws IOException {
        Path repo = repo();
        String skip = null;
        if (repo == null) {
            skip = "lab/vm/run not found";
        } else if (!new File("/usr/bin/qemu-system-x86_64").canExecute() && System.getenv("CI") == null) {
            skip = "qemu-system-x86_64 is not installed (lab/vm/build installs it)";
        } else if (!new File("/usr/sbin/nginx").canExecute()) {
            skip = "nginx is not installed";
        }
        if (skip != null) {
            System.err.println("\n*** " + what + " VM TEST SKIPPED: " + skip + " ***\n");
            org.junit.jupiter.api.Assumptions.abort(skip);
        }
        DirectorVm vm = new DirectorVm(repo, Files.createTempDirectory(Path.of("/var/tmp"), "hdvm"));
        Files.writeString(vm.share.resolve("director1.conf"), conf);
        Files.writeString(vm.share.resolve("rs1.conf"), nginxConf(vm.share, "rs1"));
        Files.writeString(vm.share.resolve("rs2.conf"), nginxConf(vm.share, "rs2"));
        return vm;
    }

    static Path repo() {
        Path p = Path.of("").toAbsolutePath();
        while (p != null && !Files.exists(p.resolve("lab/vm/run"))) {
            p = p.getParent();
        }
        return p;
    }

    /** hadirector's command line in the guest, up to its arguments (C1 JIT: the guest CPU is emulated). */
    static String java() {
        return Path.of(System.getProperty("java.home"), "bin", "java")
                + " -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -Xss512k -cp " + System.getProperty("java.class.path")
                + " org.hadirector.director.Main";
    }

    /**
     * The script's start: {@code modules} loaded (veth, bridge and the IPVS ones the test names),
     * the four hosts on the bridge, {@code vips} (last octets) on each real server's lo with
     * direct routing's ARP settings, nginx started on both.
     */
    static List<String> topology(String modules, String vips) {
        return List.of(
                "set -e",
                "for m in " + modules + "; do modprobe -d \"$HADIRECTOR_VM_KERNEL\" $m; done",
                "ip link set lo up",
                "ip link add br0 type bridge; ip link set br0 up",
                "for e in client:10 director1:11 rs1:21 rs2:22; do h=${e%%:*}; n=${e#*:}; ip netns add $h;"
                        + " ip link add e0 netns $h type veth peer name p-$h; ip link set p-$h master br0 up;"
                        + " ip -n $h addr add 198.18.0.$n/24 dev e0; ip -n $h link set e0 up; ip -n $h link set lo up; done",
                "for h in rs1 rs2; do for v in " + vips + "; do ip -n $h addr add 198.18.0.$v/32 dev lo; done;"
                        + " ip netns exec $h sysctl -qw net.ipv4.conf.all.arp_ignore=1 net.ipv4.conf.lo.arp_ignore=1"
                        + " net.ipv4.conf.all.arp_announce=2 net.ipv4.conf.lo.arp_announce=2;"
                        + " (ip netns exec $h nginx -c " + SHARE + "/$h.conf > " + SHARE + "/$h.out 2>&1 &); done");
    }

    /** Starts hadirector in director1, in the background (pid file /tmp/d1.pid, control socket /tmp/d1.sock). */
    static String startDirector() {
        return "(" + D1 + java() + " -f " + SHARE
                + "/director1.conf -l --pid-file /tmp/d1.pid --control /tmp/d1.sock > " + SHARE
                + "/director1.log 2>&1 &)";
    }

    /** Stops rs2's nginx, then waits (at most 120 s) until director1's table drops {@code entry}. */
    static List<String> stopRs2(String entry) {
        return List.of(
                "kill $(cat " + SHARE + "/rs2.pid)",
                "i=0; while " + D1 + "ipvsadm -Ln | grep -q " + entry + "; do"
                        + " i=$((i+1)); [ $i -lt 120 ] || { echo TIMEOUT removal; break; }; sleep 1; done");
    }

    /** SIGTERM to hadirector, then a wait (at most 60 s) until it has removed its pid file. */
    static List<String> stopDirector() {
        return List.of(
                "kill -TERM $(cat /tmp/d1.pid)",
                "i=0; while [ -e /tmp/d1.pid ]; do i=$((i+1)); [ $i -lt 60 ] || break; sleep 1; done");
    }

    /** The script's end: the "end" section, rs1's nginx stopped. */
    static List<String> end() {
        return List.of("echo '=== end'", "kill $(cat " + SHARE + "/rs1.pid) 2>/dev/null || true");
    }

    /** What a run printed, its sections, and director1's log. */
    record Result(String out, String log, Map<String, String> sections) {
        /** Everything, for an assertion's message. */
        String all() {
            return out + "\n--- director1.log\n" + log;
        }

        String section(String name) {
            return sections.getOrDefault(name, "");
        }
    }

    /** Runs {@code script} in the VM (at most 900 s); fails unless it ended with 0. */
    Result run(List<String> script) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(
                        repo.resolve("lab/vm/run").toString(),
                        "--timeout",
                        "900",
                        "--share",
                        share.toString(),
                        "--",
                        "sh",
                        "-c",
                        String.join("\n", script))
                .redirectErrorStream(true)
                .start();
        String out = new String(p.getInputStream().readAllBytes());
        assertTrue(p.waitFor(960, TimeUnit.SECONDS), "the VM did not stop");
        Path logFile = share.resolve("director1.log");
        Result r = new Result(out, Files.exists(logFile) ? Files.readString(logFile) : "", sections(out));
        assertEquals(0, p.exitValue(), r.all());
        return r;
    }

    /** The output cut at its {@code === NAME} lines: each name with the lines after it. */
    static Map<String, String> sections(String out) {
        Map<String, String> m = new LinkedHashMap<>();
        String name = null;
        StringBuilder b = new StringBuilder();
        for (String line : out.split("\n", -1)) {
            if (line.startsWith("=== ")) {
                if (name != null) {
                    m.put(name, b.toString());
                }
                name = line.substring(4).strip();
                b.setLength(0);
            } else if (name != null) {
                b.append(line).append('\n');
            }
        }
        if (name != null) {
            m.put(name, b.toString());
        }
        return m;
    }

    /** nginx for a real server: port 80, /health answers "ok", anything else the host's name. */
    static String nginxConf(Path dir, String host) {
        return """
                worker_processes 1;
                daemon off;
                pid %1$s/%2$s.pid;
                error_log %1$s/%2$s-error.log;
                events { worker_connections 64; }
                http {
                    access_log off;
                    client_body_temp_path /tmp/%2$s-body;
                    proxy_temp_path /tmp/%2$s-proxy;
                    fastcgi_temp_path /tmp/%2$s-fcgi;
                    uwsgi_temp_path /tmp/%2$s-uwsgi;
                    scgi_temp_path /tmp/%2$s-scgi;
                    server {
                        listen 80;
                        location = /health { return 200 "ok\\n"; }
                        location / { return 200 "%2$s\\n"; }
                    }
                }
                """.formatted(dir, host);
    }

    @Override
    public void close() throws IOException {
        try (var files = Files.walk(share)) {
            files.sorted(java.util.Comparator.reverseOrder())
                    .forEach(f -> f.toFile().delete());
        }
    }

    /** The lines of {@code parts}, in order: for a script built from the pieces above and the test's own. */
    @SafeVarargs
    static List<String> script(List<String>... parts) {
        List<String> all = new ArrayList<>();
        for (List<String> p : parts) {
            all.addAll(p);
        }
        return all;
    }
}
