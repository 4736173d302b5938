package org.hadirector.healthcheck;

import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.epoll.EpollSocketChannel;

/** TCP_CHECK on netty's native epoll transport: a connection that completes is a success, then it is closed. */
public final class TcpChecker implements Probe {
    private final CheckSettings.Tcp settings;
    private final Bootstrap bootstrap;

    public TcpChecker(CheckSettings.Tcp settings, EventLoopGroup group) {
        this.settings = settings;
        this.bootstrap = new Bootstrap().group(group).channel(EpollSocketChannel.class)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS,
                        (int) Math.max(1, TimeUnit.NANOSECONDS.toMillis(settings.timeoutNanos())))
                .handler(new ChannelInboundHandlerAdapter() {
                    @Override
                    public boolean isSharable() {
                        return true;
                    }
                });
    }

    @Override
    public String describe() {
        return settings.describe();
    }

    @Override
    public AutoCloseable run(Consumer<ProbeResult> done) {
        ChannelFuture f = settings.bind() != null ? bootstrap.connect(settings.target(), settings.bind())
                : bootstrap.connect(settings.target());
        f.addListener((ChannelFuture r) -> {
            if (r.isSuccess()) {
                r.channel().close();
                done.accept(ProbeResult.ok("connected"));
            } else {
                done.accept(ProbeResult.fail(Failures.describe(r.cause(), settings.timeoutNanos())));
            }
        });
        return () -> f.channel().close();
    }
}
