package org.hadirector.director.lab;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * {@code @hadirector announce} in the daemon, with real BIRD 2 and nginx: a router namespace
 * (BIRD, passive BGP, kernel export), a director running hadirector (-C, the userspace forwarder)
 * and BIRD exporting the announcement interface, and a real server with the VIP on lo. The VIP's
 * route reaches the router once the virtual server has quorum, requests from the router reach
 * nginx through the director, the route goes when the real server fails (quorum lost) and comes
 * back with it, and goes at a graceful stop.
 */
class AnnounceDaemonLabTest {
    static final String VIP = BirdAnnounceLabTest.VIP;

    static final String CONF = """
            global_defs {
                router_id d1
                @hadirector announce_interface %s
                @hadirector bird_socket %s
                @hadirector sloppy_tcp
            }
            virtual_server %s 80 {
                delay_loop 1
                lb_algo mh
                lb_kind DR
                protocol TCP
                @hadirector announce
                real_server 198.18.0.21 80 {
                    TCP_CHECK {
                        connect_timeout 1
                        retry 0
                    }
                }
            }
            """;

    @Test
    void theVipIsAnnouncedWhileItsVirtualServerHasQuorumAndWithdrawnAtStop() throws Exception {
        Lab.requireRoot();
        Lab.requireTools(Lab.BIRD);
        try (Lab lab = Lab.create("ann", "router=198.18.0.1", "d1=198.18.0.11", "rs1=198.18.0.21")) {
            Process nginx = lab.drRealServer("rs1", VIP);
            lab.bird("router", BirdAnnounceLabTest.routerConfig(List.of("198.18.0.11")));
            Path birdSocket = lab.bird("d1", BirdAnnounceLabTest.directorConfig("198.18.0.11"));
            Path sock = lab.dir.resolve("d1.sock");
            Process daemon = lab.director(
                    "d1",
                    "-C",
                    "-l",
                    "-f",
                    lab.write("d1.conf", CONF.formatted(BirdAnnounceLabTest.TUN, birdSocket, VIP))
                            .toString(),
                    "--pid-file",
                    lab.dir.resolve("d1.pid").toString(),
                    "--control",
                    sock.toString());
            long up = Lab.waitFor(
                    20_000, Lab.quietly(() -> BirdAnnounceLabTest.nextHops(lab).equals(Set.of("198.18.0.11"))));
            assertTrue(up >= 0, "no route to the VIP on the router\n" + lab.log("d1") + lab.log("bird-d1"));
            assertTrue(lab.logShows("d1", "announce: " + VIP + " announced on hd-announce"), lab.log("d1"));
            // status shows the VIP on the interface and BIRD exporting it on the session
            assertTrue(
                    Lab.waitFor(
                                    10_000,
                                    Lab.quietly(() -> HealthCheckDaemonTest.status(sock)
                                            .contains("uplink  Established  exports " + VIP + "/32")))
                            >= 0,
                    HealthCheckDaemonTest.status(sock));
            assertTrue(
                    HealthCheckDaemonTest.status(sock).contains("announce: hd-announce: " + VIP + " announced"),
                    HealthCheckDaemonTest.status(sock));
            // the router sends the VIP's flows to the director, whose forwarder sends them to nginx
            assertTrue(
                    Lab.waitFor(
                                    10_000,
                                    Lab.quietly(() -> Lab.run(
                                                    "ip",
                                                    "netns",
                                                    "exec",
                                                    lab.ns("router"),
                                                    "curl",
                                                    "-s",
                                                    "--max-time",
                                                    "2",
                                                    "http://" + VIP + "/who")
                                            .strip()
                                            .equals("rs1")))
                            >= 0,
                    "no answer from nginx through the director\n" + lab.log("d1"));

            nginx.destroy();
            long t0 = System.nanoTime();
            long gone = Lab.waitFor(
                    10_000, Lab.quietly(() -> BirdAnnounceLabTest.nextHops(lab).isEmpty()));
            assertTrue(gone >= 0, "the route stayed after quorum was lost\n" + lab.log("d1"));
            System.out.printf(
                    "announce: route gone from the router %d ms after the real server stopped (check every 1 s)%n",
                    (System.nanoTime() - t0) / 1_000_000);
            assertTrue(lab.logShows("d1", "withdrawn from hd-announce"), lab.log("d1"));
            assertTrue(
                    Lab.waitFor(
                                    10_000,
                                    Lab.quietly(() -> HealthCheckDaemonTest.status(sock)
                                                    .contains("announce: hd-announce: " + VIP + " withdrawn")
                                            && HealthCheckDaemonTest.status(sock)
                                                    .contains("uplink  Established  exports nothing")))
                            >= 0,
                    HealthCheckDaemonTest.status(sock));

            lab.nginx("rs1");
            long back = Lab.waitFor(
                    10_000, Lab.quietly(() -> BirdAnnounceLabTest.nextHops(lab).equals(Set.of("198.18.0.11"))));
            assertTrue(back >= 0, "the route did not come back with quorum\n" + lab.log("d1"));

            // graceful scale-in: the withdraw returns once BIRD exports nothing and no frame comes in
            long w0 = System.nanoTime();
            String withdrawn = HealthCheckDaemonTest.run("announce", "withdraw", "--control", sock.toString());
            System.out.printf(
                    "announce withdraw: returned after %d ms: %s", (System.nanoTime() - w0) / 1_000_000, withdrawn);
            assertTrue(withdrawn.contains("announce: traffic moved after "), withdrawn);
            assertTrue(BirdAnnounceLabTest.nextHops(lab).isEmpty(), "the router still routes to the director");
            // quorum events do not bring it back while withdrawn; resume does
            HealthCheckDaemonTest.run("announce", "resume", "--control", sock.toString());
            assertTrue(
                    Lab.waitFor(
                                    10_000,
                                    Lab.quietly(() ->
                                            BirdAnnounceLabTest.nextHops(lab).equals(Set.of("198.18.0.11"))))
                            >= 0,
                    "resume did not announce again\n" + lab.log("d1"));

            daemon.destroy(); // SIGTERM: a graceful stop withdraws first
            assertTrue(daemon.waitFor(15, java.util.concurrent.TimeUnit.SECONDS), "the daemon did not stop");
            assertTrue(
                    Lab.waitFor(
                                    5_000,
                                    Lab.quietly(() ->
                                            BirdAnnounceLabTest.nextHops(lab).isEmpty()))
                            >= 0,
                    "the route stayed after the stop\n" + lab.log("d1"));
            assertTrue(lab.logShows("d1", "withdrawn from hd-announce (stopping)"), lab.log("d1"));
        }
    }
}
