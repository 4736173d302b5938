package org.hadirector.healthcheck;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Which checkers share a probe, and what sharing does to each one's rules, with a fake clock. */
class ProbeSharingTest {
    static final long S = 1_000_000_000L;

    static CheckSettings.Http http(String path, String digest, int from, int to) {
        return new CheckSettings.Http(
                false,
                new InetSocketAddress("198.18.0.21", 80),
                null,
                S,
                null,
                false,
                List.of(new CheckSettings.Url(
                        path, List.of(new CheckSettings.StatusRange(from, to)), digest, null, false, null)));
    }

    static CheckTiming timing(int retry, long delayLoop, boolean logAll) {
        return new CheckTiming(S, retry, S, delayLoop, 0, false, logAll);
    }

    @Test
    void onlyTheSameProbeAtTheSamePaceIsSharedLogAllFailuresAside() {
        CheckSpec a = new CheckSpec(http("/health", null, 200, 299), timing(2, 5 * S, false));
        CheckSpec quiet = new CheckSpec(http("/health", null, 200, 299), timing(2, 5 * S, true));
        assertEquals(ProbeSharing.key(a), ProbeSharing.key(quiet), "log_all_failures only changes the logs");
        assertNotEquals(
                ProbeSharing.key(a),
                ProbeSharing.key(new CheckSpec(http("/other", null, 200, 299), timing(2, 5 * S, false))),
                "another url");
        assertNotEquals(
                ProbeSharing.key(a),
                ProbeSharing.key(new CheckSpec(http("/health", "abc", 200, 299), timing(2, 5 * S, false))),
                "a digest");
        assertNotEquals(
                ProbeSharing.key(a),
                ProbeSharing.key(new CheckSpec(http("/health", null, 200, 200), timing(2, 5 * S, false))),
                "other status codes");
        assertNotEquals(
                ProbeSharing.key(a),
                ProbeSharing.key(new CheckSpec(http("/health", null, 200, 299), timing(2, 6 * S, false))),
                "another delay_loop");
        assertNotEquals(
                ProbeSharing.key(a),
                ProbeSharing.key(new CheckSpec(
                        new CheckSettings.Tcp(new InetSocketAddress("198.18.0.21", 80), null, S),
                        timing(2, 5 * S, false))),
                "another checker type");
        CheckSettings.Udp u1 = new CheckSettings.Udp(
                new InetSocketAddress("198.18.0.21", 53),
                null,
                S,
                org.hadirector.sys.HexPattern.parse("0a0b", false),
                false,
                null,
                0,
                255);
        CheckSettings.Udp u2 = new CheckSettings.Udp(
                new InetSocketAddress("198.18.0.21", 53),
                null,
                S,
                org.hadirector.sys.HexPattern.parse("0a0b", false),
                false,
                null,
                0,
                255);
        assertEquals(
                ProbeSharing.key(new CheckSpec(u1, timing(0, S, false))),
                ProbeSharing.key(new CheckSpec(u2, timing(0, S, false))),
                "the same payload, parsed twice");
    }

    @Test
    void aReloadKeepsTheProbesStillNeededAndStopsTheOthers() {
        CheckSpec a = new CheckSpec(http("/a", null, 200, 299), timing(0, S, false));
        CheckSpec b = new CheckSpec(http("/b", null, 200, 299), timing(0, S, false));
        CheckSpec c = new CheckSpec(http("/c", null, 200, 299), timing(0, S, false));
        record Checker(String vs, CheckSpec spec) {}
        List<Checker> now = List.of(new Checker("VS1", a), new Checker("VS2", a), new Checker("VS3", c));
        ProbeSharing.Plan<Checker> p = ProbeSharing.plan(Set.of(a, b), now, Checker::spec);
        assertEquals(
                Map.of(a, List.of(now.get(0), now.get(1)), c, List.of(now.get(2))), p.probes(), "grouped, in order");
        assertEquals(Set.of(a), p.kept());
        assertEquals(Set.of(b), p.stopped());
        assertEquals(2, p.sharedCheckers());
    }

    /**
     * What the service does with a shared probe, on a fake clock: the probe runs when its pace
     * says, and each sharer takes every result into its own state. A sharer carried over a reload
     * with a failure already counted goes down one result before the others, as it would alone.
     */
    @Test
    void oneProbeARoundAndEachSharerKeepsItsOwnCount() {
        CheckTiming t = timing(2, 5 * S, false);
        CheckerState pace = t.newState();
        List<CheckerState> sharers = new ArrayList<>(List.of(t.newState(), t.newState(), t.newState()));
        CheckerState carried = t.newState();
        carried.onResult(false, 0); // one failure before the reload
        sharers.add(carried);
        pace.start(0, 0);
        long now = 0;
        int runs = 0;
        List<String> changes = new ArrayList<>();
        boolean[] answers = {false, false, false, true, true};
        for (boolean ok : answers) {
            now = pace.nextRunAt();
            runs++;
            pace.onResult(ok, now);
            for (int i = 0; i < sharers.size(); i++) {
                CheckerState.Change c = sharers.get(i).onResult(ok, now);
                if (c != CheckerState.Change.NONE) {
                    changes.add(i + " " + c + " at " + now / S);
                }
            }
        }
        assertEquals(5, runs, "one probe per round for four checkers");
        assertEquals(12 * S, now, "runs at 0, retries at 1 and 2 (delay_before_retry), then at 7 and 12 (delay_loop)");
        assertEquals(
                List.of(
                        "3 DOWN at 1",
                        "0 DOWN at 2",
                        "1 DOWN at 2",
                        "2 DOWN at 2",
                        "0 UP at 7",
                        "1 UP at 7",
                        "2 UP at 7",
                        "3 UP at 7"),
                changes,
                "retry 2: the third failure in a row; the carried one had one already");
    }
}
