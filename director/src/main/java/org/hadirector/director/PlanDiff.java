package org.hadirector.director;

import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.hadirector.healthcheck.PoolMigration;
import org.hadirector.sys.ServiceId;

/**
 * What a reload changes, taken once between the plan that runs and the new one: pure. The
 * director applies it, and each part takes its share: VRRP the instances to keep, restart, start
 * and stop (against what actually runs, see {@link VrrpReloadPlan}); the checks and the table the
 * services added, removed and changed (a changed service restarts its checks, an unchanged one is
 * left alone); the dataplane the timeouts.
 *
 * @param checks the checks' share: which pools keep running, restart (carrying the state of
 * unchanged checkers) or stop; the table takes the same word for which services start empty
 */
record PlanDiff(VrrpReloadPlan vrrp, PoolMigration.Plan checks, boolean timeoutsChanged, boolean syncChanged) {

    List<ServiceId> servicesAdded() {
        return checks.added();
    }

    List<ServiceId> servicesRemoved() {
        return checks.stopped();
    }

    /**
     * Services whose checks differ, new ones included: their checks restart (a service whose
     * checks are the same keeps its checkers and their state; its table entry, the scheduler say,
     * is edited in place by the table's own diff).
     */
    List<ServiceId> servicesChanged() {
        return checks.restarted();
    }

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
        return new PlanDiff(
                vrrp,
                PoolMigration.of(old.checks(), next.checks()),
                !Objects.equals(old.timeouts(), next.timeouts()),
                !Objects.equals(
                        old.sync() == null ? null : old.sync().daemon(),
                        next.sync() == null ? null : next.sync().daemon()));
    }

    boolean changesNothing() {
        return vrrp.changesNothing()
                && servicesRemoved().isEmpty()
                && servicesChanged().isEmpty()
                && !timeoutsChanged
                && !syncChanged;
    }
}
