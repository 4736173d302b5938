package org.hadirector.director.lab;

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
 * A virtual_server_group on the kernel's IPVS, in the VM (lab/vm/run): a range of three VIPs and a
 * fwmark entry make four IPVS services, each with both nginx real servers, decided by one set of
 * HTTP_GET checks; the client reaches every VIP and the marked address through the kernel; a
 * stopped nginx leaves all four services; a stopped director leaves none of them. Skipped with a
 * loud banner when qemu cannot run.
 */
@Tag("vm")
class VirtualServerGroupVmTest {

    static final String CONF = """
            vrrp_instance VI_1 {
                state MASTER
                interface e0
                virtual_router_id 51
                priority 150
                advert_int 1
                virtual_ipaddress {
                    198.18.0.100/32 dev e0
                    198.18.0.101/32 dev e0
                    198.18.0.102/32 dev e0
                }
            }
            virtual_server_group WEB {
                198.18.0.100-102 80
                fwmark 7
            }
            virtual_server group WEB {
                delay_loop 2
                lvs_sched rr
                lvs_method DR
                protocol TCP
                real_server 198.18.0.21 {
                    HTTP_GET {
                        url {
                            path /health
                            status_code 200
                        }
                        connect_port 80
                        connect_timeout 5
                        retry 1
                        delay_before_retry 1
                    }
                }
                real_server 198.18.0.22 {
                    HTTP_GET {
                        url {
                            path /health
                            status_code 200
                        }
                        connect_port 80
                        connect_timeout 5
                        retry 1
                        delay_before_retry 1
                    }
                }
            }
            """;

    @Test
    void aGroupOfThreeVipsAndAMarkRunsOnTheKernelsIpvs() throws Exception {
        Path repo = KernelDirectorVmTest.repo();
        String skip = null;
        if (repo == null) {
            skip = "lab/vm/run not found";
        } else if (!new File("/usr/bin/qemu-system-x86_64").canExecute() && System.getenv("CI") == null) {
            skip = "qemu-system-x86_64 is not installed (lab/vm/build installs it)";
        } else if (!new File("/usr/sbin/nginx").canExecute()) {
            skip = "nginx is not installed";
        }
        if (skip != null) {
            System.err.println("\n*** VIRTUAL SERVER GROUP VM TEST SKIPPED: " + skip + " ***\n");
            org.junit.jupiter.api.Assumptions.abort(skip);
        }
        Path share = Files.createTempDirectory(Path.of("/var/tmp"), "hdvmvsg");
        try {
            Files.writeString(share.resolve("director1.conf"), CONF);
            Files.writeString(share.resolve("rs1.conf"), KernelDirectorVmTest.nginxConf(share, "rs1"));
            Files.writeString(share.resolve("rs2.conf"), KernelDirectorVmTest.nginxConf(share, "rs2"));
            String java = Path.of(System.getProperty("java.home"), "bin", "java")
                    + " -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -Xss512k -cp " + System.getProperty("java.class.path")
                    + " org.hadirector.director.Main";
            String s = "$HADIRECTOR_VM_SHARE";
            String d1 = "ip netns exec director1 ";
            String script = String.join(
                    "\n",
                    "set -e",
                    "for m in ip_vs ip_vs_rr veth bridge nf_tables; do modprobe -d \"$HADIRECTOR_VM_KERNEL\" $m; done",
                    "ip link set lo up",
                    "ip link add br0 type bridge; ip link set br0 up",
                    "for e in client:10 director1:11 rs1:21 rs2:22; do h=${e%%:*}; n=${e#*:}; ip netns add $h;"
                            + " ip link add e0 netns $h type veth peer name p-$h; ip link set p-$h master br0 up;"
                            + " ip -n $h addr add 198.18.0.$n/24 dev e0; ip -n $h link set e0 up; ip -n $h link set lo up; done",
                    "for h in rs1 rs2; do for v in 100 101 102 110; do ip -n $h addr add 198.18.0.$v/32 dev lo; done;"
                            + " ip netns exec $h sysctl -qw net.ipv4.conf.all.arp_ignore=1 net.ipv4.conf.lo.arp_ignore=1"
                            + " net.ipv4.conf.all.arp_announce=2 net.ipv4.conf.lo.arp_announce=2;"
                            + " (ip netns exec $h nginx -c " + s + "/$h.conf > " + s + "/$h.out 2>&1 &); done",
                    // the fwmark entry's traffic: 198.18.0.110:80, marked 7 on the director as it comes in
                    "ip -n director1 addr add 198.18.0.110/32 dev e0",
                    d1 + "nft add table ip hdmark || echo NFT FAILED",
                    d1
                            + "nft add chain ip hdmark pre '{ type filter hook prerouting priority -150; }' || echo NFT FAILED",
                    d1
                            + "nft add rule ip hdmark pre ip daddr 198.18.0.110 tcp dport 80 meta mark set 7 || echo NFT FAILED",
                    "(" + d1 + java + " -f " + s
                            + "/director1.conf -l --pid-file /tmp/d1.pid --control /tmp/d1.sock" + " > " + s
                            + "/director1.log 2>&1 &)",
                    "i=0; until [ \"$(" + d1 + "ipvsadm -Ln | grep -c Route)\" = 8 ]; do"
                            + " i=$((i+1)); [ $i -lt 240 ] || { echo TIMEOUT table; break; }; sleep 1; done",
                    "i=0; until " + d1 + "ip addr show e0 | grep -q 198.18.0.102; do"
                            + " i=$((i+1)); [ $i -lt 60 ] || { echo TIMEOUT vip; break; }; sleep 1; done",
                    "echo '=== ipvsadm'; " + d1 + "ipvsadm -Ln",
                    "echo '=== ours'; " + d1 + java + " ipvs -L -n --control /tmp/d1.sock",
                    "echo '=== status'; " + d1 + java + " status --control /tmp/d1.sock",
                    "for v in 100 101 102 110; do echo \"=== curl $v\"; for i in 1 2; do"
                            + " ip netns exec client curl -s --max-time 10 http://198.18.0.$v/ || echo FAILED; done; done",
                    "kill $(cat " + s + "/rs2.pid)",
                    "i=0; while " + d1 + "ipvsadm -Ln | grep -q 198.18.0.22:; do"
                            + " i=$((i+1)); [ $i -lt 120 ] || { echo TIMEOUT removal; break; }; sleep 1; done",
                    "echo '=== after rs2 stopped'; " + d1 + "ipvsadm -Ln",
                    "kill -TERM $(cat /tmp/d1.pid)",
                    "i=0; while [ -e /tmp/d1.pid ]; do i=$((i+1)); [ $i -lt 60 ] || break; sleep 1; done",
                    "echo '=== after director stopped'; " + d1 + "ipvsadm -Ln",
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
            Map<String, String> sec = KernelDirectorVmTest.sections(out);
            String table = sec.getOrDefault("ipvsadm", "");
            String both = "  -> 198.18.0.21:%1$s               Route   1      0          0         \n"
                    + "  -> 198.18.0.22:%1$s               Route   1      0          0         \n";
            for (String v : new String[] {"100", "101", "102"}) {
                assertTrue(table.contains("TCP  198.18.0.%s:80 rr\n".formatted(v) + both.formatted("80")), all);
            }
            assertTrue(table.contains("FWM  7 rr\n" + both.formatted("0 ")), all);
            assertEquals(table, sec.get("ours"), "our listing through the daemon equals ipvsadm's\n" + all);
            String status = sec.getOrDefault("status", "");
            assertEquals(
                    1,
                    status.split("HTTP_GET 198.18.0.22:80", -1).length - 1,
                    "one check per real server for the group's four services\n" + all);
            for (String v : new String[] {"100", "101", "102", "110"}) {
                String curl = sec.getOrDefault("curl " + v, "");
                assertTrue(
                        curl.contains("rs1") && curl.contains("rs2"), "198.18.0." + v + " through the kernel\n" + all);
            }
            String after = sec.getOrDefault("after rs2 stopped", "");
            assertTrue(!after.contains("198.18.0.22:") && after.split("198.18.0.21:", -1).length - 1 == 4, all);
            String stopped = sec.getOrDefault("after director stopped", "");
            assertTrue(
                    !stopped.contains("198.18.0.10") && !stopped.contains("FWM"),
                    "a stopped director leaves none of the group's services\n" + all);
            assertTrue(sec.containsKey("end"), all);
        } finally {
            try (var files = Files.walk(share)) {
                files.sorted(java.util.Comparator.reverseOrder())
                        .forEach(f -> f.toFile().delete());
            }
        }
    }
}
