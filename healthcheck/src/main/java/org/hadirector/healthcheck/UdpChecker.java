package org.hadirector.healthcheck;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.FixedRecvByteBufAllocator;
import io.netty.channel.socket.DatagramPacket;
import io.netty.channel.socket.nio.NioDatagramChannel;
import io.netty.util.ReferenceCountUtil;
import java.net.PortUnreachableException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * UDP_CHECK on netty over the JDK's NIO (the DNS checks' loop, see {@link ProbeIo}): one
 * datagram on a socket connected to the target, as keepalived's, so the kernel drops datagrams
 * of any other address or port and an ICMP port unreachable fails the check at once. What
 * passes is {@link UdpCheckRules}': silence within connect_timeout passes unless require_reply;
 * the first reply decides.
 */
public final class UdpChecker implements Probe {
    private final CheckSettings.Udp settings;
    private final EventLoopGroup group;
    private final Bootstrap bootstrap;
    private final byte[] datagram;

    /** {@code group} must be NIO. */
    public UdpChecker(CheckSettings.Udp settings, EventLoopGroup group) {
        this.settings = settings;
        this.group = group;
        this.datagram = UdpCheckRules.datagram(settings.payload());
        // keepalived reads max_reply_length + 1 bytes: a longer reply is seen as too long
        int buffer = Math.min(65536, Math.max(1, settings.maxReplyLength() + 1));
        this.bootstrap = new Bootstrap()
                .channel(NioDatagramChannel.class)
                .option(ChannelOption.RCVBUF_ALLOCATOR, new FixedRecvByteBufAllocator(buffer));
    }

    @Override
    public String describe() {
        return settings.describe();
    }

    @Override
    public AutoCloseable run(Consumer<ProbeResult> done) {
        ProbeAttempt attempt = new ProbeAttempt(done);
        // timer and channel on one loop, so a reply and the timeout are never judged at once
        EventLoop loop = group.next();
        long ms = TimeUnit.NANOSECONDS.toMillis(settings.timeoutNanos());
        Future<?> timer = loop.schedule(
                () -> attempt.finish(
                        settings.requireReply()
                                ? ProbeResult.fail("no reply within " + ms + " ms")
                                : ProbeResult.ok("no reply within " + ms + " ms, and none required")),
                settings.timeoutNanos(),
                TimeUnit.NANOSECONDS);
        Bootstrap b = bootstrap.clone(loop).handler(new ReplyHandler(attempt));
        ChannelFuture f =
                settings.bind() != null ? b.connect(settings.target(), settings.bind()) : b.connect(settings.target());
        attempt.start(f.channel(), timer);
        f.addListener((ChannelFuture c) -> {
            if (!c.isSuccess()) {
                attempt.finish(ProbeResult.fail(Failures.describe(c.cause(), settings.timeoutNanos())));
                return;
            }
            c.channel().writeAndFlush(Unpooled.wrappedBuffer(datagram)).addListener((ChannelFuture w) -> {
                if (!w.isSuccess()) {
                    attempt.finish(ProbeResult.fail("send: " + Failures.describe(w.cause(), settings.timeoutNanos())));
                }
            });
        });
        return attempt::abort;
    }

    /** The first datagram decides; never lets one escape as an exception. */
    private final class ReplyHandler extends ChannelInboundHandlerAdapter {
        private final ProbeAttempt attempt;

        ReplyHandler(ProbeAttempt attempt) {
            this.attempt = attempt;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            try {
                ByteBuf content;
                if (msg instanceof DatagramPacket p) {
                    // the connected socket filters already; this guards a transport that would not
                    if (p.sender() != null && !DnsChecker.sameEndpoint(p.sender(), settings.target())) {
                        return;
                    }
                    content = p.content();
                } else if (msg instanceof ByteBuf buf) {
                    content = buf;
                } else {
                    return;
                }
                String why = UdpCheckRules.judge(
                        ByteBufUtil.getBytes(content),
                        settings.reply(),
                        settings.minReplyLength(),
                        settings.maxReplyLength());
                attempt.finish(why == null ? ProbeResult.ok("reply") : ProbeResult.fail(why));
            } finally {
                ReferenceCountUtil.release(msg);
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            // keepalived: an ICMP destination unreachable (the connected socket's read error) fails
            attempt.finish(ProbeResult.fail(
                    cause instanceof PortUnreachableException
                            ? "port unreachable"
                            : Failures.describe(cause, settings.timeoutNanos())));
        }
    }
}
