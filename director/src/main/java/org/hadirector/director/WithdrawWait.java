package org.hadirector.director;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What {@code hadirector announce withdraw} waits for, read from successive {@code status} texts
 * (pure): BIRD exports none of the announced VIPs on any session, and the frames forwarded per
 * second have fallen to at most {@link #QUIET_FRAMES_PER_SECOND} (the routers send the flows to
 * the other directors). With kernel IPVS there is no frame counter here; BIRD alone decides.
 */
final class WithdrawWait {
    static final long QUIET_FRAMES_PER_SECOND = 10;

    private static final Pattern FORWARDED = Pattern.compile("(?m)^forwarder: (\\d+) frames forwarded");
    private static final Pattern EXPORTS = Pattern.compile("(?m)^  \\S+  Established  exports (.+)$");
    private static final Pattern BIRD_FAILED = Pattern.compile("(?m)^bird: .*; failed: (.*)$");

    /** What one status says. */
    record Reading(long atNanos, boolean exportsNone, String birdError, Long forwarded) {}

    /** The readings of the last few seconds, oldest first (bounded: two a second, for about 3 s). */
    private final java.util.ArrayDeque<Reading> recent = new java.util.ArrayDeque<>();

    private Reading last;

    static Reading read(String status, long atNanos) {
        Matcher f = FORWARDED.matcher(status);
        Long forwarded = f.find() ? Long.parseLong(f.group(1)) : null;
        Matcher b = BIRD_FAILED.matcher(status);
        String error = b.find() ? b.group(1) : null;
        boolean none = error == null;
        Matcher e = EXPORTS.matcher(status);
        while (e.find()) {
            if (!e.group(1).equals("nothing")) {
                none = false;
            }
        }
        return new Reading(atNanos, none, error, forwarded);
    }

    /** Takes a reading; true once the traffic has moved. */
    boolean add(Reading r) {
        last = r;
        recent.addLast(r);
        // keep one reading a second or more old, and nothing older than it needs
        while (recent.size() > 2 && r.atNanos() - secondOldest().atNanos() >= 1_000_000_000L) {
            recent.removeFirst();
        }
        return moved();
    }

    private Reading secondOldest() {
        java.util.Iterator<Reading> it = recent.iterator();
        it.next();
        return it.next();
    }

    boolean moved() {
        if (last == null || !last.exportsNone()) {
            return false;
        }
        if (last.forwarded() == null) {
            return true; // kernel IPVS: no frame counter here, BIRD decides
        }
        long fps = framesPerSecond();
        return fps >= 0 && fps <= QUIET_FRAMES_PER_SECOND;
    }

    /** Frames forwarded per second over the last second or more; -1 until a second has been read. */
    long framesPerSecond() {
        if (last == null || recent.isEmpty()) {
            return -1;
        }
        Reading old = recent.peekFirst();
        long dt = last.atNanos() - old.atNanos();
        if (dt < 1_000_000_000L || old.forwarded() == null || last.forwarded() == null) {
            return -1;
        }
        return (last.forwarded() - old.forwarded()) * 1_000_000_000L / dt;
    }

    /** How the wait stands, for the operator. */
    String describe() {
        if (last == null) {
            return "no status read";
        }
        String bird = last.birdError() != null
                ? "BIRD cannot be read (" + last.birdError() + ")"
                : last.exportsNone() ? "BIRD exports none of the VIPs" : "BIRD still exports a VIP";
        long fps = framesPerSecond();
        return bird + (last.forwarded() == null ? "" : "; frames forwarded " + (fps < 0 ? "?" : fps) + "/s");
    }
}
