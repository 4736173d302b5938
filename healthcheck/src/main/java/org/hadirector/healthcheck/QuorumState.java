package org.hadirector.healthcheck;

import java.util.ArrayList;
import java.util.List;
import org.hadirector.sys.RealServerId;

/**
 * A virtual server's pool under keepalived's rules, pure: a real server is alive while all its
 * checkers pass; the pool has quorum while the alive weight reaches {@code quorum + hysteresis}
 * and loses it below {@code quorum - hysteresis}. The desired IPVS table follows: alive servers
 * in, dead ones out (or weight 0 with inhibit_on_failure); without quorum and with a sorry
 * server, the sorry server alone (the alive ones leave, or go to weight 0 when inhibited).
 */
public final class QuorumState {
    /** A server in the desired table, with the weight it should have. */
    public record Entry(RealServerId server, int weight) {}

    /** One real server as the pool sees it. */
    public record Member(RealServerId server, int weight, boolean alive, boolean inhibitOnFailure) {}

    private final int quorum;
    private final int hysteresis;
    private final RealServerId sorryServer;
    private final boolean sorryInhibit;
    private boolean hasQuorum;

    public QuorumState(int quorum, int hysteresis, RealServerId sorryServer, boolean sorryInhibit) {
        this.quorum = quorum;
        this.hysteresis = hysteresis;
        this.sorryServer = sorryServer;
        this.sorryInhibit = sorryInhibit;
    }

    /** Starts from the members' initial state: quorum when their alive weight reaches it. */
    public void start(List<Member> members) {
        start(aliveWeight(members));
    }

    /** Starts from the alive weight of the members. */
    public void start(long aliveWeight) {
        hasQuorum = aliveWeight >= quorum;
    }

    public boolean hasQuorum() {
        return hasQuorum;
    }

    /** Re-evaluates quorum; returns true when it was gained or lost (run quorum_up / quorum_down). */
    public boolean update(List<Member> members) {
        return update(aliveWeight(members));
    }

    /** As {@link #update(List)}, from the members' alive weight kept by the caller. */
    public boolean update(long alive) {
        if (changes(alive)) {
            hasQuorum = !hasQuorum;
            return true;
        }
        return false;
    }

    /** Whether {@code alive} would gain or lose quorum. */
    public boolean changes(long alive) {
        return hasQuorum ? alive < (long) quorum - hysteresis : alive >= (long) quorum + hysteresis;
    }

    /** The table this virtual server should have now. */
    public List<Entry> desired(List<Member> members) {
        List<Entry> out = new ArrayList<>();
        for (Member m : members) {
            Integer w = weightOf(m);
            if (w != null) {
                out.add(new Entry(m.server(), w));
            }
        }
        boolean sorry = !hasQuorum && sorryServer != null;
        if (sorry) {
            out.add(new Entry(sorryServer, 1));
        } else if (sorryServer != null && sorryInhibit) {
            out.add(new Entry(sorryServer, 0));
        }
        return out;
    }

    /** The weight {@code m} should have in the table now, or null when it should not be there. */
    public Integer weightOf(Member m) {
        boolean sorry = !hasQuorum && sorryServer != null;
        if (m.alive() && !sorry) {
            return m.weight();
        }
        return m.inhibitOnFailure() ? 0 : null;
    }

    private static long aliveWeight(List<Member> members) {
        long sum = 0;
        for (Member m : members) {
            if (m.alive()) {
                sum += m.weight();
            }
        }
        return sum;
    }
}
