package org.hadirector.vrrp.track;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;

import org.hadirector.sys.SmallFiles;

/**
 * A track_file as an instance tracks it. The file holds a number in text; it is read again when
 * its modification time or size changes. A missing, empty or unreadable file reads as 0; text
 * that is not a number too. Whatever the path names (a regular file, a FIFO, a device), reading
 * it never blocks and never takes more than 127 bytes: keepalived's rule.
 */
public final class TrackedFile {
    private final String name;
    private final Path path;
    private final TrackedWeight weight;
    private FileTime seenTime;
    private long seenSize = -1;

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

    /** True when the file changed since the last {@link #read()}. */
    public boolean changed() {
        try {
            FileTime t = Files.getLastModifiedTime(path);
            long size = Files.size(path);
            return !t.equals(seenTime) || size != seenSize;
        } catch (IOException e) {
            return seenSize != -2;
        }
    }

    /**
     * The value now in the file (0 when absent, unreadable or not a number), read as keepalived
     * reads a track_file: at most 127 bytes, opened non-blocking, so that neither a FIFO nor a
     * device (a link to /dev/zero, a tty) can hold the instance's thread or fill its memory;
     * clamped to -254..254 as keepalived clamps it.
     */
    public long read() {
        try {
            seenTime = Files.getLastModifiedTime(path);
            seenSize = Files.size(path);
        } catch (IOException e) {
            seenTime = null;
            seenSize = -2;
            return 0;
        }
        String text = SmallFiles.readTextAtMost(path, SmallFiles.TRACK_FILE_MAX);
        return text == null ? 0 : parse(text);
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
        if (i + 1 < n && text.charAt(i) == '0' && (text.charAt(i + 1) == 'x' || text.charAt(i + 1) == 'X')
                && i + 2 < n && Character.digit(text.charAt(i + 2), 16) >= 0) {
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
