package org.hadirector.vrrp.track;

import java.nio.file.Path;
import org.hadirector.sys.WatchedFile;

/**
 * A track_file as an instance tracks it. The file holds a number in text (read and watched by
 * {@link WatchedFile}, the reading the checkers' FILE_CHECK shares): a missing, empty or
 * unreadable file reads as 0; text that is not a number too; a number beyond a 32-bit int
 * (keepalived's range: INT32_MIN..INT32_MAX + 1) is ignored with a log line, the value staying what
 * it was, as keepalived's process_track_file does. {@link #changed()} / {@link #read()} only look at what the
 * watching thread saw: no file system call is made on the instance's thread.
 */
public final class TrackedFile {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(TrackedFile.class);
    private final String name;
    private final Path path;
    private final TrackedWeight weight;
    private final WatchedFile file;
    /** The version the instance last took with {@link #read()}; touched by the instance only. */
    private long taken = -1;
    /** keepalived's last_status: what an out-of-range number leaves in place (0 at first). */
    private long last;

    public TrackedFile(String name, Path path, TrackedWeight weight) {
        this.name = name;
        this.path = path;
        this.weight = weight;
        this.file = new WatchedFile(path);
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
        return file.version() != taken;
    }

    /**
     * The value in the file (0 when absent, unreadable or not a number; the previous value when
     * out of range). The first call reads the file itself (at start, before the instance's
     * thread runs) and has it watched; later calls return what the watching thread read.
     */
    public long read() {
        file.text(); // the first call reads and watches the file
        // The version before the text: a change landing in between is seen again, never missed.
        taken = file.version();
        String text = file.text();
        Long v = text == null ? Long.valueOf(0) : parse(text);
        if (v == null) {
            // one line per change of the file: the watcher reads at most every 0.1 s
            LOG.warn("track_file {}: invalid number read from {} - ignoring (keeps {})", name, path, last);
            return last;
        }
        last = v;
        return v;
    }

    /**
     * strtol(text, NULL, 0) as keepalived calls it (white space, sign, 0x hex, 0 octal); null when
     * keepalived ignores it: overflow, or beyond INT32_MIN..INT32_MAX + 1.
     */
    static Long parse(String text) {
        long v = WatchedFile.strtol(text);
        return v < Integer.MIN_VALUE || v > (long) Integer.MAX_VALUE + 1 ? null : v;
    }
}
