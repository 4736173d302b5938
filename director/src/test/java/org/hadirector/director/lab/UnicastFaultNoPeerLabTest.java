package org.hadirector.director.lab;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * unicast_fault_no_peer without peers, hadirector and keepalived 2.2.7 side by side: the lone
 * instance enters FAULT and stays there (no multicast fallback), never taking the VIP.
 */
class UnicastFaultNoPeerLabTest {
    static final Path KEEPALIVED = Path.of("/usr/sbin/keepalived");
    static final String VIP = "198.18.0.100";
    static final String CONF = """
            global_defs {
                router_id %s
            }
            vrrp_instance VI_1 {
                state MASTER
                interface e0
                virtual_router_id 83
                priority 150
                advert_int 1
                unicast_fault_no_peer
                virtual_ipaddress {
                    198.18.0.100/32
                }
            }
            """;

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"hadirector", "keepalived"})
    void withoutPeersTheInstanceStaysInFault(String who) throws Exception {
        Lab.requireRoot();
        if (who.equals("keepalived") && !Files.isExecutable(KEEPALIVED)) {
            if (System.getenv("CI") != null) {
                throw new AssertionError("keepalived is missing: .ci/run must install it");
            }
            Assumptions.abort("keepalived not installed");
        }
        try (Lab lab = Lab.create("uf" + who.charAt(0), "client=198.18.0.10", "director1=198.18.0.11")) {
            Path conf = lab.write("d1.conf", CONF.formatted(who));
            Process keepalived = null;
            try {
                if (who.equals("hadirector")) {
                    lab.director(
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
                String fault = who.equals("hadirector")
                        ? "VI_1: INIT -> FAULT"
                        : "(VI_1) Cannot use unicast without any peers - going to fault state";
                assertTrue(
                        Lab.waitFor(
                                        20_000,
                                        Lab.quietly(() -> lab.log("director1").contains(fault)))
                                >= 0,
                        lab.log("director1"));
                // a multicast fallback would be master after Master_Down_Interval (3.4 s)
                Thread.sleep(5000);
                assertFalse(lab.hasAddress("director1", VIP), lab.log("director1"));
                assertFalse(lab.log("director1").contains("MASTER STATE"), lab.log("director1"));
                assertFalse(lab.log("director1").contains("-> MASTER"), lab.log("director1"));
            } finally {
                if (keepalived != null) {
                    Lab.run(
                            "kill",
                            "-TERM",
                            Files.readString(lab.dir.resolve("ka.pid")).strip());
                    keepalived.waitFor(10, TimeUnit.SECONDS);
                    keepalived.destroyForcibly();
                }
            }
        }
    }
}
