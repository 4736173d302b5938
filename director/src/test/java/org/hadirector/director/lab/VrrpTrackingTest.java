package org.hadirector.director.lab;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** Trackers moving the VIP: a vrrp_script weight, and a track_interface with weight 0. */
class VrrpTrackingTest {
    static final String VIP = "198.18.0.100";

    static String conf(String state, int priority, String extraBlocks, String extraInstance) {
        return """
                global_defs {
                    enable_script_security
                }
                %s
                vrrp_instance VI_1 {
                    state %s
                    interface e0
                    virtual_router_id 51
                    priority %d
                    version 3
                    advert_int 0.1
                    %s
                    virtual_ipaddress {
                        198.18.0.100/32
                    }
                }
                """.formatted(extraBlocks, state, priority, extraInstance);
    }

    private static Lab lab(String tag) throws Exception {
        return Lab.create(tag, "director1=198.18.0.11", "director2=198.18.0.12");
    }

    @Test
    void aFailingScriptWithNegativeWeightHandsTheVipOverAndBack() throws Exception {
        try (Lab lab = lab("s")) {
            Path flag = lab.dir.resolve("healthy");
            Files.writeString(flag, "");
            String script = """
                    vrrp_script chk {
                        script "/usr/bin/test -e %s"
                        interval 0.2
                        timeout 1
                        weight -60
                        rise 1
                        fall 1
                    }
                    """.formatted(flag);
            lab.director(
                    "director1",
                    "-P",
                    "-l",
                    "-f",
                    lab.write("d1.conf", conf("MASTER", 150, script, "track_script {\n        chk\n    }"))
                            .toString(),
                    "--pid-file",
                    lab.dir.resolve("d1.pid").toString(),
                    "--control",
                    lab.dir.resolve("d1.sock").toString());
            lab.director(
                    "director2",
                    "-P",
                    "-l",
                    "-f",
                    lab.write("d2.conf", conf("BACKUP", 100, "", "")).toString(),
                    "--pid-file",
                    lab.dir.resolve("d2.pid").toString(),
                    "--control",
                    lab.dir.resolve("d2.sock").toString());
            assertTrue(
                    Lab.waitFor(15_000, Lab.quietly(() -> lab.hasAddress("director1", VIP))) >= 0,
                    lab.log("director1"));
            Thread.sleep(1000);
            assertFalse(lab.hasAddress("director2", VIP), lab.log("director2"));
            Files.delete(flag);
            // 150 - 60 = 90 < 100: director2 preempts.
            assertTrue(
                    Lab.waitFor(5_000, Lab.quietly(() -> lab.hasAddress("director2", VIP))) >= 0,
                    lab.log("director1") + "\n" + lab.log("director2"));
            assertTrue(
                    Lab.waitFor(2_000, Lab.quietly(() -> !lab.hasAddress("director1", VIP))) >= 0,
                    lab.log("director1"));
            assertTrue(lab.logShows("director1", "vrrp_script chk is now FAILED"), lab.log("director1"));
            Files.writeString(flag, "");
            assertTrue(
                    Lab.waitFor(5_000, Lab.quietly(() -> lab.hasAddress("director1", VIP))) >= 0,
                    "back to 150, director1 preempts\n" + lab.log("director1"));
            assertTrue(
                    Lab.waitFor(2_000, Lab.quietly(() -> !lab.hasAddress("director2", VIP))) >= 0,
                    lab.log("director2"));
        }
    }

    @Test
    void aTrackedInterfaceGoingDownPutsTheMasterInFault() throws Exception {
        try (Lab lab = lab("i")) {
            // A second interface on director1 (a veth pair: this kernel has no dummy driver).
            Lab.run("ip", "-n", lab.ns("director1"), "link", "add", "e1", "type", "veth", "peer", "name", "e1p");
            Lab.run("ip", "-n", lab.ns("director1"), "link", "set", "e1p", "up");
            Lab.run("ip", "-n", lab.ns("director1"), "link", "set", "e1", "up");
            lab.director(
                    "director1",
                    "-P",
                    "-l",
                    "-f",
                    lab.write("d1.conf", conf("MASTER", 150, "", "track_interface {\n        e1\n    }"))
                            .toString(),
                    "--pid-file",
                    lab.dir.resolve("d1.pid").toString(),
                    "--control",
                    lab.dir.resolve("d1.sock").toString());
            lab.director(
                    "director2",
                    "-P",
                    "-l",
                    "-f",
                    lab.write("d2.conf", conf("BACKUP", 100, "", "")).toString(),
                    "--pid-file",
                    lab.dir.resolve("d2.pid").toString(),
                    "--control",
                    lab.dir.resolve("d2.sock").toString());
            assertTrue(
                    Lab.waitFor(15_000, Lab.quietly(() -> lab.hasAddress("director1", VIP))) >= 0,
                    lab.log("director1"));
            Thread.sleep(1000);
            Lab.run("ip", "-n", lab.ns("director1"), "link", "set", "e1", "down");
            // FAULT sends priority 0: director2 takes over after Skew_Time.
            assertTrue(
                    Lab.waitFor(3_000, Lab.quietly(() -> lab.hasAddress("director2", VIP))) >= 0, lab.log("director2"));
            assertTrue(lab.logShows("director1", "MASTER -> FAULT (interface e1 is down)"), lab.log("director1"));
            Lab.run("ip", "-n", lab.ns("director1"), "link", "set", "e1", "up");
            assertTrue(
                    Lab.waitFor(5_000, Lab.quietly(() -> lab.hasAddress("director1", VIP))) >= 0,
                    "fault cleared, director1 preempts\n" + lab.log("director1"));
        }
    }

    @Test
    void aTrackFileShiftsThePriorityAndItsInitFileIsWritten() throws Exception {
        try (Lab lab = lab("f")) {
            Path file = lab.dir.resolve("maint");
            String block = """
                    track_file maint {
                        file %s
                        weight -60
                        init_file 0
                    }
                    """.formatted(file);
            lab.director(
                    "director1",
                    "-P",
                    "-l",
                    "-f",
                    lab.write("d1.conf", conf("MASTER", 150, block, "track_file {\n        maint\n    }"))
                            .toString(),
                    "--pid-file",
                    lab.dir.resolve("d1.pid").toString(),
                    "--control",
                    lab.dir.resolve("d1.sock").toString());
            lab.director(
                    "director2",
                    "-P",
                    "-l",
                    "-f",
                    lab.write("d2.conf", conf("BACKUP", 100, "", "")).toString(),
                    "--pid-file",
                    lab.dir.resolve("d2.pid").toString(),
                    "--control",
                    lab.dir.resolve("d2.sock").toString());
            assertTrue(
                    Lab.waitFor(15_000, Lab.quietly(() -> lab.hasAddress("director1", VIP))) >= 0,
                    lab.log("director1"));
            assertTrue(Files.readString(file).strip().equals("0"), "init_file wrote 0");
            Files.writeString(file, "1\n");
            // 150 - 60 = 90 < 100: director2 preempts.
            assertTrue(
                    Lab.waitFor(5_000, Lab.quietly(() -> lab.hasAddress("director2", VIP))) >= 0,
                    lab.log("director1") + "\n" + lab.log("director2"));
            Files.writeString(file, "0\n");
            assertTrue(
                    Lab.waitFor(5_000, Lab.quietly(() -> lab.hasAddress("director1", VIP))) >= 0, lab.log("director1"));
        }
    }
}
