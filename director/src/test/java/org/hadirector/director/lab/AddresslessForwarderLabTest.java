package org.hadirector.director.lab;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.hadirector.ipvs.Destination;
import org.hadirector.ipvs.IpProtocol;
import org.hadirector.ipvs.ServiceKey;
import org.hadirector.ipvs.TableOp;
import org.hadirector.ipvs.VirtualService;
import org.hadirector.ipvs.dr.UserspaceDr;
import org.hadirector.sys.NetNs;
import org.junit.jupiter.api.Test;

/**
 * The userspace forwarder on an interface with no IPv4 address (a director of IPv6 services, say):
 * it starts, finds IPv6 real servers by its neighbour solicitations, and finds IPv4 ones by ARP
 * probes from 0.0.0.0 (RFC 5227), which a real server's Linux answers even with DR's arp_ignore=1.
 * The client reaches the IPv4 VIP through a static neighbour entry, as a router with the VIP's
 * route to the director would.
 */
class AddresslessForwarderLabTest {
    static final String VIP = "198.18.0.100";
    static final String VIP6 = "2001:db8::100";

    @Test
    void aForwarderWithoutAnIpv4AddressFindsRealServersOfBothFamilies() throws Exception {
        Lab.requireRoot();
        ExecutorService director = Executors.newSingleThreadExecutor();
        try (Lab lab = Lab.create("dr0", "client=198.18.0.10", "director1=198.18.0.11", "rs1=198.18.0.21")) {
            for (String[] h : new String[][] {{"client", "10"}, {"director1", "11"}, {"rs1", "21"}}) {
                Lab.run("ip", "-n", lab.ns(h[0]), "addr", "add", "2001:db8::" + h[1] + "/64", "dev", "e0", "nodad");
            }
            lab.drRealServer("rs1", VIP, VIP6);
            Lab.run("ip", "-n", lab.ns("director1"), "-4", "addr", "flush", "dev", "e0");
            Lab.run("ip", "-n", lab.ns("director1"), "addr", "add", VIP6 + "/128", "dev", "e0", "nodad");
            Lab.run("ip", "-n", lab.ns("client"), "neigh", "replace", VIP, "lladdr", lab.mac("director1"), "dev", "e0");
            UserspaceDr dr = director.submit(() -> {
                        NetNs.enter(lab.ns("director1"));
                        return UserspaceDr.open(UserspaceDr.Settings.of("e0"));
                    })
                    .get(30, TimeUnit.SECONDS);
            try {
                ServiceKey web = ServiceKey.of(IpProtocol.TCP, InetAddress.getByName(VIP), 80);
                ServiceKey web6 = ServiceKey.of(IpProtocol.TCP, InetAddress.getByName(VIP6), 80);
                dr.apply(new TableOp.AddService(VirtualService.of(web, "rr"), "test"));
                dr.apply(new TableOp.AddService(VirtualService.of(web6, "rr"), "test"));
                dr.apply(new TableOp.AddDestination(
                        web, Destination.route(InetAddress.getByName("198.18.0.21"), 80, 1), "test"));
                dr.apply(new TableOp.AddDestination(
                        web6, Destination.route(InetAddress.getByName("2001:db8::21"), 80, 1), "test"));
                for (String url : new String[] {"http://" + VIP + "/who", "http://[" + VIP6 + "]/who"}) {
                    assertTrue(
                            Lab.waitFor(
                                            10_000,
                                            Lab.quietly(() ->
                                                    lab.curl("client", url).equals("rs1")))
                                    >= 0,
                            "no answer from " + url + " through a director without an IPv4 address: " + dr.counters());
                }
            } finally {
                dr.close(); // before the lab goes, with its namespaces
            }
        } finally {
            director.shutdownNow();
        }
    }
}
