package org.hadirector.healthcheck;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.FixedRecvByteBufAllocator;
import io.netty.channel.socket.nio.NioDatagramChannel;
import java.util.Optional;
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
        long ms = TimeUnit.NANOSECONDS.toMillis(settings.timeoutNanos());
        return ConnectedDatagram.exchange(
                bootstrap,
                group,
                settings.target(),
                settings.bind(),
                settings.timeoutNanos(),
                datagram,
                new ProbeAttempt(done),
                () -> settings.requireReply()
                        ? ProbeResult.fail("no reply within " + ms + " ms")
                        : ProbeResult.ok("no reply within " + ms + " ms, and none required"),
                // the first reply decides
                reply -> {
                    String why = UdpCheckRules.judge(
                            reply, settings.reply(), settings.minReplyLength(), settings.maxReplyLength());
                    return Optional.of(why == null ? ProbeResult.ok("reply") : ProbeResult.fail(why));
                });
    }
}
