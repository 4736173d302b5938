package org.hadirector.sys;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Arrays;

/**
 * Small files read and written the careful way keepalived handles its own: a tracked file is
 * read at most a few bytes, without ever blocking (a FIFO or a device must not freeze the reader,
 * /dev/zero must not fill the heap); a file the daemon writes (pid file, init_file, dumps) is
 * never written through a symbolic link or into a file someone else left there: the text goes to a
 * new file with a random name in the same directory, which is then renamed over the final name.
 */
public final class SmallFiles {
    /** keepalived's track_file buffer: 128 bytes, one kept for the terminating NUL. */
    public static final int TRACK_FILE_MAX = 127;

    private static final int O_NONBLOCK = 0x800;
    private static final int O_NOCTTY = 0x100;
    private static final int O_NOFOLLOW = 0x20000;

    private SmallFiles() {}

    /**
     * At most {@code max} bytes of {@code path}, opened O_RDONLY | O_NONBLOCK as keepalived opens a
     * track_file: one read(2), never a wait (a FIFO without a writer reads as empty, a device that
     * has nothing to give answers EAGAIN, which reads as empty too). Null when it cannot be opened.
     */
    public static byte[] readAtMost(Path path, int max) {
        return read(path, max, 0);
    }

    /** As {@link #readAtMost}, refusing a symbolic link as the last component (O_NOFOLLOW). */
    public static byte[] readAtMostNoFollow(Path path, int max) {
        return read(path, max, O_NOFOLLOW);
    }

    private static byte[] read(Path path, int max, int extraFlags) {
        int fd =
                Native.C.open(path.toString(), Native.O_RDONLY | O_NONBLOCK | O_NOCTTY | Native.O_CLOEXEC | extraFlags);
        if (fd < 0) {
            return null;
        }
        try {
            byte[] buf = new byte[max];
            long n;
            do {
                n = Native.C.read(fd, buf, max);
            } while (n < 0 && Native.errno() == Native.EINTR);
            return n <= 0 ? new byte[0] : Arrays.copyOf(buf, (int) n);
        } finally {
            Native.closeQuietly(fd);
        }
    }

    /** The text of {@link #readAtMost}, or null. Bytes are taken as ASCII (numbers are what we read). */
    public static String readTextAtMost(Path path, int max) {
        byte[] b = readAtMost(path, max);
        return b == null ? null : new String(b, StandardCharsets.ISO_8859_1);
    }

    /**
     * Writes {@code text} to {@code to} whole with mode {@code mode} (e.g. "rw-------"): a new file
     * with a random name in the same directory (O_EXCL, so never an existing file or a link), then
     * rename(2) over {@code to}, which replaces the name and never follows a link there. A symbolic
     * link at {@code to} is refused all the same: someone put it there to redirect our writes.
     */
    public static void writeReplacing(Path to, String text, String mode) throws IOException {
        Path dir = to.toAbsolutePath().getParent();
        if (Files.isSymbolicLink(to)) {
            throw new IOException(to + " is a symbolic link; refusing to write through or over it");
        }
        Path tmp = Files.createTempFile(
                dir,
                "." + to.getFileName() + ".",
                ".tmp",
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString(mode)));
        try {
            // createTempFile made it (O_CREAT | O_EXCL); NOFOLLOW_LINKS opens it with O_NOFOLLOW.
            try (var ch =
                    Files.newByteChannel(tmp, java.nio.file.StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS)) {
                java.nio.ByteBuffer b = java.nio.ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8));
                while (b.hasRemaining()) {
                    ch.write(b);
                }
            }
            Files.move(tmp, to, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException | RuntimeException e) {
            Files.deleteIfExists(tmp);
            throw e;
        }
    }

    /** True when {@code p} exists as anything, a dangling link included. */
    public static boolean existsNoFollow(Path p) {
        return Files.exists(p, LinkOption.NOFOLLOW_LINKS);
    }
}
