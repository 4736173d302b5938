package org.hadirector.healthcheck;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.hadirector.sys.RealServerId;
import org.hadirector.sys.ServiceId;

/**
 * What a reload does to the check pools, pure: a pool whose spec is unchanged keeps running
 * untouched; a new or changed one starts again, except that the checkers of a real server that
 * kept its identity and its exact checks carry their state and schedule over (as keepalived
 * migrates unchanged checkers), so that a down server does not come back by a reload; a pool no
 * longer configured stops. The director's reload diff holds it (the checks' share of the diff, and
 * the table's: which services restart); {@link HealthCheckService} carries it out on its loop.
 */
public final class PoolMigration {

    /**
     * One pool of the new configuration.
     *
     * @param was the running pool's spec with the same identity, or null for a new pool
     * @param unchanged whether it equals {@code was}: the running pool and its checkers go on as they are
     * @param carriedFrom per server of {@code spec}, the running pool's server whose checkers it takes
     * over, in order, or -1 for fresh ones (always -1 for an unchanged or new pool: nothing to carry)
     */
    public record Pool(ServiceSpec spec, ServiceSpec was, boolean unchanged, List<Integer> carriedFrom) {}

    /**
     * The new pools in configuration order, and the running ones no longer configured.
     *
     * @param from the pools it was taken from: a service whose pools are not these (a reload
     * that failed part way) takes the migration again from what runs
     */
    public record Plan(List<ServiceSpec> from, List<Pool> pools, List<ServiceId> stopped) {
        /** The pools that start or start again (new or changed), which announce their initial table. */
        public List<ServiceId> restarted() {
            return pools.stream()
                    .filter(p -> !p.unchanged())
                    .map(p -> p.spec().id())
                    .toList();
        }

        /** The pools that are new. */
        public List<ServiceId> added() {
            return pools.stream()
                    .filter(p -> p.was() == null)
                    .map(p -> p.spec().id())
                    .toList();
        }

        /** The new configuration's pools. */
        public List<ServiceSpec> to() {
            return pools.stream().map(Pool::spec).toList();
        }
    }

    private PoolMigration() {}

    public static Plan of(List<ServiceSpec> running, List<ServiceSpec> next) {
        Map<ServiceId, ServiceSpec> before = new HashMap<>();
        running.forEach(s -> before.put(s.id(), s));
        List<Pool> pools = new ArrayList<>(next.size());
        Set<ServiceId> configured = new HashSet<>();
        for (ServiceSpec spec : next) {
            configured.add(spec.id());
            ServiceSpec was = before.get(spec.id());
            boolean unchanged = spec.equals(was);
            List<Integer> from = new ArrayList<>(spec.servers().size());
            for (RealServerSpec rs : spec.servers()) {
                from.add(unchanged || was == null ? -1 : sameChecks(was, rs));
            }
            pools.add(new Pool(spec, was, unchanged, List.copyOf(from)));
        }
        List<ServiceId> stopped = running.stream()
                .map(ServiceSpec::id)
                .filter(id -> !configured.contains(id))
                .toList();
        return new Plan(List.copyOf(running), List.copyOf(pools), stopped);
    }

    /** The index of {@code was}'s server with {@code rs}'s identity and exactly its checks, or -1. */
    private static int sameChecks(ServiceSpec was, RealServerSpec rs) {
        RealServerId id = rs.id();
        for (int i = 0; i < was.servers().size(); i++) {
            RealServerSpec old = was.servers().get(i);
            if (old.id().equals(id)) {
                return old.checks().equals(rs.checks()) ? i : -1;
            }
        }
        return -1;
    }
}
