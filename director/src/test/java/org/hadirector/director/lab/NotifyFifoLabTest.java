package org.hadirector.director.lab;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The notify FIFOs as a keepalived FIFO reader sees them: each FIFO's script (a shell script that
 * appends what it reads to a file) records, in order, the VRRP lines across a failover, and the
 * RS / VS lines when a real nginx stops and starts again.
 */
class NotifyFifoLabTest {
    /** The reader: the FIFO's path comes last, as keepalived's add_script_param appends it. */
    private static Path reader(Lab lab, String name, Path out) throws Exception {
        return lab.write(name + ".sh", "#!/bin/sh\nexec cat \"$1\" >> " + out + "\n");
    }

    private static String read(Path p) {
        try {
            return Files.exists(p) ? Files.readString(p) : "";
        } catch (java.io.IOException e) {
            return "";
        }
    }

    /** The daemon in {@code host} with {@code mode} (-P / -C), its files named {@code name}.conf, .pid, .sock. */
    private static Process start(Lab lab, String host, String name, String mode, String conf) throws Exception {
        return lab.director(
                host,
                mode,
                "-l",
                "-f",
                lab.write(name + ".conf", conf).toString(),
                "--pid-file",
                lab.dir.resolve(name + ".pid").toString(),
                "--control",
                lab.dir.resolve(name + ".sock").toString());
    }

    private static String vrrpConf(String fifos, String state, int priority) {
        return """
                global_defs {
                %s
                }
                vrrp_instance VI_1 {
                    state %s
                    interface e0
                    virtual_router_id 51
                    priority %d
                    advert_int 1
                    virtual_ipaddress {
                        198.18.0.100/32
                    }
                }
                """.formatted(fifos, state, priority);
    }

    @Test
    void aFailoverIsRecordedInOrderByEachDirectorsFifoScript() throws Exception {
        try (Lab lab = Lab.create("f", "director1=198.18.0.11", "director2=198.18.0.12")) {
            Path out1 = lab.dir.resolve("d1.lines");
            Path out2 = lab.dir.resolve("d2.lines");
            Path fifo1 = lab.dir.resolve("d1.fifo");
            Path fifo2 = lab.dir.resolve("d2.fifo");
            Path lvs1 = lab.dir.resolve("d1-lvs.fifo");
            // director1: notify_fifo (both kinds of line), and an lvs_notify_fifo that -P never opens;
            // director2: vrrp_notify_fifo.
            String g1 = "    notify_fifo " + fifo1 + "\n    notify_fifo_script \"/bin/sh " + reader(lab, "r1", out1)
                    + "\"\n    lvs_notify_fifo " + lvs1;
            String g2 = "    vrrp_notify_fifo " + fifo2 + "\n    vrrp_notify_fifo_script \"/bin/sh "
                    + reader(lab, "r2", out2) + "\"";
            Process d1 = start(lab, "director1", "d1", "-P", vrrpConf(g1, "MASTER", 150));
            start(lab, "director2", "d2", "-P", vrrpConf(g2, "BACKUP", 100));
            assertTrue(
                    Lab.waitFor(15_000, () -> read(out1).contains("INSTANCE \"VI_1\" MASTER 150\n")) >= 0,
                    read(out1) + "\n" + lab.log("director1"));
            assertTrue(
                    Lab.waitFor(5_000, () -> read(out2).contains("INSTANCE \"VI_1\" BACKUP 100\n")) >= 0,
                    read(out2) + "\n" + lab.log("director2"));
            assertTrue(Files.exists(fifo1) && Files.exists(fifo2));
            assertFalse(Files.exists(lvs1), "-P opens no lvs_notify_fifo");

            long pid =
                    Long.parseLong(Files.readString(lab.dir.resolve("d1.pid")).strip());
            Lab.run("kill", "-TERM", Long.toString(pid));
            assertTrue(d1.waitFor(15, TimeUnit.SECONDS), lab.log("director1"));
            assertTrue(
                    Lab.waitFor(5_000, () -> read(out2).endsWith("INSTANCE \"VI_1\" MASTER 100\n")) >= 0,
                    read(out2) + "\n" + lab.log("director2"));

            // director1: BACKUP at start, MASTER, STOP at shutdown, in that order and nothing else
            // (its script reads the last line after the daemon is gone: the pipe keeps it).
            Lab.waitFor(5_000, () -> read(out1).contains("STOP"));
            assertEquals(
                    "INSTANCE \"VI_1\" BACKUP 150\nINSTANCE \"VI_1\" MASTER 150\nINSTANCE \"VI_1\" STOP 150\n",
                    read(out1),
                    lab.log("director1"));
            assertFalse(Files.exists(fifo1), "the FIFO the daemon made is removed at stop");
            // director2: BACKUP first, MASTER last (if its timer ran out before director1's adverts
            // came, it was master for a moment and stepped down: MASTER, BACKUP in between).
            List<String> lines = read(out2).lines().toList();
            assertEquals("INSTANCE \"VI_1\" BACKUP 100", lines.get(0), read(out2));
            assertEquals("INSTANCE \"VI_1\" MASTER 100", lines.get(lines.size() - 1), read(out2));
            assertTrue(lines.size() == 2 || lines.size() == 4, read(out2));
        }
    }

    @Test
    void realServerAndQuorumLinesFollowARealNginx() throws Exception {
        try (Lab lab = Lab.create("n", "director1=198.18.0.11", "rs1=198.18.0.21", "rs2=198.18.0.22")) {
            lab.nginx("rs1");
            Process rs2 = lab.nginx("rs2");
            Lab.run("ip", "-n", lab.ns("director1"), "addr", "add", "198.18.0.100/32", "dev", "e0");
            Path out = lab.dir.resolve("lvs.lines");
            Path fifo = lab.dir.resolve("lvs.fifo");
            String conf = """
                    global_defs {
                        lvs_notify_fifo %s
                        lvs_notify_fifo_script "/bin/sh %s"
                        vrrp_notify_fifo %s
                    }
                    virtual_server 198.18.0.100 80 {
                        delay_loop 0.5
                        lvs_sched rr
                        lvs_method DR
                        protocol TCP
                        quorum 2
                        real_server 198.18.0.21 80 {
                            notify_down "/bin/sh %s"
                            TCP_CHECK {
                                connect_timeout 1
                                retry 0
                            }
                        }
                        real_server 198.18.0.22 80 {
                            TCP_CHECK {
                                connect_timeout 1
                                retry 0
                            }
                        }
                    }
                    """.formatted(
                            fifo,
                            reader(lab, "r", out),
                            lab.dir.resolve("vrrp.fifo"),
                            lab.write("down.sh", "#!/bin/sh\necho rs21-down >> " + lab.dir.resolve("scripts") + "\n"));
            Path sock = lab.dir.resolve("d1.sock");
            start(lab, "director1", "d1", "-C", conf);
            assertTrue(
                    Lab.waitFor(
                                    15_000,
                                    Lab.quietly(() ->
                                            HealthCheckDaemonTest.status(sock).contains("198.18.0.22:80  UP")))
                            >= 0,
                    lab.log("director1"));
            assertFalse(Files.exists(lab.dir.resolve("vrrp.fifo")), "-C opens no vrrp_notify_fifo");
            String down = "RS [198.18.0.22]:tcp:80 [198.18.0.100]:tcp:80 DOWN\nVS [198.18.0.100]:tcp:80 DOWN\n";
            String up = "RS [198.18.0.22]:tcp:80 [198.18.0.100]:tcp:80 UP\nVS [198.18.0.100]:tcp:80 UP\n";
            rs2.destroy();
            assertTrue(
                    Lab.waitFor(10_000, () -> read(out).endsWith(down)) >= 0, read(out) + "\n" + lab.log("director1"));
            lab.nginx("rs2");
            assertTrue(
                    Lab.waitFor(10_000, () -> read(out).endsWith(down + up)) >= 0,
                    read(out) + "\n" + lab.log("director1"));
            assertEquals(down + up, read(out), "nothing before: both servers were up from the start");

            // A reload that removes 198.18.0.21 while it is up: keepalived's clear_service_rs runs its
            // notify_down and writes its DOWN line (do_rs_notifies).
            lab.write("d1.conf", conf.replaceFirst("(?s)    real_server 198\\.18\\.0\\.21 80 \\{.*?\\n    \\}\\n", ""));
            long pid =
                    Long.parseLong(Files.readString(lab.dir.resolve("d1.pid")).strip());
            Lab.run("kill", "-HUP", Long.toString(pid));
            String removed = "RS [198.18.0.21]:tcp:80 [198.18.0.100]:tcp:80 DOWN\n";
            assertTrue(
                    Lab.waitFor(10_000, () -> read(out).startsWith(down + up + removed)) >= 0,
                    read(out) + "\n" + lab.log("director1"));
            assertTrue(
                    Lab.waitFor(5_000, () -> read(lab.dir.resolve("scripts")).equals("rs21-down\n")) >= 0,
                    "notify_down ran once: " + read(lab.dir.resolve("scripts")));
        }
    }

    @Test
    void aMasterWritesLowerPriorityAdvertsAndItsPriorityChanges() throws Exception {
        try (Lab lab = Lab.create("p", "director1=198.18.0.11", "director2=198.18.0.12")) {
            Path out = lab.dir.resolve("d1.lines");
            Path maint = lab.dir.resolve("maint");
            String d1 = """
                    global_defs {
                        vrrp_notify_fifo %s
                        vrrp_notify_fifo_script "/bin/sh %s"
                    }
                    track_file maint {
                        file %s
                        weight -10
                        init_file 0
                    }
                    vrrp_instance VI_1 {
                        state MASTER
                        interface e0
                        virtual_router_id 51
                        priority 150
                        version 3
                        advert_int 0.1
                        notify_priority_changes
                        track_file {
                            maint
                        }
                        virtual_ipaddress {
                            198.18.0.100/32
                        }
                    }
                    """.formatted(lab.dir.resolve("d1.fifo"), reader(lab, "r1", out), maint);
            String d2 = """
                    vrrp_instance VI_1 {
                        state BACKUP
                        interface e0
                        virtual_router_id 51
                        priority 100
                        version 3
                        advert_int 0.1
                        higher_prio_send_advert
                        virtual_ipaddress {
                            198.18.0.100/32
                        }
                    }
                    """;
            start(lab, "director1", "d1", "-P", d1);
            assertTrue(
                    Lab.waitFor(15_000, () -> read(out).contains("INSTANCE \"VI_1\" MASTER 150\n")) >= 0,
                    read(out) + "\n" + lab.log("director1"));
            // track_file 1 x weight -10: the master's priority drops to 140, and is written so.
            lab.write("maint", "1\n");
            assertTrue(
                    Lab.waitFor(5_000, () -> read(out).contains("INSTANCE \"VI_1\" MASTER_PRIORITY 140\n")) >= 0,
                    read(out) + "\n" + lab.log("director1"));
            // director2 starts cut off from VRRP (nftables in its namespace): it becomes master too;
            // healed, director1 hears priority 100 (higher_prio_send_advert: director2 advertises as
            // it steps down, even if it heard director1 first) and writes MASTER_RX_LOWER_PRI.
            String ns2 = lab.ns("director2");
            Lab.run(
                    "ip",
                    "netns",
                    "exec",
                    ns2,
                    "nft",
                    "add table inet cut; "
                            + "add chain inet cut in { type filter hook input priority 0; }; "
                            + "add chain inet cut out { type filter hook output priority 0; }; "
                            + "add rule inet cut in ip protocol 112 drop; add rule inet cut out ip protocol 112 drop");
            start(lab, "director2", "d2", "-P", d2);
            assertTrue(
                    Lab.waitFor(15_000, Lab.quietly(() -> lab.hasAddress("director2", "198.18.0.100"))) >= 0,
                    lab.log("director2"));
            Lab.run("ip", "netns", "exec", ns2, "nft", "delete table inet cut");
            assertTrue(
                    Lab.waitFor(5_000, () -> read(out).contains("INSTANCE \"VI_1\" MASTER_RX_LOWER_PRI 140\n")) >= 0,
                    read(out) + "\n" + lab.log("director1"));
            assertTrue(
                    read(out)
                            .startsWith("INSTANCE \"VI_1\" BACKUP 150\nINSTANCE \"VI_1\" MASTER 150\n"
                                    + "INSTANCE \"VI_1\" MASTER_PRIORITY 140\n"),
                    read(out));
        }
    }

    private static String instance(String name, int vrid, String vip, String extra) {
        return """
                vrrp_instance %s {
                    state BACKUP
                    interface e0
                    virtual_router_id %d
                    priority 100
                    advert_int 1
                    virtual_ipaddress {
                        %s/32
                    }
                %s
                }
                """.formatted(name, vrid, vip, extra);
    }

    /**
     * A sync group's lines in keepalived's order (the group's BACKUP before its members' at start,
     * the members a change moves before the group's MASTER, the group's STOP after its members',
     * with its notify_stop and notify run), and the instances a reload removes: FAULT, DELETED
     * with notify_deleted, as keepalived's clear_diff_vrrp.
     */
    @Test
    void aSyncGroupAndTheInstancesAReloadRemovesAreWrittenAsKeepalivedWritesThem() throws Exception {
        try (Lab lab = Lab.create("g", "director1=198.18.0.11")) {
            Path out = lab.dir.resolve("lines");
            Path scripts = lab.dir.resolve("scripts");
            Path fifo = lab.dir.resolve("n.fifo");
            Path groupNotify = lab.write("gnotify.sh", "#!/bin/sh\necho \"$*\" >> " + scripts + "\n");
            Path groupStop = lab.write("gstop.sh", "#!/bin/sh\necho group-stop >> " + scripts + "\n");
            String head = "global_defs {\n    notify_fifo " + fifo + "\n    notify_fifo_script \"/bin/sh "
                    + reader(lab, "r", out) + "\"\n}\n"
                    + "vrrp_sync_group G {\n    group {\n        VI_1\n        VI_2\n    }\n    notify \"/bin/sh "
                    + groupNotify + "\"\n    notify_stop \"/bin/sh " + groupStop + "\"\n}\n"
                    + instance("VI_1", 51, "198.18.0.100", "")
                    + instance("VI_2", 52, "198.18.0.101", "");
            String all = head
                    + instance("VI_3", 53, "198.18.0.102", "    notify_deleted")
                    + instance("VI_4", 54, "198.18.0.103", "");
            Process d = start(lab, "director1", "d1", "-P", all);
            assertTrue(
                    Lab.waitFor(
                                    20_000,
                                    () -> read(out).contains("GROUP \"G\" MASTER 0\n")
                                            && read(out).contains("INSTANCE \"VI_3\" MASTER 100\n")
                                            && read(out).contains("INSTANCE \"VI_4\" MASTER 100\n"))
                            >= 0,
                    read(out) + "\n" + lab.log("director1"));

            lab.write("d1.conf", head);
            long pid =
                    Long.parseLong(Files.readString(lab.dir.resolve("d1.pid")).strip());
            Lab.run("kill", "-HUP", Long.toString(pid));
            assertTrue(
                    Lab.waitFor(
                                    10_000,
                                    () -> read(out).contains("INSTANCE \"VI_3\" DELETED 100\n")
                                            && read(out).contains("INSTANCE \"VI_4\" FAULT 100\n"))
                            >= 0,
                    read(out) + "\n" + lab.log("director1"));
            assertFalse(read(out).contains("\"VI_3\" STOP") || read(out).contains("\"VI_4\" STOP"), read(out));

            Lab.run("kill", "-TERM", Long.toString(pid));
            assertTrue(d.waitFor(15, TimeUnit.SECONDS), lab.log("director1"));
            Lab.waitFor(5_000, () -> read(out).contains("GROUP \"G\" STOP 0\n"));
            List<String> g = read(out)
                    .lines()
                    .filter(l -> l.contains("\"G\"") || l.contains("\"VI_1\"") || l.contains("\"VI_2\""))
                    .toList();
            assertEquals(9, g.size(), read(out));
            assertEquals("GROUP \"G\" BACKUP 0", g.get(0), "vrrp_init_state: the group first\n" + read(out));
            assertEquals(
                    List.of("INSTANCE \"VI_1\" BACKUP 100", "INSTANCE \"VI_2\" BACKUP 100"),
                    g.subList(1, 3).stream().sorted().toList(),
                    read(out));
            assertEquals(
                    List.of("INSTANCE \"VI_1\" MASTER 100", "INSTANCE \"VI_2\" MASTER 100"),
                    g.subList(3, 5).stream().sorted().toList(),
                    read(out));
            assertEquals("GROUP \"G\" MASTER 0", g.get(5), "vrrp_sync_master: the group after its members");
            assertEquals(
                    List.of("INSTANCE \"VI_1\" STOP 100", "INSTANCE \"VI_2\" STOP 100"),
                    g.subList(6, 8).stream().sorted().toList(),
                    read(out));
            assertEquals("GROUP \"G\" STOP 0", g.get(8), "notify_shutdown: groups after instances");
            assertTrue(
                    Lab.waitFor(
                                    5_000,
                                    () -> read(scripts).contains("GROUP G STOP 0\n")
                                            && read(scripts).contains("group-stop\n"))
                            >= 0,
                    "the group's notify and notify_stop run at shutdown: " + read(scripts));
        }
    }
}
