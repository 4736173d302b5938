package org.hadirector.healthcheck;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
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
 *
 * <p>It runs for every check (11,000 a second in lab/bench-checks), so it costs one map lookup per
 * step: a job's one entry says where it is, and the timeline is a binary heap on primitive arrays
 * (due time, order) that its sifts read without touching the entries.
 */
final class CheckSchedule<J> {
    private enum Where {
        DUE,
        WAITING,
        IN_FLIGHT
    }

    /** A job's one place; a DUE entry left in the heap by {@link #remove} is dead (where changed) and skipped. */
    private static final class Entry<J> {
        final J job;
        Where where = Where.DUE;

        Entry(J job) {
            this.job = job;
        }
    }

    private final Map<J, Entry<J>> entries = new IdentityHashMap<>();
    /** The timeline: a binary heap by due time (wrap-safe), then by the order scheduled. */
    private long[] heapAt = new long[64];

    private long[] heapSeq = new long[64];
    private Entry<?>[] heapEntry = new Entry<?>[64];
    private int heapSize;
    private final ArrayDeque<Entry<J>> waiting = new ArrayDeque<>();
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
        Entry<J> e = new Entry<>(job);
        Entry<J> was = entries.putIfAbsent(job, e);
        if (was != null) {
            throw new IllegalStateException("job is " + was.where + ", not idle");
        }
        push(dueAt, seq++, e);
    }

    /**
     * Forgets the job wherever it is; a job in flight frees its slot (its late answer is the
     * caller's to ignore) and the waiting jobs that take it are returned (in flight now).
     */
    List<J> remove(J job) {
        Entry<J> e = entries.remove(job);
        if (e == null) {
            return List.of();
        }
        Where w = e.where;
        e.where = null; // dead: a heap slot still holding it is skipped
        switch (w) {
            case DUE -> {}
            case WAITING -> waiting.remove(e);
            case IN_FLIGHT -> inFlight--;
        }
        return promote();
    }

    /** Moves waiting jobs into the free slots, first come first run. */
    private List<J> promote() {
        if (waiting.isEmpty() || inFlight >= maxInFlight) {
            return List.of();
        }
        return promote(new ArrayList<>());
    }

    private List<J> promote(List<J> start) {
        while (inFlight < maxInFlight && !waiting.isEmpty()) {
            Entry<J> next = waiting.poll();
            inFlight++;
            next.where = Where.IN_FLIGHT;
            start.add(next.job);
        }
        return start;
    }

    /**
     * Takes every job due by {@code now}: those {@code runs} refuses are skipped (idle again, for
     * the caller to schedule); the others start while there is a slot and wait otherwise.
     */
    @SuppressWarnings("unchecked")
    Due<J> due(long now, Predicate<J> runs) {
        List<J> start = promote(new ArrayList<>());
        List<J> skipped = List.of();
        while (heapSize > 0 && heapAt[0] - now <= 0) {
            Entry<J> e = (Entry<J>) heapEntry[0];
            pop();
            if (e.where != Where.DUE) {
                continue; // removed while due
            }
            if (!runs.test(e.job)) {
                entries.remove(e.job);
                e.where = null;
                if (skipped.isEmpty()) {
                    skipped = new ArrayList<>();
                }
                skipped.add(e.job);
            } else if (inFlight < maxInFlight && waiting.isEmpty()) {
                inFlight++;
                e.where = Where.IN_FLIGHT;
                start.add(e.job);
            } else {
                e.where = Where.WAITING;
                waiting.add(e);
            }
        }
        return new Due<>(start, skipped);
    }

    /** The job's check ended: it is idle again, and the jobs that may take its slot are returned (in flight now). */
    List<J> finished(J job) {
        Entry<J> e = entries.get(job);
        if (e == null || e.where != Where.IN_FLIGHT) {
            return List.of();
        }
        entries.remove(job);
        e.where = null;
        inFlight--;
        return promote();
    }

    /** The first tick at or after the earliest due time; Long.MAX_VALUE when nothing is due. */
    long nextWakeAt() {
        while (heapSize > 0 && ((Entry<?>) heapEntry[0]).where != Where.DUE) {
            pop();
        }
        if (heapSize == 0) {
            return Long.MAX_VALUE;
        }
        return Math.floorDiv(heapAt[0] + tickNanos - 1, tickNanos) * tickNanos;
    }

    boolean inFlight(J job) {
        Entry<J> e = entries.get(job);
        return e != null && e.where == Where.IN_FLIGHT;
    }

    /** Neither due, waiting nor in flight: nobody will run it unless it is scheduled again. */
    boolean idle(J job) {
        return !entries.containsKey(job);
    }

    int inFlight() {
        return inFlight;
    }

    int waiting() {
        return waiting.size();
    }

    /** Jobs due, waiting or in flight. */
    int size() {
        return entries.size();
    }

    /** a before b: the earlier due time (on either side of the clock's wrap), then the earlier scheduled. */
    private static boolean before(long atA, long seqA, long atB, long seqB) {
        long d = atA - atB;
        return d != 0 ? d < 0 : seqA < seqB;
    }

    private void push(long at, long order, Entry<?> e) {
        if (heapSize == heapAt.length) {
            int n = heapSize * 2;
            heapAt = java.util.Arrays.copyOf(heapAt, n);
            heapSeq = java.util.Arrays.copyOf(heapSeq, n);
            heapEntry = java.util.Arrays.copyOf(heapEntry, n);
        }
        int i = heapSize++;
        while (i > 0) {
            int parent = (i - 1) >>> 1;
            if (!before(at, order, heapAt[parent], heapSeq[parent])) {
                break;
            }
            move(parent, i);
            i = parent;
        }
        set(i, at, order, e);
    }

    /** Drops the heap's head. */
    private void pop() {
        int last = --heapSize;
        long at = heapAt[last];
        long order = heapSeq[last];
        Entry<?> e = heapEntry[last];
        heapEntry[last] = null;
        if (last == 0) {
            return;
        }
        int i = 0;
        int half = last >>> 1;
        while (i < half) {
            int child = 2 * i + 1;
            int right = child + 1;
            if (right < last && before(heapAt[right], heapSeq[right], heapAt[child], heapSeq[child])) {
                child = right;
            }
            if (!before(heapAt[child], heapSeq[child], at, order)) {
                break;
            }
            move(child, i);
            i = child;
        }
        set(i, at, order, e);
    }

    private void move(int from, int to) {
        set(to, heapAt[from], heapSeq[from], heapEntry[from]);
    }

    private void set(int i, long at, long order, Entry<?> e) {
        heapAt[i] = at;
        heapSeq[i] = order;
        heapEntry[i] = e;
    }
}
