package org.hadirector.director;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollEventLoopGroup;
import io.netty.channel.epoll.EpollServerDomainSocketChannel;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.unix.DomainSocketAddress;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.io.IOException;
import java.net.SocketAddress;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BiConsumer;
import org.hadirector.sys.LogThrottle;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A listening socket (TCP or unix) that serves one request per connection, within bounds:
 * <ul>
 * <li>at most {@code maxConnections} open at once; one more is told so in one line and closed at
 * once, and counted;
 * <li>every connection closed on every path: a deadline for the whole request, one for computing
 * and writing the answer, one for the lingering close after it ({@link OneRequestConnection});
 * <li>answers computed off the I/O thread by a few workers, whose queue is as long as the cap, so
 * that parallel clients wait their turn instead of being refused, and an idle client holds no
 * thread;
 * <li>accept errors (EMFILE, ENFILE, ENOBUFS...) logged at most once per 10 s and survived:
 * accepting pauses 50 ms, doubling up to 1 s while it keeps failing, instead of spinning or
 * ending.
 * </ul>
 * One event-loop thread does all the socket work (accept, read, write, timers).
 */
final class BoundedServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(BoundedServer.class);
    private static final long LOG_INTERVAL = TimeUnit.SECONDS.toNanos(10);
    static final long MIN_BACKOFF_MILLIS = 50;
    static final long MAX_BACKOFF_MILLIS = 1000;

    /** The bounds of one server; times in milliseconds. */
    record Limits(int maxConnections, long requestMillis, long answerMillis, long lingerMillis, int workers) {}

    /** A snapshot of what a server counted, for /metrics. */
    record Stats(
            String name,
            int open,
            long connections,
            long overCap,
            long busy,
            long timedOut,
            long malformed,
            long acceptErrors) {}

    final String name;
    final Limits limits;
    final ExecutorService workers;
    private final EventLoopGroup group;
    private final Channel listener;

    private final AtomicInteger open = new AtomicInteger();
    private final AtomicLong connections = new AtomicLong();
    private final AtomicLong overCap = new AtomicLong();
    final AtomicLong busy = new AtomicLong();
    final AtomicLong timedOut = new AtomicLong();
    final AtomicLong malformed = new AtomicLong();
    private final AtomicLong acceptErrors = new AtomicLong();
    private final LogThrottle overCapLog = new LogThrottle(LOG_INTERVAL);
    private final LogThrottle acceptLog = new LogThrottle(LOG_INTERVAL);
    final LogThrottle timeoutLog = new LogThrottle(LOG_INTERVAL);

    /**
     * Binds {@code at} (an InetSocketAddress, or a DomainSocketAddress for a unix socket). Each
     * accepted connection under the cap gets its handlers from {@code protocol}; one over it gets
     * {@code refusal} (a fresh buffer each time) and is closed.
     */
    static BoundedServer start(
            String name,
            SocketAddress at,
            Limits limits,
            BiConsumer<BoundedServer, Channel> protocol,
            java.util.function.Supplier<ByteBuf> refusal)
            throws IOException {
        if (!Epoll.isAvailable()) {
            throw new IOException("the epoll transport is not available: " + Epoll.unavailabilityCause());
        }
        return new BoundedServer(name, at, limits, protocol, refusal);
    }

    @SuppressWarnings("deprecation") // EpollEventLoopGroup: 4.2's replacement does not exist in 4.1
    private BoundedServer(
            String name,
            SocketAddress at,
            Limits limits,
            BiConsumer<BoundedServer, Channel> protocol,
            java.util.function.Supplier<ByteBuf> refusal)
            throws IOException {
        this.name = name;
        this.limits = limits;
        ThreadPoolExecutor pool = new ThreadPoolExecutor(
                limits.workers(),
                limits.workers(),
                30,
                TimeUnit.SECONDS,
                new ArrayBlockingQueue<>(limits.maxConnections()),
                new DefaultThreadFactory(name + "-worker", true));
        pool.allowCoreThreadTimeOut(true);
        this.workers = pool;
        this.group = new EpollEventLoopGroup(1, new DefaultThreadFactory(name, true));
        boolean unix = at instanceof DomainSocketAddress;
        ServerBootstrap b = new ServerBootstrap()
                .group(group)
                .channel(unix ? EpollServerDomainSocketChannel.class : EpollServerSocketChannel.class)
                .option(ChannelOption.SO_BACKLOG, 128)
                .handler(new AcceptErrors())
                .childOption(ChannelOption.ALLOW_HALF_CLOSURE, true)
                .childHandler(new Admission(protocol, refusal));
        if (!unix) {
            b.option(ChannelOption.SO_REUSEADDR, true);
        }
        ChannelFuture bound = b.bind(at).awaitUninterruptibly();
        if (!bound.isSuccess()) {
            group.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
            pool.shutdownNow();
            Throwable t = bound.cause();
            throw t instanceof IOException io ? io : new IOException(t.toString(), t);
        }
        this.listener = bound.channel();
    }

    /** Where the server listens (the port chosen for port 0). */
    SocketAddress localAddress() {
        return listener.localAddress();
    }

    /** Whether it still listens: false once closed (a supervisor may restart it then). */
    boolean serving() {
        return listener.isActive() && !group.isShuttingDown();
    }

    Stats stats() {
        return new Stats(
                name,
                open.get(),
                connections.get(),
                overCap.get(),
                busy.get(),
                timedOut.get(),
                malformed.get(),
                acceptErrors.get());
    }

    /** Counts a connection in, or refuses it over the cap; then hands it to the protocol's handlers. */
    @io.netty.channel.ChannelHandler.Sharable
    private final class Admission extends ChannelInitializer<Channel> {
        private final BiConsumer<BoundedServer, Channel> protocol;
        private final java.util.function.Supplier<ByteBuf> refusal;

        Admission(BiConsumer<BoundedServer, Channel> protocol, java.util.function.Supplier<ByteBuf> refusal) {
            this.protocol = protocol;
            this.refusal = refusal;
        }

        @Override
        protected void initChannel(Channel ch) {
            connections.incrementAndGet();
            backoff = 0;
            int now = open.incrementAndGet();
            ch.closeFuture().addListener(f -> open.decrementAndGet());
            if (now > limits.maxConnections()) {
                overCap.incrementAndGet();
                if (overCapLog.allow(System.nanoTime())) {
                    LOG.warn(
                            "{}: refused a connection{}: {} open, the cap is {} ({} more refused since the last line)",
                            name,
                            from(ch),
                            now - 1,
                            limits.maxConnections(),
                            overCapLog.takeHeld());
                }
                ch.config().setAutoRead(false);
                ch.writeAndFlush(refusal.get()).addListener(ChannelFutureListener.CLOSE);
                return;
            }
            protocol.accept(BoundedServer.this, ch);
        }
    }

    static String from(Channel ch) {
        SocketAddress a = ch.remoteAddress();
        return a instanceof java.net.InetSocketAddress i
                ? " from " + i.getAddress().getHostAddress() + ":" + i.getPort()
                : "";
    }

    /** Consecutive accept failures' pause; 0 after a success. Event loop only. */
    private long backoff;

    /** The listening channel's errors are accept errors: log, pause accepting briefly, go on. */
    private final class AcceptErrors extends ChannelInboundHandlerAdapter {
        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            acceptErrors.incrementAndGet();
            backoff = backoff == 0 ? MIN_BACKOFF_MILLIS : Math.min(MAX_BACKOFF_MILLIS, backoff * 2);
            if (acceptLog.allow(System.nanoTime())) {
                LOG.warn(
                        "{}: accept failed: {}; accepting again in {} ms ({} more failures since the last line)",
                        name,
                        cause.getMessage() != null ? cause.getMessage() : cause.toString(),
                        backoff,
                        acceptLog.takeHeld());
            }
            Channel server = ctx.channel();
            server.config().setAutoRead(false);
            ctx.executor()
                    .schedule(
                            () -> {
                                if (server.isOpen()) {
                                    server.config().setAutoRead(true);
                                }
                            },
                            backoff,
                            TimeUnit.MILLISECONDS);
        }
    }

    /** Prometheus text for the servers' counters. */
    static String prometheus(List<Stats> servers) {
        StringBuilder b = new StringBuilder();
        metric(
                b,
                servers,
                "hadirector_endpoint_connections_open",
                "gauge",
                "Connections open on the HTTP endpoint or the control socket.",
                s -> (long) s.open());
        metric(
                b,
                servers,
                "hadirector_endpoint_connections_total",
                "counter",
                "Connections accepted, those refused over the cap included.",
                Stats::connections);
        b.append(
                "# HELP hadirector_endpoint_refused_total Connections closed without serving them: over the connection cap, "
                        + "or no worker free.\n# TYPE hadirector_endpoint_refused_total counter\n");
        for (Stats s : servers) {
            b.append("hadirector_endpoint_refused_total{endpoint=\"")
                    .append(s.name())
                    .append("\",reason=\"over_cap\"} ")
                    .append(s.overCap())
                    .append('\n');
            b.append("hadirector_endpoint_refused_total{endpoint=\"")
                    .append(s.name())
                    .append("\",reason=\"busy\"} ")
                    .append(s.busy())
                    .append('\n');
        }
        metric(
                b,
                servers,
                "hadirector_endpoint_timeouts_total",
                "counter",
                "Connections closed at a deadline: the request or the answer took too long.",
                Stats::timedOut);
        metric(
                b,
                servers,
                "hadirector_endpoint_malformed_total",
                "counter",
                "Requests answered with an error for their form.",
                Stats::malformed);
        metric(
                b,
                servers,
                "hadirector_endpoint_accept_errors_total",
                "counter",
                "Failed accepts (descriptor limits and the like), each followed by a short pause.",
                Stats::acceptErrors);
        return b.toString();
    }

    private static void metric(
            StringBuilder b,
            List<Stats> servers,
            String metric,
            String type,
            String help,
            java.util.function.ToLongFunction<Stats> value) {
        b.append("# HELP ").append(metric).append(' ').append(help).append('\n');
        b.append("# TYPE ").append(metric).append(' ').append(type).append('\n');
        for (Stats s : servers) {
            b.append(metric)
                    .append("{endpoint=\"")
                    .append(s.name())
                    .append("\"} ")
                    .append(value.applyAsLong(s))
                    .append('\n');
        }
    }

    /** Stops listening, closes every connection, stops the workers; waits at most a few seconds. */
    @Override
    public void close() {
        listener.close().awaitUninterruptibly(2, TimeUnit.SECONDS);
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
        workers.shutdownNow();
    }
}
