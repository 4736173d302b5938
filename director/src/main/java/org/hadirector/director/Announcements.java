package org.hadirector.director;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.hadirector.sys.ServiceId;

/**
 * Which VIPs a director announces ({@code @hadirector announce}): pure. A VIP is announced while
 * at least one of its announced check pools has quorum, and never once withdrawn (a graceful stop,
 * or the operator's withdraw). One pool down must not take away a VIP whose other ports still
 * serve; a VIP with no pool serving is withdrawn, so the routers send its flows to the directors
 * that can serve them. A withdraw (graceful stop, {@code hadirector announce withdraw}) holds
 * until resumed, whatever the quorum does. A pool counts only once its checkers have had their
 * first verdicts: at start keepalived takes every real server as up (without alpha), and a
 * director that joined ECMP on that assumption would send the flows the routers move to it to a
 * server the others know is down (lab/ecmp's rs-fail-scale-out broke connections so).
 */
final class Announcements {
    /** The VIPs of each announced pool (a virtual_server_group's pool has several). */
    private final Map<ServiceId, List<InetAddress>> vipsByPool;

    private final Set<ServiceId> withQuorum = new HashSet<>();
    /** Pools whose checkers have had their first verdicts; kept through a reload's new plan. */
    private final Set<ServiceId> settled = new HashSet<>();

    private boolean known;
    private boolean withdrawn;

    Announcements(Map<ServiceId, List<InetAddress>> vipsByPool) {
        this.vipsByPool = Map.copyOf(vipsByPool);
    }

    /**
     * The pools' quorum as a status snapshot tells it, and which of them have settled: until then
     * nothing is announced.
     */
    void snapshot(Map<ServiceId, Boolean> quorum, Set<ServiceId> settledPools) {
        withQuorum.clear();
        quorum.forEach((pool, up) -> {
            if (up && vipsByPool.containsKey(pool)) {
                withQuorum.add(pool);
            }
        });
        settledPools.forEach(this::settled);
        known = true;
    }

    /** Every checker of {@code pool} has had its first verdict; once settled a pool stays so. */
    void settled(ServiceId pool) {
        if (vipsByPool.containsKey(pool)) {
            settled.add(pool);
        }
    }

    /** The settled pools, for the next plan after a reload (a pool kept settles no more). */
    Set<ServiceId> settledPools() {
        return Set.copyOf(settled);
    }

    /** A pool gained or lost quorum; other pools' events are not ours. Ignored before the snapshot. */
    void quorum(ServiceId pool, boolean up) {
        if (!known || !vipsByPool.containsKey(pool)) {
            return;
        }
        if (up) {
            withQuorum.add(pool);
        } else {
            withQuorum.remove(pool);
        }
    }

    /** From now on nothing is announced, until {@link #resume}. */
    void withdraw() {
        withdrawn = true;
    }

    /** Announces again what has quorum (the operator took a withdraw back). */
    void resume() {
        withdrawn = false;
    }

    boolean withdrawn() {
        return withdrawn;
    }

    /** The VIPs to announce now, in the plan's order. */
    Set<InetAddress> wanted() {
        Set<InetAddress> out = new LinkedHashSet<>();
        if (withdrawn || !known) {
            return out;
        }
        vipsByPool.entrySet().stream()
                .filter(e -> withQuorum.contains(e.getKey()) && settled.contains(e.getKey()))
                .sorted(Map.Entry.comparingByKey(java.util.Comparator.comparing(ServiceId::toString)))
                .forEach(e -> out.addAll(e.getValue()));
        return out;
    }

    /** Every VIP this director may announce, with the pools that serve it (for status). */
    Map<InetAddress, List<ServiceId>> pools() {
        Map<InetAddress, List<ServiceId>> out = new LinkedHashMap<>();
        vipsByPool.forEach((pool, vips) ->
                vips.forEach(v -> out.computeIfAbsent(v, k -> new ArrayList<>()).add(pool)));
        return out;
    }
}
