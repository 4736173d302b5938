package org.hadirector.healthcheck;

import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.hadirector.sys.TcpConnector;

/**
 * TCP_CHECK as keepalived's: a connect that completes is a success, then the connection is reset.
 * The connect runs on the shared {@link TcpConnector} (raw system calls on its own epoll thread:
 * connect, epoll_ctl and a disconnect on a pooled socket), not on a netty channel, which costs about three
 * times the system calls and many objects per check (see the README's health-check benchmark).
 */
public final class TcpChecker implements Probe {
    private final CheckSettings.Tcp settings;
    private final TcpConnector connector;

    public TcpChecker(CheckSettings.Tcp settings, TcpConnector connector) {
        this.settings = settings;
        this.connector = connector;
    }

    @Override
    public String describe() {
        return settings.describe();
    }

    @Override
    public AutoCloseable run(Consumer<ProbeResult> done) {
        return connector.connect(settings.target(), settings.bind(), settings.timeoutNanos(), (errno, call) -> {
            if (errno == 0) {
                done.accept(ProbeResult.ok("connected"));
            } else if (errno == TcpConnector.TIMED_OUT) {
                done.accept(ProbeResult.fail(
                        "connect timeout after " + TimeUnit.NANOSECONDS.toMillis(settings.timeoutNanos()) + " ms"));
            } else {
                done.accept(ProbeResult.fail(call + ": " + TcpConnector.describe(errno)));
            }
        });
    }
}
