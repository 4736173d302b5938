package org.hadirector.director;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An Error (OutOfMemoryError, StackOverflowError, an internal error) leaves the JVM in a state no
 * part can be trusted to recover from: the process exits, so that the service manager restarts
 * it (Restart=on-failure) and the peer takes the VIPs meanwhile. The launcher and the unit also
 * give the JVM -XX:+ExitOnOutOfMemoryError, which ends the process on the first OutOfMemoryError
 * even where a catch would swallow it. An exception that ends some other thread is logged.
 */
final class FatalErrors {
    private static final Logger LOG = LoggerFactory.getLogger(FatalErrors.class);
    /** EX_SOFTWARE: an internal software error. */
    static final int EXIT_ERROR = 70;

    private static final long HALT_AFTER_MS = 5_000;

    private FatalErrors() {}

    static void install() {
        Thread.setDefaultUncaughtExceptionHandler(FatalErrors::uncaught);
    }

    static void uncaught(Thread t, Throwable e) {
        if (!(e instanceof Error)) {
            LOG.error("thread {} ended: {}", t.getName(), e.toString(), e);
            return;
        }
        try {
            LOG.error(
                    "fatal: {} in thread {}; exiting so that the service manager restarts the daemon and the peer "
                            + "takes over",
                    e,
                    t.getName());
        } catch (Throwable ignored) {
            // logging may itself fail after an Error; exiting matters more
        }
        // The graceful stop (priority 0, VIPs removed) runs in the shutdown hook; if it cannot
        // finish, halt anyway.
        Thread halt = new Thread(
                () -> {
                    try {
                        Thread.sleep(HALT_AFTER_MS);
                    } catch (InterruptedException ignored) {
                        // halting anyway
                    }
                    try {
                        Main.flushLogs(); // the queued lines, the reason among them
                    } catch (Throwable ignored) {
                        // halting anyway
                    }
                    Runtime.getRuntime().halt(EXIT_ERROR);
                },
                "halt");
        halt.setDaemon(true);
        halt.start();
        System.exit(EXIT_ERROR);
    }
}
