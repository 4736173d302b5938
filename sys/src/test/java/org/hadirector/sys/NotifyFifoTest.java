package org.hadirector.sys;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The FIFO's life and its writes; no root needed (mkfifo in a temporary directory). */
class NotifyFifoTest {
    @TempDir
    Path dir;

    @Test
    void madeWrittenReadAndRemoved() throws IOException {
        Path p = dir.resolve("notify");
        try (NotifyFifo f = NotifyFifo.open("notify_fifo", p, -1, -1, null)) {
            assertTrue(Files.exists(p));
            assertTrue(f.write("INSTANCE \"VI_1\" MASTER 100\n"));
            assertTrue(f.write("GROUP \"G\" BACKUP 0\n"));
            // Our descriptor is O_RDWR: this open does not wait for a writer, and the lines are there.
            try (InputStream in = Files.newInputStream(p)) {
                byte[] b = new byte[64];
                int n = in.read(b);
                assertEquals(
                        "INSTANCE \"VI_1\" MASTER 100\nGROUP \"G\" BACKUP 0\n",
                        new String(b, 0, n, StandardCharsets.US_ASCII));
            }
            assertEquals(2, f.written());
        }
        assertFalse(Files.exists(p), "the FIFO we made is removed");
    }

    @Test
    void aFullFifoDropsLinesAndNeverBlocks() throws IOException {
        try (NotifyFifo f = NotifyFifo.open("lvs_notify_fifo", dir.resolve("full"), -1, -1, null)) {
            String line = "RS [198.18.0.21]:tcp:80 [198.18.0.100]:tcp:80 DOWN\n";
            int ok = 0;
            for (int i = 0; i < 10_000; i++) {
                if (f.write(line)) {
                    ok++;
                }
            }
            // Linux pipes hold 64 KiB: about 1,300 of these lines, the rest dropped whole.
            assertTrue(ok > 1000 && ok < 10_000, "written " + ok);
            assertEquals(10_000 - ok, f.dropped());
        }
    }

    @Test
    void anExistingFifoIsUsedAndLeftInPlace() throws Exception {
        Path p = dir.resolve("existing");
        assertEquals(0, Native.C.mkfifo(p.toString(), 0600));
        NotifyFifo.open("notify_fifo", p, -1, -1, null).close();
        assertTrue(Files.exists(p), "not ours to remove");
    }

    @Test
    void aRegularFileIsRefused() throws IOException {
        Path p = Files.writeString(dir.resolve("file"), "x");
        assertThrows(IOException.class, () -> NotifyFifo.open("notify_fifo", p, -1, -1, null));
        assertEquals("x", Files.readString(p));
    }

    @Test
    void theScriptGetsThePathLastAndReadsTheLines() throws Exception {
        Path p = dir.resolve("scripted");
        Path out = dir.resolve("out");
        List<String> script = List.of("/bin/sh", "-c", "cat \"$0\" > " + out);
        try (NotifyFifo f = NotifyFifo.open("vrrp_notify_fifo", p, -1, -1, script)) {
            f.write("INSTANCE \"VI_1\" BACKUP 100\n");
            f.write("INSTANCE \"VI_1\" MASTER 100\n");
            long deadline = System.nanoTime() + 5_000_000_000L;
            while (System.nanoTime() < deadline
                    && !(Files.exists(out) && Files.readString(out).endsWith("MASTER 100\n"))) {
                Thread.sleep(20);
            }
        }
        assertEquals("INSTANCE \"VI_1\" BACKUP 100\nINSTANCE \"VI_1\" MASTER 100\n", Files.readString(out));
    }
}
