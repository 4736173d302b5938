package org.hadirector.director.lab;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.hadirector.ipvs.Destination;
import org.hadirector.ipvs.IpProtocol;
import org.hadirector.ipvs.ServiceKey;
import org.hadirector.ipvs.TableOp;
import org.hadirector.ipvs.VirtualService;
import org.hadirector.ipvs.dr.UserspaceDr;
import org.hadirector.ipvs.xdp.XdpProgram;
import org.hadirector.sys.NetNs;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The userspace forwarder with the XDP program beside it, in the seed topology (client,
 * director1 with the VIP on e0, rs1 and rs2 with nginx and the VIP on lo): the forwarder schedules
 * each connection and sees its SYN, its first ACK and its FIN; the program forwards the rest.
 * The lab's veth details as in {@link XdpLabTest}: an XDP program on the switch's end of
 * director1's veth, the client's checksum offload off.
 */
class XdpForwarderLabTest {
    static final String VIP = "198.18.0.100";

    static Lab lab;
    static ExecutorService director;
    static ExecutorService sw;
    static XdpProgram peer;
    static UserspaceDr dr;

    @BeforeAll
    static void topology() throws Exception {
        Lab.requireRoot();
        Lab.requireTools(Lab.ETHTOOL);
        lab = Lab.create("xfw", "client=198.18.0.10", "director1=198.18.0.11", "rs1=198.18.0.21", "rs2=198.18.0.22");
        for (String rs : List.of("rs1", "rs2")) {
            Lab.run(
                    "ip",
                    "netns",
                    "exec",
                    lab.ns(rs),
                    "sysctl",
                    "-qw",
                    "net.ipv4.conf.all.arp_ignore=1",
                    "net.ipv4.conf.all.arp_announce=2");
            Lab.run("ip", "-n", lab.ns(rs), "addr", "add", VIP + "/32", "dev", "lo");
            lab.nginx(rs);
            Files.writeString(lab.dir.resolve("www-" + rs + "/html/who"), rs + "\n");
            Files.write(lab.dir.resolve("www-" + rs + "/html/big"), new byte[200_000]);
        }
        Lab.run("ip", "-n", lab.ns("director1"), "addr", "add", VIP + "/32", "dev", "e0");
        Lab.run("ip", "netns", "exec", lab.ns("client"), "ethtool", "-K", "e0", "tx", "off");
        sw = Executors.newSingleThreadExecutor();
        peer = sw.submit(() -> {
                    NetNs.enter(lab.ns("sw"));
                    return XdpProgram.attach("p-director1", 16, XdpProgram.Mode.DRIVER);
                })
                .get(30, TimeUnit.SECONDS);
        director = Executors.newSingleThreadExecutor();
        dr = inDirector(() -> UserspaceDr.open(UserspaceDr.Settings.of("e0").withXdp(true)));
        ServiceKey web = ServiceKey.of(IpProtocol.TCP, InetAddress.getByName(VIP), 80);
        dr.apply(new TableOp.AddService(VirtualService.of(web, "rr"), "test"));
        dr.apply(new TableOp.AddDestination(
                web, Destination.route(InetAddress.getByName("198.18.0.21"), 80, 1), "test"));
        dr.apply(new TableOp.AddDestination(
                web, Destination.route(InetAddress.getByName("198.18.0.22"), 80, 1), "test"));
    }

    static <T> T inDirector(Callable<T> c) throws Exception {
        return director.submit(() -> {
                    NetNs.enter(lab.ns("director1"));
                    return c.call();
                })
                .get(30, TimeUnit.SECONDS);
    }

    @AfterAll
    static void down() {
        if (dr != null) {
            dr.close();
        }
        if (peer != null) {
            peer.close();
        }
        if (director != null) {
            director.shutdownNow();
        }
        if (sw != null) {
            sw.shutdownNow();
        }
        if (lab != null) {
            lab.close();
        }
    }

    static String curl(String path) throws Exception {
        return Lab.run(
                "ip", "netns", "exec", lab.ns("client"), "curl", "-s", "--max-time", "3", "http://" + VIP + path);
    }

    @Test
    void theForwarderSchedulesAndTheProgramCarriesTheRest() throws Exception {
        assertTrue(
                Lab.run("ip", "-n", lab.ns("director1"), "link", "show", "e0").contains("prog/xdp"));
        // the forwarder learns the real servers' MACs with its own ARP requests
        assertTrue(Lab.waitFor(
                        5_000,
                        Lab.quietly(() -> dr.counters().neighbours() == 2
                                && curl("/who").startsWith("rs")
                                && curl("/who").startsWith("rs")))
                >= 0);
        List<String> answers = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            answers.add(curl("/who").strip());
        }
        for (int i = 1; i < answers.size(); i++) {
            assertFalse(answers.get(i).equals(answers.get(i - 1)), "rr alternates: " + answers);
        }
        long javaBefore = dr.counters().forwarded();
        Map<String, Long> before = dr.xdpCounters();
        for (int i = 0; i < 5; i++) {
            assertEquals(200_000, curl("/big").length());
        }
        long java = dr.counters().forwarded() - javaBefore;
        Map<String, Long> after = dr.xdpCounters();
        long program = after.get("tx") - before.get("tx");
        // each connection: the SYN, the ACK that makes it ESTABLISHED and the FIN go through the
        // forwarder (3 or 4 frames); the request and the client's ACKs of 200 KB (9 a connection
        // here: a veth carries large segments), the program
        assertTrue(java <= 5 * 5, "the forwarder forwarded " + java + " frames of 5 connections");
        assertTrue(
                program >= 5 * 5 && program > java,
                "the program forwarded " + program + " frames, the forwarder " + java + "; counters " + after);
        assertTrue(after.get("pass_tcp_state") > before.get("pass_tcp_state"), after.toString());
    }
}
