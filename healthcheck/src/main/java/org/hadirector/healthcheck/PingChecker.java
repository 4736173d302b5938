package org.hadirector.healthcheck;

import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * PING_CHECK, as keepalived 2.2.7's check_ping.c: one echo request of keepalived's 128 bytes of
 * "keepalived check - " per check; an echo reply within connect_timeout passes, any other
 * answer, a failed send or silence fails. The socket and the waiting are {@link Pinger}'s, one
 * per address family, shared by every ping.
 */
final class PingChecker implements Probe {
    /** keepalived's ICMP_BUFSIZE: the data after the echo header. */
    static final int DATA_LENGTH = 128;

    private static final byte[] DATA = KeepalivedFiller.of(DATA_LENGTH);

    private final CheckSettings.Ping settings;
    private final Supplier<Pinger> pinger;

    /** {@code pinger} gives the family's pinger, opening it on first use (and throwing when it cannot). */
    PingChecker(CheckSettings.Ping settings, Supplier<Pinger> pinger) {
        this.settings = settings;
        this.pinger = pinger;
    }

    @Override
    public String describe() {
        return settings.describe();
    }

    @Override
    public AutoCloseable run(Consumer<ProbeResult> done) {
        return pinger.get().ping(settings.target(), settings.timeoutNanos(), DATA, done);
    }
}
