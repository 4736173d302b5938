package org.hadirector.healthcheck;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.util.concurrent.DefaultEventExecutorGroup;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.hadirector.sys.ScriptProcess;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** MISC_CHECK with real processes: a signal death fails (misc_dynamic too), a timeout kills the process group. */
class MiscCheckerTest {
    private final DefaultEventExecutorGroup timer = new DefaultEventExecutorGroup(1);

    @AfterEach
    void stop() {
        timer.shutdownGracefully(0, 1, TimeUnit.SECONDS);
    }

    private ProbeResult check(String script, long timeoutMillis, boolean dynamic) throws Exception {
        MiscChecker c = new MiscChecker(
                new CheckSettings.Misc(List.of("/bin/sh", "-c", script), timeoutMillis * 1_000_000L, dynamic), timer);
        CompletableFuture<ProbeResult> r = new CompletableFuture<>();
        c.run(r::complete);
        return r.get(20, TimeUnit.SECONDS);
    }

    @Test
    @Timeout(30)
    void exitStatusesAsKeepalivedReadsThem() throws Exception {
        assertTrue(check("exit 0", 5000, true).success());
        assertFalse(check("exit 1", 5000, true).success());
        ProbeResult w = check("exit 137", 5000, true);
        assertTrue(w.success());
        assertEquals(135, w.weight());
    }

    @Test
    @Timeout(30)
    void aScriptKilledByASignalFailsEvenUnderMiscDynamic() throws Exception {
        ProbeResult r = check("kill -KILL $$", 5000, true);
        assertFalse(r.success(), r.toString());
        assertNull(r.weight());
        assertEquals("killed by signal 9", r.reason());
        assertFalse(check("kill -SEGV $$", 5000, true).success());
        assertFalse(check("kill -KILL $$", 5000, false).success());
    }

    @Test
    @Timeout(30)
    void aTimeoutKillsTheWholeProcessGroup() throws Exception {
        String marker = "0.000" + ProcessHandle.current().pid() + "1";
        long t0 = System.nanoTime();
        ProbeResult r = check("sleep 60 " + marker + " & wait", 300, false);
        assertTrue(System.nanoTime() - t0 < 5_000_000_000L);
        assertFalse(r.success());
        assertTrue(r.reason().startsWith("timed out after 300 ms"), r.reason());
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (sleepers(marker) > 0 && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertEquals(0, sleepers(marker), "the script's child sleeping 60 s is gone too");
    }

    private static long sleepers(String marker) {
        return ProcessHandle.allProcesses()
                .filter(h -> {
                    try {
                        return Files.readString(Path.of("/proc", Long.toString(h.pid()), "cmdline"))
                                .equals("sleep\0" + "60\0" + marker + "\0");
                    } catch (IOException e) {
                        return false;
                    }
                })
                .count();
    }

    @Test
    void signalDeathReadAsFailure() {
        assertEquals(new MiscResult(false, null), MiscResult.of(new ScriptProcess.Exit(0, 9), true));
        assertEquals(new MiscResult(true, 135), MiscResult.of(new ScriptProcess.Exit(137, 0), true));
    }
}
