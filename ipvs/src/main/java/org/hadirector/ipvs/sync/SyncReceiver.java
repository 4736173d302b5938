package org.hadirector.ipvs.sync;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOption;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.epoll.EpollDatagramChannel;
import io.netty.channel.epoll.EpollEventLoopGroup;
import io.netty.channel.socket.DatagramPacket;
import io.netty.channel.socket.InternetProtocolFamily;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.hadirector.ipvs.Connection;
import org.hadirector.ipvs.DataplaneException;
import org.hadirector.sys.NativeException;
import org.hadirector.sys.SocketOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The backup side of connection sync: listens to the group on the sync interface only, reads
 * each datagram as the kernel's backup does (size, sync id, version, entry checks) and hands the
 * accepted connections to a consumer on its event loop. A bad datagram is counted by reason and logged
 * now and then, never fatal.
 */
public final class SyncReceiver implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(SyncReceiver.class);

    private final SyncSettings settings;
    private final EpollEventLoopGroup group;
    private final io.netty.channel.Channel channel;
    private final AtomicLong accepted = new AtomicLong();
    private final AtomicLong connections = new AtomicLong();
    private final Map<String, AtomicLong> dropped = new ConcurrentHashMap<>();

    private SyncReceiver(SyncSettings settings, EpollEventLoopGroup group, io.netty.channel.Channel channel) {
        this.settings = settings;
        this.group = group;
        this.channel = channel;
    }

    static NetworkInterface networkInterface(String name) throws DataplaneException {
        NetworkInterface nif = SyncSender.networkInterfaceOrNull(name);
        if (nif == null) {
            throw new DataplaneException("sync interface " + name + " does not exist");
        }
        return nif;
    }

    /**
     * Opens the socket in the calling thread's network namespace as the kernel's backup does
     * (make_receive_sock): bound to the sync interface (SO_BINDTODEVICE) and to the group's
     * address and port, joined on that interface only. Datagrams sent by unicast to one of the
     * host's addresses, or arriving on another interface, never reach it.
     */
    public static SyncReceiver start(SyncSettings s, Consumer<List<Connection>> sink) throws DataplaneException {
        NetworkInterface nif = networkInterface(s.interfaceName());
        EpollEventLoopGroup group = new EpollEventLoopGroup(1, new DefaultThreadFactory("sync-backup", true));
        SyncReceiver[] self = new SyncReceiver[1];
        try {
            EpollDatagramChannel ch = (EpollDatagramChannel) new Bootstrap()
                    .group(group)
                    .channelFactory(() -> new EpollDatagramChannel(InternetProtocolFamily.IPv4))
                    .option(ChannelOption.SO_REUSEADDR, true)
                    .option(ChannelOption.SO_RCVBUF, 1 << 20)
                    .handler(new SimpleChannelInboundHandler<DatagramPacket>() {
                        @Override
                        protected void channelRead0(ChannelHandlerContext ctx, DatagramPacket p) {
                            self[0].receive(p, sink);
                        }
                    })
                    .register()
                    .syncUninterruptibly()
                    .channel();
            try {
                SocketOptions.bindToDevice(ch.fd().intValue(), s.interfaceName());
            } catch (NativeException e) {
                ch.close().awaitUninterruptibly(1, TimeUnit.SECONDS);
                throw new DataplaneException("sync backup on " + s.interfaceName() + ": " + e.getMessage(), e);
            }
            // Set before the first datagram can arrive: bind runs on the event loop after this write.
            self[0] = new SyncReceiver(s, group, ch);
            ch.bind(new InetSocketAddress(s.group(), s.port())).syncUninterruptibly();
            ch.joinGroup(new InetSocketAddress(s.group(), s.port()), nif).syncUninterruptibly();
            LOG.info(
                    "sync backup on {}: sync id {}, {}:{} (bound to the group on {} only)",
                    s.interfaceName(),
                    s.syncId(),
                    s.group().getHostAddress(),
                    s.port(),
                    s.interfaceName());
            return self[0];
        } catch (RuntimeException | DataplaneException e) {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
            if (e instanceof DataplaneException d) {
                throw d;
            }
            throw new DataplaneException("sync backup on " + s.interfaceName() + ": " + e.getMessage(), e);
        }
    }

    private void receive(DatagramPacket p, Consumer<List<Connection>> sink) {
        ByteBuf buf = p.content();
        byte[] d = new byte[buf.readableBytes()];
        buf.getBytes(buf.readerIndex(), d);
        SyncMessage m;
        try {
            m = SyncCodec.decode(d, d.length, settings.syncId());
        } catch (SyncFormatException e) {
            drop(e.getMessage().startsWith("sync id") ? "sync id" : "malformed", e.getMessage(), p);
            return;
        }
        if (m.truncatedBy() != null) {
            drop("malformed", m.truncatedBy(), p);
        }
        if (m.skipped() > 0) {
            dropped.computeIfAbsent("entry skipped", k -> new AtomicLong()).addAndGet(m.skipped());
        }
        accepted.incrementAndGet();
        connections.addAndGet(m.connections().size());
        if (!m.connections().isEmpty()) {
            sink.accept(m.connections());
        }
    }

    /** Per drop reason: the first line at once, then one each 10 s with the count (forged floods are cheap). */
    private final Map<String, org.hadirector.sys.RateLimitedLog> dropLogs = new ConcurrentHashMap<>();

    private void drop(String reason, String detail, DatagramPacket p) {
        long n = dropped.computeIfAbsent(reason, k -> new AtomicLong()).incrementAndGet();
        long lines = dropLogs.computeIfAbsent(reason, k -> org.hadirector.sys.RateLimitedLog.everyPeriod())
                .admit(System.nanoTime());
        if (lines > 0) {
            LOG.warn(
                    "sync backup on {}: dropped a message from {}: {}{}",
                    settings.interfaceName(),
                    p.sender().getAddress().getHostAddress(),
                    detail,
                    org.hadirector.sys.RateLimitedLog.notLogged(lines - 1, n));
        }
    }

    public long messagesAccepted() {
        return accepted.get();
    }

    public long connectionsReceived() {
        return connections.get();
    }

    /** Datagrams (or entries) dropped, by reason. */
    public Map<String, Long> dropped() {
        Map<String, Long> m = new java.util.TreeMap<>();
        dropped.forEach((k, v) -> m.put(k, v.get()));
        return m;
    }

    @Override
    public void close() {
        channel.close().awaitUninterruptibly(1, TimeUnit.SECONDS);
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(2, TimeUnit.SECONDS);
        LOG.info(
                "sync backup on {} stopped: {} messages, {} connections",
                settings.interfaceName(),
                accepted.get(),
                connections.get());
    }
}
