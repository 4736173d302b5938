package org.hadirector.director.lab;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.hadirector.director.MainAccess;
import org.junit.jupiter.api.Test;

/**
 * `hadirector -f FILE -C` in a namespace with two nginx real servers: the checkers see both up,
 * a stopped nginx goes down with its reason in the log and in `hadirector status`, and comes back;
 * the DR table (the userspace forwarder on e0, which holds the virtual server's address) follows.
 */
class HealthCheckDaemonTest {

    static final String CONF = """
            global_defs {
                enable_script_security
            }
            virtual_server 198.18.0.100 80 {
                delay_loop 0.5
                lvs_sched rr
                lvs_method DR
                protocol TCP
                real_server 198.18.0.21 80 {
                    weight 2
                    HTTP_GET {
                        url {
                            path /health
                            digest eff5bc1ef8ec9d03e640fc4370f5eacd
                        }
                        connect_timeout 1
                        retry 1
                        delay_before_retry 0.2
                    }
                }
                real_server 198.18.0.22 80 {
                    weight 1
                    TCP_CHECK {
                        connect_timeout 1
                        retry 1
                        delay_before_retry 0.2
                    }
                    MISC_CHECK {
                        misc_path "/usr/bin/test -e %s"
                        misc_timeout 2
                    }
                }
            }
            """;

    @Test
    void checkersFollowRealNginxServersAndStatusShowsWhy() throws Exception {
        try (Lab lab = Lab.create("h", "director1=198.18.0.11", "rs1=198.18.0.21", "rs2=198.18.0.22")) {
            lab.nginx("rs1");
            Process rs2 = lab.nginx("rs2");
            Path flag = lab.write("rs2-enabled", "");
            Path sock = lab.dir.resolve("d1.sock");
            Lab.run("ip", "-n", lab.ns("director1"), "addr", "add", "198.18.0.100/32", "dev", "e0");
            // systemd's Type=notify: the daemon says READY=1 on NOTIFY_SOCKET once it runs (socat stands in for
            // systemd)
            Path notify = lab.dir.resolve("notify.sock");
            Path notified = lab.dir.resolve("notified");
            Process systemd = new ProcessBuilder("socat", "-u", "UNIX-RECV:" + notify, "CREATE:" + notified).start();
            assertTrue(Lab.waitFor(5_000, () -> java.nio.file.Files.exists(notify)) >= 0, "socat listens");
            lab.director(
                    "director1",
                    java.util.Map.of("NOTIFY_SOCKET", notify.toString()),
                    "-C",
                    "-l",
                    "-f",
                    lab.write("d1.conf", CONF.formatted(flag)).toString(),
                    "--pid-file",
                    lab.dir.resolve("d1.pid").toString(),
                    "--control",
                    sock.toString(),
                    "--dump-dir",
                    lab.dir.toString());
            assertTrue(
                    Lab.waitFor(
                                    15_000,
                                    Lab.quietly(() -> java.nio.file.Files.readString(notified)
                                            .contains("READY=1")))
                            >= 0,
                    "READY=1 on NOTIFY_SOCKET\n" + lab.log("director1"));
            assertTrue(
                    java.nio.file.Files.readString(notified).contains("MAINPID="),
                    java.nio.file.Files.readString(notified));
            systemd.destroy();
            assertTrue(
                    Lab.waitFor(
                                    15_000,
                                    Lab.quietly(() -> status(sock).contains("198.18.0.22:80  UP")
                                            && status(sock)
                                                    .contains("HTTP_GET 198.18.0.21:80  up  failures 0  last ok")))
                            >= 0,
                    lab.log("director1"));
            String s = status(sock);
            assertTrue(s.contains("table: 198.18.0.21:80 weight 2, 198.18.0.22:80 weight 1"), s);
            assertTrue(
                    s.contains("dataplane: userspace DR") && s.contains("\nforwarder: ") && s.contains("ring drops 0"),
                    s);
            assertTrue(
                    Lab.waitFor(
                                    5_000,
                                    Lab.quietly(
                                            () -> run("ipvs", "-L", "-n", "--control", sock.toString())
                                                    .contains(
                                                            "TCP  198.18.0.100:80 rr\n  -> 198.18.0.21:80               Route   2      0          0         \n"
                                                                    + "  -> 198.18.0.22:80               Route   1      0          0         \n")))
                            >= 0,
                    run("ipvs", "-L", "-n", "--control", sock.toString()));

            java.nio.file.Files.delete(flag);
            assertTrue(
                    Lab.waitFor(5_000, Lab.quietly(() -> status(sock).contains("198.18.0.22:80  DOWN"))) >= 0,
                    lab.log("director1"));
            assertTrue(
                    lab.log("director1")
                            .contains("remove 198.18.0.22:80: MISC_CHECK /usr/bin/test -e " + flag + ": exit status 1"),
                    lab.log("director1"));
            lab.write("rs2-enabled", "");
            assertTrue(
                    Lab.waitFor(5_000, Lab.quietly(() -> status(sock).contains("198.18.0.22:80  UP"))) >= 0,
                    lab.log("director1"));

            rs2.destroy();
            assertTrue(
                    Lab.waitFor(5_000, Lab.quietly(() -> status(sock).contains("198.18.0.22:80  DOWN"))) >= 0,
                    lab.log("director1"));
            assertTrue(
                    status(sock)
                            .contains("TCP_CHECK 198.18.0.22:80  down  failures 2  last failed: connect: "
                                    + "Connection refused"),
                    status(sock));
            assertTrue(status(sock).contains("table: 198.18.0.21:80 weight 2\n"), status(sock));
            assertTrue(
                    Lab.waitFor(
                                    5_000,
                                    Lab.quietly(() -> !run("ipvs", "-L", "-n", "--control", sock.toString())
                                            .contains("198.18.0.22:80")))
                            >= 0,
                    lab.log("director1"));
            assertTrue(
                    lab.logShows("director1", "table: remove 198.18.0.22:80 from TCP  198.18.0.100:80 (TCP_CHECK "),
                    lab.log("director1"));
            lab.nginx("rs2");
            assertTrue(
                    Lab.waitFor(5_000, Lab.quietly(() -> status(sock).contains("198.18.0.22:80  UP"))) >= 0,
                    lab.log("director1"));
            String json = run("status", "--json", "--control", sock.toString());
            assertTrue(json.contains("\"healthChecks\""), json);
            assertTrue(json.contains("\"alive\" : true") || json.contains("\"alive\":true"), json);

            // keepalived's signals: SIGUSR1 dumps the data (and the JSON), SIGUSR2 the statistics
            String pid =
                    java.nio.file.Files.readString(lab.dir.resolve("d1.pid")).strip();
            Lab.run("kill", "-USR1", pid);
            Lab.run("kill", "-USR2", pid);
            Path data = lab.dir.resolve("hadirector.data");
            Path stats = lab.dir.resolve("hadirector.stats");
            assertTrue(
                    Lab.waitFor(
                                    5_000,
                                    () -> java.nio.file.Files.exists(data)
                                            && java.nio.file.Files.exists(stats)
                                            && java.nio.file.Files.exists(lab.dir.resolve("hadirector.json")))
                            >= 0,
                    lab.log("director1"));
            assertTrue(
                    java.nio.file.Files.readString(data).contains("TCP  198.18.0.100:80 rr"),
                    java.nio.file.Files.readString(data));
            assertTrue(
                    java.nio.file.Files.readString(stats)
                            .contains("hadirector_real_server_up{service=\"TCP 198.18.0.100:80\""),
                    java.nio.file.Files.readString(stats));

            // one daemon per namespace: a second one with the same pid file refuses to start
            Process second = lab.director(
                    "director1",
                    "-C",
                    "-l",
                    "-f",
                    lab.dir.resolve("d1.conf").toString(),
                    "--pid-file",
                    lab.dir.resolve("d1.pid").toString(),
                    "--control",
                    lab.dir.resolve("d2.sock").toString());
            assertTrue(second.waitFor(30, java.util.concurrent.TimeUnit.SECONDS));
            assertEquals(4, second.exitValue());
            assertTrue(
                    lab.log("director1")
                            .contains("another hadirector runs in this network namespace (it holds the "
                                    + "abstract socket @hadirector); pid file " + lab.dir.resolve("d1.pid")
                                    + " names pid " + pid),
                    lab.log("director1"));
        }
    }

    static String status(Path sock) {
        return run("status", "--control", sock.toString());
    }

    static String run(String... args) {
        java.io.ByteArrayOutputStream b = new java.io.ByteArrayOutputStream();
        int code = new MainAccess().run(new java.io.PrintStream(b, true), args);
        if (code != 0) {
            throw new IllegalStateException("exit " + code + ": " + b); // Lab.quietly retries on exceptions
        }
        return b.toString();
    }
}
