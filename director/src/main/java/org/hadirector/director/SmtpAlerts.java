package org.hadirector.director;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.hadirector.healthcheck.HealthCheckService;
import org.hadirector.sys.RealServerId;
import org.hadirector.sys.ServiceId;
import org.hadirector.vrrp.VrrpNotifications;
import org.hadirector.vrrp.VrrpState;

/**
 * smtp_alert: the events of the notify FIFOs (a VRRP instance's or sync group's state, a
 * checker's, a quorum's) that {@link SmtpAlertRules} says alert become mails queued on the
 * {@link SmtpAlertSender}; nothing here blocks the VRRP threads or the checks' loop. One object
 * for the daemon's life; a reload swaps the rules (the last state mailed of each instance and
 * group kept) and the mails queued after it go to the new smtp_server.
 */
final class SmtpAlerts implements VrrpNotifications, HealthCheckService.Transitions, AutoCloseable {
    private final SmtpAlertSender sender = new SmtpAlertSender();
    private volatile SmtpAlertRules rules = new SmtpAlertRules(SmtpAlertPlan.NONE);
    /** keepalived's defaults of smtp_helo_name and notification_email_from: the host's name, user@host. */
    private final String hostName;

    private final String user;

    SmtpAlerts() {
        this(nodeName(), System.getProperty("user.name", "root"));
    }

    SmtpAlerts(String hostName, String user) {
        this.hostName = hostName;
        this.user = user;
    }

    synchronized void reload(SmtpAlertPlan plan) {
        rules = rules.reload(plan);
    }

    /** A reload that removes {@code removed} instances: their FAULT or "Deleted" mails as their old blocks said. */
    synchronized void reload(SmtpAlertPlan plan, java.util.Set<String> removed) {
        rules = rules.reload(plan, removed);
    }

    SmtpAlertSender.Counts counts() {
        return sender.counts();
    }

    /** Whether any mail can be sent (for /metrics: no family without smtp_server). */
    boolean configured() {
        return rules.plan().sends() || !sender.counts().equals(new SmtpAlertSender.Counts(0, 0, 0));
    }

    @Override
    public void instance(String instance, VrrpState state, int priority) {
        queue(rules.instance(instance, state));
    }

    @Override
    public void deleted(String instance, int priority) {
        queue(rules.deleted(instance));
    }

    @Override
    public void group(String group, VrrpState state) {
        queue(rules.group(group, state));
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
        queue(rules.checker(service, server, checker, up, reason, serverAlive, serverChanged));
    }

    @Override
    public void removed(ServiceId service, RealServerId server) {
        queue(rules.removed(service, server));
    }

    @Override
    public void shuttingDown(ServiceId service, RealServerId server) {
        queue(rules.shuttingDown(service, server));
    }

    @Override
    public void startedWithoutQuorum(ServiceId service, long aliveWeight) {
        queue(rules.startedWithoutQuorum(service, aliveWeight));
    }

    @Override
    public void quorum(ServiceId service, boolean up, long aliveWeight) {
        queue(rules.quorum(service, up, aliveWeight));
    }

    private void queue(AlertMail mail) {
        SmtpAlertPlan.Server s = rules.plan().server();
        if (mail == null || s == null) {
            return;
        }
        String helo = s.helo() != null ? s.helo() : hostName;
        String from = s.from() != null ? s.from() : user + "@" + hostName;
        sender.send(new SmtpAlertSender.Mail(
                s, helo, from, mail.subject(), SmtpMessage.data(SmtpAlertSender.now(), from, s.to(), mail)));
    }

    /** At stop, after the STOP events: the queued mails get up to {@code waitMillis} to go. */
    void close(long waitMillis) {
        sender.close(waitMillis);
    }

    @Override
    public void close() {
        sender.close();
    }

    /** The node name, as router_id's default (keepalived asks DNS for the canonical name; this does not). */
    private static String nodeName() {
        try {
            String h = Files.readString(Path.of("/proc/sys/kernel/hostname")).strip();
            if (!h.isEmpty()) {
                return h;
            }
        } catch (IOException | RuntimeException e) {
            // fall through
        }
        return "localhost";
    }
}
