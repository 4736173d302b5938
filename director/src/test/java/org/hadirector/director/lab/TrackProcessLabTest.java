package org.hadirector.director.lab;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * track_process guarding VIPs in front of a real nginx (master and workers, as it runs in
 * production): stopped, the backup takes the VIPs over (VI_1 by a priority drop, weight -60;
 * VI_2 by FAULT, weight 0); started, they come back. The kernel's process events cover the whole
 * host, so the tracked process is this test's nginx only: /usr/sbin/nginx started through a
 * symbolic link of the test's own name, which becomes the kernel's comm of the master and its
 * workers, tracked by that name as operators track nginx ({@code process nginx}). Not by its
 * command line: nginx rewrites it ("nginx: master process ...") right after it starts, so a
 * command-line match holds only when the exec event is read first (docs/keepalived-compat.md);
 * under load it was not, and the test failed on the race, not on the director. The directors run inside network
 * namespaces, where the kernel sends no process events: they open their socket in this JVM's
 * namespace (HADIRECTOR_PROC_EVENTS_NETNS), as a daemon inside one would in /proc/1/ns/net.
 */
class TrackProcessLabTest {
    static final String VIP1 = "198.18.0.100";
    static final String VIP2 = "198.18.0.101";

    static String conf(String state, int priority, String trackBlock, String track) {
        return """
                %s
                vrrp_instance VI_1 {
                    state %s
                    interface e0
                    virtual_router_id 51
                    priority %d
                    version 3
                    advert_int 0.1
                    %s
                    virtual_ipaddress {
                        198.18.0.100/32
                    }
                }
                vrrp_instance VI_2 {
                    state %s
                    interface e0
                    virtual_router_id 52
                    priority %d
                    version 3
                    advert_int 0.1
                    %s
                    virtual_ipaddress {
                        198.18.0.101/32
                    }
                }
                """.formatted(
                        trackBlock,
                        state,
                        priority,
                        track.isEmpty() ? "" : "track_process {\n        " + track + " weight -60\n    }",
                        state,
                        priority,
                        track.isEmpty() ? "" : "track_process {\n        " + track + " weight 0\n    }");
    }

    /** nginx with a master and two workers, in the foreground, on director1's address. */
    private static Process nginx(Lab lab, Path binary, Path conf, Path dir) throws IOException {
        return new ProcessBuilder(
                        "ip",
                        "netns",
                        "exec",
                        lab.ns("director1"),
                        binary.toString(),
                        "-c",
                        conf.toString(),
                        "-p",
                        dir.toString())
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(
                        dir.resolve("stdout.log").toFile()))
                .start();
    }

    private static void stop(Process nginx) throws InterruptedException {
        nginx.destroy(); // SIGTERM: nginx's fast shutdown, master and workers
        if (!nginx.waitFor(10, TimeUnit.SECONDS)) {
            nginx.destroyForcibly();
        }
    }

    @ParameterizedTest(name = "backup: {0}")
    @ValueSource(strings = {"hadirector", "keepalived"})
    void stoppingNginxHandsTheVipsToTheBackupAndStartingItTakesThemBack(String peer) throws Exception {
        try (Lab lab = Lab.create("tp" + peer.charAt(0), "director1=198.18.0.11", "director2=198.18.0.12")) {
            Path www = lab.dir.resolve("nginx");
            Files.createDirectories(www.resolve("html"));
            Files.writeString(www.resolve("html/health"), "ok\n");
            Path nginxConf = lab.write("nginx-tp.conf", """
                    daemon off;
                    master_process on;
                    user root;
                    worker_processes 2;
                    pid %1$s/nginx.pid;
                    error_log %1$s/error.log;
                    events { worker_connections 64; }
                    http {
                        access_log off;
                        client_body_temp_path %1$s;
                        proxy_temp_path %1$s;
                        fastcgi_temp_path %1$s;
                        uwsgi_temp_path %1$s;
                        scgi_temp_path %1$s;
                        server { listen 198.18.0.11:80; root %1$s/html; }
                    }
                    """.formatted(www));
            // the kernel's comm is the name exec'd, at most 15 bytes; unique to this run
            String name = "ngx-tp-%04x".formatted(ProcessHandle.current().pid() & 0xffff);
            Path binary = Files.createSymbolicLink(lab.dir.resolve(name), Path.of("/usr/sbin/nginx"));
            String track = """
                    vrrp_track_process nginx_test {
                        process %s
                    }
                    """.formatted(name);
            Map<String, String> env = Map.of(
                    "HADIRECTOR_PROC_EVENTS_NETNS",
                    "/proc/" + ProcessHandle.current().pid() + "/ns/net");
            lab.vrrpDaemon(
                    "hadirector", "director1", lab.write("d1.conf", conf("MASTER", 150, track, "nginx_test")), env);
            // the backup: hadirector, or Debian's keepalived 2.2.7
            lab.vrrpDaemon(peer, "director2", lab.write("d2.conf", conf("BACKUP", 100, "", "")));
            drill(lab, binary, nginxConf, www);
        }
    }

    /** nginx down at start (director2 holds both VIPs), started, stopped, started again. */
    private static void drill(Lab lab, Path binary, Path nginxConf, Path www) throws Exception {
        // nginx not running: VI_1 at 150 - 60 = 90 < 100, VI_2 in FAULT; director2 holds both.
        assertTrue(
                Lab.waitFor(
                                15_000,
                                Lab.quietly(() -> lab.log("director1").contains("VI_2: INIT -> FAULT")
                                        && lab.log("director1").contains("VI_1: INIT -> BACKUP")))
                        >= 0,
                "director1 started, nginx not running\n" + lab.log("director1"));
        assertTrue(lab.logShows("director1", "track_process nginx_test is down (0 matching)"), lab.log("director1"));
        assertTrue(
                Lab.waitFor(
                                15_000,
                                Lab.quietly(
                                        () -> lab.hasAddress("director2", VIP1) && lab.hasAddress("director2", VIP2)))
                        >= 0,
                lab.log("director1") + "\n" + lab.log("director2"));
        Thread.sleep(500); // director1 at 90 stays backup: it must not take VI_1
        assertFalse(lab.hasAddress("director1", VIP1), lab.log("director1"));

        Process nginx = nginx(lab, binary, nginxConf, www);
        try {
            long up = Lab.waitFor(
                    10_000, Lab.quietly(() -> lab.hasAddress("director1", VIP1) && lab.hasAddress("director1", VIP2)));
            assertTrue(up >= 0, "nginx started: director1 takes both back\n" + lab.log("director1"));
            assertTrue(
                    Lab.waitFor(
                                    3_000,
                                    Lab.quietly(() ->
                                            !lab.hasAddress("director2", VIP1) && !lab.hasAddress("director2", VIP2)))
                            >= 0,
                    lab.log("director2"));
            assertTrue(lab.logShows("director1", "quorum gained"), lab.log("director1"));
            String health = Lab.run(
                    "ip",
                    "netns",
                    "exec",
                    lab.ns("director2"),
                    "curl",
                    "-sf",
                    "--max-time",
                    "2",
                    "http://198.18.0.11/health");
            assertTrue(health.equals("ok\n"), "the tracked nginx serves: " + health);
        } finally {
            stop(nginx);
        }
        // stopped: director2 takes both over (VI_1 by priority, VI_2 by FAULT)
        assertTrue(
                Lab.waitFor(
                                10_000,
                                Lab.quietly(
                                        () -> lab.hasAddress("director2", VIP1) && lab.hasAddress("director2", VIP2)))
                        >= 0,
                lab.log("director1") + "\n" + lab.log("director2"));
        assertTrue(
                Lab.waitFor(
                                3_000,
                                Lab.quietly(
                                        () -> !lab.hasAddress("director1", VIP1) && !lab.hasAddress("director1", VIP2)))
                        >= 0,
                lab.log("director1"));
        assertTrue(lab.logShows("director1", "quorum lost"), lab.log("director1"));
        assertTrue(lab.logShows("director1", "FAULT"), lab.log("director1"));

        Process again = nginx(lab, binary, nginxConf, www);
        try {
            assertTrue(
                    Lab.waitFor(
                                    10_000,
                                    Lab.quietly(() ->
                                            lab.hasAddress("director1", VIP1) && lab.hasAddress("director1", VIP2)))
                            >= 0,
                    "started again: back to director1\n" + lab.log("director1"));
        } finally {
            stop(again);
        }
    }
}
