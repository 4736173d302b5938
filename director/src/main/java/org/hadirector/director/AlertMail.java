package org.hadirector.director;

import org.hadirector.sys.RealServerId;
import org.hadirector.sys.ServiceId;
import org.hadirector.vrrp.VrrpState;

/**
 * One smtp_alert e-mail's subject and body, in keepalived 2.2.7's words (core/smtp.c's subjects,
 * vrrp_notify.c's and the checkers' bodies), so that a mail filter written for keepalived's
 * alerts matches ours. Pure.
 *
 * @param subject the Subject header, {@code [router_id] VRRP Instance VI_1 - Entering MASTER state}
 * @param body one line, {@code => VRRP Instance is now owning VRRP VIPs <=}
 */
record AlertMail(String subject, String body) {

    /** An instance's new state (vrrp_smtp_notifier); null for a state keepalived sends nothing for. */
    static AlertMail instance(String routerId, String name, VrrpState state) {
        String[] t = switch (state) {
            case MASTER -> new String[] {"Entering MASTER state", "=> VRRP Instance is now owning VRRP VIPs <="};
            case BACKUP -> new String[] {"Entering BACKUP state", "=> VRRP Instance is no longer owning VRRP VIPs <="};
            case FAULT -> new String[] {"Entering FAULT state", "=> VRRP Instance is no longer owning VRRP VIPs <="};
            case STOP -> new String[] {"Stopping", "=> VRRP Instance stopping <="};
            case INIT -> null;
        };
        return t == null ? null : new AlertMail("[" + routerId + "] VRRP Instance " + name + " - " + t[0], t[1]);
    }

    /** An instance a reload removed, with notify_deleted (vrrp_smtp_notifier's VRRP_STATE_DELETED). */
    static AlertMail deleted(String routerId, String name) {
        return new AlertMail("[" + routerId + "] VRRP Instance " + name + " - Deleted", "=> VRRP Deleted at reload <=");
    }

    /** A sync group's new state (vrrp_sync_smtp_notifier); null for a state keepalived sends nothing for. */
    static AlertMail group(String routerId, String name, VrrpState state) {
        String[] t = switch (state) {
            case MASTER ->
                new String[] {"Entering MASTER state", "=> All VRRP group instances are now in MASTER state <="};
            case BACKUP ->
                new String[] {"Entering BACKUP state", "=> All VRRP group instances are now in BACKUP state <="};
            case FAULT ->
                new String[] {"Entering FAULT state", "=> All VRRP group instances are now in FAULT state <="};
            case STOP -> new String[] {"Stopping", "=> All VRRP group instances are now stopping <="};
            case INIT -> null;
        };
        return t == null ? null : new AlertMail("[" + routerId + "] VRRP Group " + name + " - " + t[0], t[1]);
    }

    /**
     * A checker went up or down (each checker sends its own in keepalived, SMTP_MSG_RS): the
     * subject says the real server's state after it ({@code serverAlive}), the body which checker
     * and what it did. {@code kind} is the checker's keyword; {@code reason} the failure's, used
     * by SMTP_CHECK and MISC_CHECK as keepalived's do. Null for FILE_CHECK (keepalived's sends none).
     *
     * @param protocol the IP protocol the real server is written with (a fwmark service's own, 0 for none)
     */
    static AlertMail checker(
            String routerId,
            ServiceId service,
            int protocol,
            RealServerId server,
            String kind,
            boolean checkerUp,
            boolean serverAlive,
            String reason) {
        return checker(routerId, NotifyLines.service(service), protocol, server, kind, checkerUp, serverAlive, reason);
    }

    /** As above, the virtual server written as keepalived's format_vs writes it ({@code [WEB]:0} for a group). */
    static AlertMail checker(
            String routerId,
            String service,
            int protocol,
            RealServerId server,
            String kind,
            boolean checkerUp,
            boolean serverAlive,
            String reason) {
        String body = checkerBody(kind, checkerUp, reason);
        if (body == null) {
            return null;
        }
        return new AlertMail(realServerSubject(routerId, service, protocol, server, serverAlive ? "UP" : "DOWN"), body);
    }

    /** A live real server a reload removed (ipwrapper.c's clear_service_rs, SMTP_MSG_RS_SHUT). */
    static AlertMail removed(String routerId, String service, int protocol, RealServerId server) {
        return new AlertMail(realServerSubject(routerId, service, protocol, server, "DOWN"), "=> Removing <=");
    }

    /** A live real server at stop with omega (ipwrapper.c's clear_service_rs, stopping). */
    static AlertMail shuttingDown(String routerId, String service, int protocol, RealServerId server) {
        return new AlertMail(realServerSubject(routerId, service, protocol, server, "DOWN"), "=> Shutting down <=");
    }

    /** A virtual server at stop with omega (do_vs_notifies, stopping): its quorum is down by then. */
    static AlertMail shuttingDown(String routerId, String service) {
        return new AlertMail("[" + routerId + "] Virtualserver " + service + " - DOWN", "=> Shutting down <=");
    }

    static String realServerSubject(String routerId, String service, int protocol, RealServerId server, String what) {
        return "[" + routerId + "] Realserver " + NotifyLines.trio(server.address(), protocol, server.port())
                + " of virtual server " + service + " - " + what;
    }

    /** The checkers' texts: check_tcp.c, check_http.c, check_misc.c, check_dns.c, check_smtp.c, check_udp.c, check_ping.c. */
    static String checkerBody(String kind, boolean up, String reason) {
        return switch (kind) {
            case "TCP_CHECK" -> up ? "=> TCP CHECK succeed on service <=" : "=> TCP CHECK failed on service <=";
            case "HTTP_GET", "SSL_GET" ->
                up ? "=> CHECK succeed on service <=" : "=> CHECK failed on service : HTTP request failed <=";
            case "SMTP_CHECK" ->
                up
                        ? "=> CHECK succeed on service <="
                        : reason == null || reason.isEmpty()
                                ? "=> CHECK failed on service <="
                                : "=> CHECK failed on service : " + reason + " <=";
            case "MISC_CHECK" ->
                "=> MISC CHECK "
                        + (up ? "succeeded" : reason != null && reason.startsWith("timed out") ? "timed out" : "failed")
                        + " on service <=";
            case "DNS_CHECK" -> up ? "=> DNS_CHECK: succeed on service <=" : "=> DNS_CHECK: failed on service <=";
            case "UDP_CHECK" -> up ? "=> UDP CHECK succeed on service <=" : "=> UDP CHECK failed on service <=";
            case "PING_CHECK" -> up ? "=> ICMP CHECK succeed on service <=" : "=> ICMP CHECK failed on service <=";
            default -> null;
        };
    }

    /**
     * A virtual server gained or lost quorum (ipwrapper.c's do_vs_notifies): keepalived writes
     * {@code quorum+hysteresis=threshold <= alive weight} in both directions, the threshold being
     * the one crossed (quorum + hysteresis gaining, quorum - hysteresis losing).
     */
    static AlertMail quorum(
            String routerId, ServiceId service, boolean up, int quorum, int hysteresis, long aliveWeight) {
        return quorum(routerId, NotifyLines.service(service), up, quorum, hysteresis, aliveWeight);
    }

    /**
     * update_quorum_state(init) of a virtual server with a sorry server and without quorum: the
     * threshold is the one to gain (quorum + hysteresis), the subject DOWN.
     */
    static AlertMail startingWithoutQuorum(
            String routerId, String service, int quorum, int hysteresis, long aliveWeight) {
        return new AlertMail(
                "[" + routerId + "] Virtualserver " + service + " - DOWN",
                "=> Starting with quorum down " + quorum + "+" + hysteresis + "=" + ((long) quorum + hysteresis)
                        + " <= " + aliveWeight + " <=");
    }

    static AlertMail quorum(String routerId, String service, boolean up, int quorum, int hysteresis, long aliveWeight) {
        long threshold = up ? (long) quorum + hysteresis : (long) quorum - hysteresis;
        return new AlertMail(
                "[" + routerId + "] Virtualserver " + service + " - " + (up ? "UP" : "DOWN"),
                "=> " + (up ? "Gained quorum" : "Lost quorum") + " " + quorum + "+" + hysteresis + "=" + threshold
                        + " <= " + aliveWeight + " <=");
    }
}
