package org.hadirector.vrrp.track;

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
import org.hadirector.sys.SmallFiles;

/**
 * A track_file as an instance tracks it. The file holds a number in text; it is read again when
 * its modification time or size changes. A missing, empty or unreadable file reads as 0; text
 * that is not a number too. Whatever the path names (a regular file, a FIFO, a device), reading
 * it never blocks and never takes more than 127 bytes: keepalived's rule.
 *
 * <p>Once read, the file is watched by one shared thread ("track-files", every 100 ms) and
 * {@link #changed()} / {@link #read()} only look at what that thread saw: no file system call is
 * made on the instance's thread, so even a file on a hung network file system cannot hold it.
 * The thread holds files weakly: a file an instance no longer tracks is forgotten.
 */
public final class TrackedFile {
    private static final long POLL_MILLIS = 100;
    private static final List<WeakReference<TrackedFile>> WATCHED = new ArrayList<>();
    private static ScheduledExecutorService poller;

    private final String name;
    private final Path path;
    private final TrackedWeight weight;
    /** Written by whoever polls (the first read, then the poller); the instance reads them. */
    private volatile long value;

    private volatile long version;
    private FileTime polledTime;
    private long polledSize = -1;
    private volatile boolean watched;
    /** The version the instance last took with {@link #read()}; touched by the instance only. */
    private long taken = -1;

    public TrackedFile(String name, Path path, TrackedWeight weight) {
        this.name = name;
        this.path = path;
        this.weight = weight;
    }

    public String name() {
        return name;
    }

    public String key() {
        return "track_file " + name;
    }

    public TrackedWeight weight() {
        return weight;
    }

    public Path path() {
        return path;
    }

    /** True when the file changed since the last {@link #read()} (as the watching thread last saw it). */
    public boolean changed() {
        return version != taken;
    }

    /**
     * The value in the file (0 when absent, unreadable or not a number), read as keepalived reads
     * a track_file: at most 127 bytes, opened non-blocking, so that neither a FIFO nor a device (a
     * link to /dev/zero, a tty) can hold a thread or fill memory; clamped to -254..254 as
     * keepalived clamps it. The first call reads the file itself (at start, before the instance's
     * thread runs) and has it watched; later calls return what the watching thread read.
     */
    public long read() {
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
        // The version before the value: a change landing in between is seen again, never missed.
        taken = version;
        return value;
    }

    /** Reads the file again if its modification time or size changed; on the watching thread. */
    private synchronized void poll() {
        FileTime t;
        long size;
        try {
            t = Files.getLastModifiedTime(path);
            size = Files.size(path);
        } catch (IOException e) {
            if (polledSize != -2) {
                polledTime = null;
                polledSize = -2;
                update(0);
            }
            return;
        }
        if (t.equals(polledTime) && size == polledSize) {
            return;
        }
        polledTime = t;
        polledSize = size;
        String text = SmallFiles.readTextAtMost(path, SmallFiles.TRACK_FILE_MAX);
        update(text == null ? 0 : parse(text));
    }

    private void update(long v) {
        value = v;
        version++;
    }

    private static void watch(TrackedFile f) {
        synchronized (WATCHED) {
            WATCHED.add(new WeakReference<>(f));
            if (poller == null) {
                poller = Executors.newSingleThreadScheduledExecutor(r -> {
                    Thread t = new Thread(r, "track-files");
                    t.setDaemon(true);
                    return t;
                });
                poller.scheduleWithFixedDelay(TrackedFile::pollAll, POLL_MILLIS, POLL_MILLIS, TimeUnit.MILLISECONDS);
            }
        }
    }

    private static void pollAll() {
        List<TrackedFile> files = new ArrayList<>();
        synchronized (WATCHED) {
            for (Iterator<WeakReference<TrackedFile>> it = WATCHED.iterator(); it.hasNext(); ) {
                TrackedFile f = it.next().get();
                if (f == null) {
                    it.remove();
                } else {
                    files.add(f);
                }
            }
        }
        for (TrackedFile f : files) {
            try {
                f.poll();
            } catch (RuntimeException e) {
                // One bad file must not stop the others being watched; it reads as before.
            }
        }
    }

    /** strtol(text, NULL, 0) as keepalived calls it (white space, sign, 0x hex, 0 octal), clamped to +-254. */
    static long parse(String text) {
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
                && Character.digit(text.charAt(i + 2), 16) >= 0) {
            radix = 16;
            i += 2;
        } else if (i < n && text.charAt(i) == '0') {
            radix = 8;
        }
        long v = 0;
        while (i < n) {
            int d = Character.digit(text.charAt(i), radix);
            if (d < 0 || text.charAt(i) > 'z') {
                break;
            }
            v = Math.min(v * radix + d, 1_000_000L);
            i++;
        }
        v = negative ? -v : v;
        return Math.max(-254, Math.min(254, v));
    }
}
