package org.hadirector.director.lab;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Whole daemons in a network namespace: a second daemon (another pid file, another control
 * socket) refuses before it touches the first one's VIP; a daemon started with SIGHUP ignored
 * (nohup) says so and still reloads on SIGHUP.
 */
class DaemonGuardsTest {
    private static final String VIP = "198.18.0.100";

    private static String conf() {
        return """
                vrrp_instance VI_1 {
                    state MASTER
                    interface e0
                    virtual_router_id 61
                    priority 150
                    version 3
                    advert_int 0.1
                    virtual_ipaddress {
                        198.18.0.100/32
                    }
                }
                """;
    }

    private static Process start(Lab lab, String host, Path log, List<String> prefix, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("ip", "netns", "exec", lab.ns(host)));
        cmd.addAll(prefix);
        cmd.addAll(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-XX:+UseSerialGC",
                "-Xss512k",
                "-cp",
                System.getProperty("java.class.path"),
                "org.hadirector.director.Main"));
        cmd.addAll(List.of(args));
        return new ProcessBuilder(cmd)
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .start();
    }

    @Test
    void aSecondDaemonWithAnotherPidFileRefusesBeforeTouchingTheVip() throws Exception {
        try (Lab lab = Lab.create("g1", "director1=198.18.0.11")) {
            Path f = lab.write("d.conf", conf());
            lab.director(
                    "director1",
                    "-P",
                    "-l",
                    "-f",
                    f.toString(),
                    "--pid-file",
                    lab.dir.resolve("a.pid").toString(),
                    "--control",
                    lab.dir.resolve("a.sock").toString());
            assertTrue(
                    Lab.waitFor(15_000, Lab.quietly(() -> lab.hasAddress("director1", VIP))) >= 0,
                    lab.log("director1"));
            Path log2 = lab.dir.resolve("second.log");
            Process second = start(
                    lab,
                    "director1",
                    log2,
                    List.of(),
                    "-P",
                    "-l",
                    "-f",
                    f.toString(),
                    "--pid-file",
                    lab.dir.resolve("b.pid").toString(),
                    "--control",
                    lab.dir.resolve("b.sock").toString());
            try {
                // The VIP must be there at every look while the second one lives, and after.
                int looks = 0;
                long deadline = System.nanoTime() + 30_000_000_000L;
                while (second.isAlive() && System.nanoTime() < deadline) {
                    assertTrue(lab.hasAddress("director1", VIP), "the VIP vanished while the second daemon started");
                    looks++;
                }
                assertTrue(second.waitFor(1, TimeUnit.SECONDS), "the second daemon did not stop");
                String out = Files.readString(log2);
                assertEquals(4, second.exitValue(), out);
                assertTrue(
                        out.contains(
                                "another hadirector runs in this network namespace (it holds the abstract socket @hadirector)"),
                        out);
                assertFalse(out.contains("VI_1"), "the second daemon started nothing: " + out);
                assertFalse(Files.exists(lab.dir.resolve("b.pid")), "nor wrote a pid file");
                for (int i = 0; i < 10; i++) {
                    assertTrue(lab.hasAddress("director1", VIP), "the VIP vanished after the second daemon refused");
                    Thread.sleep(100);
                }
                assertTrue(looks > 0);
            } finally {
                second.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
        }
    }

    @Test
    void sighupIgnoredAtStartIsReportedAndReloadStillWorks() throws Exception {
        try (Lab lab = Lab.create("g2", "director1=198.18.0.11")) {
            Path f = lab.write("d.conf", conf());
            Path log = lab.dir.resolve("nohup.log");
            // As nohup does: SIGHUP ignored, then exec.
            Process d = start(
                    lab,
                    "director1",
                    log,
                    List.of("sh", "-c", "trap '' HUP; exec \"$@\"", "sh"),
                    "-P",
                    "-l",
                    "-f",
                    f.toString(),
                    "--pid-file",
                    lab.dir.resolve("a.pid").toString(),
                    "--control",
                    lab.dir.resolve("a.sock").toString());
            try {
                assertTrue(
                        Lab.waitFor(15_000, Lab.quietly(() -> lab.hasAddress("director1", VIP))) >= 0,
                        Files.readString(log));
                // The log reaches the file a little after the VIP on a loaded machine: wait for it.
                assertTrue(
                        Lab.waitFor(
                                        10_000,
                                        Lab.quietly(() -> Files.readString(log)
                                                .contains("SIGHUP was ignored when hadirector started")))
                                >= 0,
                        Files.readString(log));
                assertEquals(
                        0,
                        new ProcessBuilder("kill", "-HUP", Long.toString(d.pid()))
                                .start()
                                .waitFor());
                assertTrue(
                        Lab.waitFor(
                                        10_000,
                                        Lab.quietly(() -> Files.readString(log).contains("reload done")))
                                >= 0,
                        Files.readString(log));
                assertTrue(d.isAlive(), "SIGHUP reloads, it does not kill");
            } finally {
                d.destroy();
                if (!d.waitFor(10, TimeUnit.SECONDS)) {
                    d.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
                }
            }
        }
    }
}
