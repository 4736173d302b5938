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
 * until resumed, whatever the quorum does.
 */
final class Announcements {
    /** The VIPs of each announced pool (a virtual_server_group's pool has several). */
    private final Map<ServiceId, List<InetAddress>> vipsByPool;

    private final Set<ServiceId> withQuorum = new HashSet<>();
    private boolean known;
    private boolean withdrawn;

    Announcements(Map<ServiceId, List<InetAddress>> vipsByPool) {
        this.vipsByPool = Map.copyOf(vipsByPool);
    }

    /** The pools' quorum as a status snapshot tells it: until then nothing is announced. */
    void snapshot(Map<ServiceId, Boolean> quorum) {
        withQuorum.clear();
        quorum.forEach((pool, up) -> {
            if (up && vipsByPool.containsKey(pool)) {
                withQuorum.add(pool);
            }
        });
        known = true;
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
                .filter(e -> withQuorum.contains(e.getKey()))
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
