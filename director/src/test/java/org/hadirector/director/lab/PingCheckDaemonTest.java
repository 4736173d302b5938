package org.hadirector.director.lab;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * PING_CHECK in namespaces: `hadirector -C` pings rs1 (IPv4) and, through connect_ip, rs2's
 * IPv6 address; each real server is up while its address answers, goes down ("no reply") when
 * the address is taken off its interface, comes back when it returns, and the DR table follows.
 * The namespace's ping_group_range is the kernel's "1 0", so the daemon (root) pings on raw
 * sockets; the datagram sockets are IcmpEchoSocketNetnsTest's.
 */
class PingCheckDaemonTest {

    static final String CONF = """
            virtual_server 198.18.0.100 80 {
                delay_loop 0.3
                lvs_sched rr
                lvs_method DR
                protocol TCP
                real_server 198.18.0.21 80 {
                    PING_CHECK {
                        connect_timeout 0.5
                        retry 0
                    }
                }
                real_server 198.18.0.22 80 {
                    PING_CHECK {
                        connect_ip 2001:db8::22
                        connect_timeout 0.5
                        retry 0
                    }
                }
            }
            """;

    @Test
    void realServersAreUpWhileTheirAddressesAnswer() throws Exception {
        try (Lab lab = Lab.create("p", "director1=198.18.0.11", "rs1=198.18.0.21", "rs2=198.18.0.22")) {
            Lab.run("ip", "-n", lab.ns("director1"), "addr", "add", "2001:db8::11/64", "dev", "e0", "nodad");
            Lab.run("ip", "-n", lab.ns("rs2"), "addr", "add", "2001:db8::22/64", "dev", "e0", "nodad");
            Lab.run("ip", "-n", lab.ns("director1"), "addr", "add", "198.18.0.100/32", "dev", "e0");
            Path sock = lab.dir.resolve("d1.sock");
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
            waitForStatus(lab, sock, 15_000, "PING_CHECK 198.18.0.21  up  failures 0  last ok");
            waitForStatus(lab, sock, 5_000, "PING_CHECK 2001:db8::22  up  failures 0  last ok");
            // the table line lists "ADDR weight N"; a real server's own line is "ADDR  UP  weight N"
            waitForStatus(lab, sock, 5_000, "198.18.0.21:80 weight 1");
            waitForStatus(lab, sock, 5_000, "198.18.0.22:80 weight 1");
            String log = lab.log("director1");
            assertTrue(log.contains("PING_CHECK: ICMP raw socket: ICMP datagram sockets are not allowed"), log);
            assertTrue(log.contains("PING_CHECK: ICMPv6 raw socket"), log);

            Lab.run("ip", "-n", lab.ns("rs1"), "addr", "del", "198.18.0.21/24", "dev", "e0");
            waitForStatus(
                    lab, sock, 5_000, "PING_CHECK 198.18.0.21  down  failures 1  last failed: no reply within 500 ms");
            waitForLog(lab, "table: remove 198.18.0.21:80 from TCP  198.18.0.100:80 (PING_CHECK 198.18.0.21: no reply");
            assertTrue(HealthCheckDaemonTest.status(sock).contains("PING_CHECK 2001:db8::22  up"), "rs2 unaffected");

            Lab.run("ip", "-n", lab.ns("rs2"), "addr", "del", "2001:db8::22/64", "dev", "e0");
            waitForStatus(
                    lab, sock, 5_000, "PING_CHECK 2001:db8::22  down  failures 1  last failed: no reply within 500 ms");
            waitForLog(
                    lab, "table: remove 198.18.0.22:80 from TCP  198.18.0.100:80 (PING_CHECK 2001:db8::22: no reply");

            Lab.run("ip", "-n", lab.ns("rs1"), "addr", "add", "198.18.0.21/24", "dev", "e0");
            Lab.run("ip", "-n", lab.ns("rs2"), "addr", "add", "2001:db8::22/64", "dev", "e0", "nodad");
            waitForStatus(lab, sock, 10_000, "198.18.0.21:80 weight 1");
            waitForStatus(lab, sock, 10_000, "198.18.0.22:80 weight 1");
        }
    }

    private static void waitForStatus(Lab lab, Path sock, long millis, String line) throws Exception {
        assertTrue(
                Lab.waitFor(
                                millis,
                                Lab.quietly(
                                        () -> HealthCheckDaemonTest.status(sock).contains(line)))
                        >= 0,
                "want: " + line + "\n" + statusOrWhy(sock) + lab.log("director1"));
    }

    private static String statusOrWhy(Path sock) {
        try {
            return HealthCheckDaemonTest.status(sock);
        } catch (RuntimeException e) {
            return "status: " + e.getMessage() + "\n";
        }
    }

    private static void waitForLog(Lab lab, String text) throws Exception {
        assertTrue(
                Lab.waitFor(5_000, Lab.quietly(() -> lab.log("director1").contains(text))) >= 0, lab.log("director1"));
    }
}
