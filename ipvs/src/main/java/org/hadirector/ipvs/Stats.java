package org.hadirector.ipvs;

/**
 * Counters and rates as IPVS keeps them per service and per destination: totals since creation,
 * and rates (per second) estimated over the last seconds.
 */
public record Stats(
        long connections,
        long inPackets,
        long outPackets,
        long inBytes,
        long outBytes,
        long cps,
        long inPps,
        long outPps,
        long inBps,
        long outBps) {

    public static final Stats ZERO = new Stats(0, 0, 0, 0, 0, 0, 0, 0, 0, 0);
}
