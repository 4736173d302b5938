package org.hadirector.healthcheck;

/**
 * One checker's verdict and schedule under keepalived's rules, pure (time passed in):
 * a down checker comes up after one success; an up checker goes down after retry + 1
 * consecutive failures, retried {@code delayBeforeRetry} apart; otherwise it runs every
 * {@code delayLoop}. Without alpha it starts up (the server is in the table at once); with alpha
 * it starts down (added on its first success). The first run waits {@code warmup} (a random
 * part of it is chosen by the caller, to spread the checks).
 */
public final class CheckerState {
    /** What a result did to the checker. */
    public enum Change {
        NONE,
        UP,
        DOWN
    }

    private final int retry;
    private final long delayLoopNanos;
    private final long delayBeforeRetryNanos;
    private boolean up;
    private int failures;
    private long nextRunAt;

    public CheckerState(boolean alpha, int retry, long delayLoopNanos, long delayBeforeRetryNanos) {
        if (retry < 0 || delayLoopNanos <= 0 || delayBeforeRetryNanos < 0) {
            throw new IllegalArgumentException("retry " + retry + ", delay_loop " + delayLoopNanos);
        }
        this.up = !alpha;
        this.retry = retry;
        this.delayLoopNanos = delayLoopNanos;
        this.delayBeforeRetryNanos = delayBeforeRetryNanos;
    }

    /** Schedules the first run {@code warmupNanos} from {@code now}. */
    public void start(long now, long warmupNanos) {
        nextRunAt = now + Math.max(0, warmupNanos);
    }

    public boolean up() {
        return up;
    }

    public long nextRunAt() {
        return nextRunAt;
    }

    public boolean due(long now) {
        return nextRunAt - now <= 0;
    }

    /** Records the result of a run that ended at {@code now} and schedules the next one. */
    public Change onResult(boolean success, long now) {
        if (success) {
            failures = 0;
            nextRunAt = now + delayLoopNanos;
            if (!up) {
                up = true;
                return Change.UP;
            }
            return Change.NONE;
        }
        failures++;
        if (up && failures <= retry) {
            nextRunAt = now + delayBeforeRetryNanos;
            return Change.NONE;
        }
        nextRunAt = now + delayLoopNanos;
        if (up) {
            up = false;
            return Change.DOWN;
        }
        return Change.NONE;
    }

    /** A run that was due but did not happen (ha_suspend): the next one is a delay_loop away, nothing else changes. */
    public void onSkipped(long now) {
        nextRunAt = now + delayLoopNanos;
    }

    /** Consecutive failures so far (for the status and the logs). */
    public int failures() {
        return failures;
    }
}
