package org.hadirector.director.lab;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.MulticastSocket;
import java.net.NetworkInterface;
import java.util.AbstractList;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.hadirector.ipvs.Connection;
import org.hadirector.ipvs.Destination;
import org.hadirector.ipvs.ForwardMethod;
import org.hadirector.ipvs.IpProtocol;
import org.hadirector.ipvs.ServiceKey;
import org.hadirector.ipvs.TableOp;
import org.hadirector.ipvs.TcpState;
import org.hadirector.ipvs.VirtualService;
import org.hadirector.ipvs.dr.UserspaceDr;
import org.hadirector.ipvs.sync.SyncCodec;
import org.hadirector.ipvs.sync.SyncReceiver;
import org.hadirector.ipvs.sync.SyncSender;
import org.hadirector.ipvs.sync.SyncSettings;
import org.hadirector.sys.NetNs;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The sync backup as an attacker on the link sees it: director2 runs the userspace forwarder and
 * the sync receiver on e0; director1 forges sync messages. Only multicast to the group arriving
 * on e0 is read (unicast to director2's address and the group on another link are not); what is
 * read is installed with bounded timeouts, up to the entry cap, through a bounded hand-off.
 */
class SyncReceiverLabTest {
    static final String VIP = "198.18.0.100";
    static final int SYNC_ID = 7;
    static Lab lab;
    static final List<ExecutorService> threads = new ArrayList<>();
    static UserspaceDr dr;
    static SyncReceiver backup;
    static MulticastSocket otherMember;

    static <T> T in(String host, Callable<T> c) throws Exception {
        ExecutorService ex = Executors.newSingleThreadExecutor();
        threads.add(ex);
        return ex.submit(() -> {
                    NetNs.enter(lab.ns(host));
                    return c.call();
                })
                .get(30, TimeUnit.SECONDS);
    }

    @BeforeAll
    static void topology() throws Exception {
        lab = Lab.create("sr", "director1=198.18.0.11", "director2=198.18.0.12");
        // A second link between the two: the group may arrive there too, but it is not the sync interface.
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
                "e1",
                "netns",
                lab.ns("director2"));
        Lab.run("ip", "-n", lab.ns("director1"), "addr", "add", "198.18.0.201/32", "dev", "e1");
        Lab.run("ip", "-n", lab.ns("director2"), "addr", "add", "198.18.0.202/32", "dev", "e1");
        Lab.run("ip", "-n", lab.ns("director1"), "link", "set", "e1", "up");
        Lab.run("ip", "-n", lab.ns("director2"), "link", "set", "e1", "up");
        dr = in("director2", () -> UserspaceDr.open(UserspaceDr.Settings.of("e0")));
        ServiceKey web = ServiceKey.of(IpProtocol.TCP, InetAddress.getByName(VIP), 80);
        dr.apply(new TableOp.AddService(VirtualService.of(web, "rr"), "test"));
        dr.apply(new TableOp.AddDestination(
                web, Destination.route(InetAddress.getByName("198.18.0.21"), 80, 1), "test"));
        backup = in("director2", () -> SyncReceiver.start(SyncSettings.of("e0", SYNC_ID), dr::installLater));
        // Another program on director2 joined to the group on e1: the group's traffic reaches that link's stack.
        otherMember = in("director2", () -> {
            MulticastSocket m = new MulticastSocket(new InetSocketAddress(SyncSettings.DEFAULT_GROUP, 8848));
            m.joinGroup(new InetSocketAddress(SyncSettings.DEFAULT_GROUP, 8848), NetworkInterface.getByName("e1"));
            return m;
        });
    }

    @AfterAll
    static void down() {
        for (AutoCloseable c : new AutoCloseable[] {otherMember, backup, dr}) {
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

    static Connection forged(int clientPort, int timeout) throws Exception {
        return new Connection(
                IpProtocol.TCP,
                InetAddress.getByName("203.0.113.9"),
                clientPort,
                InetAddress.getByName(VIP),
                80,
                InetAddress.getByName("198.18.0.21"),
                80,
                0,
                ForwardMethod.ROUTE.code(),
                TcpState.ESTABLISHED.code(),
                timeout);
    }

    static byte[] message(Connection... c) {
        return SyncCodec.encode(SYNC_ID, List.of(c), SyncCodec.DEFAULT_MAXLEN).get(0);
    }

    /** Sends from director1: to {@code to}, multicast out of {@code via} when the address is a group. */
    static void send(byte[] m, String to, String via) throws Exception {
        in("director1", () -> {
            InetAddress dst = InetAddress.getByName(to);
            if (dst.isMulticastAddress()) {
                try (MulticastSocket s = new MulticastSocket()) {
                    s.setNetworkInterface(NetworkInterface.getByName(via));
                    s.setTimeToLive(1);
                    s.send(new DatagramPacket(m, m.length, dst, 8848));
                }
            } else {
                try (DatagramSocket s = new DatagramSocket()) {
                    s.send(new DatagramPacket(m, m.length, dst, 8848));
                }
            }
            return null;
        });
    }

    @Test
    void onlyTheGroupOnTheSyncInterfaceIsRead() throws Exception {
        long before = backup.messagesAccepted();
        long installedBefore = dr.counters().syncedInstalled();
        for (int i = 0; i < 5; i++) {
            send(message(forged(50000 + i, Integer.MAX_VALUE)), "198.18.0.12", null);
            send(message(forged(50100 + i, Integer.MAX_VALUE)), SyncSettings.DEFAULT_GROUP.getHostAddress(), "e1");
        }
        // the other member on e1 got the group's datagrams: they did arrive at director2
        otherMember.setSoTimeout(2_000);
        byte[] buf = new byte[2048];
        otherMember.receive(new DatagramPacket(buf, buf.length));
        Thread.sleep(500);
        assertEquals(before, backup.messagesAccepted(), "unicast to director2, and the group on e1, are not read");
        assertEquals(installedBefore, dr.counters().syncedInstalled());

        send(message(forged(50200, Integer.MAX_VALUE)), SyncSettings.DEFAULT_GROUP.getHostAddress(), "e0");
        assertTrue(
                Lab.waitFor(5_000, Lab.quietly(() -> dr.counters().syncedInstalled() == installedBefore + 1)) >= 0,
                "the group on e0 is read and installed: " + dr.counters());
        Connection c = dr.connections().stream()
                .filter(x -> x.clientPort() == 50200)
                .findFirst()
                .orElseThrow();
        assertTrue(
                c.timeoutSeconds() <= TcpState.ESTABLISHED.defaultTimeoutSeconds(),
                "sent with 2^31-1 s, installed with " + c.timeoutSeconds() + " s left");
    }

    @Test
    void newEntriesStopAtTheCap() throws Exception {
        dr.flushConnections();
        dr.syncLimits(3, 10_000);
        try {
            long capped = dr.counters().syncedOverCap();
            send(
                    message(
                            forged(51000, 900),
                            forged(51001, 900),
                            forged(51002, 900),
                            forged(51003, 900),
                            forged(51004, 900)),
                    SyncSettings.DEFAULT_GROUP.getHostAddress(),
                    "e0");
            assertTrue(
                    Lab.waitFor(5_000, Lab.quietly(() -> dr.counters().syncedOverCap() == capped + 2)) >= 0,
                    "two of five refused at the cap: " + dr.counters());
            assertEquals(3, dr.counters().connections());
        } finally {
            dr.syncLimits(1_000_000, 10_000);
        }
    }

    @Test
    void theHandOffIsBounded() throws Exception {
        dr.syncLimits(1_000_000, 100);
        CountDownLatch entered = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        Connection one = forged(52000, 900);
        // A message whose reading holds the forwarder thread: what arrives meanwhile waits.
        List<Connection> slow = new AbstractList<>() {
            @Override
            public Connection get(int i) {
                return one;
            }

            @Override
            public int size() {
                return 1;
            }

            @Override
            public java.util.Iterator<Connection> iterator() {
                entered.countDown();
                try {
                    release.await(10, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                return super.iterator();
            }
        };
        long shed = dr.syncDropped()[1];
        try {
            assertTrue(dr.installLater(slow));
            assertTrue(entered.await(5, TimeUnit.SECONDS), "the forwarder took the first message");
            List<Connection> sixty = new ArrayList<>();
            for (int i = 0; i < 60; i++) {
                sixty.add(forged(52100 + i, 900));
            }
            assertTrue(dr.installLater(sixty), "60 waiting of 100");
            assertFalse(dr.installLater(sixty), "120 would wait: dropped");
            assertEquals(shed + 60, dr.syncDropped()[1]);
        } finally {
            release.countDown();
            dr.syncLimits(1_000_000, 10_000);
        }
        assertTrue(
                Lab.waitFor(5_000, Lab.quietly(() -> dr.connections().stream().anyMatch(c -> c.clientPort() == 52159)))
                        >= 0,
                "what was taken is installed");
        assertEquals(shed + 60, dr.counters().syncedShed());
    }

    /** The master's queue to its event loop is bounded too: over it offers are dropped and counted, never queued. */
    @Test
    void theMastersQueueIsBounded() throws Exception {
        // another sync id: director2 ignores these
        SyncSender master = in("director1", () -> SyncSender.start(SyncSettings.of("e0", SYNC_ID + 2), 1));
        try {
            Connection c = forged(53000, 900);
            for (int i = 0; i < 1000; i++) {
                master.offer(c);
            }
        } finally {
            master.close();
        }
        assertEquals(1000, master.connectionsSent() + master.offersDropped(), "every offer sent or counted");
        assertTrue(master.offersDropped() > 0, "a queue of 1 cannot take 1,000 offers in a burst");
    }
}
