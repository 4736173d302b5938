package org.hadirector.director;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.hadirector.conf.model.KeepalivedConfig;
import org.hadirector.conf.model.VrrpInstance;
import org.hadirector.vrrp.Vmac;
import org.junit.jupiter.api.Test;

/** use_vmac from the file to the runtime: the VMAC's name as keepalived picks it, its family, xmit_base. */
class VmacMappingTest {

    private static String instance(String name, int vrid, String vmac, String vip) {
        return """
                vrrp_instance %s {
                    interface lo
                    virtual_router_id %d
                    %s
                    virtual_ipaddress {
                        %s
                    }
                }
                """.formatted(name, vrid, vmac, vip);
    }

    private static Vmac vmac(KeepalivedConfig c, String name) {
        VrrpInstance i = c.vrrpInstances().stream()
                .filter(x -> x.name().equals(name))
                .findFirst()
                .orElseThrow();
        return VrrpConfigMapper.map(i, c).vmac();
    }

    @Test
    void namesAreGivenOnesElseVrrpDotVridAvoidingEveryTakenName() throws Exception {
        KeepalivedConfig c = DirectorPlanTest.config(instance("VI_1", 51, "use_vmac", "198.18.0.51")
                + instance("VI_2", 51, "use_vmac", "2001:db8::51")
                + instance("VI_3", 52, "use_vmac vrrp.53\n vmac_xmit_base", "198.18.0.52")
                + instance("VI_4", 53, "use_vmac", "198.18.0.53")
                + instance("VI_5", 54, "", "198.18.0.54"));
        assertEquals(new Vmac("vrrp.51", 51, false, false), vmac(c, "VI_1"));
        // the same VRID for IPv6: keepalived's second try for IPv6 is vrrp6
        assertEquals(new Vmac("vrrp6.51", 51, true, false), vmac(c, "VI_2"));
        assertEquals(new Vmac("vrrp.53", 52, false, true), vmac(c, "VI_3"));
        // VI_3 named its VMAC vrrp.53: VI_4 (VRID 53) takes the next name
        assertEquals(new Vmac("vrrp1.53", 53, false, false), vmac(c, "VI_4"));
        assertNull(vmac(c, "VI_5"));
        assertTrue(DirectorPlan.refusals(c, true, true).stream().noneMatch(r -> r.contains("vmac")));
    }

    @Test
    void vmacPrefixNamesTheDefaultOnes() throws Exception {
        KeepalivedConfig c = DirectorPlanTest.config("global_defs {\n vmac_prefix vm\n}\n"
                + instance("VI_1", 51, "use_vmac", "198.18.0.51")
                + instance("VI_2", 52, "use_vmac named52", "198.18.0.52"));
        assertEquals("vm.51", vmac(c, "VI_1").name());
        assertEquals("named52", vmac(c, "VI_2").name());
    }

    @Test
    void theUserspaceForwarderRefusesAVipOnAVmac() throws Exception {
        KeepalivedConfig c = DirectorPlanTest.config(instance("VI_1", 51, "use_vmac", "198.18.0.51") + """
                virtual_server 198.18.0.51 80 {
                    lvs_method DR
                    real_server 198.18.0.21 80 {
                    }
                }
                """);
        org.hadirector.ipvs.DataplaneException e = org.junit.jupiter.api.Assertions.assertThrows(
                org.hadirector.ipvs.DataplaneException.class,
                () -> Director.forwarderInterface(DirectorPlan.compile(c, true, true)));
        assertTrue(e.getMessage().contains("198.18.0.51 is on vrrp.51, use_vmac); use kernel IPVS"), e.getMessage());
    }
}
