package org.hadirector.director.lab;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * vrrp_startup_delay, hadirector and keepalived 2.2.7 side by side: a lone instance becomes master
 * the delay plus its Master_Down_Interval after start, not the interval alone.
 */
class StartupDelayLabTest {
    static final String VIP = "198.18.0.100";
    static final String CONF = """
            global_defs {
                router_id %s
                vrrp_startup_delay 3
            }
            vrrp_instance VI_1 {
                state BACKUP
                interface e0
                virtual_router_id 82
                priority 100
                advert_int 1
                virtual_ipaddress {
                    198.18.0.100/32
                }
            }
            """;

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"hadirector", "keepalived"})
    void theFirstMasterDownIntervalStartsAfterTheDelay(String who) throws Exception {
        try (Lab lab = Lab.create("sd" + who.charAt(0), "client=198.18.0.10", "director1=198.18.0.11")) {
            VrrpDaemon d = lab.vrrpDaemon(who, "director1", lab.write("d1.conf", CONF.formatted(who)));
            // both log the delay as the VRRP part starts: the clock starts there
            d.awaitLog(who.equals("hadirector") ? "delaying startup for 3" : "Delaying startup for 3", 20_000);
            long t0 = System.nanoTime();
            // 3 s + Master_Down_Interval (3 x 1 s + 156/256 s = 3.61 s) = 6.61 s; without the delay 3.61 s
            Thread.sleep(5000);
            assertFalse(lab.hasAddress("director1", VIP), "master before the delay was over\n" + d.log());
            d.awaitAddress(VIP, 10_000);
            double s = (System.nanoTime() - t0) / 1e9;
            assertTrue(s >= 6.0 && s <= 9.0, "master after " + s + " s\n" + d.log());
        }
    }
}
