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

    /**
     * A VIP and an excluded VIP with {@code dev e1}, a second link of the director (to the client's
     * c1): keepalived sends their GARPs and NAs on e1, from e1's MAC, paced by e1's garp_group (0.6
     * s, GARPs only), while .100 on e0 goes unpaced (vrrp_garp_interval 0).
     */
    static final String DEV_CONF = """
            global_defs {
                router_id %s
                vrrp_gna_interval 0.5
            }
            garp_group {
                garp_interval 0.6
                interface e1
            }
            vrrp_instance VI_1 {
                state MASTER
                interface e0
                virtual_router_id 83
                priority 150
                advert_int 1
                garp_master_repeat 5
                garp_master_delay 0
                virtual_ipaddress {
                    198.18.0.100/32
                    198.18.0.120/32 dev e1
                }
                virtual_ipaddress_excluded {
                    198.18.0.121/32 dev e1
                    2001:db8::120/128 dev e1 -nodad
                }
            }
            """;

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"hadirector", "keepalived"})
    void aVipOnAnotherDevIsAnnouncedThereFromItsMacPacedByItsGroup(String who) throws Exception {
        Lab.requireRoot();
        Lab.requireTools(Path.of("/usr/bin/tshark"), Lab.KEEPALIVED);
        try (Lab lab = Lab.create("gd" + who.charAt(0), "client=198.18.0.10", "director1=198.18.0.11")) {
            String e0Mac = lab.mac("director1");
            String e1Mac = secondLink(lab);
            List<String[]> seen = announcements(lab, who);
            String all = seen.stream().map(f -> String.join(" ", f)).toList() + "\n" + lab.log("director1");
            List<String[]> onE0 = seen.stream().filter(f -> f[0].equals("e0")).toList();
            List<String[]> onC1 = seen.stream().filter(f -> f[0].equals("c1")).toList();
            // e0: only .100, five at once, from e0's MAC
            assertEquals(5, onE0.size(), all);
            for (String[] f : onE0) {
                assertEquals(List.of(e0Mac, e0Mac, "198.18.0.100"), List.of(f[2], f[3], f[4]), all);
            }
            // e1: the VIP and the excluded ones, from e1's MAC in the frame and in the announcement
            for (String[] f : onC1) {
                assertEquals(List.of(e1Mac, e1Mac), List.of(f[2], f[3]), all);
            }
            // GARPs paced by e1's group: .120, .120, .121 at 0.6 s (not unpaced as e0)
            List<String[]> arps = onC1.stream().filter(f -> !f[4].contains(":")).toList();
            paced(
                    new Seen(arps.stream().map(f -> new String[] {f[1], f[4]}).toList(), all),
                    0.6,
                    "198.18.0.120",
                    "198.18.0.121");
            // NAs: the group sets no gna_interval, so e1's NAs are unpaced despite vrrp_gna_interval
            List<String[]> nas = onC1.stream().filter(f -> f[4].contains(":")).toList();
            assertEquals(5, nas.size(), all);
            double span = Double.parseDouble(nas.get(4)[1]) - Double.parseDouble(nas.get(0)[1]);
            assertTrue(span < 0.2, "span " + span + " s: " + all);
        }
    }

    /** e1 with NOARP: keepalived sends no GARP or NA there (its flag checked per send), nor does hadirector. */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"hadirector", "keepalived"})
    void noGarpsOnAVipsDevWithNoArp(String who) throws Exception {
        Lab.requireRoot();
        Lab.requireTools(Path.of("/usr/bin/tshark"), Lab.KEEPALIVED);
        try (Lab lab = Lab.create("gn" + who.charAt(0), "client=198.18.0.10", "director1=198.18.0.11")) {
            secondLink(lab);
            Lab.run("ip", "-n", lab.ns("director1"), "link", "set", "e1", "arp", "off");
            List<String[]> seen = announcements(lab, who);
            String all = seen.stream().map(f -> String.join(" ", f)).toList() + "\n" + lab.log("director1");
            assertEquals(5, seen.stream().filter(f -> f[0].equals("e0")).count(), all);
            assertEquals(0, seen.stream().filter(f -> f[0].equals("c1")).count(), all);
        }
    }

    /**
     * e1 deleted and made again (a new index, a new MAC) under a running master: the GARPs of the
     * VIP on it (garp_master_refresh 1) go on the new e1, from its new MAC, as keepalived's do.
     */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"hadirector", "keepalived"})
    void aVipsDevReCreatedGetsItsGarpsOnTheNewInterface(String who) throws Exception {
        Lab.requireRoot();
        Lab.requireTools(Path.of("/usr/bin/tshark"), Lab.KEEPALIVED);
        try (Lab lab = Lab.create("gr" + who.charAt(0), "client=198.18.0.10", "director1=198.18.0.11")) {
            String oldMac = secondLink(lab);
            String conf = DEV_CONF.replace("garp_master_delay 0", "garp_master_delay 0\n    garp_master_refresh 1");
            VrrpDaemon d = lab.vrrpDaemon(who, "director1", lab.write("d1.conf", conf.formatted(who)));
            d.awaitAddress("198.18.0.100", 20_000);
            Lab.run("ip", "-n", lab.ns("director1"), "link", "del", "e1");
            Thread.sleep(1000);
            String newMac = secondLink(lab);
            assertTrue(!newMac.equals(oldMac), newMac);
            Path pcap = lab.dir.resolve("recreated.pcap");
            Process tshark = capture(lab, pcap, "arp", "c1");
            try {
                // FAULT while e1 was gone; back to MASTER within Master_Down_Interval, then a GARP each second
                Thread.sleep(8000);
            } finally {
                tshark.destroy();
                tshark.waitFor(10, TimeUnit.SECONDS);
            }
            List<String> macs = Lab.run(
                            "tshark",
                            "-n",
                            "-r",
                            pcap.toString(),
                            "-Y",
                            "arp.isgratuitous and arp.src.proto_ipv4 == 198.18.0.120",
                            "-T",
                            "fields",
                            "-e",
                            "eth.src",
                            "-e",
                            "arp.src.hw_mac")
                    .lines()
                    // tshark's own warnings come on the same output: the fields only
                    .filter(l -> l.contains("\t"))
                    .toList();
            String all = macs + "\n" + d.log();
            assertTrue(macs.size() >= 2, all);
            for (String l : macs) {
                assertEquals(newMac + "\t" + newMac, l, all);
            }
            if (who.equals("hadirector")) {
                assertTrue(d.logShows("e1 was re-created"), all);
            }
        }
    }

    /**
     * Starts {@code who} as a lone master on {@link #DEV_CONF} and returns what the client saw on e0
     * and c1, GARPs and NAs for the VIPs: interface, time, Ethernet source, announced MAC, address.
     */
    private static List<String[]> announcements(Lab lab, String who) throws Exception {
        Path pcap = lab.dir.resolve("dev.pcap");
        Process tshark = capture(lab, pcap, "arp or icmp6", "e0", "c1");
        try {
            VrrpDaemon d = lab.vrrpDaemon(who, "director1", lab.write("d1.conf", DEV_CONF.formatted(who)));
            d.awaitAddress("198.18.0.100", 20_000);
            // the burst is over after 2 intervals of 0.6 s; wait well past it for stragglers
            Thread.sleep(4500);
            d.stop();
        } finally {
            tshark.destroy();
            tshark.waitFor(10, TimeUnit.SECONDS);
        }
        // interface, time, sender MAC (Ethernet), announced MAC, address: GARPs and NAs for the VIPs
        List<String[]> seen = new ArrayList<>();
        for (String l : Lab.run(
                        "tshark",
                        "-n",
                        "-r",
                        pcap.toString(),
                        "-Y",
                        "(arp.isgratuitous and (arp.src.proto_ipv4 == 198.18.0.100"
                                + " or arp.src.proto_ipv4 == 198.18.0.120 or arp.src.proto_ipv4 == 198.18.0.121))"
                                + " or (icmpv6.type == 136 and icmpv6.nd.na.target_address == 2001:db8::120)",
                        "-T",
                        "fields",
                        "-E",
                        "occurrence=f",
                        "-e",
                        "frame.interface_name",
                        "-e",
                        "frame.time_relative",
                        "-e",
                        "eth.src",
                        "-e",
                        "arp.src.hw_mac",
                        "-e",
                        "icmpv6.opt.linkaddr",
                        "-e",
                        "arp.src.proto_ipv4",
                        "-e",
                        "icmpv6.nd.na.target_address")
                .lines()
                .toList()) {
            String[] f = l.split("\t", -1);
            if (f.length == 7) {
                String mac = f[3].isEmpty() ? f[4] : f[3];
                String vip = f[5].isEmpty() ? f[6] : f[5];
                seen.add(new String[] {f[0], f[1], f[2], mac, vip});
            }
        }
        return seen;
    }

    /** The director's second link: e1, its other end c1 in the client, both up; returns e1's MAC. */
    private static String secondLink(Lab lab) throws IOException, InterruptedException {
        Lab.run(
                "ip",
                "-n",
                lab.ns("director1"),
                "link",
                "add",
                "e1",
                "type",
                "veth",
                "peer",
                "name",
                "c1",
                "netns",
                lab.ns("client"));
        Lab.run("ip", "-n", lab.ns("director1"), "link", "set", "e1", "up");
        Lab.run("ip", "-n", lab.ns("client"), "link", "set", "c1", "up");
        String out = Lab.run("ip", "-n", lab.ns("director1"), "link", "show", "e1");
        int i = out.indexOf("link/ether ");
        return out.substring(i + 11, i + 28);
    }

    /** .100, .100, .101, each {@code interval} seconds after the one before (at most an advert interval late). */
    private static void paced(Seen garps, double interval) {
        paced(garps, interval, "198.18.0.100", "198.18.0.101");
    }

    /** {@code first}, {@code first}, {@code second}, each {@code interval} seconds after the one before. */
    private static void paced(Seen garps, double interval, String first, String second) {
        assertEquals(List.of(first, first, second), garps.addresses(), garps.toString());
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

    /** tshark in the client on {@code interfaces} (e0 without), for at most 60 s. */
    private static Process capture(Lab lab, Path file, String filter, String... interfaces)
            throws IOException, InterruptedException {
        Path log = lab.dir.resolve("tshark.log");
        List<String> cmd =
                new ArrayList<>(List.of("ip", "netns", "exec", lab.ns("client"), "tshark", "-n", "-q", "-f", filter));
        for (String i : interfaces.length == 0 ? new String[] {"e0"} : interfaces) {
            cmd.add("-i");
            cmd.add(i);
        }
        cmd.addAll(List.of("-a", "duration:60", "-w", file.toString()));
        Process p = new ProcessBuilder(cmd)
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .start();
        long ms = Lab.waitFor(15_000, Lab.quietly(() -> Files.readString(log).contains("Capturing on")));
        assertTrue(ms >= 0, "tshark did not start: " + Files.readString(log));
        return p;
    }
}
