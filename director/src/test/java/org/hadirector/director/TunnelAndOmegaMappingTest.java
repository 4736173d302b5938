package org.hadirector.director;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.hadirector.conf.model.KeepalivedConfig;
import org.hadirector.healthcheck.ServiceSpec;
import org.hadirector.ipvs.Destination;
import org.hadirector.ipvs.ForwardMethod;
import org.hadirector.ipvs.IpvsadmFormat;
import org.hadirector.ipvs.Tunnel;
import org.hadirector.sys.RealServerId;
import org.junit.jupiter.api.Test;

/** lvs_method TUN's options and omega, from the file to the table and the check pools. */
class TunnelAndOmegaMappingTest {
    static final String CONF = """
            virtual_server 198.18.0.100 80 {
                lvs_method TUN type gue port 6080 csum
                omega
                sorry_server 198.18.0.29 80
                real_server 198.18.0.21 80 {
                }
                real_server 198.18.0.22 80 {
                    lvs_method TUN type gre
                }
                real_server 198.18.0.23 80 {
                    lvs_method TUN
                }
                real_server 198.18.0.24 80 {
                    lvs_method DR
                }
            }
            virtual_server 198.18.0.101 80 {
                lvs_method DR
                real_server 198.18.0.21 80 {
                }
            }
            """;

    @Test
    void eachTunnelledServerGetsItsOwnOrItsVirtualServersEncapsulation() throws Exception {
        KeepalivedConfig c = DirectorReloadTest.config(CONF);
        Map<RealServerId, Destination> d = TableConfigMapper.map(c).get(0).servers();
        assertEquals(
                new Tunnel(Tunnel.GUE, 6080, Tunnel.CSUM),
                d.get(RealServerId.parse("198.18.0.21:80")).tunnel());
        assertEquals(
                new Tunnel(Tunnel.GRE, 0, Tunnel.NOCSUM),
                d.get(RealServerId.parse("198.18.0.22:80")).tunnel());
        assertEquals(Tunnel.DEFAULT, d.get(RealServerId.parse("198.18.0.23:80")).tunnel());
        Destination dr = d.get(RealServerId.parse("198.18.0.24:80"));
        assertEquals(ForwardMethod.ROUTE, dr.method());
        assertNull(dr.tunnel());
        assertEquals(
                new Tunnel(Tunnel.GUE, 6080, Tunnel.CSUM),
                d.get(RealServerId.parse("198.18.0.29:80")).tunnel(),
                "the sorry server takes the virtual server's method and tunnel, as keepalived's alloc_ssvr");
        // a changed tunnel setting is a changed destination: the reconciler edits it
        KeepalivedConfig changed = DirectorReloadTest.config(CONF.replace("port 6080 csum", "port 6081 csum"));
        assertFalse(d.get(RealServerId.parse("198.18.0.21:80"))
                .equals(TableConfigMapper.map(changed).get(0).servers().get(RealServerId.parse("198.18.0.21:80"))));
    }

    @Test
    void omegaReachesTheCheckPool() throws Exception {
        List<ServiceSpec> pools = CheckerConfigMapper.map(DirectorReloadTest.config(CONF));
        assertTrue(pools.get(0).omega());
        assertFalse(pools.get(1).omega());
    }

    @Test
    void tunInfoIsAListingModeStatsAndRateWinOverIt() {
        assertEquals(
                IpvsadmFormat.Mode.TUN_INFO,
                IpvsListing.parse(List.of("-L", "-n", "--tun-info")).mode());
        assertEquals(
                IpvsadmFormat.Mode.STATS,
                IpvsListing.parse(List.of("-L", "--tun-info", "--stats")).mode());
    }
}
