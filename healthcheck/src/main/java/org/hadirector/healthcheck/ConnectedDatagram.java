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
import io.netty.util.ReferenceCountUtil;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.PortUnreachableException;
import java.net.SocketAddress;
import java.util.Arrays;
import java.util.Optional;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * One datagram exchange on a socket connected to the target, as keepalived's DNS_CHECK and
 * UDP_CHECK do it: the kernel drops datagrams of any other address or port, and an ICMP
 * unreachable comes back as a read error, which fails the check at once. The timer and the
 * channel share one loop, so a reply and the timeout are never judged at once. What a reply
 * means is the checker's ({@code judge}: a verdict, or empty to wait on); what the timeout means
 * too ({@code onTimeout}).
 */
final class ConnectedDatagram {
    private ConnectedDatagram() {}

    /** Sends {@code datagram} and judges what comes back; returns the abort handle. */
    static AutoCloseable exchange(
            Bootstrap bootstrap,
            EventLoopGroup group,
            InetSocketAddress target,
            InetSocketAddress bind,
            long timeoutNanos,
            byte[] datagram,
            ProbeAttempt attempt,
            Supplier<ProbeResult> onTimeout,
            Function<byte[], Optional<ProbeResult>> judge) {
        EventLoop loop = group.next();
        Future<?> timer = loop.schedule(() -> attempt.finish(onTimeout.get()), timeoutNanos, TimeUnit.NANOSECONDS);
        Bootstrap b = bootstrap.clone(loop).handler(new ReplyHandler(target, timeoutNanos, attempt, judge));
        ChannelFuture f = bind != null ? b.connect(target, bind) : b.connect(target);
        attempt.start(f.channel(), timer);
        f.addListener((ChannelFuture c) -> {
            if (!c.isSuccess()) {
                attempt.finish(ProbeResult.fail(Failures.describe(c.cause(), timeoutNanos)));
                return;
            }
            c.channel().writeAndFlush(Unpooled.wrappedBuffer(datagram)).addListener((ChannelFuture w) -> {
                if (!w.isSuccess()) {
                    attempt.finish(ProbeResult.fail("send: " + Failures.describe(w.cause(), timeoutNanos)));
                }
            });
        });
        return attempt::abort;
    }

    /** Reads datagrams until one decides; never lets a malformed one escape as an exception. */
    private static final class ReplyHandler extends ChannelInboundHandlerAdapter {
        private final InetSocketAddress target;
        private final long timeoutNanos;
        private final ProbeAttempt attempt;
        private final Function<byte[], Optional<ProbeResult>> judge;

        ReplyHandler(
                InetSocketAddress target,
                long timeoutNanos,
                ProbeAttempt attempt,
                Function<byte[], Optional<ProbeResult>> judge) {
            this.target = target;
            this.timeoutNanos = timeoutNanos;
            this.attempt = attempt;
            this.judge = judge;
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
                judge.apply(ByteBufUtil.getBytes(content)).ifPresent(attempt::finish);
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
                            : Failures.describe(cause, timeoutNanos)));
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
