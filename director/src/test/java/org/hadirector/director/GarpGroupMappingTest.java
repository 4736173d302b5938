package org.hadirector.director;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.hadirector.conf.model.KeepalivedConfig;
import org.hadirector.conf.model.VrrpInstance;
import org.hadirector.vrrp.GarpPlan;
import org.junit.jupiter.api.Test;

/**
 * garp_group from the file to the runtime, as keepalived 2.2.7's set_default_garp_delay leaves
 * an interface's garp_delay: a group naming the instance's interface replaces the global
 * intervals there for both families; elsewhere the global ones apply.
 */
class GarpGroupMappingTest {

    private static String instance(String name, String itf, int vrid, String more) {
        return """
                vrrp_instance %s {
                    interface %s
                    virtual_router_id %d
                    %s
                    virtual_ipaddress {
                        198.18.0.%d
                    }
                }
                """.formatted(name, itf, vrid, more, vrid);
    }

    private static GarpPlan.Timing timing(KeepalivedConfig c, String name) {
        VrrpInstance i = c.vrrpInstances().stream()
                .filter(x -> x.name().equals(name))
                .findFirst()
                .orElseThrow();
        return VrrpConfigMapper.map(i, c).garp();
    }

    @Test
    void aGroupReplacesBothGlobalIntervalsOnItsInterfacesOnly() throws Exception {
        KeepalivedConfig c = DirectorPlanTest.config("""
                global_defs {
                    vrrp_garp_interval 0.1
                    vrrp_gna_interval 0.2
                }
                garp_group {
                    garp_interval 0.5
                    interface lo
                }
                garp_group {
                    gna_interval 0.7
                    garp_interval 0
                    interfaces {
                        gg1
                    }
                }
                """
                + instance("VI_1", "lo", 51, "")
                + instance("VI_2", "gg1", 52, "")
                + instance("VI_3", "gg2", 53, ""));
        // only garp_interval in lo's group: no NA pacing there, although the global one is set
        assertEquals(500_000_000L, timing(c, "VI_1").garpIntervalNanos());
        assertEquals(0L, timing(c, "VI_1").gnaIntervalNanos());
        // garp_interval 0 turns the global pacing off on gg1
        assertEquals(0L, timing(c, "VI_2").garpIntervalNanos());
        assertEquals(700_000_000L, timing(c, "VI_2").gnaIntervalNanos());
        // in no group: the global intervals
        assertEquals(100_000_000L, timing(c, "VI_3").garpIntervalNanos());
        assertEquals(200_000_000L, timing(c, "VI_3").gnaIntervalNanos());
        // the instance's own GARP settings are untouched by the group
        assertEquals(5, timing(c, "VI_1").masterRepeat());
    }

    @Test
    void withoutGroupsTheGlobalIntervalsApply() throws Exception {
        KeepalivedConfig c =
                DirectorPlanTest.config("global_defs {\n vrrp_garp_interval 0.3\n}\n" + instance("VI_1", "lo", 51, ""));
        assertEquals(300_000_000L, timing(c, "VI_1").garpIntervalNanos());
        assertEquals(0L, timing(c, "VI_1").gnaIntervalNanos());
    }

    @Test
    void aVipsDevIsPacedByItsOwnGroupOrTheGlobalIntervals() throws Exception {
        KeepalivedConfig c = DirectorPlanTest.config("""
                global_defs {
                    vrrp_garp_interval 0.1
                    vrrp_gna_interval 0.2
                }
                garp_group {
                    garp_interval 0.6
                    interface e1
                }
                vrrp_instance VI_1 {
                    interface e0
                    virtual_router_id 51
                    virtual_ipaddress {
                        198.18.0.100
                        198.18.0.120 dev e1
                        198.18.0.101 dev e0
                    }
                    virtual_ipaddress_excluded {
                        198.18.0.121 dev e2
                    }
                }
                """);
        GarpPlan.Timing t = timing(c, "VI_1");
        // keepalived paces a VIP's GARPs on its own interface: e1's group, e2 the global intervals
        assertEquals(
                java.util.Map.of(
                        "e1", new GarpPlan.Pacing(600_000_000L, 0),
                        "e2", new GarpPlan.Pacing(100_000_000L, 200_000_000L)),
                t.vipInterfaces());
        assertEquals(new GarpPlan.Pacing(100_000_000L, 200_000_000L), t.pacing("e0", "e0"));
    }

    @Test
    void aGroupNamingAnInstancesVmacIsRefusedAsKeepalivedDoes() throws Exception {
        KeepalivedConfig c = DirectorPlanTest.config("garp_group {\n garp_interval 0.3\n interface vrrp.51\n}\n"
                + instance("VI_1", "lo", 51, "use_vmac")
                + instance("VI_2", "lo", 52, "use_vmac named52"));
        List<String> problems = VrrpConfigMapper.problems(c);
        assertEquals(1, problems.size(), problems.toString());
        assertTrue(problems.get(0).startsWith("vrrp_instance VI_1: a garp_group names vrrp.51"), problems.toString());
    }
}
