package org.hadirector.director.lab;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * vrrp_garp_interval on the wire, hadirector and keepalived 2.2.7 side by side: a lone master
 * with two VIPs and garp_master_repeat 5 sends its burst paced by the interval, each held-back
 * VIP once (keepalived's pending flag), so .100, .100, .101 at least the interval apart.
 */
class GarpIntervalLabTest {
    static final Path KEEPALIVED = Path.of("/usr/sbin/keepalived");
    static final String CONF = """
            global_defs {
                router_id %s
                vrrp_garp_interval 0.3
            }
            vrrp_instance VI_1 {
                state MASTER
                interface e0
                virtual_router_id 81
                priority 150
                advert_int 1
                garp_master_repeat 5
                garp_master_delay 0
                virtual_ipaddress {
                    198.18.0.100/32
                    198.18.0.101/32
                }
            }
            """;

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"hadirector", "keepalived"})
    void aBurstIsPacedByTheInterval(String who) throws Exception {
        Lab.requireRoot();
        for (String tool : new String[] {"/usr/bin/tshark", KEEPALIVED.toString()}) {
            if (!Files.isExecutable(Path.of(tool))) {
                if (System.getenv("CI") != null) {
                    throw new AssertionError(tool + " is missing: .ci/run must install it");
                }
                Assumptions.abort(tool + " not installed");
            }
        }
        try (Lab lab = Lab.create("gi" + who.charAt(0), "client=198.18.0.10", "director1=198.18.0.11")) {
            Path pcap = lab.dir.resolve("garp.pcap");
            Process tshark = capture(lab, pcap);
            Process keepalived = null;
            try {
                Path conf = lab.write("d1.conf", CONF.formatted(who));
                if (who.equals("hadirector")) {
                    lab.director(
                            "director1",
                            "-P",
                            "-l",
                            "-f",
                            conf.toString(),
                            "--pid-file",
                            lab.dir.resolve("d1.pid").toString(),
                            "--control",
                            lab.dir.resolve("d1.sock").toString());
                } else {
                    keepalived = new ProcessBuilder(
                                    "ip",
                                    "netns",
                                    "exec",
                                    lab.ns("director1"),
                                    KEEPALIVED.toString(),
                                    "-n",
                                    "-l",
                                    "-P",
                                    "--no-syslog",
                                    "-f",
                                    conf.toString(),
                                    "-p",
                                    lab.dir.resolve("ka.pid").toString(),
                                    "-r",
                                    lab.dir.resolve("ka-vrrp.pid").toString())
                            .redirectErrorStream(true)
                            .redirectOutput(lab.dir.resolve("director1.log").toFile())
                            .start();
                }
                assertTrue(
                        Lab.waitFor(20_000, Lab.quietly(() -> lab.hasAddress("director1", "198.18.0.101"))) >= 0,
                        "never master\n" + lab.log("director1"));
                // the burst is over after 2 intervals; wait well past it for stragglers
                Thread.sleep(3000);
            } finally {
                if (keepalived != null) {
                    Lab.run(
                            "kill",
                            "-TERM",
                            Files.readString(lab.dir.resolve("ka.pid")).strip());
                    keepalived.waitFor(10, TimeUnit.SECONDS);
                    keepalived.destroyForcibly();
                }
                tshark.destroy();
                tshark.waitFor(10, TimeUnit.SECONDS);
            }
            List<String[]> garps = new ArrayList<>();
            for (String l : Lab.run(
                            "tshark",
                            "-n",
                            "-r",
                            pcap.toString(),
                            "-Y",
                            "arp.isgratuitous and (arp.src.proto_ipv4 == 198.18.0.100 or arp.src.proto_ipv4 == 198.18.0.101)",
                            "-T",
                            "fields",
                            "-e",
                            "frame.time_relative",
                            "-e",
                            "arp.src.proto_ipv4")
                    .lines()
                    .toList()) {
                String[] f = l.split("\t", -1);
                if (f.length == 2) {
                    garps.add(f);
                }
            }
            String seen = garps.stream().map(f -> f[0] + " " + f[1]).toList().toString();
            assertEquals(
                    List.of("198.18.0.100", "198.18.0.100", "198.18.0.101"),
                    garps.stream().map(f -> f[1]).toList(),
                    seen + "\n" + lab.log("director1"));
            for (int i = 1; i < garps.size(); i++) {
                double gap = Double.parseDouble(garps.get(i)[0]) - Double.parseDouble(garps.get(i - 1)[0]);
                // the interval, less a little for capture timestamps; at most one advert interval late
                assertTrue(gap >= 0.29 && gap < 1.3, "gap " + gap + " s: " + seen);
            }
        }
    }

    private static Process capture(Lab lab, Path file) throws IOException, InterruptedException {
        Path log = lab.dir.resolve("tshark.log");
        Process p = new ProcessBuilder(
                        "ip",
                        "netns",
                        "exec",
                        lab.ns("client"),
                        "tshark",
                        "-n",
                        "-q",
                        "-f",
                        "arp",
                        "-i",
                        "e0",
                        "-a",
                        "duration:60",
                        "-w",
                        file.toString())
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .start();
        long ms = Lab.waitFor(15_000, Lab.quietly(() -> Files.readString(log).contains("Capturing on")));
        assertTrue(ms >= 0, "tshark did not start: " + Files.readString(log));
        return p;
    }
}
