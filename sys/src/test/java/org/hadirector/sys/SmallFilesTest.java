package org.hadirector.sys;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Reading a tracked file never blocks nor takes more than its bound; writing never goes through a link. */
class SmallFilesTest {
    @TempDir
    Path dir;

    @Test
    @Timeout(value = 5, unit = TimeUnit.SECONDS)
    void aLinkToDevZeroReadsAtMostTheBoundAtOnce() throws IOException {
        Path link = dir.resolve("track");
        Files.createSymbolicLink(link, Path.of("/dev/zero"));
        long t0 = System.nanoTime();
        byte[] b = SmallFiles.readAtMost(link, SmallFiles.TRACK_FILE_MAX);
        assertEquals(127, b.length);
        assertTrue(System.nanoTime() - t0 < 1_000_000_000L);
    }

    @Test
    @Timeout(value = 5, unit = TimeUnit.SECONDS)
    void aFifoWithoutWriterReadsEmptyWithoutBlocking() throws Exception {
        Path fifo = dir.resolve("fifo");
        assertEquals(0, new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor());
        long t0 = System.nanoTime();
        assertArrayEquals(new byte[0], SmallFiles.readAtMost(fifo, 127));
        assertTrue(System.nanoTime() - t0 < 1_000_000_000L);
    }

    @Test
    @Timeout(value = 5, unit = TimeUnit.SECONDS)
    void aFifoWithASilentWriterReadsEmptyWithoutBlocking() throws Exception {
        Path fifo = dir.resolve("fifo");
        assertEquals(0, new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor());
        // A writer that holds the FIFO open and writes nothing: a blocking read would wait for ever.
        Process writer = new ProcessBuilder("sh", "-c", "exec 3>" + fifo + "; sleep 30").start();
        try {
            Thread.sleep(200);
            long t0 = System.nanoTime();
            assertArrayEquals(new byte[0], SmallFiles.readAtMost(fifo, 127));
            assertTrue(System.nanoTime() - t0 < 1_000_000_000L);
        } finally {
            writer.descendants().forEach(ProcessHandle::destroyForcibly);
            writer.destroyForcibly().waitFor();
        }
    }

    @Test
    void aLargeFileIsReadUpToTheBound() throws IOException {
        Path f = dir.resolve("big");
        Files.writeString(f, "12" + " ".repeat(10_000));
        assertEquals(127, SmallFiles.readAtMost(f, 127).length);
        assertEquals("12", SmallFiles.readTextAtMost(f, 2));
        assertNull(SmallFiles.readAtMost(dir.resolve("missing"), 127));
    }

    @Test
    void noFollowRefusesALink() throws IOException {
        Path target = dir.resolve("target");
        Files.writeString(target, "7\n");
        Path link = dir.resolve("link");
        Files.createSymbolicLink(link, target);
        assertNull(SmallFiles.readAtMostNoFollow(link, 32));
        assertEquals("7\n", new String(SmallFiles.readAtMostNoFollow(target, 32)));
    }

    @Test
    void writeReplacesAFileWholeWithItsMode() throws IOException {
        Path f = dir.resolve("hadirector.pid");
        Files.writeString(f, "old and longer\n");
        SmallFiles.writeReplacing(f, "42\n", "rw-------");
        assertEquals("42\n", Files.readString(f));
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(f)));
        try (var s = Files.list(dir)) {
            assertEquals(1, s.count(), "no temporary left behind");
        }
    }

    @Test
    void writeRefusesALinkAtTheFinalNameAndLeavesItsTargetAlone() throws IOException {
        Path victim = dir.resolve("victim");
        Files.writeString(victim, "precious\n");
        Path pid = dir.resolve("hadirector.pid");
        Files.createSymbolicLink(pid, victim);
        IOException e = assertThrows(IOException.class, () -> SmallFiles.writeReplacing(pid, "42\n", "rw-r--r--"));
        assertTrue(e.getMessage().contains("symbolic link"), e.getMessage());
        assertEquals("precious\n", Files.readString(victim));
        assertTrue(Files.isSymbolicLink(pid));
        Path dangling = dir.resolve("dangling");
        Files.createSymbolicLink(dangling, dir.resolve("nothing-yet"));
        assertThrows(IOException.class, () -> SmallFiles.writeReplacing(dangling, "1\n", "rw-r--r--"));
        assertTrue(!Files.exists(dir.resolve("nothing-yet"), LinkOption.NOFOLLOW_LINKS));
    }
}
