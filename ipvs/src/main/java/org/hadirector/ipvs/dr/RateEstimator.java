package org.hadirector.ipvs.dr;

/**
 * Per-second rates smoothed as the kernel's IPVS estimator does: every two seconds the rate over
 * the interval moves the estimate a quarter of the way (avg += (rate - avg) / 4).
 */
final class RateEstimator {
    static final long INTERVAL_NS = 2_000_000_000L;

    private long lastNs;
    private boolean started;
    private final long[] last = new long[5];
    private final double[] avg = new double[5];

    /** Feeds the totals {conns, inPkts, outPkts, inBytes, outBytes} at time now. */
    void sample(long nowNs, long conns, long inPkts, long outPkts, long inBytes, long outBytes) {
        long[] now = {conns, inPkts, outPkts, inBytes, outBytes};
        if (!started) {
            started = true;
            lastNs = nowNs;
            System.arraycopy(now, 0, last, 0, 5);
            return;
        }
        long dt = nowNs - lastNs;
        if (dt < INTERVAL_NS) {
            return;
        }
        for (int i = 0; i < 5; i++) {
            double rate = (now[i] - last[i]) * 1e9 / dt;
            avg[i] += (rate - avg[i]) / 4;
            last[i] = now[i];
        }
        lastNs = nowNs;
    }

    long cps() {
        return Math.round(avg[0]);
    }

    long inPps() {
        return Math.round(avg[1]);
    }

    long outPps() {
        return Math.round(avg[2]);
    }

    long inBps() {
        return Math.round(avg[3]);
    }

    long outBps() {
        return Math.round(avg[4]);
    }
}
