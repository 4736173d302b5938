package org.hadirector.ipvs.sync;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.epoll.EpollDatagramChannel;
import io.netty.channel.epoll.EpollEventLoopGroup;
import io.netty.channel.socket.DatagramPacket;
import io.netty.channel.socket.InternetProtocolFamily;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.ScheduledFuture;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.hadirector.ipvs.Connection;
import org.hadirector.ipvs.DataplaneException;
import org.hadirector.sys.Interfaces;
import org.hadirector.sys.NativeException;
import org.hadirector.sys.RtNetlink;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The master side of connection sync: connections offered from any thread are batched on one
 * native epoll event loop and multicast out of the sync interface, from its address, as the
 * kernel's master sync thread sends them.
 */
public final class SyncSender implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(SyncSender.class);

    private final SyncSettings settings;
    private final EpollEventLoopGroup group;
    private final Channel channel;
    private final EventLoop loop;
    private final SyncBatcher batcher;
    private final InetSocketAddress destination;
    private ScheduledFuture<?> flushTimer;
    private final AtomicLong messages = new AtomicLong();
    private final AtomicLong connections = new AtomicLong();
    private final AtomicLong errors = new AtomicLong();
    /** Offers waiting for the event loop, their bound, and those dropped over it. */
    private final AtomicInteger queued = new AtomicInteger();

    private final int maxQueued;
    private final AtomicLong shed = new AtomicLong();
    private long shedLogged;
    private long shedLoggedNs;

    private SyncSender(SyncSettings settings, EpollEventLoopGroup group, Channel channel, int maxQueued) {
        this.settings = settings;
        this.maxQueued = maxQueued;
        this.group = group;
        this.channel = channel;
        this.loop = channel.eventLoop();
        this.batcher = new SyncBatcher(
                settings.syncId(), settings.maxlen(), settings.flushDelay().toNanos());
        this.destination = new InetSocketAddress(settings.group(), settings.port());
    }

    /** Opens the socket in the calling thread's network namespace; at most 32,768 offers wait. */
    public static SyncSender start(SyncSettings s) throws DataplaneException {
        return start(s, 32_768);
    }

    /**
     * Opens the socket in the calling thread's network namespace. At most {@code maxQueued}
     * offered connections wait for the event loop; more are dropped and counted, as the kernel's
     * master stops queueing at sync_qlen_max.
     */
    public static SyncSender start(SyncSettings s, int maxQueued) throws DataplaneException {
        if (maxQueued < 1) {
            throw new IllegalArgumentException("sync master queue bound " + maxQueued);
        }
        SyncReceiver.networkInterface(s.interfaceName()); // a missing interface is named as such
        InetAddress source = primaryAddress(s.interfaceName());
        if (source == null) {
            throw new DataplaneException("sync interface " + s.interfaceName() + " has no IPv4 address to send from");
        }
        EpollEventLoopGroup group = new EpollEventLoopGroup(1, new DefaultThreadFactory("sync-master", true));
        try {
            Channel ch = new Bootstrap()
                    .group(group)
                    .channelFactory(() -> new EpollDatagramChannel(InternetProtocolFamily.IPv4))
                    .option(ChannelOption.IP_MULTICAST_TTL, s.ttl())
                    // by the interface's own address, not NetworkInterface: netty takes that object's
                    // first IPv4 address, which may be a VIP gone by now (EADDRNOTAVAIL at a quick
                    // MASTER -> BACKUP, seen in the sync-recreate drill)
                    .option(ChannelOption.IP_MULTICAST_ADDR, source)
                    .option(ChannelOption.IP_MULTICAST_LOOP_DISABLED, true)
                    .handler(new SimpleChannelInboundHandler<DatagramPacket>() {
                        @Override
                        protected void channelRead0(ChannelHandlerContext ctx, DatagramPacket msg) {
                            // the master only sends
                        }
                    })
                    .bind(new InetSocketAddress(source, 0))
                    .syncUninterruptibly()
                    .channel();
            LOG.info(
                    "sync master on {} (from {}): sync id {}, {}:{} ttl {}, messages up to {} bytes",
                    s.interfaceName(),
                    source.getHostAddress(),
                    s.syncId(),
                    s.group().getHostAddress(),
                    s.port(),
                    s.ttl(),
                    s.maxlen());
            return new SyncSender(s, group, ch, maxQueued);
        } catch (RuntimeException e) {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
            throw new DataplaneException("sync master on " + s.interfaceName() + ": " + e.getMessage(), e);
        }
    }

    /** Queues one connection; safe from any thread, never blocks; dropped and counted over the bound. */
    public void offer(Connection c) {
        if (queued.incrementAndGet() > maxQueued) {
            queued.decrementAndGet();
            shed.incrementAndGet();
            return;
        }
        loop.execute(() -> {
            queued.decrementAndGet();
            long now = System.nanoTime();
            send(batcher.add(c, now));
            if (flushTimer == null && batcher.pending() > 0) {
                flushTimer =
                        loop.schedule(this::flushDue, Math.max(0, batcher.deadlineNs() - now), TimeUnit.NANOSECONDS);
            }
        });
    }

    private void flushDue() {
        flushTimer = null;
        long now = System.nanoTime();
        logShed(now);
        send(batcher.due(now));
        long next = batcher.deadlineNs();
        if (next != -1) {
            flushTimer = loop.schedule(this::flushDue, Math.max(0, next - now), TimeUnit.NANOSECONDS);
        }
    }

    /** A failing send fails for every message (a link down): one line each 10 s, counted. */
    private final org.hadirector.sys.RateLimitedLog sendFailureLog = org.hadirector.sys.RateLimitedLog.everyPeriod();

    private void send(List<byte[]> out) {
        for (byte[] m : out) {
            int n = m[4] & 0xff;
            channel.writeAndFlush(new DatagramPacket(Unpooled.wrappedBuffer(m), destination))
                    .addListener(f -> {
                        if (f.isSuccess()) {
                            messages.incrementAndGet();
                            connections.addAndGet(n);
                        } else {
                            long all = errors.incrementAndGet();
                            long lines = sendFailureLog.admit(System.nanoTime());
                            if (lines > 0) {
                                LOG.warn(
                                        "sync master on {}: send failed: {}{}",
                                        settings.interfaceName(),
                                        f.cause().toString(),
                                        org.hadirector.sys.RateLimitedLog.notLogged(lines - 1, all));
                            }
                        }
                    });
        }
    }

    public long messagesSent() {
        return messages.get();
    }

    public long connectionsSent() {
        return connections.get();
    }

    public long sendErrors() {
        return errors.get();
    }

    /** Connections dropped because the queue to the event loop was full. */
    public long offersDropped() {
        return shed.get();
    }

    /** On the event loop, at most once per 10 s. */
    private void logShed(long now) {
        long n = shed.get();
        if (n != shedLogged && now - shedLoggedNs >= 10_000_000_000L) {
            LOG.warn(
                    "sync master on {}: {} connections not sent, the queue being full ({} new)",
                    settings.interfaceName(),
                    n,
                    n - shedLogged);
            shedLogged = n;
            shedLoggedNs = now;
        }
    }

    /** Sends what is pending, then stops. */
    @Override
    public void close() {
        try {
            loop.submit(() -> send(batcher.flush())).await(1, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        channel.close().awaitUninterruptibly(1, TimeUnit.SECONDS);
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(2, TimeUnit.SECONDS);
        LOG.info(
                "sync master on {} stopped: {} messages, {} connections sent",
                settings.interfaceName(),
                messages.get(),
                connections.get());
    }

    /**
     * The interface's primary IPv4 address, as the kernel's master binds to (inet_select_addr):
     * the first global one in the kernel's order, which a VIP added later does not displace.
     */
    static InetAddress primaryAddress(String interfaceName) throws DataplaneException {
        try (RtNetlink nl = RtNetlink.open()) {
            for (RtNetlink.Address a : nl.addresses(Interfaces.index(interfaceName))) {
                if (a.address() instanceof Inet4Address && a.scope() == 0) {
                    return a.address();
                }
            }
            return null;
        } catch (NativeException e) {
            throw new DataplaneException("sync interface " + interfaceName + ": " + e.getMessage(), e);
        }
    }

    static NetworkInterface networkInterfaceOrNull(String name) {
        try {
            return NetworkInterface.getByName(name);
        } catch (SocketException e) {
            return null;
        }
    }
}
