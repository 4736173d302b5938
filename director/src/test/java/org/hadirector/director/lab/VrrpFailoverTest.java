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
        return conf(state, priority, advertInt, version, "");
    }

    static String conf(String state, int priority, String advertInt, int version, String extra) {
        return """
                vrrp_instance VI_1 {
                    state %s
                    interface e0
                    virtual_router_id 51
                    priority %d
                    version %d
                    advert_int %s
                    %s
                    virtual_ipaddress {
                        198.18.0.100/32
                    }
                }
                """.formatted(state, priority, version, advertInt, extra);
    }

    private static Lab lab(String tag) throws Exception {
        Lab lab = Lab.create(tag, "client=198.18.0.10", "director1=198.18.0.11", "director2=198.18.0.12");
        // Linux only refreshes existing entries from a gratuitous ARP unless arp_accept is set;
        // with it, the client's table shows what the GARPs announced, without any traffic.
        Lab.run(
                "ip",
                "netns",
                "exec",
                lab.ns("client"),
                "sysctl",
                "-qw",
                "net.ipv4.conf.all.arp_accept=1",
                "net.ipv4.conf.e0.arp_accept=1");
        return lab;
    }

    private static String clientNeighbour(Lab lab) throws Exception {
        return Lab.run("ip", "-n", lab.ns("client"), "neigh", "show", VIP);
    }

    private static void startBoth(Lab lab, String advertInt, int version) throws Exception {
        lab.director(
                "director1",
                "-P",
                "-l",
                "-f",
                lab.write("d1.conf", conf("MASTER", 150, advertInt, version)).toString(),
                "--pid-file",
                lab.dir.resolve("d1.pid").toString(),
                "--control",
                lab.dir.resolve("d1.sock").toString());
        lab.director(
                "director2",
                "-P",
                "-l",
                "-f",
                lab.write("d2.conf", conf("BACKUP", 100, advertInt, version)).toString(),
                "--pid-file",
                lab.dir.resolve("d2.pid").toString(),
                "--control",
                lab.dir.resolve("d2.sock").toString());
    }

    /** `hadirector status` against a director's control socket, as an operator runs it. */
    private static String status(Lab lab, String sock, String... extra) throws Exception {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        java.io.PrintStream ps = new java.io.PrintStream(out, true, java.nio.charset.StandardCharsets.UTF_8);
        java.util.List<String> args = new java.util.ArrayList<>(
                java.util.List.of("status", "--control", lab.dir.resolve(sock).toString()));
        args.addAll(java.util.List.of(extra));
        int rc = new org.hadirector.director.MainAccess().run(ps, args.toArray(String[]::new));
        assertEquals(0, rc, out.toString());
        return out.toString(java.nio.charset.StandardCharsets.UTF_8);
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
            assertTrue(lab.logShows("director1", "VI_1: BACKUP -> MASTER"), lab.log("director1"));
            // Both start as backup; if director2's timer ran out first (its JVM started sooner), it
            // was master for a moment and must have yielded to the higher priority.
            String d2 = lab.log("director2");
            assertTrue(!d2.contains("-> MASTER") || d2.contains("MASTER -> BACKUP (higher priority 150"), d2);
            // The gratuitous ARP put the VIP in the client's neighbour table with the master's MAC.
            String mac1 = lab.mac("director1");
            assertTrue(clientNeighbour(lab).contains(mac1), clientNeighbour(lab) + " vs " + mac1);
            String s1 = status(lab, "d1.sock");
            assertTrue(
                    s1.startsWith("VI_1  MASTER  priority 150 (configured 150)  master 198.18.0.11  interface e0\n"),
                    s1);
            assertTrue(s1.contains("  VIPs: 198.18.0.100/32\n"), s1);
            com.typesafe.config.Config s2 = com.typesafe.config.ConfigFactory.parseString(
                            status(lab, "d2.sock", "--json"))
                    .getConfigList("vrrpInstances")
                    .get(0);
            assertEquals("BACKUP", s2.getString("state"));
            assertEquals("198.18.0.11", s2.getString("masterAddress"));
            assertTrue(s2.getLong("advertsReceived") > 0);
        }
    }

    @Test
    void masterLinkDownHandsTheVipToTheBackupWithinMasterDownInterval() throws Exception {
        try (Lab lab = lab("l")) {
            startBoth(lab, "0.1", 3);
            assertTrue(
                    Lab.waitFor(15_000, Lab.quietly(() -> lab.hasAddress("director1", VIP))) >= 0,
                    lab.log("director1"));
            Thread.sleep(1000);
            assertFalse(lab.hasAddress("director2", VIP));
            Lab.run("ip", "-n", lab.ns("director1"), "link", "set", "e0", "down");
            // Master_Down_Interval of the backup: 3 x 0.1 s + (256-100)/256 x 0.1 s = 361 ms.
            long ms = Lab.waitFor(5_000, Lab.quietly(() -> lab.hasAddress("director2", VIP)));
            assertTrue(ms >= 0 && ms <= 361 + 1000, "takeover took " + ms + " ms\n" + lab.log("director2"));
            assertTrue(
                    Lab.waitFor(3_000, Lab.quietly(() -> !lab.hasAddress("director1", VIP))) >= 0,
                    "the old master, in FAULT, removed the VIP:\n" + lab.log("director1"));
            assertTrue(lab.logShows("director1", "VI_1: MASTER -> FAULT (interface e0 is down)"), lab.log("director1"));
        }
    }

    @Test
    void sigtermOnTheMasterHandsOverWithinSkewTime() throws Exception {
        try (Lab lab = lab("t")) {
            startBoth(lab, "1", 2);
            assertTrue(
                    Lab.waitFor(15_000, Lab.quietly(() -> lab.hasAddress("director1", VIP))) >= 0,
                    lab.log("director1"));
            Thread.sleep(1500);
            long pid = Long.parseLong(
                    java.nio.file.Files.readString(lab.dir.resolve("d1.pid")).strip());
            Lab.run("kill", "-TERM", Long.toString(pid));
            // Priority 0 from the master: the backup waits Skew_Time = (256-100)/256 s = 609 ms.
            long ms = Lab.waitFor(5_000, Lab.quietly(() -> lab.hasAddress("director2", VIP)));
            assertTrue(ms >= 0 && ms <= 609 + 1000, "takeover took " + ms + " ms\n" + lab.log("director2"));
            assertFalse(lab.hasAddress("director1", VIP), "a stopped master removes its VIPs");
            assertTrue(lab.logShows("director2", "released the virtual router (priority 0)"), lab.log("director2"));
            assertEquals(-1, Lab.waitFor(300, Lab.quietly(() -> lab.hasAddress("director1", VIP))));
            String mac2 = lab.mac("director2");
            assertTrue(
                    Lab.waitFor(2_000, Lab.quietly(() -> clientNeighbour(lab).contains(mac2))) >= 0,
                    "the new master's GARP moved the client's entry: " + clientNeighbour(lab) + " vs " + mac2);
        }
    }

    @Test
    void splitBrainHealsToExactlyOneMasterWhoseGarpTheClientFollows() throws Exception {
        try (Lab lab = lab("s")) {
            // higher_prio_send_advert: the loser of a split brain advertises once as it steps down,
            // so that the winner learns of it and re-sends its GARPs (after garp_lower_prio_delay).
            String extra = "higher_prio_send_advert\n    garp_lower_prio_delay 1";
            lab.director(
                    "director1",
                    "-P",
                    "-l",
                    "-f",
                    lab.write("d1.conf", conf("MASTER", 150, "0.1", 3, extra)).toString(),
                    "--pid-file",
                    lab.dir.resolve("d1.pid").toString(),
                    "--control",
                    lab.dir.resolve("d1.sock").toString());
            lab.director(
                    "director2",
                    "-P",
                    "-l",
                    "-f",
                    lab.write("d2.conf", conf("BACKUP", 100, "0.1", 3, extra)).toString(),
                    "--pid-file",
                    lab.dir.resolve("d2.pid").toString(),
                    "--control",
                    lab.dir.resolve("d2.sock").toString());
            assertTrue(
                    Lab.waitFor(15_000, Lab.quietly(() -> lab.hasAddress("director1", VIP))) >= 0,
                    lab.log("director1"));
            // Cut VRRP between the two: director2 neither hears nor is heard (nftables in its namespace).
            String d2 = lab.ns("director2");
            Lab.run(
                    "ip",
                    "netns",
                    "exec",
                    d2,
                    "nft",
                    "add table inet cut; "
                            + "add chain inet cut in { type filter hook input priority 0; }; "
                            + "add chain inet cut out { type filter hook output priority 0; }; "
                            + "add rule inet cut in ip protocol 112 drop; add rule inet cut out ip protocol 112 drop");
            assertTrue(
                    Lab.waitFor(5_000, Lab.quietly(() -> lab.hasAddress("director2", VIP))) >= 0,
                    "without adverts the backup takes over too (split brain):\n" + lab.log("director2"));
            assertTrue(lab.hasAddress("director1", VIP));
            Thread.sleep(500);
            Lab.run("ip", "netns", "exec", d2, "nft", "delete table inet cut");
            // Healed: director2 hears priority 150 and steps down; director1 hears 100, re-asserts and re-sends GARP.
            assertTrue(
                    Lab.waitFor(5_000, Lab.quietly(() -> !lab.hasAddress("director2", VIP))) >= 0,
                    lab.log("director2"));
            Thread.sleep(1000);
            assertTrue(lab.hasAddress("director1", VIP));
            assertFalse(lab.hasAddress("director2", VIP));
            assertTrue(lab.logShows("director2", "MASTER -> BACKUP (higher priority 150"), lab.log("director2"));
            assertTrue(lab.logShows("director1", "master with lower priority 100 seen"), lab.log("director1"));
            String mac1 = lab.mac("director1");
            assertTrue(
                    Lab.waitFor(7_000, Lab.quietly(() -> clientNeighbour(lab).contains(mac1))) >= 0,
                    "the winner's GARP: " + clientNeighbour(lab) + " vs " + mac1);
        }
    }
}
