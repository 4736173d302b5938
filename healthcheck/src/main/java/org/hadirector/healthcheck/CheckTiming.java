package org.hadirector.healthcheck;

/**
 * A checker's timing under keepalived's names, in nanoseconds: connect_timeout bounds one whole
 * check; retry failures after the first are tolerated, delay_before_retry apart; delay_loop
 * between rounds; the first run waits a random part of warmup; alpha starts the checker down.
 */
public record CheckTiming(
        long connectTimeoutNanos,
        int retry,
        long delayBeforeRetryNanos,
        long delayLoopNanos,
        long warmupNanos,
        boolean alpha,
        boolean logAllFailures) {

    public CheckTiming {
        if (connectTimeoutNanos <= 0
                || retry < 0
                || delayBeforeRetryNanos < 0
                || delayLoopNanos <= 0
                || warmupNanos < 0) {
            throw new IllegalArgumentException("bad checker timing: connect_timeout " + connectTimeoutNanos
                    + " ns, retry " + retry + ", delay_before_retry " + delayBeforeRetryNanos + " ns, delay_loop "
                    + delayLoopNanos + " ns");
        }
    }

    /** The same timing, logging every failure (log_all_failures, checker_log_all_failures). */
    public CheckTiming loggingAllFailures() {
        return new CheckTiming(
                connectTimeoutNanos, retry, delayBeforeRetryNanos, delayLoopNanos, warmupNanos, alpha, true);
    }

    public CheckerState newState() {
        return new CheckerState(alpha, retry, delayLoopNanos, delayBeforeRetryNanos);
    }
}
