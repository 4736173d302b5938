package org.hadirector.conf.model;

import java.time.Duration;

/** Gratuitous ARP / unsolicited NA timing, global or per instance. */
public record GarpSettings(
        Duration masterDelay,
        int masterRepeat,
        Duration lowerPrioDelay,
        int lowerPrioRepeat,
        Duration masterRefresh,
        int masterRefreshRepeat) {

    /** keepalived: 5 at once, 5 more after 5 s, no refresh; lower-priority values follow the master ones. */
    public static final GarpSettings DEFAULTS =
            new GarpSettings(Duration.ofSeconds(5), 5, Duration.ofSeconds(5), 5, Duration.ZERO, 1);
}
