package org.hadirector.director;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.hadirector.conf.model.KeepalivedConfig;
import org.hadirector.vrrp.InstanceConfig;
import org.hadirector.vrrp.track.TrackedWeight;
import org.junit.jupiter.api.Test;

/**
 * keepalived tracks the interface of each VIP (and excluded VIP) with weight 0 unless the VIP
 * says no_track (vrrp.c, TRACK_ADDR): the dev down, the instance faults.
 */
class VipTrackingTest {

    private static List<InstanceConfig.TrackedInterface> tracked(String block) throws Exception {
        KeepalivedConfig c = DirectorPlanTest.config(block);
        return VrrpConfigMapper.map(c.vrrpInstances().get(0), c).trackInterfaces();
    }

    private static InstanceConfig.TrackedInterface t(String name, int weight, boolean reverse) {
        return new InstanceConfig.TrackedInterface(name, new TrackedWeight(weight, reverse));
    }

    @Test
    void aVipsOtherDevIsTrackedWithWeightZeroUnlessNoTrack() throws Exception {
        assertEquals(List.of(t("lo", 0, false)), tracked("""
                        vrrp_instance VI_1 {
                            interface eth9
                            virtual_router_id 51
                            virtual_ipaddress {
                                198.18.0.51 dev eth9
                                198.18.0.52 dev lo
                                198.18.0.53 dev eth8 no_track
                                198.18.0.54
                            }
                        }
                        """));
    }

    @Test
    void excludedVipsCountAndAVipsDevOverridesATrackInterfaceWeight() throws Exception {
        assertEquals(List.of(t("eth7", 0, false), t("eth6", 0, true), t("eth5", 0, false)), tracked("""
                        vrrp_instance VI_1 {
                            interface eth9
                            virtual_router_id 51
                            track_interface {
                                eth7 weight 10
                                eth6 weight 0 reverse
                            }
                            virtual_ipaddress {
                                198.18.0.51 dev eth7
                                198.18.0.52 dev eth6
                            }
                            virtual_ipaddress_excluded {
                                198.18.0.60 dev eth5
                            }
                        }
                        """));
    }
}
