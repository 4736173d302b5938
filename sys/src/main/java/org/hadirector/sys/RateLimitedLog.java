package org.hadirector.sys;

/**
 * The gate of a log line that the network can trigger at any rate (dropped packets, adverts,
 * neighbour changes): up to {@code burst} events a period are logged, the rest are counted, and
 * the next line logged says how many were not. A flood thus costs at most {@code burst} lines a
 * period, and no event goes uncounted.
 *
 * <p>Pure: the caller passes the time in and does the logging, so that the policy is tested
 * with a fake clock. One gate per kind of line (a reason, a peer); synchronized because some
 * callers count from I/O callbacks, uncontended on the usual single thread.
 *
 * <pre>
 * long n = gate.admit(now);
 * if (n &gt; 0) {
 *     LOG.warn("{}: dropped ...{}", name, RateLimitedLog.notLogged(n - 1, gate.total()));
 * }
 * </pre>
 */
public final class RateLimitedLog {
    /** The period of the network-driven lines of the daemon: the first at once, then one each 10 s. */
    public static final long DEFAULT_PERIOD_NANOS = 10_000_000_000L;

    private final int burst;
    private final long periodNanos;
    private boolean started;
    private long windowStart;
    private int loggedInWindow;
    private long notLogged;
    private long total;

    public RateLimitedLog(int burst, long periodNanos) {
        if (burst < 1 || periodNanos <= 0) {
            throw new IllegalArgumentException("burst " + burst + ", period " + periodNanos + " ns");
        }
        this.burst = burst;
        this.periodNanos = periodNanos;
    }

    /** One line a period ({@link #DEFAULT_PERIOD_NANOS}): the first event, then a counted summary. */
    public static RateLimitedLog everyPeriod() {
        return new RateLimitedLog(1, DEFAULT_PERIOD_NANOS);
    }

    /**
     * Counts one event at {@code now}. Returns 0 when it must not be logged; otherwise it must be,
     * and the value is the number of events the line stands for: this one plus those not logged
     * since the previous line.
     */
    public synchronized long admit(long now) {
        total++;
        if (!started || now - windowStart >= periodNanos) {
            started = true;
            windowStart = now;
            loggedInWindow = 0;
        }
        if (loggedInWindow < burst) {
            loggedInWindow++;
            long n = notLogged + 1;
            notLogged = 0;
            return n;
        }
        notLogged++;
        return 0;
    }

    /**
     * For a caller with a timer: once the period of the last line is over, the count of events
     * not logged since (to be logged now as a summary); 0 when there are none or it is too early.
     */
    public synchronized long flush(long now) {
        if (notLogged == 0 || now - windowStart < periodNanos) {
            return 0;
        }
        long n = notLogged;
        notLogged = 0;
        // the summary is this period's line
        windowStart = now;
        loggedInWindow = 1;
        return n;
    }

    /** Every event counted, logged or not. */
    public synchronized long total() {
        return total;
    }

    /** Events counted since the last line logged. */
    public synchronized long notLogged() {
        return notLogged;
    }

    /**
     * The tail of a rate-limited line: empty for the first event, else
     * {@code " (N more not logged, T in all)"} or {@code " (T in all)"}.
     */
    public static String notLogged(long more, long total) {
        if (total <= 1) {
            return "";
        }
        return more > 0 ? " (" + more + " more not logged, " + total + " in all)" : " (" + total + " in all)";
    }
}
