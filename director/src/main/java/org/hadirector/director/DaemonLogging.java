package org.hadirector.director;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.Configurator;
import ch.qos.logback.classic.spi.ConfiguratorRank;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.spi.ContextAwareBase;

/**
 * The daemon's (and every command's) logging, set up in code rather than from a logback.xml:
 * logback's XML configurator (Joran and the JDK's XML parser) cost about 0.35 s of CPU at each
 * start, more than the rest of `hadirector status` or `ipvs -L` together. An operator's own file
 * still wins: with {@code -Dlogback.configurationFile=...} this steps aside for it.
 *
 * <p>One line per event, with the instance or service name in the message. The VRRP loops, the
 * forwarder and the checks never wait for the log: they only queue an event, and the queue's own
 * thread writes it out. The queue is bounded (2048 events): past four fifths full, TRACE, DEBUG
 * and INFO events are dropped while WARN and ERROR are still queued; full, every event is dropped
 * rather than waited for (neverBlock); {@link LogQueue} counts what it drops and says so in a WARN
 * line once there is room again. A stalled stdout (journald, a pipe nobody reads) thus costs
 * log lines, never a missed advert. {@link Main#flushLogs} drains the queue before the process
 * ends. The level is HADIRECTOR_LOG_LEVEL's (a system property or the environment), INFO without.
 */
@ConfiguratorRank(ConfiguratorRank.CUSTOM_NORMAL_PRIORITY)
public final class DaemonLogging extends ContextAwareBase implements Configurator {
    static final String PATTERN = "%d{yyyy-MM-dd HH:mm:ss.SSS} %-5level [%thread] %logger{0}: %msg%n";
    static final int QUEUE = 2048;
    static final int DISCARDING_THRESHOLD = 409;

    @Override
    public ExecutionStatus configure(LoggerContext lc) {
        if (System.getProperty("logback.configurationFile") != null) {
            return ExecutionStatus.INVOKE_NEXT_IF_ANY;
        }
        apply(lc, level());
        return ExecutionStatus.DO_NOT_INVOKE_NEXT_IF_ANY;
    }

    static Level level() {
        String v = System.getProperty("HADIRECTOR_LOG_LEVEL", System.getenv("HADIRECTOR_LOG_LEVEL"));
        return Level.toLevel(v, Level.INFO);
    }

    /** Log lines the daemon's queue has dropped, or -1 when the logging is not the daemon's (-Dlogback.configurationFile). */
    static long droppedLines() {
        if (org.slf4j.LoggerFactory.getILoggerFactory() instanceof LoggerContext lc
                && lc.getLogger(Logger.ROOT_LOGGER_NAME).getAppender("ASYNC") instanceof LogQueue q) {
            return q.droppedEver();
        }
        return -1;
    }

    /** Sets {@code lc}'s root up as the daemon's: the console behind the bounded queue. */
    static void apply(LoggerContext lc, Level level) {
        PatternLayoutEncoder encoder = new PatternLayoutEncoder();
        encoder.setContext(lc);
        encoder.setPattern(PATTERN);
        encoder.start();
        ConsoleAppender<ILoggingEvent> console = new ConsoleAppender<>();
        console.setContext(lc);
        console.setName("CONSOLE");
        console.setEncoder(encoder);
        console.start();
        LogQueue async = new LogQueue();
        async.setContext(lc);
        async.setName("ASYNC");
        async.setQueueSize(QUEUE);
        async.setDiscardingThreshold(DISCARDING_THRESHOLD);
        async.setNeverBlock(true);
        async.setMaxFlushTime(2000);
        async.addAppender(console);
        async.start();
        Logger root = lc.getLogger(Logger.ROOT_LOGGER_NAME);
        root.detachAndStopAllAppenders();
        root.setLevel(level);
        root.addAppender(async);
    }
}
