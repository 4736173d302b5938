package org.hadirector.healthcheck;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.hadirector.sys.RealServerId;

/**
 * One virtual server's real servers under keepalived's rules, pure: a server is alive while
 * every one of its checkers is up (one without checkers always is); misc_dynamic results set its
 * weight, and each up FILE_CHECK adds to it (keepalived's cur_weight, see {@link FileCheckRules}); quorum and the sorry server are {@link QuorumState}'s. Each checker change yields the
 * table operations that move the desired table from before to after, and the server and quorum
 * transitions that run notify_up / notify_down / quorum_up / quorum_down.
 */
public final class ServicePool {

    /** What one checker result changed. {@code serverUp} / {@code quorumUp} are null when unchanged. */
    public record Update(List<HealthEvent> ops, Boolean serverUp, Boolean quorumUp) {
        static final Update NONE = new Update(List.of(), null, null);
    }

    private final ServiceSpec spec;
    private final boolean[][] checkerUp;
    private final Integer[] dynamicWeight;
    /** What each checker adds to its server's weight while up (FILE_CHECK); 0 for the others. */
    private final long[][] added;

    private final QuorumState quorum;
    /** The sum of alive servers' weights, kept as checkers change so a result costs O(1), not O(servers). */
    private long aliveWeight;

    public ServicePool(ServiceSpec spec) {
        this(spec, null);
    }

    /**
     * A pool whose checkers start as {@code initialUp[server][checker]} says (a reload carries
     * unchanged checkers' states over); null, or a null row, means "up unless alpha".
     */
    public ServicePool(ServiceSpec spec, boolean[][] initialUp) {
        this(spec, initialUp, null);
    }

    /**
     * As {@link #ServicePool(ServiceSpec, boolean[][])}, the checkers adding {@code initialAdded}
     * to their server's weight while up (FILE_CHECK's value read at start); null rows add nothing.
     */
    public ServicePool(ServiceSpec spec, boolean[][] initialUp, long[][] initialAdded) {
        this.spec = spec;
        List<RealServerSpec> servers = spec.servers();
        this.checkerUp = new boolean[servers.size()][];
        this.dynamicWeight = new Integer[servers.size()];
        this.added = new long[servers.size()][];
        for (int s = 0; s < servers.size(); s++) {
            List<CheckSpec> checks = servers.get(s).checks();
            checkerUp[s] = new boolean[checks.size()];
            added[s] =
                    initialAdded != null && initialAdded[s] != null ? initialAdded[s].clone() : new long[checks.size()];
            for (int c = 0; c < checks.size(); c++) {
                checkerUp[s][c] = initialUp != null && initialUp[s] != null
                        ? initialUp[s][c]
                        : !checks.get(c).timing().alpha();
            }
        }
        this.quorum = new QuorumState(spec.quorum(), spec.hysteresis(), spec.sorryServer(), spec.sorryInhibit());
        for (int s = 0; s < servers.size(); s++) {
            if (alive(s)) {
                aliveWeight += weight(s);
            }
        }
        quorum.start(aliveWeight);
    }

    public ServiceSpec spec() {
        return spec;
    }

    /** The table to start from: every entry is an ADD. */
    public List<HealthEvent> initialTable() {
        List<HealthEvent> out = new ArrayList<>();
        for (QuorumState.Entry e : quorum.desired(members())) {
            out.add(new HealthEvent(spec.id(), e.server(), HealthEvent.Kind.ADD, e.weight(), "start"));
        }
        return out;
    }

    public boolean alive(int server) {
        for (boolean up : checkerUp[server]) {
            if (!up) {
                return false;
            }
        }
        return true;
    }

    public int weight(int server) {
        long base = dynamicWeight[server] != null
                ? dynamicWeight[server]
                : spec.servers().get(server).weight();
        long sum = 0;
        for (int c = 0; c < added[server].length; c++) {
            if (checkerUp[server][c]) {
                sum += added[server][c];
            }
        }
        return FileCheckRules.serverWeight(base, sum);
    }

    /** The weight of the alive real servers, which quorum is measured against. */
    public long aliveWeight() {
        return aliveWeight;
    }

    public boolean hasQuorum() {
        return quorum.hasQuorum();
    }

    /** The desired table now: server to weight, in configuration order, the sorry server last. */
    public Map<RealServerId, Integer> desired() {
        Map<RealServerId, Integer> out = new LinkedHashMap<>();
        for (QuorumState.Entry e : quorum.desired(members())) {
            out.put(e.server(), e.weight());
        }
        return out;
    }

    /**
     * Checker {@code checker} of server {@code server} is now {@code up}; a success with a
     * misc_dynamic weight also sets the server's weight. {@code reason} explains the operations.
     */
    public Update onChecker(int server, int checker, boolean up, Integer weight, String reason) {
        return onChecker(server, checker, up, weight, null, reason);
    }

    /**
     * As {@link #onChecker(int, int, boolean, Integer, String)}; an up checker with
     * {@code addedWeight} (FILE_CHECK) now adds that to its server's weight.
     */
    public Update onChecker(int server, int checker, boolean up, Integer weight, Long addedWeight, String reason) {
        boolean wasAlive = alive(server);
        int oldWeight = weight(server);
        Integer oldEntry = quorum.weightOf(member(server));
        boolean wasUp = checkerUp[server][checker];
        Integer oldDynamic = dynamicWeight[server];
        long oldAdded = added[server][checker];
        set(
                server,
                checker,
                up,
                up && weight != null ? weight : oldDynamic,
                up && addedWeight != null ? addedWeight : oldAdded);
        boolean isAlive = alive(server);
        int newWeight = weight(server);
        long newAliveWeight = aliveWeight + (isAlive ? newWeight : 0) - (wasAlive ? oldWeight : 0);
        // when quorum flips the whole table may move (sorry server in or out): diff it all, rarely
        Map<RealServerId, Integer> before = null;
        if (quorum.changes(newAliveWeight)) {
            Integer newDynamic = dynamicWeight[server];
            long newAdded = added[server][checker];
            set(server, checker, wasUp, oldDynamic, oldAdded);
            before = desired();
            set(server, checker, up, newDynamic, newAdded);
        }
        aliveWeight = newAliveWeight;
        Boolean quorumChange = null;
        List<HealthEvent> ops;
        if (before != null) {
            quorum.update(aliveWeight);
            quorumChange = quorum.hasQuorum();
            ops = diff(before, desired(), reason);
        } else {
            ops = new ArrayList<>(1);
            Integer now = quorum.weightOf(member(server));
            RealServerId id = spec.servers().get(server).id();
            if (oldEntry != null && now == null) {
                ops.add(new HealthEvent(spec.id(), id, HealthEvent.Kind.REMOVE, 0, reason));
            } else if (oldEntry == null && now != null) {
                ops.add(new HealthEvent(spec.id(), id, HealthEvent.Kind.ADD, now, reason));
            } else if (oldEntry != null && !oldEntry.equals(now)) {
                ops.add(new HealthEvent(spec.id(), id, HealthEvent.Kind.WEIGHT, now, reason));
            }
        }
        Boolean serverChange = wasAlive != isAlive ? isAlive : null;
        if (ops.isEmpty() && serverChange == null && quorumChange == null) {
            return Update.NONE;
        }
        return new Update(ops, serverChange, quorumChange);
    }

    private void set(int server, int checker, boolean up, Integer dynamic, long add) {
        checkerUp[server][checker] = up;
        dynamicWeight[server] = dynamic;
        added[server][checker] = add;
    }

    private List<HealthEvent> diff(Map<RealServerId, Integer> before, Map<RealServerId, Integer> after, String reason) {
        List<HealthEvent> ops = new ArrayList<>();
        for (Map.Entry<RealServerId, Integer> b : before.entrySet()) {
            Integer now = after.get(b.getKey());
            if (now == null) {
                ops.add(new HealthEvent(spec.id(), b.getKey(), HealthEvent.Kind.REMOVE, 0, reason));
            } else if (!now.equals(b.getValue())) {
                ops.add(new HealthEvent(spec.id(), b.getKey(), HealthEvent.Kind.WEIGHT, now, reason));
            }
        }
        for (Map.Entry<RealServerId, Integer> a : after.entrySet()) {
            if (!before.containsKey(a.getKey())) {
                ops.add(new HealthEvent(spec.id(), a.getKey(), HealthEvent.Kind.ADD, a.getValue(), reason));
            }
        }
        return ops;
    }

    private QuorumState.Member member(int s) {
        RealServerSpec rs = spec.servers().get(s);
        return new QuorumState.Member(rs.id(), weight(s), alive(s), rs.inhibitOnFailure());
    }

    private List<QuorumState.Member> members() {
        List<QuorumState.Member> out = new ArrayList<>(checkerUp.length);
        for (int s = 0; s < checkerUp.length; s++) {
            out.add(member(s));
        }
        return out;
    }
}
