package org.hadirector.director.lab;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * A reload that fails changes nothing, on real daemons: director1 is master of VI_1 (advert_int
 * 0.1 s, so a hand-over would show within the pauses here), director2 backup. Files naming a
 * missing interface (the instance's, a tracked one, a VIP's dev) or an interface the instance
 * cannot send from are rejected while the master keeps the VIP with no transition on either side;
 * the good file after them is a no-op, and a real change after them still applies.
 */
class ReloadLabTest {
    static final String VIP = "198.18.0.100";

    static String conf(String state, int priority, String iface, String instanceExtra, String vipExtra) {
        return """
                vrrp_instance VI_1 {
                    state %s
                    interface %s
                    virtual_router_id 51
                    priority %d
                    version 3
                    advert_int 0.1
                    %s
                    virtual_ipaddress {
                        198.18.0.100/32 %s
                    }
                }
                """.formatted(state, iface, priority, instanceExtra, vipExtra);
    }

    @Test
    void aReloadThatCannotApplyChangesNothingAndTheGoodFileAfterIsANoOp() throws Exception {
        try (Lab lab = Lab.create("r", "director1=198.18.0.11", "director2=198.18.0.12")) {
            // e1 exists on director1 but has no IPv4 address: VRRP cannot send from it.
            Lab.run("ip", "-n", lab.ns("director1"), "link", "add", "e1", "type", "veth", "peer", "name", "e1p");
            Lab.run("ip", "-n", lab.ns("director1"), "link", "set", "e1", "up");
            Lab.run("ip", "-n", lab.ns("director1"), "link", "set", "e1p", "up");
            String good = conf("MASTER", 150, "e0", "", "");
            Path d1 = lab.write("d1.conf", good);
            lab.director(
                    "director1",
                    "-P",
                    "-l",
                    "-f",
                    d1.toString(),
                    "--pid-file",
                    lab.dir.resolve("d1.pid").toString(),
                    "--control",
                    lab.dir.resolve("d1.sock").toString());
            lab.director(
                    "director2",
                    "-P",
                    "-l",
                    "-f",
                    lab.write("d2.conf", conf("BACKUP", 100, "e0", "", "")).toString(),
                    "--pid-file",
                    lab.dir.resolve("d2.pid").toString(),
                    "--control",
                    lab.dir.resolve("d2.sock").toString());
            // Generous: on this shared machine two JVMs can take many seconds to start; start-up is not what is tested.
            assertTrue(
                    Lab.waitFor(60_000, Lab.quietly(() -> lab.hasAddress("director1", VIP))) >= 0,
                    "director1 never became master:\n" + lab.log("director1") + "\ndirector2:\n"
                            + lab.log("director2"));
            assertTrue(
                    Lab.waitFor(30_000, Lab.quietly(() -> status(lab, "d2.sock").startsWith("VI_1  BACKUP"))) >= 0,
                    lab.log("director2"));
            Thread.sleep(500);
            long t1 = transitions(lab, "d1.sock");
            long t2 = transitions(lab, "d2.sock");

            String[][] bad = {
                {conf("MASTER", 150, "e9", "", ""), "vrrp_instance VI_1: interface e9 does not exist"},
                {
                    conf("MASTER", 150, "e0", "track_interface {\n        e9\n    }", ""),
                    "vrrp_instance VI_1: tracked interface e9 does not exist"
                },
                {conf("MASTER", 150, "e0", "", "dev e9"), "interface e9 does not exist"},
                // Passes the pre-flight; the new runtime, opened beside the running one, fails.
                {
                    conf("MASTER", 150, "e1", "", ""),
                    "vrrp_instance VI_1: cannot open: VI_1: interface e1 has no IPv4 address"
                },
                {good + "vrrp_instance VI_2 {\n", "unbalanced braces"},
            };
            for (String[] b : bad) {
                Files.writeString(d1, b[0]);
                String line = hup(lab, "director1", "d1.pid");
                assertTrue(
                        line.contains("reload rejected, the running configuration stays") && line.contains(b[1]),
                        "want a rejection naming \"" + b[1] + "\", got: " + line);
                Thread.sleep(500);
                assertTrue(lab.hasAddress("director1", VIP), "the master keeps its VIP\n" + lab.log("director1"));
                assertFalse(lab.hasAddress("director2", VIP), lab.log("director2"));
                assertEquals(t1, transitions(lab, "d1.sock"), "no transition on director1\n" + lab.log("director1"));
                assertEquals(t2, transitions(lab, "d2.sock"), "no transition on director2\n" + lab.log("director2"));
                assertTrue(status(lab, "d1.sock").startsWith("VI_1  MASTER"), status(lab, "d1.sock"));
            }

            Files.writeString(d1, good);
            String line = hup(lab, "director1", "d1.pid");
            assertTrue(line.contains("reload done: vrrp_instances unchanged"), line);
            Thread.sleep(500);
            assertEquals(t1, transitions(lab, "d1.sock"), lab.log("director1"));
            assertEquals(t2, transitions(lab, "d2.sock"), lab.log("director2"));
            assertTrue(lab.hasAddress("director1", VIP));

            // A real change still applies: the new runtime is opened while the old one holds the VIP,
            // the old one hands over (priority 0), the new one takes it back (priority 160 preempts).
            Files.writeString(d1, conf("MASTER", 160, "e0", "", ""));
            line = hup(lab, "director1", "d1.pid");
            assertTrue(line.contains("reload done: vrrp_instances VI_1 restarted"), line);
            assertTrue(
                    Lab.waitFor(
                                    10_000,
                                    Lab.quietly(() -> status(lab, "d1.sock").startsWith("VI_1  MASTER  priority 160")
                                            && lab.hasAddress("director1", VIP)
                                            && !lab.hasAddress("director2", VIP)))
                            >= 0,
                    lab.log("director1") + "\n" + lab.log("director2"));
        }
    }

    /** Sends SIGHUP and returns the log line that ends the reload (30 s at most). */
    static String hup(Lab lab, String host, String pidFile) throws Exception {
        long before = ends(lab.log(host)).count();
        Lab.run("kill", "-HUP", Files.readString(lab.dir.resolve(pidFile)).strip());
        assertTrue(
                Lab.waitFor(30_000, Lab.quietly(() -> ends(lab.log(host)).count() > before)) >= 0,
                "no end of reload in the log:\n" + lab.log(host));
        return ends(lab.log(host)).skip(before).findFirst().orElseThrow();
    }

    private static java.util.stream.Stream<String> ends(String log) {
        return log.lines()
                .filter(l -> l.contains("reload done")
                        || l.contains("reload rejected")
                        || l.contains("reload incomplete")
                        || l.contains("reload failed"));
    }

    static String status(Lab lab, String sock) throws Exception {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        java.io.PrintStream ps = new java.io.PrintStream(out, true, java.nio.charset.StandardCharsets.UTF_8);
        new org.hadirector.director.MainAccess()
                .run(ps, "status", "--control", lab.dir.resolve(sock).toString());
        return out.toString(java.nio.charset.StandardCharsets.UTF_8);
    }

    static long transitions(Lab lab, String sock) throws Exception {
        String s = status(lab, sock);
        Matcher m = Pattern.compile("transitions (\\d+)").matcher(s);
        assertTrue(m.find(), s);
        return Long.parseLong(m.group(1));
    }
}
