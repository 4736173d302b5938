package org.hadirector.director.lab;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
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
        try (DirectorVm vm = DirectorVm.create("VIRTUAL SERVER GROUP", CONF)) {
            String d1 = DirectorVm.D1;
            DirectorVm.Result r = vm.run(DirectorVm.script(
                    DirectorVm.topology("ip_vs ip_vs_rr veth bridge nf_tables", "100 101 102 110"),
                    List.of(
                            // the fwmark entry's traffic: 198.18.0.110:80, marked 7 on the director as it comes in
                            "ip -n director1 addr add 198.18.0.110/32 dev e0",
                            d1 + "nft add table ip hdmark || echo NFT FAILED",
                            d1
                                    + "nft add chain ip hdmark pre '{ type filter hook prerouting priority -150; }'"
                                    + " || echo NFT FAILED",
                            d1
                                    + "nft add rule ip hdmark pre ip daddr 198.18.0.110 tcp dport 80 meta mark set 7"
                                    + " || echo NFT FAILED",
                            DirectorVm.startDirector(),
                            "i=0; until [ \"$(" + d1 + "ipvsadm -Ln | grep -c Route)\" = 8 ]; do"
                                    + " i=$((i+1)); [ $i -lt 240 ] || { echo TIMEOUT table; break; }; sleep 1; done",
                            "i=0; until " + d1 + "ip addr show e0 | grep -q 198.18.0.102; do"
                                    + " i=$((i+1)); [ $i -lt 60 ] || { echo TIMEOUT vip; break; }; sleep 1; done",
                            "echo '=== ipvsadm'; " + d1 + "ipvsadm -Ln",
                            "echo '=== ours'; " + d1 + DirectorVm.java() + " ipvs -L -n --control /tmp/d1.sock",
                            "echo '=== status'; " + d1 + DirectorVm.java() + " status --control /tmp/d1.sock",
                            "for v in 100 101 102 110; do echo \"=== curl $v\"; for i in 1 2; do"
                                    + " ip netns exec client curl -s --max-time 10 http://198.18.0.$v/ || echo FAILED;"
                                    + " done; done"),
                    DirectorVm.stopRs2("198.18.0.22:"),
                    List.of("echo '=== after rs2 stopped'; " + d1 + "ipvsadm -Ln"),
                    DirectorVm.stopDirector(),
                    List.of("echo '=== after director stopped'; " + d1 + "ipvsadm -Ln"),
                    DirectorVm.end()));
            String all = r.all();
            String table = r.section("ipvsadm");
            String both = "  -> 198.18.0.21:%1$s               Route   1      0          0         \n"
                    + "  -> 198.18.0.22:%1$s               Route   1      0          0         \n";
            for (String v : new String[] {"100", "101", "102"}) {
                assertTrue(table.contains("TCP  198.18.0.%s:80 rr\n".formatted(v) + both.formatted("80")), all);
            }
            assertTrue(table.contains("FWM  7 rr\n" + both.formatted("0 ")), all);
            assertEquals(table, r.sections().get("ours"), "our listing through the daemon equals ipvsadm's\n" + all);
            assertEquals(
                    1,
                    r.section("status").split("HTTP_GET 198.18.0.22:80", -1).length - 1,
                    "one check per real server for the group's four services\n" + all);
            for (String v : new String[] {"100", "101", "102", "110"}) {
                String curl = r.section("curl " + v);
                assertTrue(
                        curl.contains("rs1") && curl.contains("rs2"), "198.18.0." + v + " through the kernel\n" + all);
            }
            String after = r.section("after rs2 stopped");
            assertTrue(!after.contains("198.18.0.22:") && after.split("198.18.0.21:", -1).length - 1 == 4, all);
            String stopped = r.section("after director stopped");
            assertTrue(
                    !stopped.contains("198.18.0.10") && !stopped.contains("FWM"),
                    "a stopped director leaves none of the group's services\n" + all);
            assertTrue(r.sections().containsKey("end"), all);
        }
    }
}
