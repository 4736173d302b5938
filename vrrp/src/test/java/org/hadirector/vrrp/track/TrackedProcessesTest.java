package org.hadirector.vrrp.track;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** keepalived 2.2.7's track_process rules (track_process.c, vrrp_track.c), with a fake clock. */
class TrackedProcessesTest {
    private static final long S = 1_000_000_000L;
    private static final long MAX = 0xffff_ffffL;

    private static ProcessMatch comm(String name, long quorum, long max, long forkDelay, long terminateDelay) {
        return new ProcessMatch(
                name, name, List.of(), ProcessMatch.ParamMatch.NONE, false, quorum, max, forkDelay, terminateDelay);
    }

    private static ProcessMatch command(String process, ProcessMatch.ParamMatch match, String... params) {
        return new ProcessMatch("p", process, List.of(params), match, true, 1, MAX, 0, 0);
    }

    private static byte[] cmdline(String... words) {
        StringBuilder sb = new StringBuilder();
        for (String w : words) {
            sb.append(w).append('\0');
        }
        return sb.toString().getBytes(StandardCharsets.UTF_8);
    }

    private static TrackedProcesses.Seen named(String comm) {
        return new TrackedProcesses.Seen(comm, null);
    }

    @Test
    void commMatchesTheKernelsNameOnly() {
        ProcessMatch m = comm("nginx", 1, MAX, 0, 0);
        assertTrue(m.matchesComm("nginx"));
        assertFalse(m.matchesComm("nginx2"));
        assertFalse(m.matchesCmdline(cmdline("nginx")), "a comm match never looks at the command line");
        ProcessMatch longName = comm("a-process-name-longer-than-15", 1, MAX, 0, 0);
        assertFalse(longName.matchesComm("a-process-name-"), "comm holds 15 characters: no match, as in keepalived");
    }

    @Test
    void parametersMatchAsKeepalivedsCheckParams() {
        ProcessMatch exact = command("/usr/sbin/nginx", ProcessMatch.ParamMatch.EXACT, "-c", "/t/n.conf");
        assertTrue(exact.matchesCmdline(cmdline("/usr/sbin/nginx", "-c", "/t/n.conf")));
        assertFalse(exact.matchesCmdline(cmdline("/usr/sbin/nginx", "-c", "/t/n.conf", "-g", "x")), "more words");
        assertFalse(exact.matchesCmdline(cmdline("/usr/sbin/nginx", "-c")), "fewer words");
        assertFalse(exact.matchesCmdline(cmdline("nginx", "-c", "/t/n.conf")), "the first word is compared whole");

        ProcessMatch partial = command("/usr/sbin/nginx", ProcessMatch.ParamMatch.PARTIAL, "-c", "/t/n.conf");
        assertTrue(partial.matchesCmdline(cmdline("/usr/sbin/nginx", "-c", "/t/n.conf", "-g", "daemon off;")));
        assertFalse(partial.matchesCmdline(cmdline("/usr/sbin/nginx", "-c", "/t/n.conf2")), "words compare whole");
        assertFalse(partial.matchesCmdline(cmdline("/usr/sbin/nginx", "-g", "x", "-c", "/t/n.conf")), "first words");

        ProcessMatch initial = command("/usr/sbin/nginx", ProcessMatch.ParamMatch.INITIAL, "-c", "/t/n");
        assertTrue(initial.matchesCmdline(cmdline("/usr/sbin/nginx", "-c", "/t/n.conf")), "last word a prefix");
        assertTrue(initial.matchesCmdline(cmdline("/usr/sbin/nginx", "-c", "/t/n", "x")));
        assertFalse(initial.matchesCmdline(cmdline("/usr/sbin/nginx", "-cx", "/t/n.conf")), "only the last word");

        ProcessMatch noParams = command("/usr/sbin/haproxy", ProcessMatch.ParamMatch.NONE);
        assertTrue(noParams.matchesCmdline(cmdline("/usr/sbin/haproxy", "-f", "/etc/haproxy.cfg")));
        ProcessMatch exactNone = command("/usr/sbin/haproxy", ProcessMatch.ParamMatch.EXACT);
        assertTrue(exactNone.matchesCmdline(cmdline("/usr/sbin/haproxy")), "'param_match' alone: no words at all");
        assertFalse(exactNone.matchesCmdline(cmdline("/usr/sbin/haproxy", "-f")));
        // nginx rewrites its command line as one title padded with NULs: its master is then one word
        assertFalse(exact.matchesCmdline(
                "nginx: master process /usr/sbin/nginx -c /t/n.conf\0\0\0\0".getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void theScanSetsTheStateWithoutReportingIt() {
        TrackedProcesses t = new TrackedProcesses();
        ProcessMatch m = comm("nginx", 2, MAX, 0, 0);
        t.add(m, Map.of(10, named("nginx"), 11, named("nginx"), 12, named("sshd")));
        assertTrue(t.up(m));
        assertEquals(2, t.count(m));
        assertTrue(t.needsComm());
        assertFalse(t.needsCmdline());
    }

    @Test
    void exitLosesTheQuorumAtOnceWithoutTerminateDelay() {
        TrackedProcesses t = new TrackedProcesses();
        ProcessMatch m = comm("nginx", 1, MAX, 0, 0);
        t.add(m, Map.of(10, named("nginx")));
        List<TrackedProcesses.Change> c = t.exit(10, 5 * S);
        assertEquals(1, c.size());
        assertFalse(c.get(0).up());
        assertEquals(0, c.get(0).count());
        assertEquals("process 10 exited; 0 processes match", c.get(0).reason());
        assertEquals(List.of(), t.exit(10, 6 * S), "an exit seen twice changes nothing");
        c = t.exec(20, named("nginx"), 7 * S);
        assertTrue(c.get(0).up(), "an exec that matches gains at once");
    }

    @Test
    void forkedChildrenCountWithTheirParentWhateverTheyAreCalled() {
        TrackedProcesses t = new TrackedProcesses();
        ProcessMatch m = command("/usr/sbin/nginx", ProcessMatch.ParamMatch.PARTIAL, "-c", "/t/n.conf");
        assertEquals(List.of(), t.exec(100, new TrackedProcesses.Seen(null, cmdline("/bin/sh")), 0));
        t.add(m, Map.of());
        assertFalse(t.up(m));
        assertTrue(t.exec(100, new TrackedProcesses.Seen(null, cmdline("/usr/sbin/nginx", "-c", "/t/n.conf")), S)
                .get(0)
                .up());
        assertEquals(List.of(), t.fork(100, 101, S), "the daemonising fork");
        assertEquals(List.of(), t.exit(100, S), "the first process exits, its child goes on");
        t.fork(101, 102, S);
        t.fork(101, 103, S);
        assertEquals(3, t.count(m), "master and two workers");
        assertEquals(List.of(), t.fork(555, 556, S), "others' forks are not counted");
        assertFalse(t.counts(556));
        t.exit(102, S);
        t.exit(103, S);
        assertTrue(t.up(m));
        assertFalse(t.exit(101, S).get(0).up());
    }

    @Test
    void forkDelayReportsAGainOnlyIfItLasts() {
        TrackedProcesses t = new TrackedProcesses();
        ProcessMatch m = comm("worker", 2, MAX, 2 * S, 0);
        t.add(m, Map.of(1, named("worker")));
        assertFalse(t.up(m));
        assertEquals(List.of(), t.fork(1, 2, 10 * S));
        assertEquals(12 * S, t.nextDeadline());
        assertEquals(List.of(), t.onTimer(11 * S));
        List<TrackedProcesses.Change> c = t.onTimer(12 * S);
        assertTrue(c.get(0).up());
        assertEquals(
                "process 1 forked 2, and the delay passed; 2 processes match",
                c.get(0).reason());
        // a child that exits within the delay cancels the gain (terminate_delay 0 here)
        t.exit(2, 13 * S);
        assertFalse(t.up(m));
        t.fork(1, 3, 14 * S);
        t.exit(3, 15 * S);
        assertEquals(Long.MAX_VALUE, t.nextDeadline());
        assertEquals(List.of(), t.onTimer(20 * S));
        assertFalse(t.up(m));
    }

    @Test
    void terminateDelayRidesOutARestart() {
        TrackedProcesses t = new TrackedProcesses();
        ProcessMatch m = comm("haproxy", 1, MAX, 0, 3 * S);
        t.add(m, Map.of(7, named("haproxy")));
        assertEquals(List.of(), t.exit(7, 10 * S));
        assertTrue(t.up(m), "within terminate_delay the state stays");
        assertEquals(List.of(), t.exec(8, named("haproxy"), 11 * S), "back within the delay: nothing to report");
        assertEquals(Long.MAX_VALUE, t.nextDeadline());
        assertEquals(List.of(), t.exit(8, 20 * S));
        assertEquals(23 * S, t.nextDeadline());
        List<TrackedProcesses.Change> c = t.onTimer(23 * S);
        assertFalse(c.get(0).up());
        assertEquals(
                "process 8 exited, and the delay passed; 0 processes match",
                c.get(0).reason());
    }

    @Test
    void quorumMaxBoundsTheCountAndZeroMeansNoneMayRun() {
        TrackedProcesses t = new TrackedProcesses();
        ProcessMatch two = comm("app", 1, 2, 0, 0);
        t.add(two, Map.of(1, named("app"), 2, named("app")));
        assertTrue(t.up(two));
        assertFalse(t.exec(3, named("app"), S).get(0).up(), "three is more than quorum_max");
        assertTrue(t.exit(3, S).get(0).up());

        ProcessMatch none = comm("maint-mode", 0, 0, 0, 0);
        t.add(none, Map.of());
        assertTrue(t.up(none), "quorum_max 0: up while none runs");
        assertFalse(t.exec(9, named("maint-mode"), S).get(0).up());
    }

    @Test
    void aRenamedProcessLeavesOrJoinsCommMatchesOnly() {
        TrackedProcesses t = new TrackedProcesses();
        ProcessMatch byComm = comm("svc", 1, MAX, 0, 5 * S);
        ProcessMatch byCmd = command("/opt/svc", ProcessMatch.ParamMatch.NONE);
        t.add(byComm, Map.of(4, new TrackedProcesses.Seen("svc", cmdline("/opt/svc"))));
        t.add(byCmd, Map.of(4, new TrackedProcesses.Seen("svc", cmdline("/opt/svc"))));
        List<TrackedProcesses.Change> c = t.comm(4, "svc-worker", S);
        assertEquals(1, c.size(), "a rename is reported at once, terminate_delay or not");
        assertEquals(byComm, c.get(0).match());
        assertTrue(t.up(byCmd), "the command line did not change");
        assertTrue(t.comm(4, "svc", 2 * S).get(0).up());
    }

    @Test
    void anExecIntoSomethingElseIsNoLongerCountedAndAnUnreadableOneChangesNothing() {
        TrackedProcesses t = new TrackedProcesses();
        ProcessMatch m = comm("nginx", 1, MAX, 0, 0);
        t.add(m, Map.of(10, named("nginx")));
        assertEquals(List.of(), t.exec(10, null, S), "gone before /proc was read");
        assertTrue(t.up(m));
        assertFalse(t.exec(10, named("sleep"), S).get(0).up());
    }

    @Test
    void aRescanAfterLostEventsGainsAtOnceAndLosesAfterTerminateDelay() {
        TrackedProcesses t = new TrackedProcesses();
        ProcessMatch m = comm("nginx", 1, MAX, S, 2 * S);
        t.add(m, Map.of());
        Map<Integer, TrackedProcesses.Seen> running = new HashMap<>();
        running.put(30, named("nginx"));
        assertTrue(t.rescan(running, 10 * S).get(0).up());
        assertEquals(List.of(), t.rescan(Map.of(), 11 * S));
        assertTrue(t.up(m));
        assertFalse(t.onTimer(13 * S).get(0).up());
    }

    @Test
    void theWeightIsKeepalivedsForAQuorum() {
        // priority 150: weight -60 takes 60 off while the quorum is lost; weight 0 faults instead
        TrackerSet s = new TrackerSet();
        s.add("track_process nginx", new TrackedWeight(-60, false), true);
        assertEquals(0, s.adjustment());
        assertTrue(s.update("track_process nginx", false));
        assertEquals(-60, s.adjustment());
        assertNull(s.faultReason());
        TrackerSet f = new TrackerSet();
        f.add("track_process nginx", new TrackedWeight(0, false), false);
        assertEquals("track_process nginx is down", f.faultReason());
        TrackerSet r = new TrackerSet();
        r.add("track_process maint", new TrackedWeight(20, true), true);
        assertEquals(-20, r.adjustment(), "weight 20 reverse: 20 off while up");
    }
}
