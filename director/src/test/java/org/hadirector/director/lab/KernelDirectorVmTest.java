package org.hadirector.director.lab;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The whole director on the kernel's IPVS, in a VM (lab/vm/run: Debian's kernel under qemu's
 * software emulation). Inside, namespaces on a bridge: a client, director1 and two nginx real
 * servers with the VIP on lo. hadirector (VRRP, HTTP_GET checks, table, lvs_sync_daemon) picks
 * the kernel's IPVS by itself; ipvsadm must then show what the checks decided, the client's
 * requests must reach both real servers through the kernel, the kernel's master sync daemon must
 * run, a stopped real server must leave the kernel's table, and a stopped director must leave
 * no service behind. Skipped with a loud banner when qemu cannot run.
 */
@Tag("vm")
class KernelDirectorVmTest {

    static Path repo() {
        Path p = Path.of("").toAbsolutePath();
        while (p != null && !Files.exists(p.resolve("lab/vm/run"))) {
            p = p.getParent();
        }
        return p;
    }

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

    static final String CONF = """
            global_defs {
                router_id director1
                lvs_sync_daemon e0 VI_1 id 51
                lvs_timeouts tcp 1000 udp 290
            }
            vrrp_instance VI_1 {
                state MASTER
                interface e0
                virtual_router_id 51
                priority 150
                advert_int 1
                virtual_ipaddress {
                    198.18.0.100/32 dev e0
                }
            }
            virtual_server 198.18.0.100 80 {
                delay_loop 2
                lvs_sched rr
                lvs_method DR
                protocol TCP
                real_server 198.18.0.21 80 {
                    HTTP_GET {
                        url {
                            path /health
                            status_code 200
                        }
                        connect_timeout 5
                        retry 1
                        delay_before_retry 1
                    }
                }
                real_server 198.18.0.22 80 {
                    HTTP_GET {
                        url {
                            path /health
                            status_code 200
                        }
                        connect_timeout 5
                        retry 1
                        delay_before_retry 1
                    }
                }
            }
            """;

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

    @Test
    void theDirectorRunsTheKernelsIpvs() throws Exception {
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
            System.err.println("\n*** KERNEL DIRECTOR VM TEST SKIPPED: " + skip + " ***\n");
            org.junit.jupiter.api.Assumptions.abort(skip);
        }
        Path share = Files.createTempDirectory(Path.of("/var/tmp"), "hdvmdir");
        try {
            Files.writeString(share.resolve("director1.conf"), CONF);
            Files.writeString(share.resolve("rs1.conf"), nginxConf(share, "rs1"));
            Files.writeString(share.resolve("rs2.conf"), nginxConf(share, "rs2"));
            String java = Path.of(System.getProperty("java.home"), "bin", "java")
                    + " -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -Xss512k -cp " + System.getProperty("java.class.path")
                    + " org.hadirector.director.Main";
            String s = "$HADIRECTOR_VM_SHARE";
            String script = String.join(
                    "\n",
                    "set -e",
                    "for m in ip_vs ip_vs_rr veth bridge; do modprobe -d \"$HADIRECTOR_VM_KERNEL\" $m; done",
                    "ip link set lo up",
                    "ip link add br0 type bridge; ip link set br0 up",
                    "for e in client:10 director1:11 rs1:21 rs2:22; do h=${e%%:*}; n=${e#*:}; ip netns add $h;"
                            + " ip link add e0 netns $h type veth peer name p-$h; ip link set p-$h master br0 up;"
                            + " ip -n $h addr add 198.18.0.$n/24 dev e0; ip -n $h link set e0 up; ip -n $h link set lo up; done",
                    "for h in rs1 rs2; do ip -n $h addr add 198.18.0.100/32 dev lo;"
                            + " ip netns exec $h sysctl -qw net.ipv4.conf.all.arp_ignore=1 net.ipv4.conf.lo.arp_ignore=1"
                            + " net.ipv4.conf.all.arp_announce=2 net.ipv4.conf.lo.arp_announce=2;"
                            + " (ip netns exec $h nginx -c " + s + "/$h.conf > " + s + "/$h.out 2>&1 &); done",
                    "(ip netns exec director1 " + java + " -f " + s
                            + "/director1.conf -l --pid-file /tmp/d1.pid --control /tmp/d1.sock" + " > " + s
                            + "/director1.log 2>&1 &)",
                    "i=0; until ip netns exec director1 ipvsadm -Ln | grep -q 198.18.0.22:80"
                            + " && ip netns exec director1 ipvsadm -Ln | grep -q 198.18.0.21:80; do"
                            + " i=$((i+1)); [ $i -lt 240 ] || { echo TIMEOUT table; break; }; sleep 1; done",
                    "i=0; until ip netns exec director1 ip addr show e0 | grep -q 198.18.0.100; do"
                            + " i=$((i+1)); [ $i -lt 60 ] || { echo TIMEOUT vip; break; }; sleep 1; done",
                    "echo '=== ipvsadm'; ip netns exec director1 ipvsadm -Ln",
                    "echo '=== ours'; ip netns exec director1 " + java + " ipvs -L -n --control /tmp/d1.sock",
                    "echo '=== timeout'; ip netns exec director1 ipvsadm -L --timeout",
                    "echo '=== daemon'; i=0; until ip netns exec director1 ipvsadm -L --daemon | grep -q master; do"
                            + " i=$((i+1)); [ $i -lt 30 ] || break; sleep 1; done; ip netns exec director1 ipvsadm -L --daemon",
                    "echo '=== curl'; for i in 1 2 3 4; do ip netns exec client curl -s --max-time 10 http://198.18.0.100/; done",
                    "kill $(cat " + s + "/rs2.pid)",
                    "i=0; while ip netns exec director1 ipvsadm -Ln | grep -q 198.18.0.22:80; do"
                            + " i=$((i+1)); [ $i -lt 120 ] || { echo TIMEOUT removal; break; }; sleep 1; done",
                    "echo '=== after rs2 stopped'; ip netns exec director1 ipvsadm -Ln",
                    "kill -TERM $(cat /tmp/d1.pid)",
                    "i=0; while [ -e /tmp/d1.pid ]; do i=$((i+1)); [ $i -lt 60 ] || break; sleep 1; done",
                    "echo '=== after director stopped'; ip netns exec director1 ipvsadm -Ln; ip netns exec director1 ipvsadm -L --daemon",
                    "echo '=== end'",
                    "kill $(cat " + s + "/rs1.pid) 2>/dev/null || true");
            Process p = new ProcessBuilder(
                            repo.resolve("lab/vm/run").toString(),
                            "--timeout",
                            "900",
                            "--share",
                            share.toString(),
                            "--",
                            "sh",
                            "-c",
                            script)
                    .redirectErrorStream(true)
                    .start();
            String out = new String(p.getInputStream().readAllBytes());
            assertTrue(p.waitFor(960, TimeUnit.SECONDS), "the VM did not stop");
            String log = Files.exists(share.resolve("director1.log"))
                    ? Files.readString(share.resolve("director1.log"))
                    : "";
            String all = out + "\n--- director1.log\n" + log;
            assertEquals(0, p.exitValue(), all);
            Map<String, String> sec = sections(out);
            assertTrue(log.contains("table: kernel IPVS runs 1 virtual server(s)"), all);
            String table = sec.getOrDefault("ipvsadm", "");
            assertTrue(
                    table.contains("TCP  198.18.0.100:80 rr")
                            && table.contains("198.18.0.21:80               Route   1")
                            && table.contains("198.18.0.22:80               Route   1"),
                    all);
            assertEquals(table, sec.get("ours"), "our listing through the daemon equals ipvsadm's\n" + all);
            assertTrue(sec.getOrDefault("daemon", "").contains("master sync daemon (mcast=e0, syncid=51,"), all);
            assertTrue(
                    sec.getOrDefault("timeout", "").contains("Timeout (tcp tcpfin udp): 1000 120 290"),
                    "lvs_timeouts set, tcpfin left at the kernel's 120\n" + all);
            String curl = sec.getOrDefault("curl", "");
            assertTrue(
                    curl.contains("rs1") && curl.contains("rs2"),
                    "both real servers answer through the kernel\n" + all);
            String after = sec.getOrDefault("after rs2 stopped", "");
            assertTrue(after.contains("198.18.0.21:80") && !after.contains("198.18.0.22:80"), all);
            String stopped = sec.getOrDefault("after director stopped", "");
            assertTrue(
                    !stopped.contains("198.18.0.100:80") && !stopped.contains("master sync daemon"),
                    "a stopped director leaves neither its service nor its sync daemon\n" + all);
            assertTrue(sec.containsKey("end"), all);
        } finally {
            try (var files = Files.walk(share)) {
                files.sorted(java.util.Comparator.reverseOrder())
                        .forEach(f -> f.toFile().delete());
            }
        }
    }
}
