package org.hadirector.healthcheck;

/**
 * How late checks start against their schedule, in a fixed histogram (1 ms buckets up to 10 s)
 * so recording costs nothing and percentiles are exact to the millisecond.
 */
public final class Lateness {
    private static final int BUCKETS = 10_000;

    private final long[] counts = new long[BUCKETS + 1];
    private long total;
    private long maxNanos;

    public void record(long lateNanos) {
        long late = Math.max(0, lateNanos);
        int ms = (int) Math.min(BUCKETS, late / 1_000_000);
        counts[ms]++;
        total++;
        maxNanos = Math.max(maxNanos, late);
    }

    public long count() {
        return total;
    }

    /** The lateness in ms that {@code fraction} of the checks started within (0 when none ran). */
    public long percentileMillis(double fraction) {
        if (total == 0) {
            return 0;
        }
        long want = (long) Math.ceil(fraction * total);
        long seen = 0;
        for (int i = 0; i <= BUCKETS; i++) {
            seen += counts[i];
            if (seen >= want) {
                return i + 1;
            }
        }
        return BUCKETS;
    }

    public double maxMillis() {
        return maxNanos / 1e6;
    }

    public void reset() {
        java.util.Arrays.fill(counts, 0);
        total = 0;
        maxNanos = 0;
    }
}
