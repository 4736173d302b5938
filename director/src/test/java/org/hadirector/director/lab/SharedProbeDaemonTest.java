package org.hadirector.director.lab;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * Identical checks run one probe, on a real daemon (`hadirector -C` in a namespace) against a
 * real nginx: ten virtual servers with the same real server and HTTP_GET make one request per
 * delay_loop in nginx's access log; a reload that drops some and adds one keeps it at one; a
 * virtual server whose delay_loop differs gets its own probe.
 */
class SharedProbeDaemonTest {

    static String conf(int from, int to, String lastDelayLoop) {
        StringBuilder b = new StringBuilder();
        for (int i = from; i < to; i++) {
            b.append("""
                    virtual_server 198.18.0.%d 80 {
                        delay_loop %s
                        lvs_sched rr
                        lvs_method DR
                        protocol TCP
                        real_server 198.18.0.21 80 {
                            HTTP_GET {
                                url {
                                    path /health
                                }
                                connect_timeout 1
                                retry 1
                                delay_before_retry 0.2
                            }
                        }
                    }
                    """.formatted(100 + i, i == to - 1 ? lastDelayLoop : "0.5"));
        }
        return b.toString();
    }

    static long lines(Path log) throws Exception {
        return Files.exists(log) ? Files.readAllLines(log).size() : 0;
    }

    /** Requests nginx logged over {@code millis}. */
    static long requestsOver(Path log, long millis) throws Exception {
        long before = lines(log);
        Thread.sleep(millis);
        return lines(log) - before;
    }

    @Test
    void tenVirtualServersWithTheSameCheckMakeOneRequestAPeriod() throws Exception {
        try (Lab lab = Lab.create("s", "director1=198.18.0.11", "rs1=198.18.0.21")) {
            lab.nginx("rs1");
            Path log = lab.dir.resolve("www-rs1/access.log");
            for (int i = 0; i < 12; i++) {
                Lab.run("ip", "-n", lab.ns("director1"), "addr", "add", "198.18.0." + (100 + i) + "/32", "dev", "e0");
            }
            Path sock = lab.controlSocket("director1");
            Path confFile = lab.write("d1.conf", conf(0, 10, "0.5"));
            lab.checksDaemon("director1", confFile);
            waitForUp(lab, sock, 15_000, 10);
            String log1 = lab.log("director1");
            assertTrue(
                    log1.contains(
                            "10 checker(s) on 10 virtual server(s) started: 1 probe(s) run, 10 checker(s) share one"),
                    log1);
            Thread.sleep(600);
            long shared = requestsOver(log, 3000);
            assertTrue(
                    shared >= 5 && shared <= 7, "ten virtual servers, one request a delay_loop: " + shared + " in 3 s");

            // reload: five go, one comes with the same check: still one probe
            lab.write("d1.conf", conf(5, 11, "0.5"));
            String done = ReloadLabTest.hup(lab, "director1", "director1.pid");
            assertTrue(done.contains("reload done"), done);
            waitForUp(lab, sock, 10_000, 6);
            long afterReload = requestsOver(log, 3000);
            assertTrue(afterReload >= 5 && afterReload <= 7, "after the reload, still one: " + afterReload + " in 3 s");

            // one whose delay_loop differs runs its own probe
            lab.write("d1.conf", conf(5, 11, "0.3"));
            done = ReloadLabTest.hup(lab, "director1", "director1.pid");
            assertTrue(done.contains("reload done"), done);
            waitForUp(lab, sock, 10_000, 6);
            long two = requestsOver(log, 3000);
            assertTrue(two >= 5 + 9 && two <= 7 + 11, "two probes, 0.5 s and 0.3 s apart: " + two + " in 3 s");
            System.out.printf(
                    "shared probes on a daemon: 10 virtual servers %d requests in 3 s; after a reload to 6, %d; "
                            + "with one at another delay_loop, %d%n",
                    shared, afterReload, two);
        }
    }

    private static void waitForUp(Lab lab, Path sock, long millis, int servers) throws Exception {
        assertTrue(
                Lab.waitFor(
                                millis,
                                Lab.quietly(() -> HealthCheckDaemonTest.status(sock)
                                                        .split(
                                                                java.util.regex.Pattern.quote(
                                                                        "198.18.0.21:80 weight 1"),
                                                                -1)
                                                        .length
                                                - 1
                                        == servers))
                        >= 0,
                "want " + servers + " virtual servers with 198.18.0.21:80 in their table\n"
                        + HealthCheckDaemonTest.status(sock) + lab.log("director1"));
    }
}
