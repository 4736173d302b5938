package org.hadirector.director;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.hadirector.conf.model.GlobalDefs;
import org.hadirector.conf.model.KeepalivedConfig;
import org.hadirector.conf.model.RealServer;
import org.hadirector.conf.model.VirtualServer;
import org.hadirector.conf.model.VirtualServerKind;
import org.hadirector.conf.model.VrrpInstance;
import org.hadirector.conf.model.VrrpSyncGroup;
import org.hadirector.sys.RealServerId;
import org.hadirector.sys.ServiceId;

/**
 * Who sends smtp_alert e-mail, and where to, decided from the configuration with keepalived
 * 2.2.7's rules (vrrp.c, check_data.c): an instance's or a sync group's own smtp_alert, else
 * global_defs' smtp_alert_vrrp, else global smtp_alert, else off; a virtual server's own, else
 * smtp_alert_checker, else smtp_alert, else off; a real server's own, else smtp_alert_checker,
 * else smtp_alert, else <em>on</em> (keepalived keeps that default for backward compatibility).
 * No mail at all without an smtp_server and at least one notification_email, as in keepalived
 * (core/smtp.c returns before connecting). Pure.
 *
 * @param server where and how to send; null when no mail is sent
 * @param instances the vrrp_instances that alert
 * @param groups the vrrp_sync_groups that alert
 * @param services the virtual servers whose quorum changes alert, with their quorum settings
 * @param servers the real servers whose checkers alert
 * @param fwmarkProtocols a fwmark service's protocol, for its real servers' address trio
 * @param groupNames the virtual_server_group of a group's check pool (named by its first service)
 * @param noEmailFaults no_email_faults: no mail for FAULT
 * @param noCheckerEmails no_checker_emails: a checker's mail only when its real server changes state
 */
record SmtpAlertPlan(
        Server server,
        Set<String> instances,
        Set<String> groups,
        Map<ServiceId, Quorum> services,
        Set<ServerKey> servers,
        Map<ServiceId, Integer> fwmarkProtocols,
        Map<ServiceId, String> groupNames,
        boolean noEmailFaults,
        boolean noCheckerEmails) {

    static final SmtpAlertPlan NONE =
            new SmtpAlertPlan(null, Set.of(), Set.of(), Map.of(), Set.of(), Map.of(), Map.of(), false, false);

    /**
     * smtp_server and the message's fixed parts. {@code helo} and {@code from} are null when the
     * file gives none: the sender fills in keepalived's defaults (the host's name, user@host).
     */
    record Server(
            String host,
            int port,
            String helo,
            String from,
            List<String> to,
            Duration connectTimeout,
            String routerId) {}

    record Quorum(int quorum, int hysteresis) {}

    record ServerKey(ServiceId service, RealServerId server) {}

    boolean sends() {
        return server != null;
    }

    /** The protocol of {@code service}'s real servers' address trio (see {@link NotifyFifos.Plan#protocolOf}). */
    int protocolOf(ServiceId service) {
        return NotifyFifos.Plan.protocolOf(service, fwmarkProtocols);
    }

    /** The virtual server as keepalived's format_vs writes it: {@code [WEB]:0} for a group's. */
    String vsText(ServiceId service) {
        String group = groupNames.get(service);
        return group != null ? NotifyLines.group(group) : NotifyLines.service(service);
    }

    static SmtpAlertPlan of(KeepalivedConfig c, boolean vrrp, boolean checkers) {
        return of(c, vrrp, checkers, vs -> TableConfigMapper.serviceId(vs, c));
    }

    /** @param poolOf the check pool of a virtual_server (a group's is named by its first service) */
    static SmtpAlertPlan of(
            KeepalivedConfig c,
            boolean vrrp,
            boolean checkers,
            java.util.function.Function<VirtualServer, ServiceId> poolOf) {
        GlobalDefs g = c.globalDefs();
        if (g.smtpServer() == null
                || g.notificationEmail() == null
                || g.notificationEmail().isEmpty()) {
            return NONE;
        }
        Server server = new Server(
                g.smtpServer(),
                g.smtpServerPort(),
                g.smtpHeloName(),
                g.notificationEmailFrom(),
                List.copyOf(g.notificationEmail()),
                g.smtpConnectTimeout(),
                g.routerId());
        Set<String> instances = new LinkedHashSet<>();
        Set<String> groups = new LinkedHashSet<>();
        if (vrrp) {
            for (VrrpInstance i : c.vrrpInstances()) {
                if (vrrpAlerts(i.smtpAlert(), g)) {
                    instances.add(i.name());
                }
            }
            for (VrrpSyncGroup sg : c.vrrpSyncGroups()) {
                if (vrrpAlerts(sg.smtpAlert(), g)) {
                    groups.add(sg.name());
                }
            }
        }
        Map<ServiceId, Quorum> services = new LinkedHashMap<>();
        Set<ServerKey> servers = new LinkedHashSet<>();
        Map<ServiceId, Integer> protocols = new LinkedHashMap<>();
        Map<ServiceId, String> groupNames = new LinkedHashMap<>();
        if (checkers) {
            for (VirtualServer vs : c.virtualServers()) {
                ServiceId id = poolOf.apply(vs);
                if (vs.kind() == VirtualServerKind.GROUP) {
                    groupNames.put(id, vs.group());
                    if (id.isFwmark()) {
                        protocols.put(id, TableConfigMapper.protocolNumber(vs));
                    }
                }
                if (first(vs.smtpAlert(), g.smtpAlertChecker(), g.smtpAlert(), false)) {
                    services.put(id, new Quorum(vs.quorum(), vs.hysteresis()));
                }
                for (RealServer rs : vs.realServers()) {
                    if (first(rs.smtpAlert(), g.smtpAlertChecker(), g.smtpAlert(), true)) {
                        servers.add(new ServerKey(id, TableConfigMapper.realServerId(rs.address(), rs.port(), vs)));
                    }
                }
                if (vs.kind() == VirtualServerKind.FWMARK) {
                    protocols.put(id, NotifyFifos.Plan.fwmarkProtocol(vs));
                }
            }
        }
        return new SmtpAlertPlan(
                server,
                Set.copyOf(instances),
                Set.copyOf(groups),
                Map.copyOf(services),
                Set.copyOf(servers),
                Map.copyOf(protocols),
                Map.copyOf(groupNames),
                g.noEmailFaults(),
                g.noCheckerEmails());
    }

    private static boolean vrrpAlerts(Boolean own, GlobalDefs g) {
        return first(own, g.smtpAlertVrrp(), g.smtpAlert(), false);
    }

    private static boolean first(Boolean own, Boolean part, Boolean global, boolean otherwise) {
        return own != null ? own : part != null ? part : global != null ? global : otherwise;
    }

    /**
     * What the file asks for and will not get: an smtp_alert turned on while no mail can go
     * (keepalived is silent about it). Real servers' default "on" is not counted: it is on in
     * every file.
     */
    static List<String> warnings(KeepalivedConfig c) {
        GlobalDefs g = c.globalDefs();
        boolean asked = Boolean.TRUE.equals(g.smtpAlert())
                || Boolean.TRUE.equals(g.smtpAlertVrrp())
                || Boolean.TRUE.equals(g.smtpAlertChecker())
                || c.vrrpInstances().stream().anyMatch(i -> Boolean.TRUE.equals(i.smtpAlert()))
                || c.vrrpSyncGroups().stream().anyMatch(s -> Boolean.TRUE.equals(s.smtpAlert()))
                || c.virtualServers().stream()
                        .anyMatch(v -> Boolean.TRUE.equals(v.smtpAlert())
                                || v.realServers().stream().anyMatch(r -> Boolean.TRUE.equals(r.smtpAlert())));
        List<String> out = new ArrayList<>();
        if (asked && g.smtpServer() == null) {
            out.add("smtp_alert: no e-mail is sent without smtp_server in global_defs (keepalived sends none either)");
        } else if (asked
                && (g.notificationEmail() == null || g.notificationEmail().isEmpty())) {
            out.add(
                    "smtp_alert: no e-mail is sent without a notification_email address (keepalived sends none either)");
        }
        return out;
    }
}
