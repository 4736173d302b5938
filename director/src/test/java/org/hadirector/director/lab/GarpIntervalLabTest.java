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
 * vrrp_garp_interval and garp_group on the wire, hadirector and keepalived 2.2.7 side by side: a
 * lone master with two VIPs and garp_master_repeat 5 sends its burst paced by the interval, each
 * held-back VIP once (keepalived's pending flag), so .100, .100, .101 at least the interval apart.
 * With a garp_group naming e0, its garp_interval (0.6 s) paces e0 instead of the global one
 * (0.1 s), as keepalived's set_default_garp_delay leaves an interface that has a group; and a
 * group that sets only garp_interval leaves e0's neighbour advertisements unpaced although
 * vrrp_gna_interval is set (all 10 of the burst at once).
 */
class GarpIntervalLabTest {
    static final Path KEEPALIVED = Path.of("/usr/sbin/keepalived");
    static final String INSTANCE = """
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
    static final String CONF = """
            global_defs {
                router_id %s
                vrrp_garp_interval 0.3
            }
            """ + INSTANCE;
    static final String GROUP_CONF = """
            global_defs {
                router_id %s
                vrrp_garp_interval 0.1
            }
            garp_group {
                garp_interval 0.6
                interfaces {
                    e0
                }
            }
            """ + INSTANCE;

    static final String GROUP_V6_CONF = """
            global_defs {
                router_id %s
                vrrp_gna_interval 0.5
            }
            garp_group {
                garp_interval 0.3
                interface e0
            }
            vrrp_instance VI_6 {
                state MASTER
                interface e0
                version 3
                virtual_router_id 82
                priority 150
                advert_int 1
                garp_master_repeat 5
                garp_master_delay 0
                virtual_ipaddress {
                    2001:db8::100/64 -nodad
                    2001:db8::101/64 -nodad
                }
            }
            """;

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"hadirector", "keepalived"})
    void aBurstIsPacedByTheInterval(String who) throws Exception {
        paced(burst(who, "gi", CONF, false), 0.3);
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"hadirector", "keepalived"})
    void aGarpGroupPacesItsInterfaceInsteadOfTheGlobalInterval(String who) throws Exception {
        paced(burst(who, "gg", GROUP_CONF, false), 0.6);
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"hadirector", "keepalived"})
    void aGarpGroupWithoutGnaIntervalLeavesNeighbourAdvertisementsUnpaced(String who) throws Exception {
        Seen nas = burst(who, "gn", GROUP_V6_CONF, true);
        List<String> twoVips = List.of("2001:db8::100", "2001:db8::101");
        List<String> expected = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            expected.addAll(twoVips);
        }
        assertEquals(expected, nas.addresses(), nas.toString());
        double span = nas.time(nas.sent.size() - 1) - nas.time(0);
        // one burst, not paced by the global vrrp_gna_interval of 0.5 s
        assertTrue(span < 0.2, "span " + span + " s: " + nas);
    }

    /** .100, .100, .101, each {@code interval} seconds after the one before (at most an advert interval late). */
    private static void paced(Seen garps, double interval) {
        assertEquals(List.of("198.18.0.100", "198.18.0.100", "198.18.0.101"), garps.addresses(), garps.toString());
        for (int i = 1; i < garps.sent.size(); i++) {
            double gap = garps.time(i) - garps.time(i - 1);
            // the interval, less a little for capture timestamps
            assertTrue(gap >= interval - 0.01 && gap < interval + 1, "gap " + gap + " s: " + garps);
        }
    }

    /** What the client saw: (relative time, VIP) of each GARP or NA for a VIP, and the daemon's log. */
    record Seen(List<String[]> sent, String log) {
        List<String> addresses() {
            return sent.stream().map(f -> f[1]).toList();
        }

        double time(int i) {
            return Double.parseDouble(sent.get(i)[0]);
        }

        @Override
        public String toString() {
            return sent.stream().map(f -> f[0] + " " + f[1]).toList() + "\n" + log;
        }
    }

    /** Starts {@code who} as a lone master on {@code conf} and returns the GARPs (NAs when {@code v6}) the client saw. */
    private static Seen burst(String who, String tag, String conf, boolean v6) throws Exception {
        Lab.requireRoot();
        for (String tool : new String[] {"/usr/bin/tshark", KEEPALIVED.toString()}) {
            if (!Files.isExecutable(Path.of(tool))) {
                if (System.getenv("CI") != null) {
                    throw new AssertionError(tool + " is missing: .ci/run must install it");
                }
                Assumptions.abort(tool + " not installed");
            }
        }
        try (Lab lab = Lab.create(tag + who.charAt(0), "client=198.18.0.10", "director1=198.18.0.11")) {
            Path pcap = lab.dir.resolve("garp.pcap");
            Process tshark = capture(lab, pcap, v6 ? "icmp6" : "arp");
            Process keepalived = null;
            try {
                Path file = lab.write("d1.conf", conf.formatted(who));
                if (who.equals("hadirector")) {
                    lab.director(
                            "director1",
                            "-P",
                            "-l",
                            "-f",
                            file.toString(),
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
                                    file.toString(),
                                    "-p",
                                    lab.dir.resolve("ka.pid").toString(),
                                    "-r",
                                    lab.dir.resolve("ka-vrrp.pid").toString())
                            .redirectErrorStream(true)
                            .redirectOutput(lab.dir.resolve("director1.log").toFile())
                            .start();
                }
                assertTrue(
                        Lab.waitFor(
                                        20_000,
                                        Lab.quietly(() -> v6
                                                ? lab.hasAddress6("director1", "2001:db8::101")
                                                : lab.hasAddress("director1", "198.18.0.101")))
                                >= 0,
                        "never master\n" + lab.log("director1"));
                // the burst is over after 2 intervals of at most 0.6 s; wait well past it for stragglers
                Thread.sleep(4500);
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
            List<String[]> sent = new ArrayList<>();
            for (String l : Lab.run(
                            "tshark",
                            "-n",
                            "-r",
                            pcap.toString(),
                            "-Y",
                            v6
                                    ? "icmpv6.type == 136 and (icmpv6.nd.na.target_address == 2001:db8::100"
                                            + " or icmpv6.nd.na.target_address == 2001:db8::101)"
                                    : "arp.isgratuitous and (arp.src.proto_ipv4 == 198.18.0.100"
                                            + " or arp.src.proto_ipv4 == 198.18.0.101)",
                            "-T",
                            "fields",
                            "-e",
                            "frame.time_relative",
                            "-e",
                            v6 ? "icmpv6.nd.na.target_address" : "arp.src.proto_ipv4")
                    .lines()
                    .toList()) {
                String[] f = l.split("\t", -1);
                if (f.length == 2) {
                    sent.add(f);
                }
            }
            return new Seen(sent, lab.log("director1"));
        }
    }

    private static Process capture(Lab lab, Path file, String filter) throws IOException, InterruptedException {
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
                        filter,
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
