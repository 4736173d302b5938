package org.hadirector.sys;

/**
 * At most one log line per interval for an event that the network can repeat at will (accept
 * errors, refused or timed-out connections): the first one is logged at once, the ones after it
 * within the interval are only counted, and the next line that is logged says how many were held
 * back. Pure logic, time passed in; thread-safe.
 */
public final class LogThrottle {
    private final long intervalNanos;
    private boolean started;
    private long next;
    private long held;

    public LogThrottle(long intervalNanos) {
        if (intervalNanos <= 0) {
            throw new IllegalArgumentException("interval must be positive");
        }
        this.intervalNanos = intervalNanos;
    }

    /**
     * Whether a line may be logged at {@code now} (System.nanoTime()). When it may, the count of
     * lines held back since the last one is in {@link #takeHeld()}.
     */
    public synchronized boolean allow(long now) {
        if (!started || now - next >= 0) {
            started = true;
            next = now + intervalNanos;
            return true;
        }
        held++;
        return false;
    }

    /** The lines held back since the last one allowed; resets the count. */
    public synchronized long takeHeld() {
        long h = held;
        held = 0;
        return h;
    }
}
