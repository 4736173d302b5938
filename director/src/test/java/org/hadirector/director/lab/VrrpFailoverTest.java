package org.hadirector.director.lab;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/**
 * Two hadirector directors on a bridge, as real processes in their namespaces: election, VIP
 * placement, the client's ARP entry after GARP, and takeover on link loss and on SIGTERM within
 * the protocol's bounds (with a margin for this shared machine).
 */
class VrrpFailoverTest {
    static final String VIP = "198.18.0.100";

    static String conf(String state, int priority, String advertInt, int version) {
        return """
                vrrp_instance VI_1 {
                    state %s
                    interface e0
                    virtual_router_id 51
                    priority %d
                    version %d
                    advert_int %s
                    virtual_ipaddress {
                        198.18.0.100/32
                    }
                }
                """.formatted(state, priority, version, advertInt);
    }

    private static Lab lab(String tag) throws Exception {
        Lab lab = Lab.create(tag, "client=198.18.0.10", "director1=198.18.0.11", "director2=198.18.0.12");
        // Linux only refreshes existing entries from a gratuitous ARP unless arp_accept is set;
        // with it, the client's table shows what the GARPs announced, without any traffic.
        Lab.run("ip", "netns", "exec", lab.ns("client"), "sysctl", "-qw", "net.ipv4.conf.all.arp_accept=1",
                "net.ipv4.conf.e0.arp_accept=1");
        return lab;
    }

    private static String clientNeighbour(Lab lab) throws Exception {
        return Lab.run("ip", "-n", lab.ns("client"), "neigh", "show", VIP);
    }

    private static void startBoth(Lab lab, String advertInt, int version) throws Exception {
        lab.director("director1", "-P", "-l", "-f", lab.write("d1.conf", conf("MASTER", 150, advertInt, version)).toString(),
                "--pid-file", lab.dir.resolve("d1.pid").toString());
        lab.director("director2", "-P", "-l", "-f", lab.write("d2.conf", conf("BACKUP", 100, advertInt, version)).toString(),
                "--pid-file", lab.dir.resolve("d2.pid").toString());
    }

    @Test
    void electionPutsTheVipOnTheHigherPriorityAndTheClientLearnsItsMac() throws Exception {
        try (Lab lab = lab("e")) {
            startBoth(lab, "1", 2);
            // Master_Down_Interval for priority 150 is 3.41 s; allow JVM start-up and a margin.
            long ms = Lab.waitFor(15_000, Lab.quietly(() -> lab.hasAddress("director1", VIP)));
            assertTrue(ms >= 0, "director1 never became master:\n" + lab.log("director1"));
            Thread.sleep(1500);
            assertTrue(lab.hasAddress("director1", VIP));
            assertFalse(lab.hasAddress("director2", VIP), "the VIP is only on the master:\n" + lab.log("director2"));
            assertTrue(lab.log("director1").contains("VI_1: BACKUP -> MASTER"), lab.log("director1"));
            assertFalse(lab.log("director2").contains("-> MASTER"), lab.log("director2"));
            // The gratuitous ARP put the VIP in the client's neighbour table with the master's MAC.
            String mac1 = lab.mac("director1");
            assertTrue(clientNeighbour(lab).contains(mac1), clientNeighbour(lab) + " vs " + mac1);
        }
    }

    @Test
    void masterLinkDownHandsTheVipToTheBackupWithinMasterDownInterval() throws Exception {
        try (Lab lab = lab("l")) {
            startBoth(lab, "0.1", 3);
            assertTrue(Lab.waitFor(15_000, Lab.quietly(() -> lab.hasAddress("director1", VIP))) >= 0, lab.log("director1"));
            Thread.sleep(1000);
            assertFalse(lab.hasAddress("director2", VIP));
            Lab.run("ip", "-n", lab.ns("director1"), "link", "set", "e0", "down");
            // Master_Down_Interval of the backup: 3 x 0.1 s + (256-100)/256 x 0.1 s = 361 ms.
            long ms = Lab.waitFor(5_000, Lab.quietly(() -> lab.hasAddress("director2", VIP)));
            assertTrue(ms >= 0 && ms <= 361 + 1000, "takeover took " + ms + " ms\n" + lab.log("director2"));
            assertTrue(Lab.waitFor(3_000, Lab.quietly(() -> !lab.hasAddress("director1", VIP))) >= 0,
                    "the old master, in FAULT, removed the VIP:\n" + lab.log("director1"));
            assertTrue(lab.log("director1").contains("VI_1: MASTER -> FAULT (interface e0 is down)"), lab.log("director1"));
        }
    }

    @Test
    void sigtermOnTheMasterHandsOverWithinSkewTime() throws Exception {
        try (Lab lab = lab("t")) {
            startBoth(lab, "1", 2);
            assertTrue(Lab.waitFor(15_000, Lab.quietly(() -> lab.hasAddress("director1", VIP))) >= 0, lab.log("director1"));
            Thread.sleep(1500);
            long pid = Long.parseLong(java.nio.file.Files.readString(lab.dir.resolve("d1.pid")).strip());
            Lab.run("kill", "-TERM", Long.toString(pid));
            // Priority 0 from the master: the backup waits Skew_Time = (256-100)/256 s = 609 ms.
            long ms = Lab.waitFor(5_000, Lab.quietly(() -> lab.hasAddress("director2", VIP)));
            assertTrue(ms >= 0 && ms <= 609 + 1000, "takeover took " + ms + " ms\n" + lab.log("director2"));
            assertFalse(lab.hasAddress("director1", VIP), "a stopped master removes its VIPs");
            assertTrue(lab.log("director2").contains("released the virtual router (priority 0)"), lab.log("director2"));
            assertEquals(-1, Lab.waitFor(300, Lab.quietly(() -> lab.hasAddress("director1", VIP))));
            String mac2 = lab.mac("director2");
            assertTrue(Lab.waitFor(2_000, Lab.quietly(() -> clientNeighbour(lab).contains(mac2))) >= 0,
                    "the new master's GARP moved the client's entry: " + clientNeighbour(lab) + " vs " + mac2);
        }
    }
}
