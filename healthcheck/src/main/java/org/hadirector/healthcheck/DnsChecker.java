package org.hadirector.healthcheck;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.socket.nio.NioDatagramChannel;
import java.security.SecureRandom;
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
        long ms = TimeUnit.NANOSECONDS.toMillis(settings.timeoutNanos());
        return ConnectedDatagram.exchange(
                bootstrap,
                group,
                settings.target(),
                settings.bind(),
                settings.timeoutNanos(),
                DnsMessage.query(id, type, qname),
                new ProbeAttempt(done),
                () -> ProbeResult.fail("no answer within " + ms + " ms"),
                reply -> DnsMessage.judge(id, reply));
    }
}
