package org.hadirector.healthcheck;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.hadirector.healthcheck.CheckerState.Change;
import org.hadirector.healthcheck.QuorumState.Entry;
import org.hadirector.healthcheck.QuorumState.Member;
import org.hadirector.sys.RealServerId;
import org.junit.jupiter.api.Test;

/** keepalived's checker rules with a fake clock: counts and delays, alpha, quorum, sorry server, inhibit, misc_dynamic. */
class CheckerRulesTest {
    static final long S = 1_000_000_000L;

    @Test
    void anUpCheckerGoesDownAfterRetryPlusOneFailuresDelayBeforeRetryApart() {
        CheckerState c = new CheckerState(false, 2, 6 * S, 3 * S);
        c.start(0, 0);
        assertTrue(c.up(), "without alpha a checker starts up");
        assertTrue(c.due(0));
        assertEquals(Change.NONE, c.onResult(true, 1 * S));
        assertEquals(7 * S, c.nextRunAt(), "then every delay_loop");
        assertEquals(Change.NONE, c.onResult(false, 7 * S));
        assertEquals(10 * S, c.nextRunAt(), "first retry after delay_before_retry");
        assertEquals(Change.NONE, c.onResult(false, 10 * S));
        assertEquals(13 * S, c.nextRunAt());
        assertEquals(Change.DOWN, c.onResult(false, 13 * S), "retry 2: the third failure in a row");
        assertFalse(c.up());
        assertEquals(19 * S, c.nextRunAt(), "a down checker runs every delay_loop");
        assertEquals(Change.NONE, c.onResult(false, 19 * S));
        assertEquals(Change.UP, c.onResult(true, 25 * S), "one success brings it up");
        assertEquals(31 * S, c.nextRunAt());
    }

    @Test
    void aSuccessBetweenFailuresResetsTheCount() {
        CheckerState c = new CheckerState(false, 1, 5 * S, 1 * S);
        c.start(0, 0);
        assertEquals(Change.NONE, c.onResult(false, 0));
        assertEquals(Change.NONE, c.onResult(true, 1 * S));
        assertEquals(Change.NONE, c.onResult(false, 6 * S));
        assertEquals(Change.DOWN, c.onResult(false, 7 * S));
    }

    @Test
    void retryZeroGoesDownOnTheFirstFailure() {
        CheckerState c = new CheckerState(false, 0, 5 * S, 1 * S);
        c.start(0, 0);
        assertEquals(Change.DOWN, c.onResult(false, 0));
    }

    @Test
    void alphaStartsDownAndWarmupDelaysTheFirstRun() {
        CheckerState c = new CheckerState(true, 1, 5 * S, 1 * S);
        c.start(10 * S, 2 * S);
        assertFalse(c.up());
        assertFalse(c.due(11 * S));
        assertTrue(c.due(12 * S));
        assertEquals(Change.UP, c.onResult(true, 12 * S));
    }

    /** The real server a test calls by name: 198.18.0.97:80 for "a" (its first letter's code), and so on. */
    static RealServerId id(String name) {
        return RealServerId.parse("198.18.0." + (int) name.charAt(0) + ":80");
    }

    @Test
    void quorumWithHysteresisAndTheSorryServer() {
        QuorumState q = new QuorumState(3, 1, id("sorry"), false);
        List<Member> all = List.of(new Member(id("a"), 2, true, false), new Member(id("b"), 2, true, false));
        q.start(all);
        assertTrue(q.hasQuorum());
        assertEquals(List.of(new Entry(id("a"), 2), new Entry(id("b"), 2)), q.desired(all));
        List<Member> oneDown = List.of(new Member(id("a"), 2, true, false), new Member(id("b"), 2, false, false));
        assertFalse(q.update(oneDown), "alive 2 is not below quorum - hysteresis = 2");
        assertEquals(List.of(new Entry(id("a"), 2)), q.desired(oneDown));
        List<Member> weak = List.of(new Member(id("a"), 1, true, false), new Member(id("b"), 2, false, false));
        assertTrue(q.update(weak), "alive 1 < 2: quorum lost, quorum_down runs");
        assertEquals(List.of(new Entry(id("sorry"), 1)), q.desired(weak), "the sorry server alone");
        assertFalse(q.update(oneDown), "alive 2 < quorum + hysteresis = 4: still lost");
        assertTrue(q.update(all), "alive 4: quorum back, quorum_up runs");
        assertEquals(List.of(new Entry(id("a"), 2), new Entry(id("b"), 2)), q.desired(all));
    }

    @Test
    void inhibitOnFailureKeepsTheServerAtWeightZero() {
        QuorumState q = new QuorumState(1, 0, null, false);
        List<Member> m = List.of(new Member(id("a"), 5, false, true), new Member(id("b"), 3, true, false));
        q.start(m);
        assertEquals(List.of(new Entry(id("a"), 0), new Entry(id("b"), 3)), q.desired(m));
    }

    @Test
    void miscDynamicSetsTheWeightFromTheExitStatus() {
        assertEquals(new MiscResult(true, null), MiscResult.of(0, true));
        assertEquals(new MiscResult(false, null), MiscResult.of(1, true));
        assertEquals(new MiscResult(true, 8), MiscResult.of(10, true));
        assertEquals(new MiscResult(true, 253), MiscResult.of(255, true));
        assertEquals(new MiscResult(false, null), MiscResult.of(10, false), "without misc_dynamic: a failure");
    }
}
