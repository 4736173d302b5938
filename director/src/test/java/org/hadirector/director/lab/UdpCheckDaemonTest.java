package org.hadirector.director.lab;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * UDP_CHECK against a real UDP service, Debian's dnsmasq, in namespaces: `hadirector -C` checks
 * it with a DNS query as the payload and the reply's header as require_reply; the real server is
 * up while dnsmasq answers, goes down when it stops (the ICMP port unreachable), comes back when
 * it starts again, and the DR table follows.
 */
class UdpCheckDaemonTest {

    /** A query for example.test, type A, id 0x4844, RD; the reply must carry the id and QR. */
    static final String QUERY =
            "48 44 01 00 00 01 00 00 00 00 00 00 07 65 78 61 6d 70 6c 65 04 74 65 73 74 00 00 01 00 01";

    static final String CONF = """
            virtual_server 198.18.0.100 53 {
                delay_loop 0.5
                lvs_sched rr
                lvs_method DR
                protocol UDP
                real_server 198.18.0.21 53 {
                    UDP_CHECK {
                        payload %s
                        require_reply 4844 8x
                        min_reply_length 12
                        connect_timeout 1
                        retry 1
                        delay_before_retry 0.2
                    }
                }
            }
            """.formatted(QUERY);

    @Test
    void aRealUdpServiceIsCheckedAndTheTableFollowsIt() throws Exception {
        try (Lab lab = Lab.create("u", "director1=198.18.0.11", "rs1=198.18.0.21")) {
            Process dns = lab.dnsmasq("rs1");
            Path sock = lab.dir.resolve("d1.sock");
            Lab.run("ip", "-n", lab.ns("director1"), "addr", "add", "198.18.0.100/32", "dev", "e0");
            lab.director(
                    "director1",
                    "-C",
                    "-l",
                    "-f",
                    lab.write("d1.conf", CONF).toString(),
                    "--pid-file",
                    lab.dir.resolve("d1.pid").toString(),
                    "--control",
                    sock.toString());
            assertTrue(
                    Lab.waitFor(
                                    15_000,
                                    Lab.quietly(() -> HealthCheckDaemonTest.status(sock)
                                            .contains("UDP_CHECK 198.18.0.21:53  up  failures 0  last ok")))
                            >= 0,
                    lab.log("director1"));
            assertTrue(
                    HealthCheckDaemonTest.status(sock).contains("table: 198.18.0.21:53 weight 1"),
                    HealthCheckDaemonTest.status(sock));

            dns.destroy();
            assertTrue(dns.waitFor(5, java.util.concurrent.TimeUnit.SECONDS), "dnsmasq stops on SIGTERM");
            assertTrue(
                    Lab.waitFor(
                                    5_000,
                                    Lab.quietly(() -> HealthCheckDaemonTest.status(sock)
                                            .contains("UDP_CHECK 198.18.0.21:53  down  failures 2  last failed: "
                                                    + "port unreachable")))
                            >= 0,
                    HealthCheckDaemonTest.status(sock) + lab.log("director1"));
            assertTrue(
                    lab.logShows("director1", "table: remove 198.18.0.21:53 from UDP  198.18.0.100:53 (UDP_CHECK "),
                    lab.log("director1"));

            lab.dnsmasq("rs1");
            assertTrue(
                    Lab.waitFor(
                                    10_000,
                                    Lab.quietly(() -> HealthCheckDaemonTest.status(sock)
                                            .contains("table: 198.18.0.21:53 weight 1")))
                            >= 0,
                    HealthCheckDaemonTest.status(sock) + lab.log("director1"));
        }
    }
}
