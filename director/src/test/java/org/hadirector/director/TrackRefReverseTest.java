package org.hadirector.director;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.hadirector.conf.model.KeepalivedConfig;
import org.hadirector.vrrp.InstanceConfig;
import org.hadirector.vrrp.track.TrackedWeight;
import org.junit.jupiter.api.Test;

/**
 * A track_script / track_file entry's own reverse or noreverse wins over the tracked block's;
 * without either the block's stays (keepalived's alloc_track_script, alloc_track_file).
 */
class TrackRefReverseTest {

    @Test
    void theEntrysReverseOrNoreverseWinsElseTheBlocks() throws Exception {
        KeepalivedConfig c = DirectorPlanTest.config("""
                vrrp_script chk {
                    script "/bin/true"
                    weight 10 reverse
                }
                track_file maint {
                    file /tmp/hd-trackref-maint
                    weight 5 reverse
                }
                vrrp_instance VI_1 {
                    interface lo
                    virtual_router_id 51
                    track_script {
                        chk
                    }
                    track_file {
                        maint weight 7 noreverse
                    }
                    virtual_ipaddress {
                        198.18.0.51
                    }
                }
                vrrp_instance VI_2 {
                    interface lo
                    virtual_router_id 52
                    track_script {
                        chk weight 20 noreverse
                    }
                    track_file {
                        maint
                    }
                    virtual_ipaddress {
                        198.18.0.52
                    }
                }
                """);
        InstanceConfig one = VrrpConfigMapper.map(c.vrrpInstances().get(0), c);
        InstanceConfig two = VrrpConfigMapper.map(c.vrrpInstances().get(1), c);
        assertEquals(new TrackedWeight(10, true), one.trackScripts().get(0).weight());
        assertEquals(new TrackedWeight(7, false), one.trackFiles().get(0).weight());
        assertEquals(new TrackedWeight(20, false), two.trackScripts().get(0).weight());
        assertEquals(new TrackedWeight(5, true), two.trackFiles().get(0).weight());
        assertEquals(List.of(), DirectorPlan.refusals(c, true, true));
    }
}
