package org.hadirector.director;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.hadirector.healthcheck.ServiceSpec;
import org.hadirector.sys.ServiceId;

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
        List<ServiceId> servicesAdded,
        List<ServiceId> servicesRemoved,
        List<ServiceId> servicesChanged,
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
        Map<ServiceId, ServiceSpec> before = new HashMap<>();
        old.checks().forEach(s -> before.put(s.id(), s));
        List<ServiceId> added = new ArrayList<>();
        List<ServiceId> changed = new ArrayList<>();
        for (ServiceSpec s : next.checks()) {
            ServiceSpec was = before.get(s.id());
            if (was == null) {
                added.add(s.id());
                changed.add(s.id());
            } else if (!was.equals(s)) {
                changed.add(s.id());
            }
        }
        List<ServiceId> removed = new ArrayList<>();
        for (ServiceSpec s : old.checks()) {
            if (next.checks().stream().noneMatch(x -> x.id().equals(s.id()))) {
                removed.add(s.id());
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
