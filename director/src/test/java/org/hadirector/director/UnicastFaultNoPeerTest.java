package org.hadirector.director;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import org.hadirector.conf.model.KeepalivedConfig;
import org.junit.jupiter.api.Test;

/** unicast_fault_no_peer, keepalived's vrrp_complete_instance: without peers the instance stays in FAULT. */
class UnicastFaultNoPeerTest {

    private static int vrid = 50;

    private static String instance(String name, String extra) {
        return """
                vrrp_instance %s {
                    interface lo
                    virtual_router_id %d
                    %s
                    virtual_ipaddress {
                        198.18.0.51
                    }
                }
                """.formatted(name, ++vrid, extra);
    }

    private static String fault(KeepalivedConfig c, String name) {
        return VrrpConfigMapper.configFault(c.vrrpInstances().stream()
                .filter(x -> x.name().equals(name))
                .findFirst()
                .orElseThrow());
    }

    @Test
    void withoutPeersTheInstanceFaultsWithPeersOrWithoutTheKeywordNot() throws Exception {
        KeepalivedConfig c = DirectorPlanTest.config(instance("VI_1", "unicast_fault_no_peer")
                + instance("VI_2", "unicast_fault_no_peer\n unicast_peer {\n }")
                + instance("VI_3", "unicast_fault_no_peer\n unicast_peer {\n 198.18.0.2\n }")
                + instance("VI_4", "unicast_peer {\n }")
                + instance("VI_5", ""));
        assertEquals("unicast peer (unicast_fault_no_peer: none configured)", fault(c, "VI_1"));
        assertEquals("unicast peer (unicast_fault_no_peer: none configured)", fault(c, "VI_2"));
        assertNull(fault(c, "VI_3"));
        // keepalived: a unicast keyword without peers falls back to multicast (deprecated)
        assertNull(fault(c, "VI_4"));
        assertNull(fault(c, "VI_5"));
    }
}
