package org.hadirector.director;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Set;
import org.hadirector.conf.model.KeepalivedConfig;
import org.junit.jupiter.api.Test;

/** What a reload checks against the host before anything stops, with the host's interfaces given. */
class ReloadPreflightTest {
    static final Set<String> HOST = Set.of("lo", "e0", "e1");

    static KeepalivedConfig config(String globals, String instance) throws Exception {
        return DirectorReloadTest.config(globals + """
                vrrp_instance VI_1 {
                    interface e0
                    virtual_router_id 51
                    %s
                    virtual_ipaddress {
                        198.18.0.100/32
                    }
                }
                """.formatted(instance));
    }

    static List<String> problems(KeepalivedConfig c, List<String> opening) {
        return ReloadPreflight.problems(c, opening, null, null, HOST::contains);
    }

    @Test
    void everyInterfaceOfAnInstanceToOpenMustExist() throws Exception {
        KeepalivedConfig c = DirectorReloadTest.config("""
                vrrp_instance VI_1 {
                    interface e9
                    virtual_router_id 51
                    track_interface {
                        e1
                        e8 weight -10
                    }
                    virtual_ipaddress {
                        198.18.0.100/32 dev e7
                        198.18.0.101/32
                    }
                    virtual_ipaddress_excluded {
                        198.18.0.102/32 dev e6
                    }
                }
                """);
        assertEquals(
                List.of(
                        "vrrp_instance VI_1: interface e9 does not exist",
                        "vrrp_instance VI_1: virtual_ipaddress 198.18.0.100/32 dev e7: interface e7 does not exist",
                        "vrrp_instance VI_1: virtual_ipaddress 198.18.0.102/32 dev e6: interface e6 does not exist",
                        "vrrp_instance VI_1: tracked interface e8 does not exist"),
                problems(c, List.of("VI_1")));
    }

    @Test
    void anInstanceThatKeepsRunningIsNotReopenedSoNotChecked() throws Exception {
        KeepalivedConfig c = config("", "track_interface {\n        e8\n    }");
        assertEquals(List.of(), problems(c, List.of()));
        assertEquals(List.of("vrrp_instance VI_1: tracked interface e8 does not exist"), problems(c, List.of("VI_1")));
    }

    @Test
    void aGoodFilePasses() throws Exception {
        assertEquals(List.of(), problems(config("", "track_interface {\n        e1\n    }"), List.of("VI_1")));
    }

    @Test
    void theSyncRolesInstanceMustStayAndAChangedSyncInterfaceMustExist() throws Exception {
        KeepalivedConfig now = config("global_defs {\n    lvs_sync_daemon e0 VI_1\n}\n", "");
        var running = now.globalDefs().lvsSyncDaemon();
        assertEquals(List.of(), ReloadPreflight.problems(now, List.of(), running, "VI_1", HOST::contains));
        KeepalivedConfig moved = config("global_defs {\n    lvs_sync_daemon e5 VI_1\n}\n", "");
        assertEquals(
                List.of("lvs_sync_daemon: interface e5 does not exist"),
                ReloadPreflight.problems(moved, List.of(), running, "VI_1", HOST::contains));
        KeepalivedConfig renamed = DirectorReloadTest.config(
                "global_defs {\n    lvs_sync_daemon e0 VI_2\n}\n" + VrrpReloadPlanTest.instance("VI_2", "e0", 2, 100));
        assertEquals(
                List.of("lvs_sync_daemon: the sync role follows vrrp_instance VI_1, which the new file removes; "
                        + "it changes only with a restart"),
                ReloadPreflight.problems(renamed, List.of(), running, "VI_1", HOST::contains));
    }
}
