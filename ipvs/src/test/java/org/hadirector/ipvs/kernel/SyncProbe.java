package org.hadirector.ipvs.kernel;

import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.hadirector.ipvs.Connection;
import org.hadirector.ipvs.IpProtocol;
import org.hadirector.ipvs.TcpState;
import org.hadirector.ipvs.sync.SyncReceiver;
import org.hadirector.ipvs.sync.SyncSender;
import org.hadirector.ipvs.sync.SyncSettings;

/**
 * Our sync master and backup against the kernel's, inside the IPVS VM (KernelIpvsVmTest).
 * {@code send IF SYNCID}: announces two connections and exits. {@code receive IF SYNCID SECONDS
 * READYFILE}: prints every connection received until some arrived (or the time is up).
 */
public final class SyncProbe {
    private SyncProbe() {}

    public static void main(String[] args) throws Exception {
        SyncSettings s = SyncSettings.of(args[1], Integer.parseInt(args[2]));
        if (args[0].equals("send")) {
            try (SyncSender out = SyncSender.start(s)) {
                out.offer(new Connection(
                        IpProtocol.TCP,
                        InetAddress.getByName("198.18.0.130"),
                        40000,
                        InetAddress.getByName("198.18.0.100"),
                        80,
                        InetAddress.getByName("198.18.0.21"),
                        80,
                        0,
                        3,
                        TcpState.ESTABLISHED.code(),
                        900));
                out.offer(new Connection(
                        IpProtocol.UDP,
                        InetAddress.getByName("198.18.0.131"),
                        5353,
                        InetAddress.getByName("198.18.0.100"),
                        53,
                        InetAddress.getByName("198.18.0.22"),
                        53,
                        0,
                        3,
                        0,
                        300));
            }
            System.out.println("sent");
            return;
        }
        CountDownLatch got = new CountDownLatch(1);
        try (SyncReceiver in = SyncReceiver.start(s, (List<Connection> conns) -> {
            for (Connection c : conns) {
                System.out.println("received " + c.protocol() + " "
                        + c.clientAddress().getHostAddress() + ":"
                        + c.clientPort() + " -> " + c.virtualAddress().getHostAddress() + ":" + c.virtualPort() + " -> "
                        + c.destAddress().getHostAddress() + ":" + c.destPort() + " state " + c.state() + " timeout "
                        + c.timeoutSeconds());
            }
            got.countDown();
        })) {
            Files.writeString(Path.of(args[4]), "ready\n");
            boolean ok = got.await(Long.parseLong(args[3]), TimeUnit.SECONDS);
            System.out.println(ok ? "done" : "nothing received; dropped " + in.dropped());
        }
    }
}
