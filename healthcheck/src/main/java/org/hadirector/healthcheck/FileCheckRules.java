package org.hadirector.healthcheck;

import java.util.OptionalLong;
import org.hadirector.sys.WatchedFile;

/**
 * FILE_CHECK's rules, as keepalived 2.2.7's track_file.c applies a file's number to a real
 * server's checker (pure). The file's text is read as strtol(text, NULL, 0): missing, unreadable,
 * empty or not a number reads as 0; a number beyond -2^31..2^31 is ignored (the value before it
 * stays, keepalived's "Invalid number ... ignoring").
 *
 * <p>With {@code weight 0} the file is a switch: 0 is up, anything else down ({@code reverse}:
 * the other way round). Otherwise the checker adds value x weight (x -1 with reverse) to the
 * server's weight, and is down only when that reaches -2^31 (keepalived's IPVS_WEIGHT_FAULT);
 * the server's weight is its configured weight plus what its file checkers add, kept within
 * 0..2^31-1, so a negative value lowers it down to 0 (the server stays, with weight 0).
 */
public final class FileCheckRules {
    private FileCheckRules() {}

    /** What the file says: whether the checker is up, and what it adds to the server's weight while up. */
    public record Verdict(boolean up, long addedWeight) {}

    /** The file's value, or empty when keepalived ignores it (out of range); {@code text} null when missing. */
    public static OptionalLong value(String text) {
        if (text == null || text.isEmpty()) {
            return OptionalLong.of(0);
        }
        long v = WatchedFile.strtol(text);
        if (v < Integer.MIN_VALUE || v > (long) Integer.MAX_VALUE + 1) {
            return OptionalLong.empty();
        }
        return OptionalLong.of(v);
    }

    public static Verdict verdict(long value, int weight, boolean reverse) {
        if (weight == 0) {
            return new Verdict((value == 0) != reverse, 0);
        }
        // |value| <= 2^31 and |weight| < 2^31: the product fits in a long
        long added = value * weight * (reverse ? -1 : 1);
        if (added <= Integer.MIN_VALUE) {
            return new Verdict(false, 0);
        }
        return new Verdict(true, Math.min(added, Integer.MAX_VALUE));
    }

    /** A server's weight: configured (or misc_dynamic's), plus what its file checkers add, within 0..2^31-1. */
    public static int serverWeight(long base, long added) {
        return (int) Math.max(0, Math.min(Integer.MAX_VALUE, base + added));
    }
}
