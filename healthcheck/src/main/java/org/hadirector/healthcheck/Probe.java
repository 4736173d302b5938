package org.hadirector.healthcheck;

import java.util.function.Consumer;

/**
 * One kind of check against one real server, asynchronous: {@link #run} starts a check and
 * returns at once; {@code done} gets exactly one result, on any thread, within the check's
 * connect_timeout (the probe enforces it). The returned handle aborts a check in flight (reload,
 * shutdown); after an abort {@code done} may or may not be called.
 */
public interface Probe {

    /** What is checked, for logs: {@code HTTP_GET 198.18.0.21:80}. */
    String describe();

    AutoCloseable run(Consumer<ProbeResult> done);

    /**
     * True for MISC_CHECK: check_misc.c reports a checker's first result even when it changes
     * nothing (keepalived's !has_run), and so mails it. Asked of every checker's first result.
     */
    default boolean reportsFirstResult() {
        return false;
    }
}
