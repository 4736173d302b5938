package org.hadirector.director;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.hadirector.conf.model.KeepalivedConfig;
import org.hadirector.conf.model.VrrpInstance;
import org.junit.jupiter.api.Test;

/** The reload diff: given what runs and the new file, which instances to keep, restart, start and stop. */
class VrrpReloadPlanTest {

    static String instance(String name, String iface, int vrid, int priority) {
        return """
                vrrp_instance %s {
                    interface %s
                    virtual_router_id %d
                    priority %d
                    virtual_ipaddress {
                        198.18.0.%d/32
                    }
                }
                """.formatted(name, iface, vrid, priority, 100 + vrid);
    }

    /** What runs when every instance of {@code c} was started from {@code c}. */
    static Map<String, VrrpReloadPlan.Basis> running(KeepalivedConfig c, String... only) {
        Map<String, VrrpReloadPlan.Basis> out = new LinkedHashMap<>();
        for (VrrpInstance i : c.vrrpInstances()) {
            if (only.length == 0 || List.of(only).contains(i.name())) {
                out.put(i.name(), VrrpReloadPlan.Basis.of(i, c));
            }
        }
        return out;
    }

    static KeepalivedConfig config(String text) throws Exception {
        return DirectorReloadTest.config(text);
    }

    @Test
    void theSameFileChangesNothing() throws Exception {
        KeepalivedConfig c = config(instance("VI_1", "e0", 1, 150) + instance("VI_2", "e0", 2, 100));
        VrrpReloadPlan p =
                VrrpReloadPlan.of(running(c), config(instance("VI_1", "e0", 1, 150) + instance("VI_2", "e0", 2, 100)));
        assertEquals(List.of("VI_1", "VI_2"), p.keep());
        assertTrue(p.changesNothing(), p.toString());
        assertEquals(List.of(), p.toOpen());
    }

    @Test
    void aChangedBlockRestartsThatInstanceOnly() throws Exception {
        KeepalivedConfig c = config(instance("VI_1", "e0", 1, 150) + instance("VI_2", "e0", 2, 100));
        VrrpReloadPlan p =
                VrrpReloadPlan.of(running(c), config(instance("VI_1", "e9", 1, 150) + instance("VI_2", "e0", 2, 100)));
        assertEquals(new VrrpReloadPlan(List.of("VI_2"), List.of("VI_1"), List.of(), List.of()), p);
        assertEquals(List.of("VI_1"), p.toOpen());
    }

    @Test
    void aGarpGroupThatChangesAnInstancesPacingRestartsThatInstanceOnly() throws Exception {
        String two = instance("VI_1", "e0", 1, 150) + instance("VI_2", "e1", 2, 100);
        KeepalivedConfig c = config("garp_group {\n garp_interval 0.3\n interface e0\n}\n" + two);
        // e0's interval changes; a group for e2, where nothing runs, changes no instance
        VrrpReloadPlan p = VrrpReloadPlan.of(
                running(c),
                config("garp_group {\n garp_interval 0.5\n interface e0\n}\n"
                        + "garp_group {\n gna_interval 1\n interface e2\n}\n" + two));
        assertEquals(new VrrpReloadPlan(List.of("VI_2"), List.of("VI_1"), List.of(), List.of()), p);
    }

    @Test
    void aGarpGroupThatChangesTheInterfaceOfAVipsDevRestartsThatInstance() throws Exception {
        String two = instance("VI_1", "e0", 1, 150)
                        .replace("virtual_ipaddress {", "virtual_ipaddress {\n 198.18.0.120 dev e3")
                + instance("VI_2", "e1", 2, 100);
        KeepalivedConfig c = config(two);
        // e3 carries a VIP of VI_1: its GARPs are paced there
        VrrpReloadPlan p =
                VrrpReloadPlan.of(running(c), config("garp_group {\n garp_interval 0.5\n interface e3\n}\n" + two));
        assertEquals(new VrrpReloadPlan(List.of("VI_2"), List.of("VI_1"), List.of(), List.of()), p);
    }

    @Test
    void addedAndRemovedInstances() throws Exception {
        KeepalivedConfig c = config(instance("VI_1", "e0", 1, 150) + instance("VI_2", "e0", 2, 100));
        VrrpReloadPlan p =
                VrrpReloadPlan.of(running(c), config(instance("VI_1", "e0", 1, 150) + instance("VI_3", "e0", 3, 100)));
        assertEquals(new VrrpReloadPlan(List.of("VI_1"), List.of(), List.of("VI_3"), List.of("VI_2")), p);
    }

    /** The finding: a reload left VI_1 stopped; the same file as before must start it, not report "unchanged". */
    @Test
    void anInstanceThatDoesNotRunIsStartedEvenWhenTheFileIsUnchanged() throws Exception {
        String text = instance("VI_1", "e0", 1, 150) + instance("VI_2", "e0", 2, 100);
        KeepalivedConfig c = config(text);
        VrrpReloadPlan p = VrrpReloadPlan.of(running(c, "VI_2"), config(text));
        assertEquals(new VrrpReloadPlan(List.of("VI_2"), List.of(), List.of("VI_1"), List.of()), p);
    }

    /** The diff is against what each instance was started with, not against the last file read. */
    @Test
    void eachInstanceIsComparedWithWhatItWasStartedWith() throws Exception {
        KeepalivedConfig first = config(instance("VI_1", "e0", 1, 150) + instance("VI_2", "e0", 2, 100));
        KeepalivedConfig second = config(instance("VI_1", "e0", 1, 120) + instance("VI_2", "e0", 2, 100));
        // VI_1 kept running with `first` (say its restart was rolled back); VI_2 is the same in both.
        Map<String, VrrpReloadPlan.Basis> running = new LinkedHashMap<>();
        running.put("VI_1", VrrpReloadPlan.Basis.of(first.vrrpInstances().get(0), first));
        running.put("VI_2", VrrpReloadPlan.Basis.of(second.vrrpInstances().get(1), second));
        assertEquals(List.of("VI_1"), VrrpReloadPlan.of(running, second).restart());
        assertEquals(List.of("VI_1"), VrrpReloadPlan.of(running, first).keep().subList(0, 1));
        assertTrue(VrrpReloadPlan.of(running, first).changesNothing());
    }

    @Test
    void aChangedVrrpScriptOrGlobalDefsRestartsEveryInstance() throws Exception {
        String two = instance("VI_1", "e0", 1, 150) + instance("VI_2", "e0", 2, 100);
        KeepalivedConfig c = config(two);
        VrrpReloadPlan p = VrrpReloadPlan.of(running(c), config("global_defs {\n    router_id other\n}\n" + two));
        assertEquals(List.of("VI_1", "VI_2"), p.restart());
    }

    @Test
    void syncGroupMembersRestartTogether() throws Exception {
        String group = "vrrp_sync_group G {\n    group {\n        VI_1\n        VI_2\n    }\n}\n";
        KeepalivedConfig c = config(group
                + instance("VI_1", "e0", 1, 150)
                + instance("VI_2", "e0", 2, 100)
                + instance("VI_3", "e0", 3, 100));
        VrrpReloadPlan p = VrrpReloadPlan.of(
                running(c),
                config(group
                        + instance("VI_1", "e0", 1, 120)
                        + instance("VI_2", "e0", 2, 100)
                        + instance("VI_3", "e0", 3, 100)));
        assertEquals(List.of("VI_1", "VI_2"), p.restart());
        assertEquals(List.of("VI_3"), p.keep());
        // A member that does not run takes the running one of its group with it.
        p = VrrpReloadPlan.of(running(c, "VI_2", "VI_3"), c);
        assertEquals(new VrrpReloadPlan(List.of("VI_3"), List.of("VI_2"), List.of("VI_1"), List.of()), p);
    }
}
