package org.hadirector.director.lab;

import static org.junit.jupiter.api.Assertions.assertFalse;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * unicast_fault_no_peer without peers, hadirector and keepalived 2.2.7 side by side: the lone
 * instance enters FAULT and stays there (no multicast fallback), never taking the VIP.
 */
class UnicastFaultNoPeerLabTest {
    static final String VIP = "198.18.0.100";
    static final String CONF = """
            global_defs {
                router_id %s
            }
            vrrp_instance VI_1 {
                state MASTER
                interface e0
                virtual_router_id 83
                priority 150
                advert_int 1
                unicast_fault_no_peer
                virtual_ipaddress {
                    198.18.0.100/32
                }
            }
            """;

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"hadirector", "keepalived"})
    void withoutPeersTheInstanceStaysInFault(String who) throws Exception {
        try (Lab lab = Lab.create("uf" + who.charAt(0), "client=198.18.0.10", "director1=198.18.0.11")) {
            VrrpDaemon d = lab.vrrpDaemon(who, "director1", lab.write("d1.conf", CONF.formatted(who)));
            String fault = who.equals("hadirector")
                    ? "VI_1: INIT -> FAULT"
                    : "(VI_1) Cannot use unicast without any peers - going to fault state";
            d.awaitLog(fault, 20_000);
            // a multicast fallback would be master after Master_Down_Interval (3.4 s)
            Thread.sleep(5000);
            assertFalse(lab.hasAddress("director1", VIP), d.log());
            assertFalse(d.log().contains("MASTER STATE"), d.log());
            assertFalse(d.log().contains("-> MASTER"), d.log());
        }
    }
}
