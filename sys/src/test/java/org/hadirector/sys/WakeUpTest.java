package org.hadirector.sys;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.FileOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A closed WakeUp never touches its old descriptor number, which the kernel hands to the next
 * open(): the bug was 8 bytes of a late signal landing in a control client's answer.
 */
class WakeUpTest {
    @TempDir
    Path dir;

    /** Opens files until one gets descriptor {@code fd} (the kernel gives the lowest free one); null if another thread took it. */
    private Path grab(int fd, List<FileOutputStream> open) throws IOException {
        for (int i = 0; i < 64; i++) {
            Path f = dir.resolve("f" + open.size());
            open.add(new FileOutputStream(f.toFile()));
            Path fdLink = Path.of("/proc/self/fd/" + fd);
            if (Files.exists(fdLink) && Files.readSymbolicLink(fdLink).equals(f)) {
                return f;
            }
        }
        return null;
    }

    @Test
    void aClosedWakeUpLeavesItsOldDescriptorNumberAlone() throws Exception {
        List<FileOutputStream> open = new ArrayList<>();
        try {
            WakeUp w = new WakeUp();
            int n = w.fd();
            w.signal();
            w.clear();
            w.close();
            assertEquals(-1, w.fd());
            assertTrue(w.isClosed());
            Path reused = grab(n, open);
            assertNotNull(reused, "descriptor " + n + " was not reused");
            w.signal();
            w.clear();
            w.close(); // a second close must not close the file that now has the number
            assertEquals(0, Files.size(reused), "a closed WakeUp wrote into the descriptor's next owner");
            assertTrue(
                    Files.exists(Path.of("/proc/self/fd/" + n)), "a second close() closed the descriptor's next owner");
        } finally {
            for (FileOutputStream o : open) {
                o.close();
            }
        }
    }

    /** Signals from several threads racing with close(): none lands after close, none fails. */
    @Test
    void signalsRacingWithCloseNeverLandInTheNextOwner() throws Exception {
        for (int round = 0; round < 20; round++) {
            WakeUp w = new WakeUp();
            int n = w.fd();
            AtomicBoolean stop = new AtomicBoolean();
            AtomicLong signals = new AtomicLong();
            List<Thread> threads = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                Thread t = new Thread(() -> {
                    while (!stop.get()) {
                        w.signal();
                        w.clear();
                        signals.incrementAndGet();
                    }
                });
                t.start();
                threads.add(t);
            }
            Thread.sleep(5);
            w.close();
            List<FileOutputStream> open = new ArrayList<>();
            try {
                Path reused = grab(n, open);
                long before = signals.get();
                long end = System.nanoTime() + 20_000_000L;
                while (signals.get() - before < 1000 && System.nanoTime() < end) {
                    Thread.onSpinWait();
                }
                stop.set(true);
                for (Thread t : threads) {
                    t.join(5000);
                }
                if (reused != null) {
                    assertEquals(
                            0,
                            Files.size(reused),
                            "round " + round + ": a signal after close() wrote into descriptor " + n);
                }
            } finally {
                stop.set(true);
                for (FileOutputStream o : open) {
                    o.close();
                }
            }
        }
    }

    @Test
    void awaitReturnsOnASignalConsumesItAndTimesOutOtherwise() throws Exception {
        WakeUp w = new WakeUp();
        w.signal();
        org.junit.jupiter.api.Assertions.assertTrue(w.await(1_000), "a pending signal ends the wait");
        org.junit.jupiter.api.Assertions.assertFalse(w.await(10), "it was consumed: the next wait times out");
        w.close();
        org.junit.jupiter.api.Assertions.assertFalse(w.await(10), "closed: no signal, no descriptor used");
    }
}
