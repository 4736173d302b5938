package org.hadirector.healthcheck;

import java.io.IOException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

import io.netty.util.concurrent.EventExecutorGroup;

/**
 * MISC_CHECK: runs the program (as its user, through setpriv) with its output discarded; the
 * exit status decides as keepalived reads it (see {@link MiscResult}). At misc_timeout the
 * program and its children are killed and the check fails. The exit is awaited by the JDK's
 * process reaper, not by a thread of ours.
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
    public AutoCloseable run(Consumer<ProbeResult> done) {
        Process p;
        try {
            p = new ProcessBuilder(settings.argv()).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectInput(ProcessBuilder.Redirect.from(
                            new java.io.File("/dev/null")))
                    .start();
        } catch (IOException e) {
            done.accept(ProbeResult.fail("cannot run: " + e.getMessage()));
            return () -> { };
        }
        AtomicBoolean timedOut = new AtomicBoolean();
        ScheduledFuture<?> kill = timer.schedule(() -> {
            if (p.isAlive()) {
                timedOut.set(true);
                killAll(p);
            }
        }, settings.timeoutNanos(), TimeUnit.NANOSECONDS);
        p.onExit().thenAccept(ended -> {
            kill.cancel(false);
            if (timedOut.get()) {
                done.accept(ProbeResult.fail("timed out after " + settings.timeoutNanos() / 1_000_000 + " ms; killed"));
                return;
            }
            int status = ended.exitValue();
            MiscResult r = MiscResult.of(status, settings.dynamic());
            String why = "exit status " + status + (r.weight() != null ? " (weight " + r.weight() + ")" : "");
            done.accept(new ProbeResult(r.success(), why, r.weight()));
        });
        return () -> {
            kill.cancel(false);
            killAll(p);
        };
    }

    private static void killAll(Process p) {
        p.descendants().forEach(ProcessHandle::destroyForcibly);
        p.destroyForcibly();
    }
}
