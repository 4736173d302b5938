package org.hadirector.director.lab;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
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

    @Test
    void theDirectorRunsTheKernelsIpvs() throws Exception {
        try (DirectorVm vm = DirectorVm.create("KERNEL DIRECTOR", CONF)) {
            String d1 = DirectorVm.D1;
            DirectorVm.Result r = vm.run(DirectorVm.script(
                    DirectorVm.topology("ip_vs ip_vs_rr veth bridge", "100"),
                    List.of(
                            DirectorVm.startDirector(),
                            "i=0; until " + d1 + "ipvsadm -Ln | grep -q 198.18.0.22:80"
                                    + " && " + d1 + "ipvsadm -Ln | grep -q 198.18.0.21:80; do"
                                    + " i=$((i+1)); [ $i -lt 240 ] || { echo TIMEOUT table; break; }; sleep 1; done",
                            "i=0; until " + d1 + "ip addr show e0 | grep -q 198.18.0.100; do"
                                    + " i=$((i+1)); [ $i -lt 60 ] || { echo TIMEOUT vip; break; }; sleep 1; done",
                            "echo '=== ipvsadm'; " + d1 + "ipvsadm -Ln",
                            "echo '=== ours'; " + d1 + DirectorVm.java() + " ipvs -L -n --control /tmp/d1.sock",
                            "echo '=== timeout'; " + d1 + "ipvsadm -L --timeout",
                            "echo '=== daemon'; i=0; until " + d1 + "ipvsadm -L --daemon | grep -q master; do"
                                    + " i=$((i+1)); [ $i -lt 30 ] || break; sleep 1; done; " + d1
                                    + "ipvsadm -L --daemon",
                            "echo '=== curl'; for i in 1 2 3 4; do"
                                    + " ip netns exec client curl -s --max-time 10 http://198.18.0.100/; done"),
                    DirectorVm.stopRs2("198.18.0.22:80"),
                    List.of("echo '=== after rs2 stopped'; " + d1 + "ipvsadm -Ln"),
                    DirectorVm.stopDirector(),
                    List.of("echo '=== after director stopped'; " + d1 + "ipvsadm -Ln; " + d1 + "ipvsadm -L --daemon"),
                    DirectorVm.end()));
            String all = r.all();
            assertTrue(r.log().contains("table: kernel IPVS runs 1 virtual server(s)"), all);
            String table = r.section("ipvsadm");
            assertTrue(
                    table.contains("TCP  198.18.0.100:80 rr")
                            && table.contains("198.18.0.21:80               Route   1")
                            && table.contains("198.18.0.22:80               Route   1"),
                    all);
            assertEquals(table, r.sections().get("ours"), "our listing through the daemon equals ipvsadm's\n" + all);
            assertTrue(r.section("daemon").contains("master sync daemon (mcast=e0, syncid=51,"), all);
            assertTrue(
                    r.section("timeout").contains("Timeout (tcp tcpfin udp): 1000 120 290"),
                    "lvs_timeouts set, tcpfin left at the kernel's 120\n" + all);
            String curl = r.section("curl");
            assertTrue(
                    curl.contains("rs1") && curl.contains("rs2"),
                    "both real servers answer through the kernel\n" + all);
            String after = r.section("after rs2 stopped");
            assertTrue(after.contains("198.18.0.21:80") && !after.contains("198.18.0.22:80"), all);
            String stopped = r.section("after director stopped");
            assertTrue(
                    !stopped.contains("198.18.0.100:80") && !stopped.contains("master sync daemon"),
                    "a stopped director leaves neither its service nor its sync daemon\n" + all);
            assertTrue(r.sections().containsKey("end"), all);
        }
    }
}
