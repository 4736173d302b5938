package org.hadirector.director;

import java.net.InetAddress;
import org.hadirector.sys.Addresses;
import org.hadirector.sys.RealServerId;
import org.hadirector.sys.ServiceId;
import org.hadirector.vrrp.VrrpState;

/**
 * The lines of keepalived 2.2.7's notify FIFOs, byte for byte, so that a reader written for
 * keepalived reads ours: vrrp_notify.c's notify_fifo ({@code INSTANCE "VI_1" MASTER 100}, a group's
 * priority always 0) and ipwrapper.c's notify_fifo_vs / notify_fifo_rs, whose addresses are
 * inet_sockaddrtotrio's {@code [198.18.0.100]:tcp:80} (IPv6 as inet_ntop writes it, RFC 5952).
 * Pure.
 */
final class NotifyLines {
    private NotifyLines() {}

    /** An instance's new state (STOP at shutdown), with its effective priority. */
    static String instance(String name, VrrpState state, int priority) {
        return instanceEvent(name, state.name(), priority);
    }

    /** A reload removed the instance, with notify_deleted: keepalived's VRRP_STATE_DELETED. */
    static String deleted(String name, int priority) {
        return instanceEvent(name, "DELETED", priority);
    }

    /** A master heard a lower priority: keepalived's VRRP_EVENT_MASTER_RX_LOWER_PRI. */
    static String masterRxLowerPri(String name, int priority) {
        return instanceEvent(name, "MASTER_RX_LOWER_PRI", priority);
    }

    /** notify_priority_changes: MASTER_PRIORITY as master, BACKUP_PRIORITY in any other state. */
    static String priority(String name, boolean master, int priority) {
        return instanceEvent(name, master ? "MASTER_PRIORITY" : "BACKUP_PRIORITY", priority);
    }

    /** A sync group's new state; keepalived writes 0 for a group's priority. */
    static String group(String name, VrrpState state) {
        return "GROUP \"" + name + "\" " + state.name() + " 0\n";
    }

    private static String instanceEvent(String name, String event, int priority) {
        return "INSTANCE \"" + name + "\" " + event + " " + priority + "\n";
    }

    /** {@code VS [198.18.0.100]:tcp:80 UP}, {@code VS FWM 1 DOWN}: the virtual server's quorum. */
    static String virtualServer(ServiceId service, boolean up) {
        return "VS " + service(service) + " " + upDown(up) + "\n";
    }

    /**
     * {@code RS [198.18.0.21]:tcp:80 [198.18.0.100]:tcp:80 DOWN}: the real server written with its
     * virtual server's protocol ({@code protocol}: the IP protocol number, 0 for a fwmark service
     * without a protocol, which keepalived writes "none").
     */
    static String realServer(ServiceId service, int protocol, RealServerId server, boolean up) {
        return "RS " + trio(server.address(), protocol, server.port()) + " " + service(service) + " " + upDown(up)
                + "\n";
    }

    /** {@code VS [WEB]:0 UP}: a virtual_server_group's quorum, as format_vs writes a group. */
    static String virtualServer(String group, boolean up) {
        return "VS " + group(group) + " " + upDown(up) + "\n";
    }

    /** {@code RS [198.18.0.21]:tcp:80 [WEB]:0 DOWN}: a real server of a virtual_server_group. */
    static String realServer(String group, int protocol, RealServerId server, boolean up) {
        return "RS " + trio(server.address(), protocol, server.port()) + " " + group(group) + " " + upDown(up) + "\n";
    }

    /** format_vs of a group: its name in brackets and the port of a group's virtual server, 0. */
    static String group(String name) {
        return "[" + name + "]:0";
    }

    /** format_vs: FWM and the mark, or the address trio. */
    static String service(ServiceId s) {
        return s.isFwmark() ? "FWM " + Integer.toUnsignedString(s.fwmark()) : trio(s.address(), s.protocol(), s.port());
    }

    /** inet_sockaddrtotrio: {@code [address]:protocol:port}, the brackets for IPv4 too. */
    static String trio(InetAddress address, int protocol, int port) {
        String p = switch (protocol) {
            case ServiceId.TCP -> "tcp";
            case ServiceId.UDP -> "udp";
            case ServiceId.SCTP -> "sctp";
            case 0 -> "none";
            default -> "?";
        };
        return "[" + Addresses.format(address) + "]:" + p + ":" + port;
    }

    private static String upDown(boolean up) {
        return up ? "UP" : "DOWN";
    }
}
