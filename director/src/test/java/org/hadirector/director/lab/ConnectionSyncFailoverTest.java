package org.hadirector.director.lab;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
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
import org.hadirector.ipvs.sync.SyncReceiver;
import org.hadirector.ipvs.sync.SyncSender;
import org.hadirector.ipvs.sync.SyncSettings;
import org.hadirector.sys.NetNs;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Established connections survive the master director's failure: director1 forwards the
 * client's keep-alive connections and multicasts them with the IPVS sync protocol; director2
 * installs them; director1's link goes down and the VIP moves to director2; every connection's
 * next request is answered by the same real server, with no reset. {@link XdpSyncFailoverLabTest}
 * runs it again with both directors on the XDP dataplane.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ConnectionSyncFailoverTest {
    static final String VIP = "198.18.0.100";
    static final int CONNECTIONS = 20;
    Lab lab;
    final List<ExecutorService> threads = new ArrayList<>();
    UserspaceDr dr1;
    UserspaceDr dr2;
    SyncSender master;
    SyncReceiver backup;

    /** Both directors on the XDP dataplane rather than AF_PACKET alone. */
    boolean xdp() {
        return false;
    }

    <T> T in(String host, Callable<T> c) throws Exception {
        ExecutorService ex = Executors.newSingleThreadExecutor();
        threads.add(ex);
        return ex.submit(() -> {
                    NetNs.enter(lab.ns(host));
                    return c.call();
                })
                .get(30, TimeUnit.SECONDS);
    }

    UserspaceDr director(String host) throws Exception {
        UserspaceDr dr =
                in(host, () -> UserspaceDr.open(UserspaceDr.Settings.of("e0").withXdp(xdp())));
        ServiceKey web = ServiceKey.of(IpProtocol.TCP, InetAddress.getByName(VIP), 80);
        dr.apply(new TableOp.AddService(VirtualService.of(web, "rr"), "test"));
        dr.apply(new TableOp.AddDestination(
                web, Destination.route(InetAddress.getByName("198.18.0.21"), 80, 1), "test"));
        dr.apply(new TableOp.AddDestination(
                web, Destination.route(InetAddress.getByName("198.18.0.22"), 80, 1), "test"));
        return dr;
    }

    @BeforeAll
    void topology() throws Exception {
        lab = Lab.create(
                xdp() ? "syx" : "sy",
                "client=198.18.0.10",
                "director1=198.18.0.11",
                "director2=198.18.0.12",
                "rs1=198.18.0.21",
                "rs2=198.18.0.22");
        lab.drRealServer("rs1", VIP);
        lab.drRealServer("rs2", VIP);
        if (xdp()) {
            Lab.requireTools(Lab.ETHTOOL);
            lab.xdpVeth("director1", "client");
            lab.xdpVeth("director2");
        }
        Lab.run("ip", "-n", lab.ns("director1"), "addr", "add", VIP + "/32", "dev", "e0");
        dr1 = director("director1");
        dr2 = director("director2");
        master = in("director1", () -> SyncSender.start(SyncSettings.of("e0", 7)));
        dr1.syncOut(master::offer);
        backup = in("director2", () -> SyncReceiver.start(SyncSettings.of("e0", 7), dr2::installLater));
    }

    @AfterAll
    void down() {
        for (AutoCloseable c : new AutoCloseable[] {backup, master, dr2, dr1}) {
            try {
                if (c != null) {
                    c.close();
                }
            } catch (Exception e) {
                // closing the rest matters more
            }
        }
        threads.forEach(ExecutorService::shutdownNow);
        if (lab != null) {
            lab.close();
        }
    }

    /** One keep-alive request on an open connection; returns the body. */
    static String get(Socket s) throws IOException {
        s.getOutputStream().write("GET /who HTTP/1.1\r\nHost: vip\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        InputStream in = s.getInputStream();
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        while (!head.toString(StandardCharsets.US_ASCII).endsWith("\r\n\r\n")) {
            int b = in.read();
            if (b < 0) {
                throw new IOException("closed by the peer after " + head.size() + " bytes");
            }
            head.write(b);
        }
        String h = head.toString(StandardCharsets.US_ASCII);
        int i = h.toLowerCase().indexOf("content-length:");
        int len = Integer.parseInt(h.substring(i + 15, h.indexOf("\r\n", i)).strip());
        return new String(in.readNBytes(len), StandardCharsets.US_ASCII).strip();
    }

    /** One keep-alive request on each open connection, from the client; the bodies in order. */
    List<String> requestOnEach(List<Socket> sockets) throws Exception {
        return in("client", () -> {
            List<String> a = new ArrayList<>();
            for (Socket s : sockets) {
                a.add(get(s));
            }
            return a;
        });
    }

    @Test
    void establishedConnectionsContinueThroughTheBackup() throws Exception {
        assertTrue(
                Lab.waitFor(
                                5_000,
                                Lab.quietly(() -> in("client", () -> {
                                    try (Socket s = new Socket()) {
                                        s.connect(new InetSocketAddress(VIP, 80), 1000);
                                        s.setSoTimeout(1000);
                                        return get(s).startsWith("rs");
                                    }
                                })))
                        >= 0,
                "the VIP answers through director1");
        List<Socket> sockets = new ArrayList<>();
        List<String> servers = new ArrayList<>();
        try {
            in("client", () -> {
                for (int i = 0; i < CONNECTIONS; i++) {
                    Socket s = new Socket();
                    s.connect(new InetSocketAddress(VIP, 80), 2000);
                    s.setSoTimeout(5000);
                    sockets.add(s);
                    servers.add(get(s));
                }
                return null;
            });
            assertTrue(servers.contains("rs1") && servers.contains("rs2"), "both servers: " + servers);
            if (xdp()) {
                // a second request on each: the connections are the program's by now (synced at packet 3)
                List<String> again = requestOnEach(sockets);
                assertEquals(servers, again);
                assertTrue(dr1.xdpCounters().get("tx") >= CONNECTIONS, "director1's program: " + dr1.xdpCounters());
            }
            // SYN, ACK, request: the third packet of an established connection is synced (threshold 3);
            // the master sends within its flush delay (1 s).
            long took = Lab.waitFor(5_000, Lab.quietly(() -> dr2.counters().syncedInstalled() >= CONNECTIONS));
            assertTrue(
                    took >= 0,
                    "backup installed " + dr2.counters().syncedInstalled() + " of " + CONNECTIONS + "; receiver "
                            + backup.messagesAccepted() + " messages, dropped " + backup.dropped());

            // The master fails: its link goes down and the VIP moves, as VRRP would move it.
            Lab.run("ip", "-n", lab.ns("director1"), "link", "set", "e0", "down");
            Lab.run("ip", "-n", lab.ns("director2"), "addr", "add", VIP + "/32", "dev", "e0");
            Lab.run("ip", "-n", lab.ns("client"), "neigh", "replace", VIP, "lladdr", lab.mac("director2"), "dev", "e0");

            List<String> after = requestOnEach(sockets);
            assertEquals(servers, after, "every connection answered by its own real server after the failover");
            if (xdp()) {
                // director2 handed each synced connection to its program at its first packet
                List<String> again = requestOnEach(sockets);
                assertEquals(servers, again);
                assertTrue(dr2.xdpCounters().get("tx") >= CONNECTIONS, "director2's program: " + dr2.xdpCounters());
            }
            assertEquals(0L, dr2.counters().dropped().get("not_syn"), "director2 knew every flow");
        } finally {
            for (Socket s : sockets) {
                s.close();
            }
        }
    }
}
