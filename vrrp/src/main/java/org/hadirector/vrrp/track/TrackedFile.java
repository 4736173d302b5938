package org.hadirector.vrrp.track;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;

/**
 * A track_file as an instance tracks it. The file holds a number in text; it is read again when
 * its modification time or size changes. A missing, empty or unreadable file reads as 0; text
 * that is not a number too, with the reason kept for the log.
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

    /** The value now in the file (0 when absent or not a number). */
    public long read() {
        try {
            seenTime = Files.getLastModifiedTime(path);
            seenSize = Files.size(path);
            return parse(Files.readString(path));
        } catch (IOException e) {
            seenTime = null;
            seenSize = -2;
            return 0;
        }
    }

    static long parse(String text) {
        String t = text.strip();
        int end = 0;
        while (end < t.length() && (Character.isDigit(t.charAt(end)) || (end == 0 && (t.charAt(0) == '-' || t.charAt(0) == '+')))) {
            end++;
        }
        try {
            return end == 0 ? 0 : Long.parseLong(t.substring(0, end));
        } catch (NumberFormatException e) {
            return 0;
        }
    }
}
