package org.hadirector.healthcheck;

import io.netty.channel.Channel;
import java.util.concurrent.Future;
import java.util.function.Consumer;

/**
 * One run of a socket probe, ended exactly once: by its verdict, its timeout or an abort. A
 * probe's timer, its channel's events and the caller's abort race one another on different
 * threads; whichever comes first closes the channel and cancels the timer, and only a verdict
 * (never an abort) reaches {@code done}, so {@code done} is called at most once.
 */
final class ProbeAttempt {
    private final Consumer<ProbeResult> done;
    private Channel channel;
    private Future<?> timer;
    private boolean over;

    ProbeAttempt(Consumer<ProbeResult> done) {
        this.done = done;
    }

    /**
     * Hands over what {@link #end} must release. The timer is armed before the channel exists,
     * so it may already have fired; then the late channel is closed at once.
     */
    void start(Channel ch, Future<?> t) {
        synchronized (this) {
            if (!over) {
                channel = ch;
                timer = t;
                return;
            }
        }
        t.cancel(false);
        ch.close();
    }

    void finish(ProbeResult r) {
        if (end()) {
            // outside the lock: done may do anything, including start another probe
            done.accept(r);
        }
    }

    /** The handle {@link Probe#run} returns: stops the check without a verdict. */
    void abort() {
        end();
    }

    private boolean end() {
        Channel ch;
        Future<?> t;
        synchronized (this) {
            if (over) {
                return false;
            }
            over = true;
            ch = channel;
            t = timer;
        }
        if (t != null) {
            t.cancel(false);
        }
        if (ch != null) {
            ch.close();
        }
        return true;
    }
}
