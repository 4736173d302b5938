package org.hadirector.director.lab;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.hadirector.ipvs.xdp.XdpProgram;
import org.hadirector.sys.NetNs;
import org.junit.jupiter.api.Test;

/**
 * `hadirector -C --dataplane xdp` as operators run it, in the seed topology: the daemon attaches
 * the program to the interface holding the VIP, the checks add both real servers, the client's
 * requests alternate between them, and a SIGTERM detaches the program. The veth details as in
 * {@link XdpLabTest}.
 */
class XdpDaemonLabTest {
    static final String VIP = "198.18.0.100";
    static final String CONF = """
            global_defs {
                router_id xdp
            }
            virtual_server 198.18.0.100 80 {
                delay_loop 0.5
                lvs_sched rr
                lvs_method DR
                protocol TCP
                real_server 198.18.0.21 80 {
                    TCP_CHECK {
                        connect_timeout 1
                    }
                }
                real_server 198.18.0.22 80 {
                    TCP_CHECK {
                        connect_timeout 1
                    }
                }
            }
            """;

    @Test
    void theDaemonForwardsWithTheProgramAndDetachesItAtStop() throws Exception {
        Lab.requireRoot();
        Lab.requireTools(Lab.ETHTOOL);
        ExecutorService sw = Executors.newSingleThreadExecutor();
        XdpProgram peer = null;
        try (Lab lab =
                Lab.create("xd", "client=198.18.0.10", "director1=198.18.0.11", "rs1=198.18.0.21", "rs2=198.18.0.22")) {
            for (String rs : List.of("rs1", "rs2")) {
                Lab.run(
                        "ip",
                        "netns",
                        "exec",
                        lab.ns(rs),
                        "sysctl",
                        "-qw",
                        "net.ipv4.conf.all.arp_ignore=1",
                        "net.ipv4.conf.all.arp_announce=2");
                Lab.run("ip", "-n", lab.ns(rs), "addr", "add", VIP + "/32", "dev", "lo");
                lab.nginx(rs);
                Files.writeString(lab.dir.resolve("www-" + rs + "/html/who"), rs + "\n");
            }
            Lab.run("ip", "-n", lab.ns("director1"), "addr", "add", VIP + "/32", "dev", "e0");
            Lab.run("ip", "netns", "exec", lab.ns("client"), "ethtool", "-K", "e0", "tx", "off");
            peer = sw.submit(() -> {
                        NetNs.enter(lab.ns("sw"));
                        return XdpProgram.attach("p-director1", 16, XdpProgram.Mode.DRIVER);
                    })
                    .get(30, TimeUnit.SECONDS);
            Path conf = lab.write("d1.conf", CONF);
            Process d1 = lab.director(
                    "director1",
                    "-C",
                    "-l",
                    "-f",
                    conf.toString(),
                    "--dataplane",
                    "xdp",
                    "--pid-file",
                    lab.dir.resolve("d1.pid").toString(),
                    "--control",
                    lab.dir.resolve("d1.sock").toString());
            List<String> answers = new ArrayList<>();
            assertTrue(
                    Lab.waitFor(20_000, Lab.quietly(() -> {
                                answers.clear();
                                for (int i = 0; i < 4; i++) {
                                    answers.add(curl(lab).strip());
                                }
                                return answers.containsAll(List.of("rs1", "rs2"));
                            }))
                            >= 0,
                    "answers " + answers + "; log: " + Files.readString(lab.dir.resolve("director1.log")));
            assertTrue(Lab.run("ip", "-n", lab.ns("director1"), "link", "show", "e0")
                    .contains("prog/xdp"));
            assertTrue(Files.readString(lab.dir.resolve("director1.log")).contains("XDP program attached"));
            d1.destroy(); // SIGTERM: a graceful stop
            assertTrue(d1.waitFor(15, TimeUnit.SECONDS));
            assertFalse(Lab.run("ip", "-n", lab.ns("director1"), "link", "show", "e0")
                    .contains("prog/xdp"));
        } finally {
            if (peer != null) {
                peer.close();
            }
            sw.shutdownNow();
        }
    }

    static String curl(Lab lab) throws Exception {
        return Lab.run(
                "ip", "netns", "exec", lab.ns("client"), "curl", "-s", "--max-time", "2", "http://" + VIP + "/who");
    }
}
