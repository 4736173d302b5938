package org.hadirector.director.lab;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.hadirector.ipvs.dr.UserspaceDr;
import org.hadirector.sys.NetNs;
import org.junit.jupiter.api.Test;

/**
 * `hadirector -C --dataplane xdp` as operators run it, in the seed topology: the daemon attaches
 * the program to the interface holding the VIP, the checks add both real servers, the client's
 * requests alternate between them, and a SIGTERM detaches the program. The veth details as
 * {@link Lab#xdpVeth} sets them.
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
        try (Lab lab =
                Lab.create("xd", "client=198.18.0.10", "director1=198.18.0.11", "rs1=198.18.0.21", "rs2=198.18.0.22")) {
            lab.drRealServer("rs1", VIP);
            lab.drRealServer("rs2", VIP);
            Lab.run("ip", "-n", lab.ns("director1"), "addr", "add", VIP + "/32", "dev", "e0");
            lab.xdpVeth("director1", "client");
            Path conf = lab.write("d1.conf", CONF);
            Process d1 = checksOnly(lab, conf, "xdp");
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

            // --dataplane auto on a veth: AF_PACKET alone, and the log says why
            Path log = lab.dir.resolve("director1.log");
            Files.writeString(log, "");
            Process auto = checksOnly(lab, conf, "auto");
            assertTrue(
                    Lab.waitFor(20_000, Lab.quietly(() -> curl(lab).startsWith("rs"))) >= 0,
                    "auto: " + Files.readString(log));
            String text = Files.readString(log);
            assertTrue(
                    text.contains("dataplane: the userspace forwarder (auto: no IPVS in this namespace's kernel)"),
                    text);
            assertTrue(text.contains("AF_PACKET forwarding only: e0 is a veth"), text);
            assertFalse(Lab.run("ip", "-n", lab.ns("director1"), "link", "show", "e0")
                    .contains("prog/xdp"));
            auto.destroy();
            assertTrue(auto.waitFor(15, TimeUnit.SECONDS));
        }
    }

    /** auto where the driver has no XDP (a bridge): AF_PACKET alone, never generic XDP. */
    @Test
    void autoLeavesADriverWithoutXdpToAfPacket() throws Exception {
        Lab.requireRoot();
        java.util.concurrent.ExecutorService in = java.util.concurrent.Executors.newSingleThreadExecutor();
        try (Lab lab = Lab.create("xa", "director1=198.18.0.11")) {
            Lab.run("ip", "-n", lab.ns("director1"), "link", "add", "d0", "type", "bridge");
            Lab.run("ip", "-n", lab.ns("director1"), "addr", "add", "198.18.0.61/32", "dev", "d0");
            Lab.run("ip", "-n", lab.ns("director1"), "link", "set", "d0", "up");
            try (UserspaceDr dr = in.submit(() -> {
                        NetNs.enter(lab.ns("director1"));
                        return UserspaceDr.open(UserspaceDr.Settings.of("d0").withXdp(UserspaceDr.Xdp.WHERE_NATIVE));
                    })
                    .get(30, TimeUnit.SECONDS)) {
                assertTrue(dr.xdpCounters().isEmpty(), "no program: " + dr.xdpCounters());
                assertFalse(Lab.run("ip", "-n", lab.ns("director1"), "link", "show", "d0")
                        .contains("xdp"));
            }
        } finally {
            in.shutdownNow();
        }
    }

    /** The daemon as `hadirector -C` on director1, with the dataplane given. */
    static Process checksOnly(Lab lab, Path conf, String dataplane) throws Exception {
        return lab.checksDaemon("director1", conf, "--dataplane", dataplane);
    }

    static String curl(Lab lab) throws Exception {
        return Lab.run(
                "ip", "netns", "exec", lab.ns("client"), "curl", "-s", "--max-time", "2", "http://" + VIP + "/who");
    }
}
