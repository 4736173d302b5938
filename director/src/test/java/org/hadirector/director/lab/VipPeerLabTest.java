package org.hadirector.director.lab;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A VIP with a peer, hadirector and keepalived 2.2.7 side by side: the master adds it as a
 * point-to-point address (as `ip address add ADDR peer PEER` shows it).
 */
class VipPeerLabTest {
    static final Path KEEPALIVED = Path.of("/usr/sbin/keepalived");
    static final String CONF = """
            global_defs {
                router_id %s
            }
            vrrp_instance VI_1 {
                state MASTER
                interface e0
                virtual_router_id 85
                priority 150
                advert_int 1
                virtual_ipaddress {
                    198.18.0.100/32
                    198.18.0.110 peer 198.18.0.210
                }
            }
            """;

    private static String addresses(Lab lab) throws Exception {
        return Lab.run("ip", "-n", lab.ns("director1"), "-4", "-o", "addr", "show", "dev", "e0");
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"hadirector", "keepalived"})
    void theVipIsAddedWithItsPeer(String who) throws Exception {
        Lab.requireRoot();
        if (who.equals("keepalived") && !Files.isExecutable(KEEPALIVED)) {
            if (System.getenv("CI") != null) {
                throw new AssertionError("keepalived is missing: .ci/run must install it");
            }
            Assumptions.abort("keepalived not installed");
        }
        try (Lab lab = Lab.create("pe" + who.charAt(0), "client=198.18.0.10", "director1=198.18.0.11")) {
            Path conf = lab.write("d1.conf", CONF.formatted(who));
            Process keepalived = null;
            Process ours = null;
            try {
                if (who.equals("hadirector")) {
                    ours = lab.director(
                            "director1",
                            "-P",
                            "-l",
                            "-f",
                            conf.toString(),
                            "--pid-file",
                            lab.dir.resolve("d1.pid").toString(),
                            "--control",
                            lab.dir.resolve("d1.sock").toString());
                } else {
                    keepalived = new ProcessBuilder(
                                    "ip",
                                    "netns",
                                    "exec",
                                    lab.ns("director1"),
                                    KEEPALIVED.toString(),
                                    "-n",
                                    "-l",
                                    "-P",
                                    "--no-syslog",
                                    "-f",
                                    conf.toString(),
                                    "-p",
                                    lab.dir.resolve("ka.pid").toString(),
                                    "-r",
                                    lab.dir.resolve("ka-vrrp.pid").toString())
                            .redirectErrorStream(true)
                            .redirectOutput(lab.dir.resolve("director1.log").toFile())
                            .start();
                }
                assertTrue(
                        Lab.waitFor(20_000, Lab.quietly(() -> addresses(lab).contains("inet 198.18.0.110 "))) >= 0,
                        "never master\n" + lab.log("director1"));
                String a = addresses(lab);
                assertTrue(a.contains("inet 198.18.0.110 peer 198.18.0.210/32 "), a);
                // stopping, the master removes it again (the delete names the peer)
                if (ours != null) {
                    Lab.run(
                            "kill",
                            "-TERM",
                            Files.readString(lab.dir.resolve("d1.pid")).strip());
                    assertTrue(ours.waitFor(10, TimeUnit.SECONDS), lab.log("director1"));
                    String after = addresses(lab);
                    assertTrue(!after.contains("198.18.0.110") && !after.contains("198.18.0.100"), after);
                }
            } finally {
                if (keepalived != null) {
                    Lab.run(
                            "kill",
                            "-TERM",
                            Files.readString(lab.dir.resolve("ka.pid")).strip());
                    keepalived.waitFor(10, TimeUnit.SECONDS);
                    keepalived.destroyForcibly();
                    // recorded, not asserted: what keepalived leaves behind at its stop
                    Files.writeString(lab.dir.resolve("ka-after-stop.txt"), addresses(lab));
                    System.out.println("keepalived after stop: " + addresses(lab));
                }
            }
        }
    }
}
