package org.hadirector.vrrp.track;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The monitor on the real kernel: processes of this test's own (named uniquely, through a link
 * to /bin/sleep, so that no other process on the host matches) are seen to start and stop.
 */
class ProcessMonitorTest {
    private Path dir;
    private final List<Process> started = new java.util.ArrayList<>();

    record Seen(boolean up, int count) {}

    @BeforeEach
    void root() throws Exception {
        assumeTrue("root".equals(System.getProperty("user.name")), "needs root for the proc connector");
        dir = Files.createTempDirectory("hdtp");
    }

    @AfterEach
    void cleanUp() throws Exception {
        for (Process p : started) {
            p.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
        }
        if (dir != null) {
            try (var s = Files.list(dir)) {
                for (Path p : s.toList()) {
                    Files.deleteIfExists(p);
                }
            }
            Files.deleteIfExists(dir);
        }
    }

    private Process start(String... command) throws Exception {
        Process p = new ProcessBuilder(command).start();
        started.add(p);
        return p;
    }

    private static Seen next(LinkedBlockingQueue<Seen> q) throws InterruptedException {
        Seen s = q.poll(5, TimeUnit.SECONDS);
        if (s == null) {
            throw new AssertionError("no change reported within 5 s");
        }
        return s;
    }

    @Test
    void aProcessByCommIsSeenToStartForkAndStop() throws Exception {
        String name = "hdtp" + ProcessHandle.current().pid() % 100000;
        Path link = Files.createSymbolicLink(dir.resolve(name), Path.of("/bin/sleep"));
        ProcessMonitor monitor = new ProcessMonitor(Path.of("/proc"), null);
        ProcessMatch m =
                new ProcessMatch("t", name, List.of(), ProcessMatch.ParamMatch.NONE, false, 1, 0xffff_ffffL, 0, 0);
        LinkedBlockingQueue<Seen> q = new LinkedBlockingQueue<>();
        ProcessMonitor.Watch w = monitor.watch(m, (up, count, why) -> q.add(new Seen(up, count)));
        try {
            assertFalse(w.up());
            Process p = start(link.toString(), "30");
            assertEquals(new Seen(true, 1), next(q));
            p.destroy();
            p.waitFor(5, TimeUnit.SECONDS);
            assertEquals(new Seen(false, 0), next(q));

            // already running when the watch begins: the scan finds it
            Process again = start(link.toString(), "30");
            Thread.sleep(300);
            ProcessMonitor.Watch w2 = monitor.watch(m, (up, count, why) -> {});
            assertTrue(w2.up());
            w2.close();
            assertEquals(new Seen(true, 1), next(q));
            again.destroy();
            assertEquals(new Seen(false, 0), next(q));
        } finally {
            w.close();
        }
    }

    @Test
    void aCommandLineCountsItsForkedChildrenUntilTheyExecSomethingElse() throws Exception {
        String arg = dir.resolve("marker").toString();
        ProcessMonitor monitor = new ProcessMonitor(Path.of("/proc"), null);
        // sh -c 'sleep 30 & wait' ARG, partial on its first words: the shell matches at its exec,
        // the child it forks counts with it (2 = quorum) until that child execs sleep
        ProcessMatch m = new ProcessMatch(
                "t",
                "/bin/sh",
                List.of("-c", "sleep 30 & wait", arg),
                ProcessMatch.ParamMatch.PARTIAL,
                true,
                2,
                0xffff_ffffL,
                0,
                0);
        LinkedBlockingQueue<Seen> q = new LinkedBlockingQueue<>();
        ProcessMonitor.Watch w = monitor.watch(m, (up, count, why) -> q.add(new Seen(up, count)));
        try {
            assertFalse(w.up());
            Process p = start("/bin/sh", "-c", "sleep 30 & wait", arg);
            assertEquals(new Seen(true, 2), next(q), "the shell and the child it forked");
            assertEquals(new Seen(false, 1), next(q), "the child exec'd sleep: no longer counted");
            p.descendants().forEach(ProcessHandle::destroy);
            p.waitFor(5, TimeUnit.SECONDS);
        } finally {
            w.close();
        }
    }
}
