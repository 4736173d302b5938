package org.hadirector.director;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.hadirector.conf.ConfigLoader;
import org.hadirector.conf.model.KeepalivedConfig;
import org.junit.jupiter.api.Test;

/**
 * What a reload refuses, by the parts the daemon runs: -P never minds virtual_server blocks and
 * -C never minds vrrp_instance blocks; a part that did not start cannot be added by a reload.
 * (Directors here run nothing: only the decisions before anything is applied are exercised.)
 */
class DirectorReloadTest {
    static final String VS = """
            virtual_server 198.18.0.100 80 {
                lvs_sched rr
                lvs_method DR
                protocol TCP
                real_server 198.18.0.21 80 {
                }
            }
            """;
    static final String VI = """
            vrrp_instance VI_1 {
                interface e0
                virtual_router_id 51
                virtual_ipaddress {
                    198.18.0.100
                }
            }
            """;

    static KeepalivedConfig config(String text) throws Exception {
        return ConfigLoader.loadString("test.conf", text, Path.of("."), ConfigLoader.Options.defaults())
                .config();
    }

    @Test
    void vrrpOnlyIgnoresVirtualServers() throws Exception {
        Director p = new Director(config(VS), true, false);
        assertEquals("vrrp_instances unchanged", p.reload(config(VS)));
        assertEquals(
                "vrrp_instances unchanged", new Director(config("global_defs {\n}\n"), true, false).reload(config(VS)));
    }

    @Test
    void checkersOnlyIgnoresVrrpInstances() throws Exception {
        Director c = new Director(config("global_defs {\n}\n"), false, true);
        assertEquals("vrrp_instances unchanged", c.reload(config(VI)));
    }

    @Test
    void aPartThatDidNotStartCannotBeAddedByAReload() throws Exception {
        IllegalArgumentException e = assertThrows(
                IllegalArgumentException.class,
                () -> new Director(config("global_defs {\n}\n"), true, true).reload(config(VS)));
        assertTrue(e.getMessage().startsWith("virtual_server blocks were added"), e.getMessage());
        e = assertThrows(
                IllegalArgumentException.class,
                () -> new Director(config("global_defs {\n}\n"), true, true).reload(config(VI)));
        assertTrue(e.getMessage().startsWith("vrrp_instance blocks were added"), e.getMessage());
    }
}
