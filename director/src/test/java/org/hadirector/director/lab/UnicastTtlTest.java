package org.hadirector.director.lab;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * unicast_peer's min_ttl / max_ttl: adverts from the peer whose TTL is outside the range are
 * dropped and counted. Our adverts carry TTL 255; a backup that takes 0..254 only never hears
 * the master, so it takes the VIP too, and its status counts the drops. With unicast_ttl 254 on
 * the master the same backup hears it and stays backup.
 */
class UnicastTtlTest {
    private static final String VIP = "198.18.0.100";

    private static String conf(String state, int priority, String self, String peer, String ttl) {
        return conf(state, priority, self, peer, ttl, "");
    }

    private static String conf(String state, int priority, String self, String peer, String ttl, String extra) {
        return """
                vrrp_instance VI_1 {
                    %s
                    state %s
                    interface e0
                    virtual_router_id 71
                    priority %d
                    version 3
                    advert_int 0.1
                    unicast_src_ip %s
                    unicast_peer {
                        %s %s
                    }
                    virtual_ipaddress {
                        198.18.0.100/32
                    }
                }
                """.formatted(extra, state, priority, self, peer, ttl);
    }

    @Test
    void advertsOutsideThePeersTtlRangeAreDroppedAndCounted() throws Exception {
        try (Lab lab = Lab.create("ttl", "director1=198.18.0.11", "director2=198.18.0.12")) {
            Path s1 = lab.dir.resolve("d1.sock");
            Path s2 = lab.dir.resolve("d2.sock");
            lab.director(
                    "director1",
                    "-P",
                    "-l",
                    "-f",
                    lab.write("d1.conf", conf("MASTER", 150, "198.18.0.11", "198.18.0.12", "min_ttl 255 max_ttl 255"))
                            .toString(),
                    "--pid-file",
                    lab.dir.resolve("d1.pid").toString(),
                    "--control",
                    s1.toString());
            lab.director(
                    "director2",
                    "-P",
                    "-l",
                    "-f",
                    lab.write("d2.conf", conf("BACKUP", 100, "198.18.0.12", "198.18.0.11", "min_ttl 0 max_ttl 254"))
                            .toString(),
                    "--pid-file",
                    lab.dir.resolve("d2.pid").toString(),
                    "--control",
                    s2.toString());
            assertTrue(
                    Lab.waitFor(30_000, Lab.quietly(() -> lab.hasAddress("director1", VIP))) >= 0,
                    lab.log("director1"));
            // director2 drops every advert of director1 (TTL 255 > max_ttl 254): it never hears a master.
            assertTrue(
                    Lab.waitFor(30_000, Lab.quietly(() -> lab.hasAddress("director2", VIP))) >= 0,
                    lab.log("director2"));
            // With a short advert_int the VIP can come before the control socket opens.
            assertTrue(
                    Lab.waitFor(15_000, () -> java.nio.file.Files.exists(s2) && java.nio.file.Files.exists(s1)) >= 0);
            String st2 = HealthCheckDaemonTest.status(s2);
            assertTrue(st2.contains("MASTER") && st2.matches("(?s).*dropped: .*TTL.*"), st2);
            // director1 takes 255..255: director2's adverts (TTL 255) are heard, and director1 stays master.
            String st1 = HealthCheckDaemonTest.status(s1);
            assertTrue(st1.contains("VI_1  MASTER") && !st1.matches("(?s).*dropped: .*TTL.*"), st1);
        }
    }

    @Test
    void unicastTtlSetsTheTtlOfOurUnicastAdverts() throws Exception {
        try (Lab lab = Lab.create("ttl2", "director1=198.18.0.11", "director2=198.18.0.12")) {
            Path s2 = lab.dir.resolve("d2.sock");
            lab.director(
                    "director1",
                    "-P",
                    "-l",
                    "-f",
                    lab.write("d1.conf", conf("MASTER", 150, "198.18.0.11", "198.18.0.12", "", "unicast_ttl 254"))
                            .toString(),
                    "--pid-file",
                    lab.dir.resolve("d1.pid").toString(),
                    "--control",
                    lab.dir.resolve("d1.sock").toString());
            assertTrue(
                    Lab.waitFor(30_000, Lab.quietly(() -> lab.hasAddress("director1", VIP))) >= 0,
                    lab.log("director1"));
            lab.director(
                    "director2",
                    "-P",
                    "-l",
                    "-f",
                    lab.write("d2.conf", conf("BACKUP", 100, "198.18.0.12", "198.18.0.11", "min_ttl 0 max_ttl 254"))
                            .toString(),
                    "--pid-file",
                    lab.dir.resolve("d2.pid").toString(),
                    "--control",
                    s2.toString());
            assertTrue(Lab.waitFor(15_000, () -> java.nio.file.Files.exists(s2)) >= 0, lab.log("director2"));
            // three seconds: thirty adverts at 0.1 s, ten Master_Down_Intervals
            Thread.sleep(3_000);
            String st2 = HealthCheckDaemonTest.status(s2);
            assertTrue(st2.contains("VI_1  BACKUP") && !st2.matches("(?s).*dropped: .*TTL.*"), st2);
            assertTrue(!lab.hasAddress("director2", VIP), lab.log("director2"));
        }
    }
}
