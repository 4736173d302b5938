package org.hadirector.director.lab;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A VIP with a peer, hadirector and keepalived 2.2.7 side by side: the master adds it as a
 * point-to-point address (as `ip address add ADDR peer PEER` shows it).
 */
class VipPeerLabTest {
    static final String CONF = """
            global_defs {
                router_id %s
            }
            vrrp_instance VI_1 {
                state MASTER
                interface e0
                virtual_router_id 85
                priority 150
                advert_int 1
                virtual_ipaddress {
                    198.18.0.100/32
                    198.18.0.110 peer 198.18.0.210
                }
            }
            """;

    private static String addresses(Lab lab) throws Exception {
        return Lab.run("ip", "-n", lab.ns("director1"), "-4", "-o", "addr", "show", "dev", "e0");
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"hadirector", "keepalived"})
    void theVipIsAddedWithItsPeer(String who) throws Exception {
        try (Lab lab = Lab.create("pe" + who.charAt(0), "client=198.18.0.10", "director1=198.18.0.11")) {
            VrrpDaemon d = lab.vrrpDaemon(who, "director1", lab.write("d1.conf", CONF.formatted(who)));
            assertTrue(
                    Lab.waitFor(20_000, Lab.quietly(() -> addresses(lab).contains("inet 198.18.0.110 "))) >= 0,
                    "never master\n" + d.log());
            String a = addresses(lab);
            assertTrue(a.contains("inet 198.18.0.110 peer 198.18.0.210/32 "), a);
            // stopping, the master removes it again (the delete names the peer)
            assertTrue(d.stop(), d.log());
            String after = addresses(lab);
            if (who.equals("hadirector")) {
                assertTrue(!after.contains("198.18.0.110") && !after.contains("198.18.0.100"), after);
            } else {
                // recorded, not asserted: what keepalived leaves behind at its stop
                Files.writeString(lab.dir.resolve("ka-after-stop.txt"), after);
                System.out.println("keepalived after stop: " + after);
            }
        }
    }
}
