package org.hadirector.director;

import java.util.HashMap;
import java.util.Map;
import org.hadirector.sys.RealServerId;
import org.hadirector.sys.ServiceId;
import org.hadirector.vrrp.VrrpState;

/**
 * Which events send an smtp_alert, and which mail, under keepalived 2.2.7's rules: an instance
 * or a sync group sends for MASTER, BACKUP, FAULT (not with no_email_faults) and STOP, only when
 * the state differs from the last one it sent mail for (vrrp_notify.c's last_email_state: a
 * FAULT left out by no_email_faults does not count, so MASTER, FAULT, MASTER sends one mail); a
 * real server's checker sends when it goes up or down (with no_checker_emails only when the real
 * server's state changes with it); a virtual server sends when it gains or loses quorum. Pure
 * but for the last states it keeps; synchronized, as every VRRP thread and the checks' loop tell it.
 */
final class SmtpAlertRules {
    private final SmtpAlertPlan plan;
    private final Map<String, VrrpState> instanceMailed;
    private final Map<String, VrrpState> groupMailed;
    /**
     * The plan before the last reload: a real server the reload removed alerts as its old block
     * said (its smtp_alert, its fwmark service's protocol), as keepalived's removal runs on the
     * old configuration's servers.
     */
    private final SmtpAlertPlan former;
    /** Removed instances whose "Deleted" went (keepalived's last_email_state of the old instance). */
    private final java.util.Set<String> deletedMailed = new java.util.HashSet<>();
    /** The instances the last reload removed whose block alerted: their removal mails as that block said. */
    private final java.util.Set<String> removedAlerting;

    SmtpAlertRules(SmtpAlertPlan plan) {
        this(plan, new HashMap<>(), new HashMap<>(), SmtpAlertPlan.NONE, java.util.Set.of());
    }

    private SmtpAlertRules(
            SmtpAlertPlan plan,
            Map<String, VrrpState> instances,
            Map<String, VrrpState> groups,
            SmtpAlertPlan former,
            java.util.Set<String> removedAlerting) {
        this.plan = plan;
        this.removedAlerting = removedAlerting;
        this.instanceMailed = instances;
        this.groupMailed = groups;
        this.former = former;
    }

    SmtpAlertPlan plan() {
        return plan;
    }

    /** The rules of a reloaded file, keeping the last state mailed of each instance and group still in it. */
    synchronized SmtpAlertRules reload(SmtpAlertPlan next) {
        return reload(next, java.util.Set.of());
    }

    /** As above; {@code removed}: the instances the reload removes, whose removal is told after it. */
    synchronized SmtpAlertRules reload(SmtpAlertPlan next, java.util.Set<String> removed) {
        Map<String, VrrpState> i = new HashMap<>(instanceMailed);
        i.keySet().retainAll(next.instances());
        Map<String, VrrpState> g = new HashMap<>(groupMailed);
        g.keySet().retainAll(next.groups());
        java.util.Set<String> r = new java.util.HashSet<>(removed);
        r.retainAll(plan.instances());
        return new SmtpAlertRules(next, i, g, plan, java.util.Set.copyOf(r));
    }

    /**
     * An instance's new state. One a reload removed is told after the reload (its FAULT) and
     * alerts as its block before the reload said, as keepalived's clear_diff_vrrp runs on the
     * old instance.
     */
    synchronized AlertMail instance(String name, VrrpState state) {
        if (!plan.sends() || !alerts(name) || !vrrpSends(instanceMailed, name, state)) {
            return null;
        }
        return AlertMail.instance(plan.server().routerId(), name, state);
    }

    /** A removed instance with notify_deleted: "Deleted", unless the last mail said it already. */
    synchronized AlertMail deleted(String name) {
        if (!plan.sends() || !alerts(name) || deletedMailed.contains(name)) {
            return null;
        }
        deletedMailed.add(name);
        instanceMailed.remove(name);
        return AlertMail.deleted(plan.server().routerId(), name);
    }

    private boolean alerts(String instance) {
        return plan.instances().contains(instance) || removedAlerting.contains(instance);
    }

    synchronized AlertMail group(String name, VrrpState state) {
        if (!plan.sends() || !plan.groups().contains(name) || !vrrpSends(groupMailed, name, state)) {
            return null;
        }
        return AlertMail.group(plan.server().routerId(), name, state);
    }

    private boolean vrrpSends(Map<String, VrrpState> mailed, String name, VrrpState state) {
        if (state == VrrpState.INIT || (plan.noEmailFaults() && state == VrrpState.FAULT)) {
            return false;
        }
        if (mailed.get(name) == state) {
            return false;
        }
        mailed.put(name, state);
        return true;
    }

    AlertMail checker(
            ServiceId service,
            RealServerId server,
            String kind,
            boolean up,
            String reason,
            boolean serverAlive,
            boolean serverChanged) {
        if (!plan.sends()
                || !plan.servers().contains(new SmtpAlertPlan.ServerKey(service, server))
                || (plan.noCheckerEmails() && !serverChanged)) {
            return null;
        }
        return AlertMail.checker(
                plan.server().routerId(),
                plan.vsText(service),
                plan.protocolOf(service),
                server,
                kind,
                up,
                serverAlive,
                reason);
    }

    /** A live real server a reload removed: "=> Removing <=", if its block (before the reload) alerted. */
    AlertMail removed(ServiceId service, RealServerId server) {
        SmtpAlertPlan.ServerKey key = new SmtpAlertPlan.ServerKey(service, server);
        SmtpAlertPlan was = former.servers().contains(key) ? former : plan;
        if (!plan.sends() || !was.servers().contains(key)) {
            return null;
        }
        return AlertMail.removed(plan.server().routerId(), was.vsText(service), was.protocolOf(service), server);
    }

    /**
     * At stop with omega: "=> Shutting down <=" for a live real server ({@code server} not null)
     * or for the virtual server, each if its block alerts (clear_service_rs, do_vs_notifies).
     */
    AlertMail shuttingDown(ServiceId service, RealServerId server) {
        if (!plan.sends()) {
            return null;
        }
        if (server == null) {
            return plan.services().containsKey(service)
                    ? AlertMail.shuttingDown(plan.server().routerId(), plan.vsText(service))
                    : null;
        }
        if (!plan.servers().contains(new SmtpAlertPlan.ServerKey(service, server))) {
            return null;
        }
        return AlertMail.shuttingDown(plan.server().routerId(), plan.vsText(service), plan.protocolOf(service), server);
    }

    /** A virtual server with a sorry server starting without quorum: "Starting with quorum down". */
    AlertMail startedWithoutQuorum(ServiceId service, long aliveWeight) {
        SmtpAlertPlan.Quorum q = plan.sends() ? plan.services().get(service) : null;
        return q == null
                ? null
                : AlertMail.startingWithoutQuorum(
                        plan.server().routerId(), plan.vsText(service), q.quorum(), q.hysteresis(), aliveWeight);
    }

    AlertMail quorum(ServiceId service, boolean up, long aliveWeight) {
        SmtpAlertPlan.Quorum q = plan.sends() ? plan.services().get(service) : null;
        return q == null
                ? null
                : AlertMail.quorum(
                        plan.server().routerId(), plan.vsText(service), up, q.quorum(), q.hysteresis(), aliveWeight);
    }
}
