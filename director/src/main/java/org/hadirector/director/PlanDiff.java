package org.hadirector.director;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.hadirector.healthcheck.ServiceSpec;

/**
 * What a reload changes, taken once between the plan that runs and the new one: pure. The
 * director applies it, and each part takes its share: VRRP the instances to keep, restart, start
 * and stop (against what actually runs, see {@link VrrpReloadPlan}); the checks and the table the
 * services added, removed and changed (a changed service restarts its checks, an unchanged one is
 * left alone); the dataplane the timeouts.
 *
 * @param servicesChanged services whose checks differ, new ones included: their checks restart (a
 * service whose checks are the same keeps its checkers and their state; its table entry, the
 * scheduler say, is edited in place by the table's own diff)
 */
record PlanDiff(
        VrrpReloadPlan vrrp,
        List<String> servicesAdded,
        List<String> servicesRemoved,
        List<String> servicesChanged,
        boolean timeoutsChanged,
        boolean syncChanged) {

    /**
     * @param running the instances that run now with what each was built from; an instance of
     * the old plan that does not run is started again even if its block did not change
     */
    static PlanDiff between(
            DirectorPlan old,
            DirectorPlan next,
            Map<String, VrrpReloadPlan.Basis> running,
            org.hadirector.conf.model.KeepalivedConfig nextConfig) {
        VrrpReloadPlan vrrp = next.runsVrrp() ? VrrpReloadPlan.of(running, nextConfig) : VrrpReloadPlan.NONE;
        Map<String, ServiceSpec> before = new HashMap<>();
        old.checks().forEach(s -> before.put(s.name(), s));
        List<String> added = new ArrayList<>();
        List<String> changed = new ArrayList<>();
        for (ServiceSpec s : next.checks()) {
            ServiceSpec was = before.get(s.name());
            if (was == null) {
                added.add(s.name());
                changed.add(s.name());
            } else if (!was.equals(s)) {
                changed.add(s.name());
            }
        }
        List<String> removed = new ArrayList<>();
        for (ServiceSpec s : old.checks()) {
            if (next.checks().stream().noneMatch(x -> x.name().equals(s.name()))) {
                removed.add(s.name());
            }
        }
        return new PlanDiff(
                vrrp,
                List.copyOf(added),
                List.copyOf(removed),
                List.copyOf(changed),
                !Objects.equals(old.timeouts(), next.timeouts()),
                !Objects.equals(
                        old.sync() == null ? null : old.sync().daemon(),
                        next.sync() == null ? null : next.sync().daemon()));
    }

    boolean changesNothing() {
        return vrrp.changesNothing()
                && servicesAdded.isEmpty()
                && servicesRemoved.isEmpty()
                && servicesChanged.isEmpty()
                && !timeoutsChanged
                && !syncChanged;
    }
}
