package org.hadirector.sys;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

/** The log gate on a fake clock: the first event, a counted summary a period later, bursts, flush. */
class RateLimitedLogTest {
    static final long S = 1_000_000_000L;

    @Test
    void theFirstEventIsLoggedThenOneLineAPeriodCountsTheRest() {
        RateLimitedLog g = new RateLimitedLog(1, 10 * S);
        long t = -5 * S; // any clock origin, negative included
        assertEquals(1, g.admit(t));
        long logged = 0;
        long lines = 0;
        // a flood: 40,000 events a second for 25 s
        for (int i = 1; i < 1_000_000; i++) {
            long n = g.admit(t + i * 25_000L);
            if (n > 0) {
                lines++;
                logged += n;
            }
        }
        assertEquals(2, lines, "at 10 s and 20 s");
        assertEquals(1_000_000, g.total());
        assertEquals(1_000_000, 1 + logged + g.notLogged(), "every event is in a line or still counted");
    }

    @Test
    void theLineAfterAQuietPeriodSaysHowManyWereNotLogged() {
        RateLimitedLog g = new RateLimitedLog(1, 10 * S);
        assertEquals(1, g.admit(0));
        assertEquals(0, g.admit(1 * S));
        assertEquals(0, g.admit(2 * S));
        assertEquals(3, g.admit(12 * S), "this one and the two not logged");
        assertEquals(1, g.admit(30 * S), "nothing suppressed since");
        assertEquals(5, g.total());
    }

    @Test
    void aBurstIsLoggedInFullEachPeriod() {
        RateLimitedLog g = new RateLimitedLog(5, S);
        for (int i = 0; i < 5; i++) {
            assertEquals(1, g.admit(i));
        }
        assertEquals(0, g.admit(10));
        assertEquals(0, g.admit(20));
        assertEquals(3, g.admit(S), "a new period: logged, with the two before it");
        assertEquals(1, g.admit(S + 1));
    }

    @Test
    void flushReportsWhatWasNotLoggedOnceThePeriodIsOver() {
        RateLimitedLog g = new RateLimitedLog(1, 10 * S);
        assertEquals(0, g.flush(0), "nothing yet");
        g.admit(0);
        g.admit(S);
        g.admit(2 * S);
        assertEquals(0, g.flush(9 * S), "too early");
        assertEquals(2, g.flush(10 * S));
        assertEquals(0, g.flush(30 * S), "reported once");
        assertEquals(0, g.admit(11 * S), "the flush opened a period: the next event waits for it");
        assertEquals(2, g.admit(20 * S));
    }

    @Test
    void theTailOfALine() {
        assertEquals("", RateLimitedLog.notLogged(0, 1));
        assertEquals(" (41 more not logged, 42 in all)", RateLimitedLog.notLogged(41, 42));
        assertEquals(" (42 in all)", RateLimitedLog.notLogged(0, 42));
    }

    @Test
    void nonsenseLimitsAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> new RateLimitedLog(0, S));
        assertThrows(IllegalArgumentException.class, () -> new RateLimitedLog(1, 0));
    }
}
