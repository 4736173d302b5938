package org.hadirector.director.lab;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * A VIP on another interface than the instance's, hadirector and keepalived 2.2.7 side by side:
 * that interface going down faults the instance, unless the VIP says no_track.
 */
class VipNoTrackLabTest {
    static final Path KEEPALIVED = Path.of("/usr/sbin/keepalived");
    static final String VIP = "198.18.0.100";
    static final String CONF = """
            global_defs {
                router_id %s
            }
            vrrp_instance VI_1 {
                state MASTER
                interface e0
                virtual_router_id 84
                priority 150
                advert_int 1
                virtual_ipaddress {
                    198.18.0.100/32
                    198.18.0.101/32 dev d1 %s
                }
            }
            """;

    @ParameterizedTest(name = "{0} {1}")
    @CsvSource({"hadirector,tracked", "hadirector,no_track", "keepalived,tracked", "keepalived,no_track"})
    void theVipsDevDownFaultsTheInstanceUnlessNoTrack(String who, String how) throws Exception {
        Lab.requireRoot();
        if (who.equals("keepalived") && !Files.isExecutable(KEEPALIVED)) {
            if (System.getenv("CI") != null) {
                throw new AssertionError("keepalived is missing: .ci/run must install it");
            }
            Assumptions.abort("keepalived not installed");
        }
        boolean noTrack = how.equals("no_track");
        try (Lab lab =
                Lab.create("nt" + who.charAt(0) + how.charAt(0), "client=198.18.0.10", "director1=198.18.0.11")) {
            // a veth pair inside the namespace: d1 carries the second VIP (no dummy module here)
            Lab.run("ip", "-n", lab.ns("director1"), "link", "add", "d1", "type", "veth", "peer", "name", "d1p");
            Lab.run("ip", "-n", lab.ns("director1"), "link", "set", "d1p", "up");
            Lab.run("ip", "-n", lab.ns("director1"), "link", "set", "d1", "up");
            Path conf = lab.write("d1.conf", CONF.formatted(who, noTrack ? "no_track" : ""));
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
                assertTrue(
                        Lab.waitFor(20_000, Lab.quietly(() -> lab.hasAddress("director1", VIP))) >= 0,
                        "never master\n" + lab.log("director1"));
                Lab.run("ip", "-n", lab.ns("director1"), "link", "set", "d1", "down");
                String fault = who.equals("hadirector") ? "VI_1: MASTER -> FAULT" : "(VI_1) Entering FAULT STATE";
                if (noTrack) {
                    Thread.sleep(3000);
                    assertTrue(lab.hasAddress("director1", VIP), lab.log("director1"));
                    assertFalse(lab.log("director1").contains(fault), lab.log("director1"));
                } else {
                    assertTrue(
                            Lab.waitFor(
                                            5_000,
                                            Lab.quietly(
                                                    () -> lab.log("director1").contains(fault)))
                                    >= 0,
                            lab.log("director1"));
                    assertTrue(
                            Lab.waitFor(3_000, Lab.quietly(() -> !lab.hasAddress("director1", VIP))) >= 0,
                            lab.log("director1"));
                }
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
