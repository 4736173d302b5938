package org.hadirector.healthcheck;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.handler.codec.LineBasedFrameDecoder;
import io.netty.handler.codec.TooLongFrameException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * SMTP_CHECK on netty's native epoll transport: greeting 220, HELO answered 250, QUIT answered
 * with any line, as {@link SmtpDialog} decides after keepalived. keepalived bounds each read
 * and write by connect_timeout; here the whole exchange, connect included, is bounded by it,
 * so a server trickling one line just under the timeout cannot hold a check for minutes.
 * A line over 512 bytes fails the check as soon as it is seen, so a server flooding bytes
 * without a line end costs at most one line's buffer.
 */
public final class SmtpChecker implements Probe {
    private final CheckSettings.Smtp settings;
    private final EventLoopGroup group;
    private final Bootstrap bootstrap;

    public SmtpChecker(CheckSettings.Smtp settings, EventLoopGroup group) {
        this.settings = settings;
        this.group = group;
        // fail a bad helo_name now, at configuration, rather than at every check
        new SmtpDialog(settings.heloName());
        this.bootstrap = new Bootstrap()
                .channel(EpollSocketChannel.class)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int)
                        Math.max(1, TimeUnit.NANOSECONDS.toMillis(settings.timeoutNanos())));
    }

    @Override
    public String describe() {
        return settings.describe();
    }

    @Override
    public AutoCloseable run(Consumer<ProbeResult> done) {
        SmtpDialog dialog = new SmtpDialog(settings.heloName());
        ProbeAttempt attempt = new ProbeAttempt(done);
        long ms = TimeUnit.NANOSECONDS.toMillis(settings.timeoutNanos());
        Conversation conversation = new Conversation(dialog, attempt);
        // timer and channel on one loop: the dialogue is only ever touched from that thread
        EventLoop loop = group.next();
        Future<?> timer = loop.schedule(
                () -> attempt.finish(ProbeResult.fail(
                        conversation.connected
                                ? "no " + dialog.waitingFor() + " within " + ms + " ms"
                                : "connect timeout after " + ms + " ms")),
                settings.timeoutNanos(),
                TimeUnit.NANOSECONDS);
        Bootstrap b = bootstrap.clone(loop).handler(new ChannelInitializer<Channel>() {
            @Override
            protected void initChannel(Channel ch) {
                // failFast: the too-long line is reported as soon as it exceeds, not at its end
                ch.pipeline().addLast(new LineBasedFrameDecoder(SmtpDialog.MAX_LINE - 2, true, true), conversation);
            }
        });
        ChannelFuture f =
                settings.bind() != null ? b.connect(settings.target(), settings.bind()) : b.connect(settings.target());
        attempt.start(f.channel(), timer);
        f.addListener((ChannelFuture c) -> {
            if (!c.isSuccess()) {
                attempt.finish(ProbeResult.fail(Failures.describe(c.cause(), settings.timeoutNanos())));
            }
        });
        return attempt::abort;
    }

    /** Feeds each line to the dialogue and carries out what it says. */
    private final class Conversation extends SimpleChannelInboundHandler<ByteBuf> {
        private final SmtpDialog dialog;
        private final ProbeAttempt attempt;
        private boolean decided;
        boolean connected;

        Conversation(SmtpDialog dialog, ProbeAttempt attempt) {
            this.dialog = dialog;
            this.attempt = attempt;
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, ByteBuf line) {
            if (decided) {
                // lines already decoded from the same read, after the verdict
                return;
            }
            // one char per byte: the server's text is only shown, never trusted as UTF-8
            SmtpDialog.Step step = dialog.onLine(line.toString(StandardCharsets.ISO_8859_1));
            if (step instanceof SmtpDialog.Send s) {
                ctx.writeAndFlush(Unpooled.copiedBuffer(s.wire(), StandardCharsets.UTF_8))
                        .addListener((ChannelFuture w) -> {
                            if (!w.isSuccess()) {
                                decide(ProbeResult.fail(
                                        "send: " + Failures.describe(w.cause(), settings.timeoutNanos())));
                            }
                        });
            } else if (step instanceof SmtpDialog.Done d) {
                decide(d.result());
            }
        }

        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            connected = true;
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            decide(ProbeResult.fail("connection closed before " + dialog.waitingFor()));
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            decide(ProbeResult.fail(
                    cause instanceof TooLongFrameException
                            ? dialog.waitingFor() + " line over " + SmtpDialog.MAX_LINE + " bytes"
                            : Failures.describe(cause, settings.timeoutNanos())));
        }

        private void decide(ProbeResult r) {
            if (!decided) {
                decided = true;
                attempt.finish(r);
            }
        }
    }
}
