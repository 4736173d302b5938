package org.hadirector.healthcheck;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** When checks start, with a fake clock: nothing early, ticks together, the in-flight bound, first come first run. */
class CheckScheduleTest {
    static final long MS = 1_000_000L;
    static final long T0 = 5_000 * MS;

    static CheckSchedule<String> schedule(int maxInFlight) {
        return new CheckSchedule<>(maxInFlight, MS);
    }

    @Test
    void nothingStartsBeforeItIsDueAndDueJobsStartInTheOrderTheyFellDue() {
        CheckSchedule<String> s = schedule(10);
        s.add("b", T0 + 20 * MS);
        s.add("a", T0 + 10 * MS);
        s.add("c", T0 + 20 * MS);
        assertEquals(List.of(), s.due(T0 + 10 * MS - 1, j -> true).start(), "a nanosecond early is early");
        assertEquals(List.of("a"), s.due(T0 + 10 * MS, j -> true).start());
        assertEquals(
                List.of("b", "c"), s.due(T0 + 25 * MS, j -> true).start(), "same time: the order they were scheduled");
        assertEquals(3, s.inFlight());
        assertEquals(Long.MAX_VALUE, s.nextWakeAt(), "nothing left to wake for");
    }

    @Test
    void theWakeUpIsTheFirstTickAtOrAfterTheEarliestDueTime() {
        CheckSchedule<String> s = schedule(10);
        s.add("a", T0 + 3 * MS + 1);
        s.add("b", T0 + 3 * MS + 999_999);
        assertEquals(T0 + 4 * MS, s.nextWakeAt());
        assertEquals(List.of("a", "b"), s.due(T0 + 4 * MS, j -> true).start(), "both start at that one wake-up");
        s.add("c", T0 + 7 * MS);
        assertEquals(T0 + 7 * MS, s.nextWakeAt(), "a due time on a tick is that tick");
    }

    @Test
    void atMostMaxInFlightRunAndTheOthersWaitFirstComeFirstRun() {
        CheckSchedule<String> s = schedule(2);
        for (String j : List.of("a", "b", "c", "d", "e")) {
            s.add(j, T0);
        }
        assertEquals(List.of("a", "b"), s.due(T0, j -> true).start());
        assertEquals(3, s.waiting());
        s.add("f", T0 + MS);
        assertEquals(List.of(), s.due(T0 + MS, j -> true).start(), "f queues behind the waiting ones, not before");
        assertEquals(List.of("c"), s.finished("b"));
        assertEquals(List.of("d"), s.finished("a"));
        assertEquals(List.of(), s.finished("a"), "a second end of the same run frees nothing");
        s.remove("e");
        assertEquals(List.of("f"), s.finished("c"), "a removed job gives its place up");
        assertEquals(2, s.inFlight());
        assertEquals(0, s.waiting());
    }

    @Test
    void removingAJobInFlightHandsItsSlotOnAndAScheduledOneNeverStarts() {
        CheckSchedule<String> s = schedule(1);
        s.add("a", T0);
        s.add("b", T0);
        s.add("c", T0 + 5 * MS);
        assertEquals(List.of("a"), s.due(T0, j -> true).start());
        assertEquals(1, s.waiting());
        assertEquals(List.of("b"), s.remove("a"), "the waiting job takes the removed one's slot");
        assertTrue(s.idle("a"));
        assertEquals(List.of(), s.finished("a"), "a late answer of a removed job frees nothing");
        assertEquals(List.of(), s.remove("c"));
        assertEquals(List.of(), s.due(T0 + 10 * MS, j -> true).start(), "c was removed before it fell due");
        assertEquals(List.of(), s.remove("b"));
        assertEquals(0, s.size());
        assertEquals(0, s.inFlight());
        assertEquals(Long.MAX_VALUE, s.nextWakeAt(), "a removed job never wakes the loop");
    }

    @Test
    void anyWakeUpStartsWaitingJobsThatHaveASlot() {
        CheckSchedule<String> s = schedule(1);
        s.add("a", T0);
        s.add("b", T0);
        s.due(T0, j -> true);
        s.finished("a").forEach(x -> {});
        assertTrue(s.inFlight("b"), "b took a's slot");
        s.add("a", T0 + MS);
        s.add("c", T0 + MS);
        assertEquals(List.of(), s.due(T0 + MS, j -> true).start(), "both wait for b");
        assertEquals(List.of("a"), s.finished("b"));
    }

    @Test
    void skippedJobsAreHandedBackIdleAndTakeNoSlot() {
        CheckSchedule<String> s = schedule(1);
        s.add("suspended", T0);
        s.add("a", T0);
        CheckSchedule.Due<String> d = s.due(T0, j -> !j.equals("suspended"));
        assertEquals(List.of("suspended"), d.skipped());
        assertEquals(List.of("a"), d.start());
        assertTrue(s.idle("suspended"));
        s.add("suspended", T0 + 100 * MS);
        assertEquals(T0 + 100 * MS, s.nextWakeAt());
    }

    @Test
    void aJobIsInOnePlaceAtATime() {
        CheckSchedule<String> s = schedule(1);
        s.add("a", T0);
        assertThrows(IllegalStateException.class, () -> s.add("a", T0 + MS));
        s.due(T0, j -> true);
        assertTrue(s.inFlight("a"));
        assertThrows(IllegalStateException.class, () -> s.add("a", T0 + MS), "in flight: its result schedules it");
    }

    @Test
    void dueTimesOnEitherSideOfTheClocksWrapKeepTheirOrder() {
        CheckSchedule<String> s = schedule(10);
        s.add("later", Long.MIN_VALUE + 5);
        s.add("sooner", Long.MAX_VALUE - 5);
        assertEquals(List.of("sooner"), s.due(Long.MAX_VALUE, j -> true).start());
    }

    /** The heap against a plain sort: thousands of jobs, shared due times, removals, re-adds. */
    @Test
    void manyJobsStartInDueThenScheduledOrderWhateverWasRemoved() {
        java.util.Random r = new java.util.Random(7);
        CheckSchedule<String> s = schedule(Integer.MAX_VALUE);
        record Want(String job, long at, int order) {}
        java.util.Map<String, Want> live = new java.util.HashMap<>();
        int order = 0;
        String[] jobs = new String[5000]; // jobs are told apart by identity, as the service's runners are
        for (int i = 0; i < jobs.length; i++) {
            String j = jobs[i] = "j" + i;
            long at = T0 + r.nextInt(2000) * (MS / 4);
            s.add(j, at);
            live.put(j, new Want(j, at, order++));
            if (r.nextInt(5) == 0) {
                String gone = jobs[r.nextInt(i + 1)];
                s.remove(gone);
                live.remove(gone);
                if (r.nextBoolean()) { // scheduled again: a new place, the old one never starts
                    long again = T0 + r.nextInt(2000) * (MS / 4);
                    s.add(gone, again);
                    live.put(gone, new Want(gone, again, order++));
                }
            }
        }
        List<String> want = live.values().stream()
                .sorted(java.util.Comparator.comparingLong(Want::at).thenComparingInt(Want::order))
                .map(Want::job)
                .toList();
        List<String> got = new java.util.ArrayList<>();
        for (long now = T0; now <= T0 + 600 * MS; now += 3 * MS) {
            got.addAll(s.due(now, j -> true).start());
        }
        // within one due() call the order is by due time; across calls time moves on: one sequence
        assertEquals(want, got);
        assertEquals(Long.MAX_VALUE, s.nextWakeAt());
    }
}
