package org.hadirector.healthcheck;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.socket.DatagramPacket;
import io.netty.channel.socket.nio.NioDatagramChannel;
import io.netty.util.ReferenceCountUtil;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.PortUnreachableException;
import java.net.SocketAddress;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Optional;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * DNS_CHECK on netty over the JDK's NIO (its own loop, see {@link ProbeIo}): one query over UDP, judged as keepalived judges
 * it (see {@link DnsMessage}: a reply with the query's id and QR set decides; RCODE 0 passes,
 * any other fails; answers are not looked at). The socket is connected to the target, as
 * keepalived's is, so the kernel drops datagrams from any other address or port, and an ICMP
 * port unreachable fails the check at once instead of at the timeout. Datagrams that are not
 * the reply (too short, another id, not a response) are ignored and the wait goes on until
 * the timeout. keepalived sends no retransmission within one check and neither does this.
 */
public final class DnsChecker implements Probe {
    /** Ids from a strong source: a guessable id would let an off-path sender fake a healthy reply. */
    private static final SecureRandom IDS = new SecureRandom();

    private final CheckSettings.Dns settings;
    private final EventLoopGroup group;
    private final Bootstrap bootstrap;
    private final int type;
    private final byte[] qname;

    /** keepalived's defaults, SOA for ".", stand in for a missing type or name; {@code group} must be NIO. */
    public DnsChecker(CheckSettings.Dns settings, EventLoopGroup group) {
        this.settings = settings;
        this.group = group;
        this.type = DnsMessage.type(settings.type() == null ? "SOA" : settings.type());
        this.qname = DnsMessage.qname(settings.name() == null ? "." : settings.name());
        this.bootstrap = new Bootstrap().channel(NioDatagramChannel.class);
    }

    @Override
    public String describe() {
        return settings.describe();
    }

    @Override
    public AutoCloseable run(Consumer<ProbeResult> done) {
        int id = IDS.nextInt(0x10000);
        byte[] query = DnsMessage.query(id, type, qname);
        ProbeAttempt attempt = new ProbeAttempt(done);
        // timer and channel on one loop, so a reply and the timeout are never judged at once
        EventLoop loop = group.next();
        long ms = TimeUnit.NANOSECONDS.toMillis(settings.timeoutNanos());
        Future<?> timer = loop.schedule(
                () -> attempt.finish(ProbeResult.fail("no answer within " + ms + " ms")),
                settings.timeoutNanos(),
                TimeUnit.NANOSECONDS);
        Bootstrap b = bootstrap.clone(loop).handler(new ReplyHandler(id, settings.target(), attempt));
        ChannelFuture f =
                settings.bind() != null ? b.connect(settings.target(), settings.bind()) : b.connect(settings.target());
        attempt.start(f.channel(), timer);
        f.addListener((ChannelFuture c) -> {
            if (!c.isSuccess()) {
                attempt.finish(ProbeResult.fail(Failures.describe(c.cause(), settings.timeoutNanos())));
                return;
            }
            c.channel().writeAndFlush(Unpooled.wrappedBuffer(query)).addListener((ChannelFuture w) -> {
                if (!w.isSuccess()) {
                    attempt.finish(ProbeResult.fail("send: " + Failures.describe(w.cause(), settings.timeoutNanos())));
                }
            });
        });
        return attempt::abort;
    }

    /** Reads datagrams until one decides; never lets a malformed one escape as an exception. */
    private final class ReplyHandler extends ChannelInboundHandlerAdapter {
        private final int id;
        private final InetSocketAddress target;
        private final ProbeAttempt attempt;

        ReplyHandler(int id, InetSocketAddress target, ProbeAttempt attempt) {
            this.id = id;
            this.target = target;
            this.attempt = attempt;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            try {
                ByteBuf content;
                if (msg instanceof DatagramPacket p) {
                    // the connected socket filters already; this guards a transport that would not
                    if (p.sender() != null && !sameEndpoint(p.sender(), target)) {
                        return;
                    }
                    content = p.content();
                } else if (msg instanceof ByteBuf buf) {
                    content = buf;
                } else {
                    return;
                }
                Optional<ProbeResult> verdict = DnsMessage.judge(id, ByteBufUtil.getBytes(content));
                verdict.ifPresent(attempt::finish);
            } finally {
                ReferenceCountUtil.release(msg);
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            // keepalived fails on a read error too (for UDP that is the ICMP error's ECONNREFUSED)
            attempt.finish(ProbeResult.fail(
                    cause instanceof PortUnreachableException
                            ? "port unreachable"
                            : Failures.describe(cause, settings.timeoutNanos())));
        }
    }

    /** Equal address and port, an IPv4 address equal to its IPv4-mapped IPv6 form. */
    static boolean sameEndpoint(SocketAddress a, InetSocketAddress b) {
        if (!(a instanceof InetSocketAddress x) || x.getPort() != b.getPort()) {
            return false;
        }
        return Arrays.equals(v4Bytes(x.getAddress()), v4Bytes(b.getAddress()));
    }

    private static byte[] v4Bytes(InetAddress a) {
        byte[] b = a.getAddress();
        if (a instanceof Inet6Address && isV4Mapped(b)) {
            return Arrays.copyOfRange(b, 12, 16);
        }
        return b;
    }

    private static boolean isV4Mapped(byte[] b) {
        for (int i = 0; i < 10; i++) {
            if (b[i] != 0) {
                return false;
            }
        }
        return (b[10] & 0xFF) == 0xFF && (b[11] & 0xFF) == 0xFF;
    }
}
