package org.hadirector.healthcheck;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.function.Predicate;

/**
 * Which checks start when: pure, with time passed in, so that its rules are tested with a fake
 * clock (CheckScheduleTest) and the service only runs what it says on its loop.
 * <ul>
 * <li>A job is idle, due at a time, waiting for a slot, or in flight; it is in one place at a time.
 * <li>{@link #due} takes every job due by {@code now}, in the order they fell due; at most
 * {@code maxInFlight} are in flight at once, the others wait in that order (first come, first
 * run), and {@link #finished} hands their slot on.
 * <li>{@link #nextWakeAt} is the earliest due time rounded up to a tick, so that the checks of a
 * tick start together (one wake-up of the loop and of the I/O threads for all of them).
 * </ul>
 */
final class CheckSchedule<J> {
    private enum Where {
        DUE,
        WAITING,
        IN_FLIGHT
    }

    private static final class Entry<J> {
        final J job;
        final long dueAt;
        final long seq;
        boolean live = true;

        Entry(J job, long dueAt, long seq) {
            this.job = job;
            this.dueAt = dueAt;
            this.seq = seq;
        }
    }

    /** Due jobs by time, then by the order they were scheduled; removed ones are skipped when met. */
    private final PriorityQueue<Entry<J>> timeline = new PriorityQueue<>(
            (a, b) -> a.dueAt != b.dueAt ? Long.compare(a.dueAt - b.dueAt, 0) : Long.compare(a.seq, b.seq));

    private final Map<J, Entry<J>> dueEntries = new IdentityHashMap<>();
    private final Map<J, Where> where = new IdentityHashMap<>();
    private final ArrayDeque<J> waiting = new ArrayDeque<>();
    private final int maxInFlight;
    private final long tickNanos;
    private int inFlight;
    private long seq;

    /** What {@link #due} decided: the jobs to start now, and those due but skipped (suspended). */
    record Due<J>(List<J> start, List<J> skipped) {}

    CheckSchedule(int maxInFlight, long tickNanos) {
        if (maxInFlight < 1 || tickNanos < 1) {
            throw new IllegalArgumentException("maxInFlight " + maxInFlight + ", tick " + tickNanos + " ns");
        }
        this.maxInFlight = maxInFlight;
        this.tickNanos = tickNanos;
    }

    /** Schedules an idle job at {@code dueAt}. A job already scheduled, waiting or in flight is a caller's bug. */
    void add(J job, long dueAt) {
        Where w = where.get(job);
        if (w != null) {
            throw new IllegalStateException("job is " + w + ", not idle");
        }
        Entry<J> e = new Entry<>(job, dueAt, seq++);
        timeline.add(e);
        dueEntries.put(job, e);
        where.put(job, Where.DUE);
    }

    /**
     * Forgets the job wherever it is; a job in flight frees its slot (its late answer is the
     * caller's to ignore) and the waiting jobs that take it are returned (in flight now).
     */
    List<J> remove(J job) {
        Where w = where.remove(job);
        if (w == null) {
            return List.of();
        }
        switch (w) {
            case DUE -> dueEntries.remove(job).live = false;
            case WAITING -> waiting.remove(job);
            case IN_FLIGHT -> inFlight--;
        }
        return promote(new ArrayList<>());
    }

    /** Moves waiting jobs into the free slots, first come first run. */
    private List<J> promote(List<J> start) {
        while (inFlight < maxInFlight && !waiting.isEmpty()) {
            J next = waiting.poll();
            inFlight++;
            where.put(next, Where.IN_FLIGHT);
            start.add(next);
        }
        return start;
    }

    /**
     * Takes every job due by {@code now}: those {@code runs} refuses are skipped (idle again, for
     * the caller to schedule); the others start while there is a slot and wait otherwise.
     */
    Due<J> due(long now, Predicate<J> runs) {
        List<J> start = promote(new ArrayList<>());
        List<J> skipped = new ArrayList<>();
        for (Entry<J> e; (e = timeline.peek()) != null && e.dueAt - now <= 0; ) {
            timeline.poll();
            if (!e.live) {
                continue;
            }
            dueEntries.remove(e.job);
            if (!runs.test(e.job)) {
                where.remove(e.job);
                skipped.add(e.job);
            } else if (inFlight < maxInFlight && waiting.isEmpty()) {
                inFlight++;
                where.put(e.job, Where.IN_FLIGHT);
                start.add(e.job);
            } else {
                where.put(e.job, Where.WAITING);
                waiting.add(e.job);
            }
        }
        return new Due<>(start, skipped);
    }

    /** The job's check ended: it is idle again, and the jobs that may take its slot are returned (in flight now). */
    List<J> finished(J job) {
        if (where.get(job) != Where.IN_FLIGHT) {
            return List.of();
        }
        where.remove(job);
        inFlight--;
        return promote(new ArrayList<>());
    }

    /** The first tick at or after the earliest due time; Long.MAX_VALUE when nothing is due. */
    long nextWakeAt() {
        Entry<J> e;
        while ((e = timeline.peek()) != null && !e.live) {
            timeline.poll();
        }
        if (e == null) {
            return Long.MAX_VALUE;
        }
        return Math.floorDiv(e.dueAt + tickNanos - 1, tickNanos) * tickNanos;
    }

    boolean inFlight(J job) {
        return where.get(job) == Where.IN_FLIGHT;
    }

    /** Neither due, waiting nor in flight: nobody will run it unless it is scheduled again. */
    boolean idle(J job) {
        return !where.containsKey(job);
    }

    int inFlight() {
        return inFlight;
    }

    int waiting() {
        return waiting.size();
    }

    /** Jobs due, waiting or in flight. */
    int size() {
        return where.size();
    }
}
