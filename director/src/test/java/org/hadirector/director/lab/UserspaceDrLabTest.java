package org.hadirector.director.lab;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.hadirector.ipvs.Destination;
import org.hadirector.ipvs.ForwarderCounters;
import org.hadirector.ipvs.IpProtocol;
import org.hadirector.ipvs.ServiceKey;
import org.hadirector.ipvs.TableDump;
import org.hadirector.ipvs.TableOp;
import org.hadirector.ipvs.VirtualService;
import org.hadirector.ipvs.dr.UserspaceDr;
import org.hadirector.sys.NetNs;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The userspace DR forwarder in the seed topology: a client, director1 holding the VIP on e0 and
 * running the forwarder, rs1 and rs2 with nginx and the VIP on lo (arp_ignore=1,
 * arp_announce=2). The client's requests to the VIP reach both real servers and the answers go
 * straight back to the client. {@link XdpDrLabTest} runs every test here again on the XDP
 * dataplane (the forwarder with the XDP program beside it).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class UserspaceDrLabTest {
    static final String VIP = "198.18.0.100";
    /** The sloppy_tcp test's VIP, on the director and the real servers as VIP is. */
    static final String VIP2 = "198.18.0.101";
    /** The IPv6 test's VIP; the hosts have 2001:db8::10, ::11, ::21 and ::22 beside their IPv4 addresses. */
    static final String VIP6 = "2001:db8::100";

    Lab lab;
    ExecutorService director;
    UserspaceDr dr;

    /** The XDP dataplane rather than AF_PACKET alone. */
    boolean xdp() {
        return false;
    }

    static InetAddress ip(String s) throws Exception {
        return InetAddress.getByName(s);
    }

    @BeforeAll
    void topology() throws Exception {
        lab = Lab.create(
                xdp() ? "drx" : "dr",
                "client=198.18.0.10",
                "director1=198.18.0.11",
                "rs1=198.18.0.21",
                "rs2=198.18.0.22");
        for (String[] h : new String[][] {{"client", "10"}, {"director1", "11"}, {"rs1", "21"}, {"rs2", "22"}}) {
            Lab.run("ip", "-n", lab.ns(h[0]), "addr", "add", "2001:db8::" + h[1] + "/64", "dev", "e0", "nodad");
        }
        for (String rs : List.of("rs1", "rs2")) {
            lab.drRealServer(rs, VIP, VIP2, VIP6);
            Files.write(lab.dir.resolve("www-" + rs + "/html/big"), new byte[200_000]);
        }
        Lab.run("ip", "-n", lab.ns("director1"), "addr", "add", VIP + "/32", "dev", "e0");
        Lab.run("ip", "-n", lab.ns("director1"), "addr", "add", VIP2 + "/32", "dev", "e0");
        Lab.run("ip", "-n", lab.ns("director1"), "addr", "add", VIP6 + "/128", "dev", "e0", "nodad");
        if (xdp()) {
            Lab.requireTools(Lab.ETHTOOL);
            lab.xdpVeth("director1", "client");
        }
        director = Executors.newSingleThreadExecutor();
        dr = inDirector(() -> UserspaceDr.open(UserspaceDr.Settings.of("e0").withXdp(xdp())));
    }

    /** Table calls may come from any thread; opening must happen inside the namespace. */
    <T> T inDirector(Callable<T> c) throws Exception {
        return director.submit(() -> {
                    NetNs.enter(lab.ns("director1"));
                    return c.call();
                })
                .get(30, TimeUnit.SECONDS);
    }

    @AfterAll
    void down() {
        if (dr != null) {
            dr.close();
        }
        if (director != null) {
            director.shutdownNow();
        }
        if (lab != null) {
            lab.close();
        }
    }

    String curl(String path) throws Exception {
        return Lab.run(
                "ip", "netns", "exec", lab.ns("client"), "curl", "-s", "--max-time", "3", "http://" + VIP + path);
    }

    long rxBytes(String host) throws Exception {
        // sysfs shows the namespace of whoever mounted it; ip netns exec mounts the host's own.
        return Long.parseLong(
                Lab.run("ip", "netns", "exec", lab.ns(host), "cat", "/sys/class/net/e0/statistics/rx_bytes")
                        .strip());
    }

    /**
     * An IPv6 service: the forwarder finds the real servers' MACs by its own neighbour
     * solicitations, the requests alternate (rr) and the answers bypass the director; on XDP a
     * keep-alive connection's later segments are the program's (its key of family 6).
     */
    @Test
    void ipv6RequestsAlternateOverRealServersFoundByNeighbourDiscovery() throws Exception {
        ServiceKey web = ServiceKey.of(IpProtocol.TCP, ip(VIP6), 80);
        dr.apply(new TableOp.AddService(VirtualService.of(web, "rr"), "test"));
        try {
            dr.apply(new TableOp.AddDestination(web, Destination.route(ip("2001:db8::21"), 80, 1), "test"));
            dr.apply(new TableOp.AddDestination(web, Destination.route(ip("2001:db8::22"), 80, 1), "test"));
            String url = "http://[" + VIP6 + "]/who";
            java.util.function.Supplier<String> curl6 = () -> {
                try {
                    return Lab.run("ip", "netns", "exec", lab.ns("client"), "curl", "-s", "-g", "--max-time", "3", url)
                            .strip();
                } catch (Exception e) {
                    return "";
                }
            };
            assertTrue(
                    Lab.waitFor(10_000, Lab.quietly(() -> curl6.get().startsWith("rs"))) >= 0,
                    "no answer via the IPv6 VIP: " + dr.counters());
            List<String> answers = new ArrayList<>();
            for (int i = 0; i < 6; i++) {
                answers.add(curl6.get());
            }
            assertEquals(3, answers.stream().filter("rs1"::equals).count(), answers.toString());
            assertEquals(3, answers.stream().filter("rs2"::equals).count(), answers.toString());
            long txBefore = xdp() ? dr.xdpCounters().get("tx") : 0;
            // one keep-alive connection, ten requests: established, so on XDP the program's
            String many = Lab.run(
                    "ip",
                    "netns",
                    "exec",
                    lab.ns("client"),
                    "curl",
                    "-s",
                    "-g",
                    "--max-time",
                    "5",
                    url,
                    url,
                    url,
                    url,
                    url,
                    url,
                    url,
                    url,
                    url,
                    url);
            assertEquals(10, many.lines().filter(l -> l.startsWith("rs")).count(), many);
            assertEquals(1, many.lines().distinct().count(), "one connection, one real server: " + many);
            if (xdp()) {
                assertTrue(dr.xdpCounters().get("tx") > txBefore, "the program forwarded: " + dr.xdpCounters());
            }
            TableDump dump = dr.dump();
            assertTrue(dump.toString().contains("2001:db8"), dump.toString());
        } finally {
            dr.apply(new TableOp.DeleteService(web, "test"));
        }
    }

    @Test
    void requestsToTheVipAlternateAndRepliesBypassTheDirector() throws Exception {
        ServiceKey web = ServiceKey.of(IpProtocol.TCP, ip(VIP), 80);
        dr.apply(new TableOp.AddService(VirtualService.of(web, "rr"), "test"));
        dr.apply(new TableOp.AddDestination(web, Destination.route(ip("198.18.0.21"), 80, 1), "test"));
        dr.apply(new TableOp.AddDestination(web, Destination.route(ip("198.18.0.22"), 80, 1), "test"));
        assertTrue(Lab.run("ip", "netns", "exec", lab.ns("director1"), "nft", "list", "tables")
                .contains("hadirector_dr_e0"));
        // The forwarder learns the real servers' MACs with its own ARP requests.
        assertTrue(Lab.waitFor(5_000, Lab.quietly(() -> curl("/who").startsWith("rs"))) >= 0, "no answer via the VIP");
        assertTrue(Lab.waitFor(
                        5_000,
                        Lab.quietly(() -> dr.counters().neighbours() == 2
                                && curl("/who").startsWith("rs")
                                && curl("/who").startsWith("rs")))
                >= 0);
        long noMacBefore = dr.counters().dropped().get("no_mac");
        List<String> answers = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            answers.add(curl("/who").strip());
        }
        for (int i = 1; i < answers.size(); i++) {
            assertFalse(answers.get(i).equals(answers.get(i - 1)), "rr alternates: " + answers);
        }
        long before = rxBytes("director1");
        long javaBefore = dr.counters().forwarded();
        long packetsBefore = dr.dump().services().get(0).stats().inPackets();
        java.util.Map<String, Long> programBefore = dr.xdpCounters();
        for (int i = 0; i < 5; i++) {
            assertEquals(200_000, curl("/big").length());
        }
        long through = rxBytes("director1") - before;
        if (xdp()) {
            // each connection: its SYN, the ACK that makes it ESTABLISHED and its FIN go through
            // the forwarder (3 or 4 frames); the request and the client's ACKs of 200 KB (9 a
            // connection here: a veth carries large segments), through the program
            long java = dr.counters().forwarded() - javaBefore;
            java.util.Map<String, Long> after = dr.xdpCounters();
            long program = after.get("tx") - programBefore.get("tx");
            assertTrue(java <= 5 * 5, "the forwarder forwarded " + java + " frames of 5 connections");
            assertTrue(
                    program >= 5 * 5 && program > java,
                    "the program forwarded " + program + " frames, the forwarder " + java + "; counters " + after);
            assertTrue(after.get("pass_tcp_state") > programBefore.get("pass_tcp_state"), after.toString());
            // the service's packets count the program's frames too, within the second's tick
            long all = packetsBefore + java + program;
            assertTrue(
                    Lab.waitFor(
                                    3_000,
                                    Lab.quietly(() ->
                                            dr.dump().services().get(0).stats().inPackets() >= all))
                            >= 0,
                    "service stats " + dr.dump().services().get(0).stats() + ", wanted " + all + " packets");
            assertTrue(Lab.run("ip", "-n", lab.ns("director1"), "link", "show", "e0")
                    .contains("prog/xdp"));
        }
        // 1 MB went to the client; the director saw only the client's side (requests and ACKs).
        assertTrue(through < 100_000, "director received " + through + " bytes for 1 MB of replies");
        TableDump dump = dr.dump();
        TableDump.ServiceDump s = dump.services().get(0);
        assertTrue(s.stats().connections() >= 11, "connections counted: " + s.stats());
        assertEquals(2, s.destinations().size());
        ForwarderCounters c = dr.counters();
        assertTrue(c.forwarded() > 0);
        assertEquals(noMacBefore, c.dropped().get("no_mac"), "drops once both MACs are known: " + c.dropped());
        // The BPF filter admits only the services' frames: other traffic to the director costs no copy.
        Lab.run("ip", "netns", "exec", lab.ns("client"), "ping", "-c", "3", "-i", "0.2", "-W", "1", "198.18.0.11");
        Lab.run("ip", "netns", "exec", lab.ns("client"), "ping", "-c", "2", "-i", "0.2", "-W", "1", VIP);
        ForwarderCounters after = dr.counters();
        assertEquals(c.dropped().get("no_service"), after.dropped().get("no_service"));
        assertEquals(c.dropped().get("not_ip"), after.dropped().get("not_ip"));
    }

    /** The seed documents' wrr set-up: rs1 weight 2, rs2 weight 1, so two requests of three go to rs1. */
    @Test
    void wrrWeightsSetTheRatio() throws Exception {
        ServiceKey web = ServiceKey.of(IpProtocol.TCP, ip(VIP), 8080);
        dr.apply(new TableOp.AddService(VirtualService.of(web, "wrr"), "test"));
        try {
            dr.apply(new TableOp.AddDestination(web, Destination.route(ip("198.18.0.21"), 8080, 2), "test"));
            dr.apply(new TableOp.AddDestination(web, Destination.route(ip("198.18.0.22"), 8080, 1), "test"));
            List<String> answers = new ArrayList<>();
            for (int i = 0; i < 9; i++) {
                answers.add(Lab.run(
                                "ip",
                                "netns",
                                "exec",
                                lab.ns("client"),
                                "curl",
                                "-s",
                                "--max-time",
                                "3",
                                "http://" + VIP + ":8080/who")
                        .strip());
            }
            assertEquals(6, answers.stream().filter("rs1"::equals).count(), "2:1 -> " + answers);
            assertEquals(3, answers.stream().filter("rs2"::equals).count(), "2:1 -> " + answers);
            // The kernel's wrr sequence for weight 2 added before weight 1 (see SchedulersTest).
            assertEquals(List.of("rs2", "rs1", "rs1", "rs2", "rs1", "rs1", "rs2", "rs1", "rs1"), answers);
        } finally {
            dr.apply(new TableOp.DeleteService(web, "test"));
        }
    }

    /** One HTTP/1.1 request on an open connection; the body of the answer (Content-Length bodies only). */
    static String get(java.net.Socket s, String path) throws Exception {
        s.getOutputStream().write(("GET " + path + " HTTP/1.1\r\nHost: vip\r\n\r\n").getBytes());
        java.io.InputStream in = s.getInputStream();
        StringBuilder head = new StringBuilder();
        while (!head.toString().endsWith("\r\n\r\n")) {
            int c = in.read();
            if (c < 0) {
                throw new java.io.EOFException("closed after " + head);
            }
            head.append((char) c);
        }
        java.util.regex.Matcher m =
                java.util.regex.Pattern.compile("(?i)content-length: *(\\d+)").matcher(head);
        assertTrue(m.find(), head.toString());
        return new String(in.readNBytes(Integer.parseInt(m.group(1))));
    }

    /**
     * sloppy_tcp on the forwarder, with real packets: a keep-alive connection whose director
     * forgets it (as a director that an ECMP change hands a flow mid-way has never seen it) is
     * dropped segment by segment without sloppy_tcp, and with it goes on, by the consistent
     * scheduler (mh, sh), to the real server that answered it before.
     */
    @org.junit.jupiter.params.ParameterizedTest(name = "{0}")
    @org.junit.jupiter.params.provider.ValueSource(strings = {"mh", "sh"})
    void sloppyTcpCarriesOnAFlowTheDirectorNeverSawStart(String scheduler) throws Exception {
        ServiceKey web = ServiceKey.of(IpProtocol.TCP, ip(VIP2), 80);
        dr.apply(new TableOp.AddService(VirtualService.of(web, scheduler), "test"));
        ExecutorService client = Executors.newSingleThreadExecutor();
        try {
            dr.apply(new TableOp.AddDestination(web, Destination.route(ip("198.18.0.21"), 80, 1), "test"));
            dr.apply(new TableOp.AddDestination(web, Destination.route(ip("198.18.0.22"), 80, 1), "test"));
            assertTrue(Lab.waitFor(5_000, Lab.quietly(() -> dr.counters().neighbours() == 2)) >= 0);
            java.net.Socket socket = client.submit(() -> {
                        NetNs.enter(lab.ns("client"));
                        java.net.Socket so = new java.net.Socket();
                        so.connect(new java.net.InetSocketAddress(VIP2, 80), 3_000);
                        so.setSoTimeout(10_000);
                        return so;
                    })
                    .get(10, TimeUnit.SECONDS);
            try (socket) {
                String first = get(socket, "/who").strip();
                assertTrue(first.startsWith("rs"), first);
                dr.flushConnections();
                long notSyn = dr.counters().dropped().get("not_syn");
                java.util.concurrent.Future<String> second =
                        client.submit(() -> get(socket, "/who").strip());
                assertTrue(
                        Lab.waitFor(
                                        5_000,
                                        Lab.quietly(
                                                () -> dr.counters().dropped().get("not_syn") > notSyn))
                                >= 0,
                        "the unknown flow's segment is dropped without sloppy_tcp");
                assertFalse(second.isDone(), "no answer while the director drops the flow");
                long placedBefore = xdp() ? dr.xdpCounters().get("placed") : 0;
                dr.sloppyTcp(true);
                // the client's retransmission is scheduled now, by mh or sh, to the same real server
                assertEquals(first, second.get(15, TimeUnit.SECONDS));
                assertEquals(first, get(socket, "/who").strip());
                // (on XDP the forwarder takes in the program's placing at its next turn)
                // (an earlier case's closed flow may still be in the table, as in the kernel's)
                assertTrue(
                        Lab.waitFor(
                                        2_000,
                                        Lab.quietly(() -> dr.connections().stream()
                                                        .filter(c -> c.clientPort() == socket.getLocalPort())
                                                        .count()
                                                == 1))
                                >= 0,
                        "one entry for the flow, made mid-way: " + dr.connections());
                if (xdp()) {
                    // an mh or sh service with sloppy_tcp: the program placed the flow itself
                    assertTrue(
                            dr.xdpCounters().get("placed") > placedBefore,
                            dr.xdpCounters().toString());
                }
            }
        } finally {
            dr.sloppyTcp(false);
            client.shutdownNow();
            dr.apply(new TableOp.DeleteService(web, "test"));
        }
    }
}
