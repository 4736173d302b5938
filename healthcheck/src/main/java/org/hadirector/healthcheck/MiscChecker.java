package org.hadirector.healthcheck;

import io.netty.util.concurrent.EventExecutorGroup;
import java.io.IOException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import org.hadirector.sys.ScriptProcess;
import org.hadirector.sys.Scripts;

/**
 * MISC_CHECK: runs the program (as its user, through setpriv) as keepalived runs it (see
 * {@link ScriptProcess}: its own process group, a clean environment, output discarded); the exit
 * status decides as keepalived reads it (see {@link MiscResult}), and a death by a signal is a
 * failure. At misc_timeout its whole process group is killed and the check fails.
 */
public final class MiscChecker implements Probe {
    private final CheckSettings.Misc settings;
    private final EventExecutorGroup timer;

    public MiscChecker(CheckSettings.Misc settings, EventExecutorGroup timer) {
        if (settings.argv().isEmpty()) {
            throw new IllegalArgumentException("MISC_CHECK: empty misc_path");
        }
        this.settings = settings;
        this.timer = timer;
    }

    @Override
    public String describe() {
        return settings.describe();
    }

    @Override
    public boolean reportsFirstResult() {
        return true;
    }

    @Override
    public AutoCloseable run(Consumer<ProbeResult> done) {
        ScriptProcess p;
        try {
            p = ScriptProcess.start(settings.argv(), Scripts.ENVIRONMENT);
        } catch (IOException e) {
            done.accept(ProbeResult.fail("cannot run: " + e.getMessage()));
            return () -> {};
        }
        AtomicBoolean timedOut = new AtomicBoolean();
        ScheduledFuture<?> kill = timer.schedule(
                () -> {
                    if (p.isAlive()) {
                        timedOut.set(true);
                        p.killGroup();
                    }
                },
                settings.timeoutNanos(),
                TimeUnit.NANOSECONDS);
        p.onExit().thenAccept(ended -> {
            kill.cancel(false);
            if (timedOut.get()) {
                done.accept(ProbeResult.fail("timed out after " + settings.timeoutNanos() / 1_000_000
                        + " ms; killed with its process group"));
                return;
            }
            MiscResult r = MiscResult.of(ended, settings.dynamic());
            String why = ended + (r.weight() != null ? " (weight " + r.weight() + ")" : "");
            done.accept(new ProbeResult(r.success(), why, r.weight()));
        });
        return () -> {
            kill.cancel(false);
            p.killGroup();
        };
    }
}
