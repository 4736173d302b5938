package org.hadirector.vrrp.track;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** vrrp_script with real processes: a timeout kills the script's whole process group; a signal death fails. */
class ScriptRunnerTest {
    @TempDir
    Path dir;

    private static TrackedScript script(String name, String sh, long timeoutMillis) {
        return new TrackedScript(
                name,
                List.of("/bin/sh", "-c", sh),
                60_000_000_000L,
                timeoutMillis * 1_000_000L,
                1,
                1,
                false,
                new TrackedWeight(0, false),
                null,
                null);
    }

    @Test
    @Timeout(30)
    void aTimeoutKillsTheProcessGroupAndFails() throws Exception {
        String marker = "0.000" + ProcessHandle.current().pid() + "2";
        LinkedBlockingQueue<Boolean> results = new LinkedBlockingQueue<>();
        try (ScriptRunner r = new ScriptRunner()) {
            r.schedule("VI_1", script("chk", "sleep 60 " + marker + " & wait", 300), (s, ok) -> results.add(ok));
            assertEquals(Boolean.FALSE, results.poll(10, TimeUnit.SECONDS));
        }
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (sleepers(marker) > 0 && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertEquals(0, sleepers(marker), "the script's child sleeping 60 s is gone too");
    }

    @Test
    @Timeout(30)
    void aSignalDeathFailsAndTheEnvironmentIsClean() throws Exception {
        Path env = dir.resolve("env");
        Files.setPosixFilePermissions(dir, java.nio.file.attribute.PosixFilePermissions.fromString("rwxrwxrwx"));
        LinkedBlockingQueue<Boolean> results = new LinkedBlockingQueue<>();
        try (ScriptRunner r = new ScriptRunner()) {
            r.schedule("VI_1", script("killed", "kill -KILL $$", 5000), (s, ok) -> results.add(ok));
            assertEquals(Boolean.FALSE, results.poll(10, TimeUnit.SECONDS));
            r.schedule("VI_1", script("env", "env > " + env, 5000), (s, ok) -> results.add(ok));
            assertEquals(Boolean.TRUE, results.poll(10, TimeUnit.SECONDS));
        }
        String e = Files.readString(env);
        assertFalse(e.contains("JAVA") || e.contains("MAVEN") || e.contains("SUREFIRE"), e);
        assertTrue(e.contains("PATH="), e);
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
}
