package org.hadirector.director;

import java.util.List;
import org.hadirector.healthcheck.HealthCheckService;
import org.hadirector.sys.RealServerId;
import org.hadirector.sys.ServiceId;
import org.hadirector.vrrp.VrrpNotifications;
import org.hadirector.vrrp.VrrpState;

/**
 * Hands each VRRP and checker event to every notifier (the notify FIFOs, the smtp_alert mails),
 * in order, on the caller's thread; each of them must not block.
 */
final class Notifiers implements VrrpNotifications, HealthCheckService.Transitions {
    private final List<VrrpNotifications> vrrp;
    private final List<HealthCheckService.Transitions> checkers;

    Notifiers(NotifyFifos fifos, SmtpAlerts mails) {
        this.vrrp = List.of(fifos, mails);
        this.checkers = new java.util.concurrent.CopyOnWriteArrayList<>(List.of(fifos, mails));
    }

    /** One more listener of the checkers' events (the announcer), told after the others. */
    void addCheckerListener(HealthCheckService.Transitions t) {
        checkers.add(t);
    }

    void removeCheckerListener(HealthCheckService.Transitions t) {
        checkers.remove(t);
    }

    @Override
    public void instance(String instance, VrrpState state, int priority) {
        vrrp.forEach(n -> n.instance(instance, state, priority));
    }

    @Override
    public void deleted(String instance, int priority) {
        vrrp.forEach(n -> n.deleted(instance, priority));
    }

    @Override
    public void masterRxLowerPri(String instance, int priority) {
        vrrp.forEach(n -> n.masterRxLowerPri(instance, priority));
    }

    @Override
    public void priorityChanged(String instance, boolean master, int priority) {
        vrrp.forEach(n -> n.priorityChanged(instance, master, priority));
    }

    @Override
    public void group(String group, VrrpState state) {
        vrrp.forEach(n -> n.group(group, state));
    }

    @Override
    public void realServer(ServiceId service, RealServerId server, boolean up) {
        checkers.forEach(n -> n.realServer(service, server, up));
    }

    @Override
    public void quorum(ServiceId service, boolean up, long aliveWeight) {
        checkers.forEach(n -> n.quorum(service, up, aliveWeight));
    }

    @Override
    public void quorum(ServiceId service, boolean up) {
        checkers.forEach(n -> n.quorum(service, up));
    }

    @Override
    public void settled(ServiceId service) {
        checkers.forEach(n -> n.settled(service));
    }

    @Override
    public void startedWithoutQuorum(ServiceId service, long aliveWeight) {
        checkers.forEach(n -> n.startedWithoutQuorum(service, aliveWeight));
    }

    @Override
    public void shuttingDown(ServiceId service, RealServerId server) {
        checkers.forEach(n -> n.shuttingDown(service, server));
    }

    @Override
    public void removed(ServiceId service, RealServerId server) {
        checkers.forEach(n -> n.removed(service, server));
    }

    @Override
    public void checker(
            ServiceId service,
            RealServerId server,
            String checker,
            boolean up,
            String reason,
            boolean serverAlive,
            boolean serverChanged) {
        checkers.forEach(n -> n.checker(service, server, checker, up, reason, serverAlive, serverChanged));
    }
}
