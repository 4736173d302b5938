package org.hadirector.sys;

import java.io.IOException;
import java.lang.ref.WeakReference;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The text of a track_file, as keepalived reads one (VRRP's track_file and the checkers'
 * FILE_CHECK share it): at most 127 bytes, through {@link SmallFiles#readTextAtMost} (opened
 * non-blocking, one read), so that neither a FIFO nor a device can hold a thread or fill memory;
 * null while the file is missing or unreadable. It is read again when its modification time or
 * size changes.
 *
 * <p>Once read, the file is watched by one shared thread ("track-files", every 100 ms) and
 * {@link #text()} only returns what that thread saw: no file system call is made on the reader's
 * thread, so even a file on a hung network file system cannot hold it. The thread holds files
 * weakly: a file nobody refers to any more is forgotten, as is one {@link #close closed}.
 */
public final class WatchedFile implements AutoCloseable {
    private static final long POLL_MILLIS = 100;
    private static final List<WeakReference<WatchedFile>> WATCHED = new ArrayList<>();
    private static ScheduledExecutorService poller;

    private final Path path;
    /** Written by whoever polls (the first read, then the poller); readers take them. */
    private volatile String text;

    private volatile long version;
    private FileTime polledTime;
    private long polledSize = -1;
    private volatile boolean watched;
    private volatile boolean closed;
    /** Told, on the watching thread, after each change; must not block. */
    private volatile Runnable onChange = () -> {};

    public WatchedFile(Path path) {
        this.path = path;
    }

    public Path path() {
        return path;
    }

    /**
     * The text last read (null when missing or unreadable). The first call reads the file itself
     * (at start, before the reader's thread runs) and has it watched.
     */
    public String text() {
        // Only the first call takes the lock, which the watching thread holds while it polls: later
        // calls never wait for a file system call.
        if (!watched) {
            synchronized (this) {
                if (!watched) {
                    poll();
                    watched = true;
                    watch(this);
                }
            }
        }
        return text;
    }

    /** Counts the changes seen: read it before {@link #text()} so that a change in between is seen again. */
    public long version() {
        return version;
    }

    /** {@code r} runs on the watching thread after each change (it must not block). */
    public void onChange(Runnable r) {
        onChange = r;
    }

    /** No longer watched, nor told of changes. */
    @Override
    public void close() {
        closed = true;
        onChange = () -> {};
    }

    /** Reads the file again if its modification time or size changed; on the watching thread. */
    private synchronized boolean poll() {
        FileTime t;
        long size;
        try {
            t = Files.getLastModifiedTime(path);
            size = Files.size(path);
        } catch (IOException e) {
            if (polledSize != -2) {
                polledTime = null;
                polledSize = -2;
                update(null);
                return true;
            }
            return false;
        }
        if (t.equals(polledTime) && size == polledSize) {
            return false;
        }
        polledTime = t;
        polledSize = size;
        update(SmallFiles.readTextAtMost(path, SmallFiles.TRACK_FILE_MAX));
        return true;
    }

    private void update(String v) {
        text = v;
        version++;
    }

    private static void watch(WatchedFile f) {
        synchronized (WATCHED) {
            WATCHED.add(new WeakReference<>(f));
            if (poller == null) {
                poller = Executors.newSingleThreadScheduledExecutor(r -> {
                    Thread t = new Thread(r, "track-files");
                    t.setDaemon(true);
                    return t;
                });
                poller.scheduleWithFixedDelay(WatchedFile::pollAll, POLL_MILLIS, POLL_MILLIS, TimeUnit.MILLISECONDS);
            }
        }
    }

    private static void pollAll() {
        List<WatchedFile> files = new ArrayList<>();
        synchronized (WATCHED) {
            for (Iterator<WeakReference<WatchedFile>> it = WATCHED.iterator(); it.hasNext(); ) {
                WatchedFile f = it.next().get();
                if (f == null || f.closed) {
                    it.remove();
                } else {
                    files.add(f);
                }
            }
        }
        for (WatchedFile f : files) {
            try {
                if (f.poll()) {
                    f.onChange.run();
                }
            } catch (RuntimeException e) {
                // One bad file (or listener) must not stop the others being watched; it reads as before.
            }
        }
    }

    /**
     * strtol(text, NULL, 0) as keepalived calls it on a track_file's text: white space, a sign,
     * 0x hex, 0 octal, then digits up to the first that is not one; no digits reads as 0. A value
     * beyond a long saturates to Long.MIN_VALUE / Long.MAX_VALUE, as strtol does with ERANGE.
     */
    public static long strtol(String text) {
        int i = 0;
        int n = text.length();
        while (i < n && (text.charAt(i) == ' ' || (text.charAt(i) >= '\t' && text.charAt(i) <= '\r'))) {
            i++;
        }
        boolean negative = false;
        if (i < n && (text.charAt(i) == '-' || text.charAt(i) == '+')) {
            negative = text.charAt(i) == '-';
            i++;
        }
        int radix = 10;
        if (i + 1 < n
                && text.charAt(i) == '0'
                && (text.charAt(i + 1) == 'x' || text.charAt(i + 1) == 'X')
                && i + 2 < n
                && Character.digit(text.charAt(i + 2), 16) >= 0
                && text.charAt(i + 2) <= 'z') {
            radix = 16;
            i += 2;
        } else if (i < n && text.charAt(i) == '0') {
            radix = 8;
        }
        // accumulated negatively: Long.MIN_VALUE has no positive counterpart
        long v = 0;
        boolean overflow = false;
        while (i < n) {
            int d = Character.digit(text.charAt(i), radix);
            if (d < 0 || text.charAt(i) > 'z') {
                break;
            }
            if (!overflow) {
                if (v < (Long.MIN_VALUE + d) / radix) {
                    overflow = true;
                } else {
                    v = v * radix - d;
                }
            }
            i++;
        }
        if (overflow) {
            return negative ? Long.MIN_VALUE : Long.MAX_VALUE;
        }
        return negative ? v : (v == Long.MIN_VALUE ? Long.MAX_VALUE : -v);
    }
}
