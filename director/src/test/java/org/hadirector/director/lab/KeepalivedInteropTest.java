package org.hadirector.director.lab;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Debian's keepalived as the peer, both ways round, with VRRPv2 + PASS and with VRRPv3: the
 * higher priority wins whichever daemon it is, the other stays backup, and a SIGTERM of the
 * master hands the VIP over.
 */
class KeepalivedInteropTest {
    static final String VIP = "198.18.0.100";

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
        String auth =
                version == 2 ? "    authentication {\n        auth_type PASS\n        auth_pass hadirect\n    }" : "";
        try (Lab lab = Lab.create(
                "k" + version + ours.charAt(0),
                "client=198.18.0.10",
                "director1=198.18.0.11",
                "director2=198.18.0.12")) {
            int ourPrio = ours.equals("MASTER") ? 150 : 100;
            int theirPrio = ours.equals("MASTER") ? 100 : 150;
            VrrpDaemon hd =
                    lab.vrrpDaemon("hadirector", "director1", lab.write("d1.conf", conf(ours, ourPrio, version, auth)));
            VrrpDaemon ka = lab.vrrpDaemon(
                    "keepalived", "director2", lab.write("keepalived.conf", conf(theirs, theirPrio, version, auth)));
            VrrpDaemon master = ours.equals("MASTER") ? hd : ka;
            VrrpDaemon backup = ours.equals("MASTER") ? ka : hd;
            master.awaitAddress(VIP, 20_000);
            Thread.sleep(3000);
            assertTrue(lab.hasAddress(master.host(), VIP));
            assertFalse(
                    lab.hasAddress(backup.host(), VIP), "both masters (split brain)\n" + hd.log() + "\n" + ka.log());
            // Stop the master gracefully; the other daemon takes over after Skew_Time.
            master.terminate();
            long ms = Lab.waitFor(5_000, Lab.quietly(() -> lab.hasAddress(backup.host(), VIP)));
            assertTrue(
                    ms >= 0 && ms <= 609 + 1500,
                    backup.who() + " took over in " + ms + " ms\n" + hd.log() + "\n" + ka.log());
        }
    }
}
