package org.hadirector.director.lab;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * A VIP on another interface than the instance's, hadirector and keepalived 2.2.7 side by side:
 * that interface going down faults the instance, unless the VIP says no_track.
 */
class VipNoTrackLabTest {
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
        boolean noTrack = how.equals("no_track");
        try (Lab lab =
                Lab.create("nt" + who.charAt(0) + how.charAt(0), "client=198.18.0.10", "director1=198.18.0.11")) {
            // a veth pair inside the namespace: d1 carries the second VIP (no dummy module here)
            Lab.run("ip", "-n", lab.ns("director1"), "link", "add", "d1", "type", "veth", "peer", "name", "d1p");
            Lab.run("ip", "-n", lab.ns("director1"), "link", "set", "d1p", "up");
            Lab.run("ip", "-n", lab.ns("director1"), "link", "set", "d1", "up");
            VrrpDaemon d = lab.vrrpDaemon(
                    who, "director1", lab.write("d1.conf", CONF.formatted(who, noTrack ? "no_track" : "")));
            d.awaitAddress(VIP, 20_000);
            Lab.run("ip", "-n", lab.ns("director1"), "link", "set", "d1", "down");
            String fault = who.equals("hadirector") ? "VI_1: MASTER -> FAULT" : "(VI_1) Entering FAULT STATE";
            if (noTrack) {
                Thread.sleep(3000);
                assertTrue(lab.hasAddress("director1", VIP), d.log());
                assertFalse(d.log().contains(fault), d.log());
            } else {
                d.awaitLog(fault, 5_000);
                assertTrue(Lab.waitFor(3_000, Lab.quietly(() -> !lab.hasAddress("director1", VIP))) >= 0, d.log());
            }
        }
    }
}
