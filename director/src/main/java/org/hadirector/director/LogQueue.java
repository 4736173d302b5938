package org.hadirector.director;

import ch.qos.logback.classic.AsyncAppender;
import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.LoggingEvent;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The daemon's bounded log queue ({@link DaemonLogging}): logback's AsyncAppender, which drops
 * lines under pressure without a word, made to say how many it dropped. The count goes out as one
 * WARN line with the first line queued once there is room again (and at stop), so an operator
 * reading the log knows it has a gap and how large.
 */
final class LogQueue extends AsyncAppender {
    private final AtomicLong dropped = new AtomicLong();
    private final AtomicLong droppedEver = new AtomicLong();

    /** Lines dropped since the process started. */
    long droppedEver() {
        return droppedEver.get();
    }

    /** Asked only past the discarding threshold: an INFO line (or lower) then is dropped. */
    @Override
    protected boolean isDiscardable(ILoggingEvent event) {
        boolean drop = super.isDiscardable(event);
        if (drop) {
            drop();
        }
        return drop;
    }

    @Override
    protected void put(ILoggingEvent event) {
        // neverBlock: a full queue refuses the offer and AsyncAppenderBase ignores the refusal. Should
        // another thread take the last slot between this test and the offer, the line is lost
        // uncounted: the count is a floor, exact but for that race
        if (getRemainingCapacity() == 0) {
            drop();
            return;
        }
        if (dropped.get() > 0 && !isQueueBelowDiscardingThreshold()) {
            report();
        }
        super.put(event);
    }

    @Override
    public void stop() {
        if (dropped.get() > 0 && isStarted()) {
            report(); // the writer thread drains the queue before it stops
        }
        super.stop();
    }

    private void drop() {
        dropped.incrementAndGet();
        droppedEver.incrementAndGet();
    }

    private void report() {
        long n = dropped.getAndSet(0);
        if (n == 0) {
            return;
        }
        LoggingEvent line = new LoggingEvent(
                LogQueue.class.getName(),
                ((LoggerContext) getContext()).getLogger(DaemonLogging.class),
                Level.WARN,
                "log: {} line(s) dropped before this one: the output was slower than the events (a queue of {};"
                        + " past four fifths full INFO and below are dropped, full every level)",
                null,
                new Object[] {n, getQueueSize()});
        preprocess(line);
        super.put(line);
    }
}
