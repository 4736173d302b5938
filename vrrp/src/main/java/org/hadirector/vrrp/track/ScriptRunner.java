package org.hadirector.vrrp.track;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;
import org.hadirector.sys.ScriptProcess;
import org.hadirector.sys.Scripts;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs tracked scripts every interval without blocking anyone: a process is started (as
 * keepalived starts one: see {@link ScriptProcess}), its exit is awaited asynchronously, and a
 * timer kills its whole process group at its timeout (a timeout counts as failure).
 * A script still running when its next turn comes is not started twice. Results go to
 * {@code results} (script, success) on the runner's thread.
 */
public final class ScriptRunner implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ScriptRunner.class);

    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "vrrp-scripts");
        t.setDaemon(true);
        return t;
    });
    private final List<ScheduledFuture<?>> schedules = new ArrayList<>();

    public void schedule(String instance, TrackedScript s, BiConsumer<TrackedScript, Boolean> results) {
        boolean[] running = {false};
        schedules.add(timer.scheduleWithFixedDelay(
                () -> {
                    if (running[0]) {
                        return;
                    }
                    ScriptProcess p;
                    try {
                        p = ScriptProcess.start(command(s), Scripts.ENVIRONMENT);
                    } catch (IOException e) {
                        LOG.warn("{}: cannot run vrrp_script {}: {}", instance, s.name(), e.getMessage());
                        results.accept(s, false);
                        return;
                    }
                    running[0] = true;
                    boolean[] timedOut = {false};
                    ScheduledFuture<?> kill = timer.schedule(
                            () -> {
                                if (p.isAlive()) {
                                    timedOut[0] = true;
                                    LOG.warn(
                                            "{}: vrrp_script {} timed out after {} ms; killed with its process group",
                                            instance,
                                            s.name(),
                                            s.timeoutNanos() / 1_000_000);
                                    p.killGroup();
                                }
                            },
                            s.timeoutNanos(),
                            TimeUnit.NANOSECONDS);
                    p.onExit()
                            .thenAcceptAsync(
                                    done -> {
                                        kill.cancel(false);
                                        running[0] = false;
                                        // keepalived: only an exit with status 0 is a success; a death by a signal or a
                                        // timeout is a failure, whatever the script managed to return while being
                                        // killed.
                                        results.accept(s, done.success() && !timedOut[0]);
                                    },
                                    timer);
                },
                0,
                s.intervalNanos(),
                TimeUnit.NANOSECONDS));
    }

    /** The command, run as another user through setpriv(1) when the script names one. */
    static List<String> command(TrackedScript s) {
        return Scripts.asUser(s.command(), s.user(), s.group());
    }

    @Override
    public void close() {
        schedules.forEach(f -> f.cancel(false));
        timer.shutdownNow();
    }
}
