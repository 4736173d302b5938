package org.hadirector.vrrp.track;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The processes each vrrp_track_process counts, and whether it is up, as keepalived 2.2.7's
 * track_process.c keeps them. Pure: the edge hands in the process events and what it read of
 * /proc, with the time; this says which tracked processes changed state.
 *
 * <ul>
 * <li>Counted: the processes that matched at the scan or at their exec (or comm change), and
 * every child a counted process forks (whatever it execs later, it is counted until it exits or
 * execs something that does not match): so nginx's workers count with its master.
 * <li>Up while quorum &lt;= count &lt;= quorum_max.
 * <li>A change that a fork makes is reported after fork_delay, one that an exit makes after
 * terminate_delay, if the count has not come back meanwhile; changes that an exec or a comm
 * change make are reported at once (as in keepalived). After a lost-events rescan a gain is
 * reported at once, a loss after terminate_delay.
 * </ul>
 */
public final class TrackedProcesses {
    /** What the edge read of a process: comm (null if not read) and the start of its command line (null if not read). */
    public record Seen(String comm, byte[] cmdline) {}

    /** A tracked process that changed state; {@code reason} is for the log line. */
    public record Change(ProcessMatch match, boolean up, int count, String reason) {}

    private static final long NONE = Long.MIN_VALUE;

    private static final class Tracked {
        final ProcessMatch match;
        final Set<Integer> pids = new HashSet<>();
        boolean up;
        long pendingAt = NONE;
        String pendingReason;

        Tracked(ProcessMatch match) {
            this.match = match;
        }
    }

    private final Map<ProcessMatch, Tracked> tracked = new LinkedHashMap<>();

    /** Starts counting {@code m} from a scan of /proc (pid to what was read); its state is set, not reported. */
    public void add(ProcessMatch m, Map<Integer, Seen> scan) {
        if (tracked.containsKey(m)) {
            return;
        }
        Tracked t = new Tracked(m);
        scan.forEach((pid, seen) -> {
            if (matches(m, seen)) {
                t.pids.add(pid);
            }
        });
        t.up = m.inQuorum(t.pids.size());
        tracked.put(m, t);
    }

    public void remove(ProcessMatch m) {
        tracked.remove(m);
    }

    public boolean isEmpty() {
        return tracked.isEmpty();
    }

    public boolean contains(ProcessMatch m) {
        return tracked.containsKey(m);
    }

    public boolean up(ProcessMatch m) {
        Tracked t = tracked.get(m);
        return t != null && t.up;
    }

    public int count(ProcessMatch m) {
        Tracked t = tracked.get(m);
        return t == null ? 0 : t.pids.size();
    }

    /** Whether an exec must read the command line / the comm of the process. */
    public boolean needsCmdline() {
        return tracked.keySet().stream().anyMatch(ProcessMatch::fullCommand);
    }

    public boolean needsComm() {
        return tracked.keySet().stream().anyMatch(m -> !m.fullCommand());
    }

    /** How much of a command line to read so that every tracked process can be decided. */
    public int cmdlineBytes() {
        return tracked.keySet().stream()
                .mapToInt(ProcessMatch::cmdlineBytes)
                .max()
                .orElse(0);
    }

    private static boolean matches(ProcessMatch m, Seen seen) {
        return m.fullCommand() ? m.matchesCmdline(seen.cmdline()) : m.matchesComm(seen.comm());
    }

    /**
     * A process exec'd: it is counted by the tracked processes it now matches, and no longer by
     * those it does not. {@code seen} null (the process is gone, /proc unreadable) changes nothing,
     * as in keepalived.
     */
    public List<Change> exec(int pid, Seen seen, long now) {
        List<Change> out = new ArrayList<>();
        if (seen == null) {
            return out;
        }
        for (Tracked t : tracked.values()) {
            boolean had = t.pids.contains(pid);
            boolean match = matches(t.match, seen);
            if (match && !had) {
                t.pids.add(pid);
                settle(t, 0, "process " + pid + " started", now, out);
            } else if (!match && had) {
                t.pids.remove(pid);
                settle(t, 0, "process " + pid + " exec'd something else", now, out);
            }
        }
        return out;
    }

    /** A process renamed itself (prctl PR_SET_NAME): only comm matches look at it. */
    public List<Change> comm(int pid, String comm, long now) {
        List<Change> out = new ArrayList<>();
        for (Tracked t : tracked.values()) {
            if (t.match.fullCommand()) {
                continue;
            }
            boolean had = t.pids.contains(pid);
            boolean match = t.match.matchesComm(comm);
            if (match && !had) {
                t.pids.add(pid);
                settle(t, 0, "process " + pid + " renamed itself " + comm, now, out);
            } else if (!match && had) {
                t.pids.remove(pid);
                settle(t, 0, "process " + pid + " renamed itself " + comm, now, out);
            }
        }
        return out;
    }

    /** A counted process forked: the child counts for the same tracked processes. */
    public List<Change> fork(int parent, int child, long now) {
        List<Change> out = new ArrayList<>();
        for (Tracked t : tracked.values()) {
            if (t.pids.contains(parent) && t.pids.add(child)) {
                settle(t, t.match.forkDelayNanos(), "process " + parent + " forked " + child, now, out);
            }
        }
        return out;
    }

    public List<Change> exit(int pid, long now) {
        List<Change> out = new ArrayList<>();
        for (Tracked t : tracked.values()) {
            if (t.pids.remove(pid)) {
                settle(t, t.match.terminateDelayNanos(), "process " + pid + " exited", now, out);
            }
        }
        return out;
    }

    /** Whether any tracked process counts {@code pid} (an exit or fork of another needs no work). */
    public boolean counts(int pid) {
        for (Tracked t : tracked.values()) {
            if (t.pids.contains(pid)) {
                return true;
            }
        }
        return false;
    }

    /**
     * Events were lost (the socket overran): the counts start again from a new scan. A gain is
     * reported at once, a loss after terminate_delay, as keepalived's reinitialise does.
     */
    public List<Change> rescan(Map<Integer, Seen> scan, long now) {
        List<Change> out = new ArrayList<>();
        for (Tracked t : tracked.values()) {
            t.pids.clear();
            t.pendingAt = NONE;
            scan.forEach((pid, seen) -> {
                if (matches(t.match, seen)) {
                    t.pids.add(pid);
                }
            });
            boolean gain = t.match.inQuorum(t.pids.size());
            settle(t, gain ? 0 : t.match.terminateDelayNanos(), "processes read again after lost events", now, out);
        }
        return out;
    }

    /** Reports the delayed changes that are due. */
    public List<Change> onTimer(long now) {
        List<Change> out = new ArrayList<>();
        for (Tracked t : tracked.values()) {
            if (t.pendingAt != NONE && now - t.pendingAt >= 0) {
                t.pendingAt = NONE;
                boolean raw = t.match.inQuorum(t.pids.size());
                if (raw != t.up) {
                    t.up = raw;
                    out.add(change(t, t.pendingReason + ", and the delay passed"));
                }
            }
        }
        return out;
    }

    /** When {@link #onTimer} has something to do; Long.MAX_VALUE when nothing waits. */
    public long nextDeadline() {
        long next = Long.MAX_VALUE;
        for (Tracked t : tracked.values()) {
            if (t.pendingAt != NONE && t.pendingAt < next) {
                next = t.pendingAt;
            }
        }
        return next;
    }

    /**
     * The count changed for {@code reason}: if the state it means differs from the reported one,
     * report it now ({@code delay} 0) or once the delay has passed without the count coming back;
     * a count that comes back cancels the wait.
     */
    private void settle(Tracked t, long delay, String reason, long now, List<Change> out) {
        boolean raw = t.match.inQuorum(t.pids.size());
        if (raw == t.up) {
            t.pendingAt = NONE;
            return;
        }
        if (delay <= 0) {
            t.up = raw;
            t.pendingAt = NONE;
            out.add(change(t, reason));
            return;
        }
        if (t.pendingAt == NONE) {
            t.pendingAt = now + delay;
            t.pendingReason = reason;
        }
    }

    private static Change change(Tracked t, String reason) {
        int n = t.pids.size();
        return new Change(t.match, t.up, n, reason + "; " + n + (n == 1 ? " process matches" : " processes match"));
    }
}
