package org.hadirector.sys;

import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Work for the one thread that owns some state (a VRRP instance's loop, the forwarder), the
 * project's one way to hand it over: {@link #post} it, or {@link #call} it and wait for its
 * answer with a timeout; the owner runs what is queued with {@link #drain} in its loop, woken by
 * the {@code wake} given here (an eventfd's signal, which its poll sees).
 *
 * <p>Owners that are executors already (the table's thread, the checks' event loop) need no
 * queue of their own: {@link #call(Executor, Callable, long)} is the same call-and-wait on them.
 */
public final class Mailbox {
    /** Why a call got no answer: the owner refused the work, failed in it, or did not answer in time. */
    public static final class NoAnswer extends Exception {
        private static final long serialVersionUID = 1L;

        NoAnswer(String message, Throwable cause) {
            super(message, cause);
        }
    }

    private final ConcurrentLinkedQueue<Runnable> queue = new ConcurrentLinkedQueue<>();
    private final Runnable wake;

    /** {@code wake}: makes the owner's loop come round to {@link #drain} soon; called from any thread. */
    public Mailbox(Runnable wake) {
        this.wake = wake;
    }

    /** Queues {@code work} for the owner, without waiting. */
    public void post(Runnable work) {
        queue.add(work);
        wake.run();
    }

    /**
     * Runs {@code work} on the owner and returns its answer; throws {@link NoAnswer} when it fails
     * (with its exception as the cause) or does not answer within {@code timeoutMillis}.
     */
    public <T> T call(Callable<T> work, long timeoutMillis) throws NoAnswer, InterruptedException {
        return call(this::post, work, timeoutMillis);
    }

    /** The same on an owner that is an executor (its queue is the executor's). */
    public static <T> T call(Executor owner, Callable<T> work, long timeoutMillis)
            throws NoAnswer, InterruptedException {
        CompletableFuture<T> f = new CompletableFuture<>();
        try {
            owner.execute(() -> {
                try {
                    f.complete(work.call());
                } catch (Throwable t) {
                    f.completeExceptionally(t);
                    if (t instanceof Error e) {
                        throw e;
                    }
                }
            });
        } catch (RejectedExecutionException e) {
            throw new NoAnswer("stopped", e);
        }
        try {
            return f.get(timeoutMillis, TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            throw new NoAnswer(String.valueOf(e.getCause().getMessage()), e.getCause());
        } catch (TimeoutException e) {
            throw new NoAnswer("no answer within " + timeoutMillis + " ms", e);
        }
    }

    /** On the owner: runs everything queued, in order; returns how many. */
    public int drain() {
        int n = 0;
        for (Runnable r; (r = queue.poll()) != null; ) {
            r.run();
            n++;
        }
        return n;
    }

    /** On the owner: runs the next queued piece of work, if any; returns false when none was queued. */
    public boolean runOne() {
        Runnable r = queue.poll();
        if (r == null) {
            return false;
        }
        r.run();
        return true;
    }

    public boolean isEmpty() {
        return queue.isEmpty();
    }
}
