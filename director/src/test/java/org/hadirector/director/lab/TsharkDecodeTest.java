package org.hadirector.director.lab;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Wireshark's VRRP dissector reads our adverts as valid: right fields, good checksum, nothing malformed. */
class TsharkDecodeTest {

    @ParameterizedTest(name = "VRRPv{0}")
    @ValueSource(ints = {2, 3})
    void tsharkDecodesOurAdverts(int version) throws Exception {
        Lab.requireRoot();
        if (!Files.isExecutable(Path.of("/usr/bin/tshark"))) {
            if (System.getenv("CI") != null) {
                throw new AssertionError("tshark is missing: .ci/run must install it");
            }
            Assumptions.abort("tshark not installed");
        }
        String auth = version == 2 ? "authentication {\n auth_type PASS\n auth_pass hadirect\n }" : "";
        try (Lab lab = Lab.create("w" + version, "client=198.18.0.10", "director1=198.18.0.11")) {
            lab.director(
                    "director1",
                    "-P",
                    "-l",
                    "-f",
                    lab.write("d1.conf", """
                    vrrp_instance VI_1 {
                        state MASTER
                        interface e0
                        virtual_router_id 71
                        priority 150
                        version %d
                        advert_int 1
                        %s
                        virtual_ipaddress {
                            198.18.0.100
                            198.18.0.101
                        }
                    }
                    """.formatted(version, auth)).toString(),
                    "--pid-file",
                    lab.dir.resolve("d1.pid").toString(),
                    "--control",
                    lab.dir.resolve("d1.sock").toString());
            String out = Lab.run(
                    "ip",
                    "netns",
                    "exec",
                    lab.ns("client"),
                    "tshark",
                    "-n",
                    "-i",
                    "e0",
                    "-a",
                    "duration:8",
                    "-f",
                    "ip proto 112",
                    "-o",
                    "vrrp.v3_checksum_as_in_v2:FALSE",
                    "-T",
                    "fields",
                    "-e",
                    "vrrp.version",
                    "-e",
                    "vrrp.virt_rtr_id",
                    "-e",
                    "vrrp.prio",
                    "-e",
                    "vrrp.checksum.status",
                    "-e",
                    "vrrp.ip_addr",
                    "-e",
                    "_ws.expert.message",
                    "-e",
                    "_ws.malformed");
            String[] lines = out.lines()
                    .filter(l -> l.startsWith(Integer.toString(version)))
                    .toArray(String[]::new);
            assertTrue(lines.length >= 2, "adverts captured:\n" + out + "\n" + lab.log("director1"));
            for (String l : lines) {
                String[] f = l.split("\t", -1);
                assertTrue(f[1].equals("71") && f[2].equals("150"), l);
                assertTrue(f[3].equals("1"), "checksum status 1 is Wireshark's 'Good': " + l);
                assertTrue(f[4].contains("198.18.0.100") && f[4].contains("198.18.0.101"), l);
                assertFalse(l.toLowerCase().contains("malformed"), l);
                assertTrue(f.length < 6 || f[5].isEmpty(), "no expert message: " + l);
            }
        }
    }
}
