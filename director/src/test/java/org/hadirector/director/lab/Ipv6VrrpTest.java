package org.hadirector.director.lab;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/** An IPv6 instance: VRRPv3 over ff02::12, the VIP on the master only, and unsolicited NAs for it. */
class Ipv6VrrpTest {
    static final String VIP6 = "2001:db8::100";

    static String conf(String state, int priority) {
        return """
                vrrp_instance VI_6 {
                    state %s
                    interface e0
                    virtual_router_id 61
                    priority %d
                    advert_int 0.1
                    virtual_ipaddress {
                        2001:db8::100/64 -nodad
                    }
                }
                """.formatted(state, priority);
    }

    @Test
    void ipv6MasterOwnsTheVipAndAnnouncesItWithOverridingNeighbourAdvertisements() throws Exception {
        Lab.requireRoot();
        boolean tshark = Files.isExecutable(Path.of("/usr/bin/tshark"));
        if (!tshark && System.getenv("CI") != null) {
            throw new AssertionError("tshark is missing: .ci/run must install it");
        }
        Assumptions.assumeTrue(tshark, "tshark not installed");
        try (Lab lab = Lab.create("6", "client=198.18.0.10", "director1=198.18.0.11", "director2=198.18.0.12")) {
            Process capture = new ProcessBuilder(
                            "ip",
                            "netns",
                            "exec",
                            lab.ns("client"),
                            "tshark",
                            "-n",
                            "-i",
                            "e0",
                            "-a",
                            "duration:10",
                            "-f",
                            "icmp6",
                            "-Y",
                            "icmpv6.type == 136",
                            "-T",
                            "fields",
                            "-e",
                            "icmpv6.nd.na.target_address",
                            "-e",
                            "icmpv6.nd.na.flag.o",
                            "-e",
                            "icmpv6.opt.linkaddr",
                            "-e",
                            "ipv6.dst",
                            "-e",
                            "ipv6.hlim")
                    .redirectError(ProcessBuilder.Redirect.DISCARD)
                    .start();
            Thread.sleep(1500);
            lab.director(
                    "director1",
                    "-P",
                    "-l",
                    "-f",
                    lab.write("d1.conf", conf("MASTER", 150)).toString(),
                    "--pid-file",
                    lab.dir.resolve("d1.pid").toString(),
                    "--control",
                    lab.dir.resolve("d1.sock").toString());
            lab.director(
                    "director2",
                    "-P",
                    "-l",
                    "-f",
                    lab.write("d2.conf", conf("BACKUP", 100)).toString(),
                    "--pid-file",
                    lab.dir.resolve("d2.pid").toString(),
                    "--control",
                    lab.dir.resolve("d2.sock").toString());
            assertTrue(
                    Lab.waitFor(15_000, Lab.quietly(() -> lab.hasAddress6("director1", VIP6))) >= 0,
                    lab.log("director1"));
            Thread.sleep(1000);
            assertFalse(lab.hasAddress6("director2", VIP6), lab.log("director2"));
            assertTrue(capture.waitFor(20, TimeUnit.SECONDS));
            String nas = new String(capture.getInputStream().readAllBytes());
            String mac1 = lab.mac("director1");
            assertTrue(
                    nas.lines().anyMatch(l -> l.startsWith(VIP6 + "\t1\t" + mac1 + "\tff02::1\t255")),
                    "an unsolicited NA for the VIP with Override, our MAC, to all nodes, hop limit 255:\n" + nas);
            Lab.run("kill", "-TERM", Files.readString(lab.dir.resolve("d1.pid")).strip());
            assertTrue(
                    Lab.waitFor(5_000, Lab.quietly(() -> lab.hasAddress6("director2", VIP6))) >= 0,
                    lab.log("director2"));
            assertTrue(
                    Lab.waitFor(3_000, Lab.quietly(() -> !lab.hasAddress6("director1", VIP6))) >= 0,
                    lab.log("director1"));
        }
    }
}
