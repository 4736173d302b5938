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
 * vrrp_startup_delay, hadirector and keepalived 2.2.7 side by side: a lone instance becomes master
 * the delay plus its Master_Down_Interval after start, not the interval alone.
 */
class StartupDelayLabTest {
    static final Path KEEPALIVED = Path.of("/usr/sbin/keepalived");
    static final String VIP = "198.18.0.100";
    static final String CONF = """
            global_defs {
                router_id %s
                vrrp_startup_delay 3
            }
            vrrp_instance VI_1 {
                state BACKUP
                interface e0
                virtual_router_id 82
                priority 100
                advert_int 1
                virtual_ipaddress {
                    198.18.0.100/32
                }
            }
            """;

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"hadirector", "keepalived"})
    void theFirstMasterDownIntervalStartsAfterTheDelay(String who) throws Exception {
        Lab.requireRoot();
        if (who.equals("keepalived") && !Files.isExecutable(KEEPALIVED)) {
            if (System.getenv("CI") != null) {
                throw new AssertionError("keepalived is missing: .ci/run must install it");
            }
            Assumptions.abort("keepalived not installed");
        }
        try (Lab lab = Lab.create("sd" + who.charAt(0), "client=198.18.0.10", "director1=198.18.0.11")) {
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
                // both log the delay as the VRRP part starts: the clock starts there
                assertTrue(
                        Lab.waitFor(
                                        20_000,
                                        Lab.quietly(() -> lab.log("director1")
                                                .toLowerCase(java.util.Locale.ROOT)
                                                .contains("delaying startup for 3")))
                                >= 0,
                        lab.log("director1"));
                long t0 = System.nanoTime();
                // 3 s + Master_Down_Interval (3 x 1 s + 156/256 s = 3.61 s) = 6.61 s; without the delay 3.61 s
                Thread.sleep(5000);
                assertFalse(
                        lab.hasAddress("director1", VIP), "master before the delay was over\n" + lab.log("director1"));
                assertTrue(
                        Lab.waitFor(10_000, Lab.quietly(() -> lab.hasAddress("director1", VIP))) >= 0,
                        "never master\n" + lab.log("director1"));
                double s = (System.nanoTime() - t0) / 1e9;
                assertTrue(s >= 6.0 && s <= 9.0, "master after " + s + " s\n" + lab.log("director1"));
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
