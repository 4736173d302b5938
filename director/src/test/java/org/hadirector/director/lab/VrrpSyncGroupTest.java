package org.hadirector.director.lab;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** Two instances in a sync group: a fault of one moves both VIPs to the other director. */
class VrrpSyncGroupTest {

    static String conf(int priority, String trackB) {
        return """
                vrrp_sync_group G {
                    group {
                        VI_A
                        VI_B
                    }
                }
                vrrp_instance VI_A {
                    interface e0
                    virtual_router_id 51
                    priority %1$d
                    version 3
                    advert_int 0.1
                    virtual_ipaddress {
                        198.18.0.100/32
                    }
                }
                vrrp_instance VI_B {
                    interface e0
                    virtual_router_id 52
                    priority %1$d
                    version 3
                    advert_int 0.1
                    %2$s
                    virtual_ipaddress {
                        198.18.0.101/32
                    }
                }
                """.formatted(priority, trackB);
    }

    @Test
    void aFaultedMemberTakesTheWholeGroupOver() throws Exception {
        try (Lab lab = Lab.create("g", "director1=198.18.0.11", "director2=198.18.0.12")) {
            Lab.run("ip", "-n", lab.ns("director1"), "link", "add", "e1", "type", "veth", "peer", "name", "e1p");
            Lab.run("ip", "-n", lab.ns("director1"), "link", "set", "e1p", "up");
            Lab.run("ip", "-n", lab.ns("director1"), "link", "set", "e1", "up");
            lab.director(
                    "director1",
                    "-P",
                    "-l",
                    "-f",
                    lab.write("d1.conf", conf(150, "track_interface {\n        e1\n    }"))
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
                    lab.write("d2.conf", conf(100, "")).toString(),
                    "--pid-file",
                    lab.dir.resolve("d2.pid").toString(),
                    "--control",
                    lab.dir.resolve("d2.sock").toString());
            assertTrue(
                    Lab.waitFor(
                                    15_000,
                                    Lab.quietly(() -> lab.hasAddress("director1", "198.18.0.100")
                                            && lab.hasAddress("director1", "198.18.0.101")))
                            >= 0,
                    lab.log("director1"));
            Thread.sleep(1000);
            assertFalse(lab.hasAddress("director2", "198.18.0.100"));
            assertFalse(lab.hasAddress("director2", "198.18.0.101"));
            // Only VI_B tracks e1; the group takes VI_A down with it.
            Lab.run("ip", "-n", lab.ns("director1"), "link", "set", "e1", "down");
            assertTrue(
                    Lab.waitFor(
                                    5_000,
                                    Lab.quietly(() -> lab.hasAddress("director2", "198.18.0.100")
                                            && lab.hasAddress("director2", "198.18.0.101")))
                            >= 0,
                    lab.log("director1") + "\n" + lab.log("director2"));
            assertTrue(
                    Lab.waitFor(
                                    2_000,
                                    Lab.quietly(() -> !lab.hasAddress("director1", "198.18.0.100")
                                            && !lab.hasAddress("director1", "198.18.0.101")))
                            >= 0,
                    lab.log("director1"));
            assertTrue(
                    lab.logShows("director1", "VI_A: MASTER -> FAULT (sync group G: VI_B is faulted)"),
                    lab.log("director1"));
            Lab.run("ip", "-n", lab.ns("director1"), "link", "set", "e1", "up");
            assertTrue(
                    Lab.waitFor(
                                    5_000,
                                    Lab.quietly(() -> lab.hasAddress("director1", "198.18.0.100")
                                            && lab.hasAddress("director1", "198.18.0.101")))
                            >= 0,
                    "the group comes back together\n" + lab.log("director1"));
        }
    }
}
