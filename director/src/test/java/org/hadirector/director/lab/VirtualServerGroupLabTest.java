package org.hadirector.director.lab;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.hadirector.director.MainAccess;
import org.junit.jupiter.api.Test;

/**
 * `hadirector -C` on the userspace forwarder with a virtual_server_group of a range of three VIPs:
 * a client reaches each VIP through the director to nginx on two real servers; a stopped nginx
 * leaves all three services at once, on one check; a reload that adds a fourth address adds that
 * service alone, with the real servers the group's checks have up. A fwmark entry is refused by
 * name at --config-test with --dataplane userspace.
 */
class VirtualServerGroupLabTest {
    static final List<String> VIPS = List.of("198.18.0.100", "198.18.0.101", "198.18.0.102", "198.18.0.103");

    static final String CONF = """
            virtual_server_group WEB {
                %s
            }
            virtual_server group WEB {
                delay_loop 0.5
                lvs_sched rr
                lvs_method DR
                protocol TCP
                real_server 198.18.0.21 80 {
                    TCP_CHECK {
                        connect_timeout 1
                        retry 1
                        delay_before_retry 0.2
                    }
                }
                real_server 198.18.0.22 80 {
                    TCP_CHECK {
                        connect_timeout 1
                        retry 1
                        delay_before_retry 0.2
                    }
                }
            }
            """;

    @Test
    void aRangeOfThreeVipsServedByTheUserspaceForwarderFollowsOneSetOfChecks() throws Exception {
        String refused = run(
                5,
                "--config-test",
                "--dataplane",
                "userspace",
                "-f",
                Files.writeString(
                                Files.createTempFile("vsg", ".conf"),
                                CONF.formatted("198.18.0.100-102 80\n    fwmark 7\n")
                                        .replace("real_server 198.18.0.21 80", "real_server 198.18.0.21")
                                        .replace("real_server 198.18.0.22 80", "real_server 198.18.0.22")
                                        .replace("retry 1\n", "retry 1\n connect_port 80\n"))
                        .toString());
        assertTrue(
                refused.contains("FWM 7 (group WEB): the userspace forwarder serves address:port services only"),
                refused);

        try (Lab lab =
                Lab.create("g", "client=198.18.0.10", "director1=198.18.0.11", "rs1=198.18.0.21", "rs2=198.18.0.22")) {
            lab.drRealServer("rs1", VIPS.toArray(String[]::new));
            Process rs2 = lab.drRealServer("rs2", VIPS.toArray(String[]::new));
            for (String vip : VIPS) {
                Lab.run("ip", "-n", lab.ns("director1"), "addr", "add", vip + "/32", "dev", "e0");
            }
            Path sock = lab.controlSocket("director1");
            Path conf = lab.write("d1.conf", CONF.formatted("198.18.0.100-102 80"));
            lab.checksDaemon("director1", conf, "--dataplane", "userspace");
            String both = "  -> 198.18.0.21:80               Route   1      0          0         \n"
                    + "  -> 198.18.0.22:80               Route   1      0          0         \n";
            assertTrue(
                    Lab.waitFor(20_000, Lab.quietly(() -> {
                                String t = ipvs(sock);
                                return VIPS.subList(0, 3).stream()
                                        .allMatch(v -> t.contains("TCP  " + v + ":80 rr\n" + both));
                            }))
                            >= 0,
                    lab.log("director1") + ipvs(sock));
            String status = status(sock);
            assertEquals(1, count(status, "TCP_CHECK 198.18.0.22:80"), "one check per real server: " + status);

            // the client reaches each of the three VIPs, and rr sends it to both real servers
            for (String vip : VIPS.subList(0, 3)) {
                Set<String> seen = new TreeSet<>();
                assertTrue(
                        Lab.waitFor(10_000, Lab.quietly(() -> {
                                    seen.add(curl(lab, vip));
                                    return seen.equals(Set.of("rs1", "rs2"));
                                }))
                                >= 0,
                        vip + " answered by " + seen + "\n" + lab.log("director1"));
            }

            // nginx on rs2 stops: its one check fails and rs2 leaves all three services
            rs2.destroy();
            assertTrue(
                    Lab.waitFor(10_000, Lab.quietly(() -> !ipvs(sock).contains("198.18.0.22:80"))) >= 0,
                    lab.log("director1") + ipvs(sock));
            String t = ipvs(sock);
            for (String vip : VIPS.subList(0, 3)) {
                assertTrue(t.contains("TCP  " + vip + ":80 rr\n  -> 198.18.0.21:80 "), t);
                for (int i = 0; i < 3; i++) {
                    assertEquals("rs1", curl(lab, vip), vip);
                }
            }
            assertEquals(
                    3,
                    count(lab.log("director1"), "table: remove 198.18.0.22:80 from TCP  198.18.0.10"),
                    lab.log("director1"));

            // a reload adds 198.18.0.103 to the group: that service alone is added, with rs1 (up)
            String before = lab.log("director1");
            lab.write("d1.conf", CONF.formatted("198.18.0.100-103 80"));
            Lab.run(
                    "kill",
                    "-HUP",
                    Files.readString(lab.dir.resolve("director1.pid")).strip());
            assertTrue(
                    Lab.waitFor(
                                    10_000,
                                    Lab.quietly(
                                            () -> ipvs(sock).contains("TCP  198.18.0.103:80 rr\n  -> 198.18.0.21:80 ")))
                            >= 0,
                    lab.log("director1") + ipvs(sock));
            assertTrue(Lab.waitFor(5_000, Lab.quietly(() -> lab.log("director1").contains("reload done"))) >= 0);
            String reload = lab.log("director1").substring(before.length());
            assertTrue(reload.contains("table: add service TCP  198.18.0.103:80 rr"), reload);
            assertFalse(reload.contains("delete service"), reload);
            assertFalse(reload.contains("198.18.0.100:80 rr ("), "the other services are left alone: " + reload);
            assertEquals("rs1", curl(lab, "198.18.0.103"));

            // nginx on rs2 is back: it joins all four services
            lab.nginx("rs2");
            String back = "  -> 198.18.0.22:80               Route   1      0          0         \n";
            assertTrue(
                    Lab.waitFor(10_000, Lab.quietly(() -> count(ipvs(sock), back) == 4)) >= 0,
                    lab.log("director1") + ipvs(sock));
        }
    }

    static String curl(Lab lab, String vip) throws Exception {
        return Lab.run(
                        "ip",
                        "netns",
                        "exec",
                        lab.ns("client"),
                        "curl",
                        "-s",
                        "--max-time",
                        "3",
                        "http://" + vip + "/who")
                .strip();
    }

    static int count(String text, String part) {
        int n = 0;
        for (int i = text.indexOf(part); i >= 0; i = text.indexOf(part, i + 1)) {
            n++;
        }
        return n;
    }

    static String ipvs(Path sock) {
        return run(0, "ipvs", "-L", "-n", "--control", sock.toString());
    }

    static String status(Path sock) {
        return run(0, "status", "--control", sock.toString());
    }

    static String run(int expected, String... args) {
        java.io.ByteArrayOutputStream b = new java.io.ByteArrayOutputStream();
        int code = new MainAccess().run(new java.io.PrintStream(b, true), args);
        if (code != expected) {
            throw new IllegalStateException("exit " + code + ": " + b); // Lab.quietly retries on exceptions
        }
        return b.toString();
    }
}
