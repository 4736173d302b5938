package org.hadirector.director.lab;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Debian's keepalived as the peer, both ways round, with VRRPv2 + PASS and with VRRPv3: the
 * higher priority wins whichever daemon it is, the other stays backup, and a SIGTERM of the
 * master hands the VIP over.
 */
class KeepalivedInteropTest {
    static final String VIP = "198.18.0.100";
    static final Path KEEPALIVED = Path.of("/usr/sbin/keepalived");

    static String conf(String state, int priority, int version, String auth) {
        return """
                global_defs {
                    router_id %s
                }
                vrrp_instance VI_1 {
                    state %s
                    interface e0
                    virtual_router_id 61
                    priority %d
                    version %d
                    advert_int 1
                %s
                    virtual_ipaddress {
                        198.18.0.100/32
                    }
                }
                """.formatted(state.toLowerCase(), state, priority, version, auth);
    }

    @ParameterizedTest(name = "hadirector {0}, keepalived {1}, VRRPv{2}")
    @CsvSource({"MASTER, BACKUP, 2", "BACKUP, MASTER, 2", "MASTER, BACKUP, 3", "BACKUP, MASTER, 3"})
    void interoperatesWithKeepalived(String ours, String theirs, int version) throws Exception {
        Lab.requireRoot();
        if (!Files.isExecutable(KEEPALIVED)) {
            if (System.getenv("CI") != null) {
                throw new AssertionError("keepalived is missing: .ci/run must install Debian's keepalived");
            }
            Assumptions.abort("keepalived not installed");
        }
        String auth =
                version == 2 ? "    authentication {\n        auth_type PASS\n        auth_pass hadirect\n    }" : "";
        try (Lab lab = Lab.create(
                "k" + version + ours.charAt(0),
                "client=198.18.0.10",
                "director1=198.18.0.11",
                "director2=198.18.0.12")) {
            int ourPrio = ours.equals("MASTER") ? 150 : 100;
            int theirPrio = ours.equals("MASTER") ? 100 : 150;
            lab.director(
                    "director1",
                    "-P",
                    "-l",
                    "-f",
                    lab.write("d1.conf", conf(ours, ourPrio, version, auth)).toString(),
                    "--pid-file",
                    lab.dir.resolve("d1.pid").toString(),
                    "--control",
                    lab.dir.resolve("d1.sock").toString());
            Path kconf = lab.write("keepalived.conf", conf(theirs, theirPrio, version, auth));
            List<String> cmd = new ArrayList<>(List.of(
                    "ip",
                    "netns",
                    "exec",
                    lab.ns("director2"),
                    KEEPALIVED.toString(),
                    "-n",
                    "-l",
                    "-P",
                    "--no-syslog",
                    "-f",
                    kconf.toString(),
                    "-p",
                    lab.dir.resolve("ka.pid").toString(),
                    "-r",
                    lab.dir.resolve("ka-vrrp.pid").toString()));
            Process keepalived = new ProcessBuilder(cmd)
                    .redirectErrorStream(true)
                    .redirectOutput(lab.dir.resolve("director2.log").toFile())
                    .start();
            try {
                String master = ours.equals("MASTER") ? "director1" : "director2";
                String backup = ours.equals("MASTER") ? "director2" : "director1";
                assertTrue(
                        Lab.waitFor(20_000, Lab.quietly(() -> lab.hasAddress(master, VIP))) >= 0,
                        master + " never took the VIP\n" + lab.log("director1") + "\n" + lab.log("director2"));
                Thread.sleep(3000);
                assertTrue(lab.hasAddress(master, VIP));
                assertFalse(
                        lab.hasAddress(backup, VIP),
                        "both masters (split brain)\n" + lab.log("director1") + "\n" + lab.log("director2"));
                // Stop the master gracefully; the other daemon takes over after Skew_Time.
                if (master.equals("director1")) {
                    Lab.run(
                            "kill",
                            "-TERM",
                            Files.readString(lab.dir.resolve("d1.pid")).strip());
                } else {
                    keepalived.destroy();
                }
                long ms = Lab.waitFor(5_000, Lab.quietly(() -> lab.hasAddress(backup, VIP)));
                assertTrue(
                        ms >= 0 && ms <= 609 + 1500,
                        backup + " took over in " + ms + " ms\n" + lab.log("director1") + "\n" + lab.log("director2"));
            } finally {
                keepalived.destroy();
                keepalived.waitFor();
            }
        }
    }
}
