package org.hadirector.sys;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A notify FIFO as keepalived's fifo_open / fifo_close keep one: made (mkfifo, mode 0644 less the
 * umask) unless it exists, given to its user and group when we made it and they are not ours, its
 * script started with the FIFO's path as its last argument, then opened O_RDWR | O_NONBLOCK |
 * O_NOFOLLOW: O_RDWR so that opening never waits for a reader and the pipe always has one (lines
 * written before the script opens it wait in the pipe); O_NONBLOCK so that a write never waits.
 *
 * <p>{@link #write} never blocks: a line (far shorter than PIPE_BUF, so written whole or not at
 * all) that does not fit because nobody reads is dropped, counted, and logged at most once each
 * 10 s, where keepalived drops it silently. Writers on any thread; the lock only covers one
 * non-blocking write(2), so that close never hands the descriptor to another file mid-write.
 */
public final class NotifyFifo implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(NotifyFifo.class);
    /** keepalived's S_IRUSR | S_IWUSR | S_IRGRP | S_IROTH. */
    private static final int MODE = 0644;
    /** How long close waits for the script to end on its own (EOF) before killing its group. */
    private static final long SCRIPT_GRACE_MILLIS = 500;

    private final String name;
    private final Path path;
    private final boolean created;
    private final ScriptProcess script;
    private final RateLimitedLog dropLog = RateLimitedLog.everyPeriod();
    private int fd;
    private long written;
    private long dropped;

    private NotifyFifo(String name, Path path, boolean created, int fd, ScriptProcess script) {
        this.name = name;
        this.path = path;
        this.created = created;
        this.fd = fd;
        this.script = script;
    }

    /**
     * Makes (or takes) and opens the FIFO {@code name} (the keyword, for the log) at {@code path},
     * owned by {@code uid} / {@code gid} (-1: ours), and starts {@code script} (argv without the
     * path, already through {@link Scripts#asUser}; null for none) with the path appended.
     *
     * @throws IOException when it can be neither made nor opened (nothing is left behind)
     */
    public static NotifyFifo open(String name, Path path, int uid, int gid, List<String> script) throws IOException {
        boolean created = false;
        if (Native.C.mkfifo(path.toString(), MODE) == 0) {
            created = true;
        } else if (Native.errno() != Native.EEXIST) {
            throw new IOException(name + ": cannot create " + path + ": " + Native.strerror(Native.errno()));
        } else if (!isFifo(path)) {
            // keepalived would open and write into whatever file is there; refused, it is not ours to fill.
            throw new IOException(name + ": " + path + " exists and is not a FIFO");
        }
        int fd = Native.C.open(
                path.toString(), Native.O_RDWR | Native.O_NONBLOCK | Native.O_NOFOLLOW | Native.O_CLOEXEC);
        if (fd < 0) {
            int errno = Native.errno();
            if (created) {
                Files.deleteIfExists(path);
            }
            throw new IOException(name + ": cannot open " + path + ": " + Native.strerror(errno));
        }
        int ourUid = Native.C.geteuid();
        int ourGid = Native.C.getegid();
        if (created && ((uid != -1 && uid != ourUid) || (gid != -1 && gid != ourGid))) {
            // fchown on the descriptor, not chown on the name: the name may have been replaced meanwhile.
            if (Native.C.fchown(fd, uid == ourUid ? -1 : uid, gid == ourGid ? -1 : gid) != 0) {
                LOG.warn("{}: cannot give {} to {}:{}: {}", name, path, uid, gid, Native.strerror(Native.errno()));
            }
        }
        ScriptProcess p = null;
        if (script != null) {
            List<String> argv = new ArrayList<>(script);
            argv.add(path.toString());
            try {
                p = ScriptProcess.start(argv, Scripts.ENVIRONMENT);
                p.onExit().thenAccept(e -> LOG.info("{}: script {} ended ({})", name, argv, e));
            } catch (IOException e) {
                // keepalived opens the FIFO all the same; lines wait in it for a reader that never comes.
                LOG.error("{}: cannot run script {}: {}", name, argv, e.getMessage());
            }
        }
        LOG.info(
                "{}: {} {}{}",
                name,
                created ? "created" : "opened existing",
                path,
                p == null ? "" : ", script pid " + p.pid());
        return new NotifyFifo(name, path, created, fd, p);
    }

    private static boolean isFifo(Path path) {
        try {
            return Files.readAttributes(path, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS)
                    .isOther();
        } catch (IOException e) {
            return false;
        }
    }

    public Path path() {
        return path;
    }

    /** Its keyword: notify_fifo, vrrp_notify_fifo or lvs_notify_fifo. */
    public String name() {
        return name;
    }

    /** The line's bytes (ASCII) whole, or nothing: false when dropped (the FIFO is full, or closed). */
    public boolean write(String line) {
        byte[] b = line.getBytes(StandardCharsets.UTF_8);
        long n;
        int errno = 0;
        synchronized (this) {
            if (fd < 0) {
                return false;
            }
            do {
                n = Native.C.write(fd, b, b.length);
            } while (n < 0 && (errno = Native.errno()) == Native.EINTR);
            if (n == b.length) {
                written++;
                return true;
            }
            dropped++;
        }
        long lines = dropLog.admit(System.nanoTime());
        if (lines > 0) {
            LOG.warn(
                    "{}: line dropped ({}){}",
                    name,
                    n < 0 && errno == Native.EAGAIN ? "the FIFO is full: nobody reads " + path : Native.strerror(errno),
                    RateLimitedLog.notLogged(lines - 1, dropLog.total()));
        }
        return false;
    }

    public synchronized long written() {
        return written;
    }

    public synchronized long dropped() {
        return dropped;
    }

    /**
     * keepalived's order: unlinked first (if we made it), so that a script that reopens the FIFO
     * in a loop cannot reopen this one, then closed; the script then reads EOF, and is killed
     * with its process group if it has not ended within half a second.
     */
    @Override
    public void close() {
        if (created) {
            try {
                Files.deleteIfExists(path);
            } catch (IOException e) {
                LOG.warn("{}: cannot remove {}: {}", name, path, e.getMessage());
            }
        }
        synchronized (this) {
            Native.closeQuietly(fd);
            fd = -1;
        }
        if (script != null && script.isAlive()) {
            try {
                script.onExit().get(SCRIPT_GRACE_MILLIS, TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (Exception e) {
                // still running: killed below
            }
            if (script.isAlive()) {
                script.killGroup();
            }
        }
        LOG.info("{}: closed {} ({} line(s) written, {} dropped)", name, path, written(), dropped());
    }
}
