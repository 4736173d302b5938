package org.hadirector.sys;

/**
 * An Error caught on a thread whose executor would swallow it (netty's event loops log a task's
 * Throwable and go on; a ScheduledThreadPoolExecutor keeps it in the task's future) is handed to
 * the process's uncaught-exception handler, which in the daemon exits so that the service
 * manager restarts it and the peer takes over. A half-dead process must not hold the VIP.
 */
public final class Escalate {
    private Escalate() {}

    /** Reports {@code e} as uncaught on this thread, then rethrows it. */
    public static Error error(Error e) {
        Thread.UncaughtExceptionHandler h = Thread.getDefaultUncaughtExceptionHandler();
        if (h != null) {
            h.uncaughtException(Thread.currentThread(), e);
        }
        throw e;
    }
}
