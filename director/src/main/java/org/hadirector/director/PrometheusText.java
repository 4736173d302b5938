package org.hadirector.director;

import java.util.List;
import java.util.Locale;
import org.hadirector.healthcheck.HealthStatus;
import org.hadirector.ipvs.TableDump;
import org.hadirector.vrrp.InstanceStatus;
import org.hadirector.vrrp.VrrpState;

/**
 * The director's state in Prometheus' text exposition format (version 0.0.4): one HELP and TYPE
 * per family, label values escaped. Pure: built from the same snapshots `hadirector status` shows.
 */
final class PrometheusText {
    private final StringBuilder sb = new StringBuilder();
    private String family;

    private PrometheusText() {}

    static String render(List<InstanceStatus> vrrp, HealthStatus health, StatusReport.Table table, TableDump dump) {
        return render(vrrp, health, table, dump, List.of());
    }

    static String render(
            List<InstanceStatus> vrrp,
            HealthStatus health,
            StatusReport.Table table,
            TableDump dump,
            List<Parts.Part> parts) {
        PrometheusText p = new PrometheusText();
        if (!parts.isEmpty()) {
            p.family(
                    "hadirector_part_up",
                    "gauge",
                    "1 while the part runs (a VRRP instance, the dataplane, the checks)");
            parts.forEach(x -> p.sample("hadirector_part_up", x.up() ? 1 : 0, "part", x.name()));
            p.family("hadirector_part_failures_total", "counter", "times the part went down");
            parts.forEach(x -> p.sample("hadirector_part_failures_total", x.failures(), "part", x.name()));
        }
        p.vrrp(vrrp);
        if (health != null) {
            p.health(health);
        }
        if (table != null) {
            p.table(table);
        }
        if (dump != null) {
            p.dump(dump);
        }
        return p.sb.toString();
    }

    /** The notify FIFOs' lines: written, and dropped because the FIFO was full (nobody reading). */
    static String notifyFifos(List<NotifyFifos.Count> counts) {
        if (counts.isEmpty()) {
            return "";
        }
        PrometheusText p = new PrometheusText();
        p.family(
                "hadirector_notify_fifo_lines_total",
                "counter",
                "lines written to a notify FIFO, or dropped because it was full (nobody reading)");
        for (NotifyFifos.Count c : counts) {
            p.sample("hadirector_notify_fifo_lines_total", c.written(), "fifo", c.fifo(), "result", "written");
            p.sample("hadirector_notify_fifo_lines_total", c.dropped(), "fifo", c.fifo(), "result", "dropped");
        }
        return p.sb.toString();
    }

    /** Log lines the daemon's queue dropped (its output slower than the events); none under an operator's logback file. */
    static String logDropped(long dropped) {
        if (dropped < 0) {
            return "";
        }
        PrometheusText p = new PrometheusText();
        p.family(
                "hadirector_log_lines_dropped_total",
                "counter",
                "log lines dropped because the log's output was slower than the events (each gap is also logged)");
        p.sample("hadirector_log_lines_dropped_total", dropped);
        return p.sb.toString();
    }

    /** smtp_alert's mails: sent (the server took it), failed, dropped (the queue was full); none without mail. */
    static String smtpAlerts(SmtpAlertSender.Counts c) {
        if (c == null) {
            return "";
        }
        PrometheusText p = new PrometheusText();
        p.family(
                "hadirector_smtp_alerts_total",
                "counter",
                "smtp_alert mails: sent (the SMTP server took it), failed, or dropped (too many waiting)");
        p.sample("hadirector_smtp_alerts_total", c.sent(), "result", "sent");
        p.sample("hadirector_smtp_alerts_total", c.failed(), "result", "failed");
        p.sample("hadirector_smtp_alerts_total", c.dropped(), "result", "dropped");
        return p.sb.toString();
    }

    private void vrrp(List<InstanceStatus> all) {
        family("hadirector_vrrp_state", "gauge", "1 for the state the VRRP instance is in");
        for (InstanceStatus s : all) {
            for (VrrpState st : VrrpState.values()) {
                sample("hadirector_vrrp_state", s.state() == st ? 1 : 0, "instance", s.name(), "state", st.name());
            }
        }
        family("hadirector_vrrp_priority", "gauge", "effective priority (base plus trackers)");
        all.forEach(s -> sample("hadirector_vrrp_priority", s.priority(), "instance", s.name()));
        family("hadirector_vrrp_transitions_total", "counter", "state transitions since start");
        all.forEach(s -> sample("hadirector_vrrp_transitions_total", s.transitions(), "instance", s.name()));
        family("hadirector_vrrp_adverts_sent_total", "counter", "advertisements sent");
        all.forEach(s -> sample("hadirector_vrrp_adverts_sent_total", s.advertsSent(), "instance", s.name()));
        family("hadirector_vrrp_adverts_received_total", "counter", "advertisements received and accepted");
        all.forEach(s -> sample("hadirector_vrrp_adverts_received_total", s.advertsReceived(), "instance", s.name()));
        family("hadirector_vrrp_adverts_dropped_total", "counter", "packets dropped, by reason");
        for (InstanceStatus s : all) {
            for (InstanceStatus.DropCount d : s.drops()) {
                sample("hadirector_vrrp_adverts_dropped_total", d.count(), "instance", s.name(), "reason", d.reason());
            }
        }
    }

    private void health(HealthStatus h) {
        family("hadirector_real_server_up", "gauge", "1 while every checker of the real server passes");
        each(
                h,
                (svc, rs) -> sample(
                        "hadirector_real_server_up",
                        rs.alive() ? 1 : 0,
                        "service",
                        svc.name().toString(),
                        "server",
                        rs.name().toString()));
        family("hadirector_real_server_weight", "gauge", "the weight the checks give the real server");
        each(
                h,
                (svc, rs) -> sample(
                        "hadirector_real_server_weight",
                        rs.weight(),
                        "service",
                        svc.name().toString(),
                        "server",
                        rs.name().toString()));
        family("hadirector_check_up", "gauge", "1 while the checker passes");
        checkers(h, (svc, rs, c) -> sample("hadirector_check_up", c.up() ? 1 : 0, labels(svc, rs, c)));
        family("hadirector_check_runs_total", "counter", "checks run");
        checkers(h, (svc, rs, c) -> sample("hadirector_check_runs_total", c.runs(), labels(svc, rs, c)));
        family("hadirector_check_failures", "gauge", "failures in a row");
        checkers(h, (svc, rs, c) -> sample("hadirector_check_failures", c.failures(), labels(svc, rs, c)));
        family("hadirector_check_last_duration_seconds", "gauge", "how long the last check took");
        checkers(
                h,
                (svc, rs, c) -> sample(
                        "hadirector_check_last_duration_seconds", c.lastDurationMicros() / 1e6, labels(svc, rs, c)));
        family("hadirector_service_quorum", "gauge", "1 while the virtual server has its quorum");
        h.services()
                .forEach(s -> sample(
                        "hadirector_service_quorum",
                        s.quorum() ? 1 : 0,
                        "service",
                        s.name().toString()));
        HealthStatus.Scheduler q = h.scheduler();
        family("hadirector_checks_in_flight", "gauge", "checks running now");
        sample("hadirector_checks_in_flight", q.inFlight());
        family("hadirector_checks_lateness_p99_seconds", "gauge", "99th percentile of how late checks started");
        sample("hadirector_checks_lateness_p99_seconds", q.lateP99Millis() / 1e3);
    }

    private static String[] labels(HealthStatus.Service svc, HealthStatus.Server rs, HealthStatus.Checker c) {
        return new String[] {
            "service", svc.name().toString(), "server", rs.name().toString(), "check", c.check()
        };
    }

    private void announce(StatusReport.Announce a) {
        family(
                "hadirector_vip_announced",
                "gauge",
                "1 while the VIP is on the announcement interface (@hadirector announce)");
        a.vips().forEach((vip, on) -> sample("hadirector_vip_announced", on ? 1 : 0, "vip", vip));
        StatusReport.Bird b = a.bird();
        if (b == null) {
            return;
        }
        family("hadirector_bird_read_age_seconds", "gauge", "how long ago BIRD's state was last read");
        sample("hadirector_bird_read_age_seconds", b.ageMillis() / 1000.0);
        family("hadirector_bird_read_errors_total", "counter", "reads of BIRD's control socket that failed");
        sample("hadirector_bird_read_errors_total", b.errors());
        family("hadirector_bgp_session_up", "gauge", "1 while BIRD's BGP session is Established");
        b.sessions().forEach(s -> sample("hadirector_bgp_session_up", s.established() ? 1 : 0, "protocol", s.name()));
        family("hadirector_vip_exported", "gauge", "1 while BIRD exports the VIP on the session");
        for (String vip : a.vips().keySet()) {
            String net = vip + (vip.contains(":") ? "/128" : "/32");
            b.sessions()
                    .forEach(s -> sample(
                            "hadirector_vip_exported",
                            s.established() && s.exported().contains(net) ? 1 : 0,
                            "vip",
                            vip,
                            "protocol",
                            s.name()));
        }
    }

    private void table(StatusReport.Table t) {
        if (t.announce() != null) {
            announce(t.announce());
        }
        family("hadirector_table_operations_total", "counter", "table operations applied to the dataplane");
        sample("hadirector_table_operations_total", t.opsApplied(), "result", "applied");
        sample("hadirector_table_operations_total", t.opsFailed(), "result", "failed");
        family("hadirector_sync_messages_total", "counter", "connection sync messages");
        sample("hadirector_sync_messages_total", t.syncMessagesSent(), "direction", "sent");
        sample("hadirector_sync_messages_total", t.syncMessagesReceived(), "direction", "received");
        family("hadirector_sync_master", "gauge", "1 while this director sends connections (sync master)");
        sample("hadirector_sync_master", t.syncRole().equals("master") ? 1 : 0);
        StatusReport.Forwarder f = t.forwarder();
        if (f != null) {
            family("hadirector_dr_forwarded_total", "counter", "frames the userspace forwarder sent to a real server");
            sample("hadirector_dr_forwarded_total", f.forwarded());
            family("hadirector_dr_dropped_total", "counter", "frames the userspace forwarder dropped, by reason");
            f.dropped().forEach((reason, n) -> sample("hadirector_dr_dropped_total", n, "reason", reason));
            family("hadirector_dr_ring_dropped_total", "counter", "frames the kernel dropped for want of ring space");
            sample("hadirector_dr_ring_dropped_total", f.ringDropped());
            family("hadirector_dr_connections", "gauge", "connections and templates in the forwarder's table");
            sample("hadirector_dr_connections", f.connections());
            family("hadirector_dr_synced_connections_total", "counter", "connections received from the sync master");
            sample("hadirector_dr_synced_connections_total", f.syncedInstalled(), "result", "installed");
            sample("hadirector_dr_synced_connections_total", f.syncedUnknown(), "result", "unknown");
            sample("hadirector_dr_synced_connections_total", f.syncedOverCap(), "result", "dropped_cap");
            sample("hadirector_dr_synced_connections_total", f.syncedShed(), "result", "dropped_backlog");
            family("hadirector_dr_connection_limit", "gauge", "the most connections and templates the table holds");
            sample("hadirector_dr_connection_limit", f.connectionLimit());
            family(
                    "hadirector_dr_half_open_evicted_total",
                    "counter",
                    "half-open connections that gave way to new flows while the table was full");
            sample("hadirector_dr_half_open_evicted_total", f.halfOpenEvicted());
            family("hadirector_dr_reattached_total", "counter", "times the forwarder re-opened its interface");
            sample("hadirector_dr_reattached_total", f.restarts());
            family("hadirector_dr_link_down_total", "counter", "times the forwarder's link went down");
            sample("hadirector_dr_link_down_total", f.linkDowns());
            family(
                    "hadirector_dr_mid_flow_connections_total",
                    "counter",
                    "TCP connections made from a segment other than a SYN (sloppy_tcp: flows another director"
                            + " started), by who placed them");
            sample("hadirector_dr_mid_flow_connections_total", f.midFlow() - f.midFlowPlaced(), "by", "forwarder");
            sample("hadirector_dr_mid_flow_connections_total", f.midFlowPlaced(), "by", "xdp");
            if (!f.program().isEmpty()) {
                family(
                        "hadirector_xdp_frames_total",
                        "counter",
                        "frames the XDP program handled, by what it did: tx forwarded by the connection map, "
                                + "placed forwarded by its Maglev table, pass_* left to the forwarder or the stack");
                f.program().forEach((action, n) -> sample("hadirector_xdp_frames_total", n, "action", action));
            }
        }
    }

    private void dump(TableDump d) {
        String[][] counters = {
            {"connections", "connections scheduled"},
            {"in_packets", "packets in"},
            {"out_packets", "packets out (0 with DR: replies go straight to the client)"},
            {"in_bytes", "bytes in"},
            {"out_bytes", "bytes out"}
        };
        for (int i = 0; i < counters.length; i++) {
            String name = "hadirector_service_" + counters[i][0] + "_total";
            family(name, "counter", counters[i][1] + ", per virtual service");
            for (TableDump.ServiceDump s : d.services()) {
                sample(
                        name,
                        stat(s.stats(), i),
                        "service",
                        s.service().key().id().toString());
            }
            String rsName = "hadirector_real_server_" + counters[i][0] + "_total";
            family(rsName, "counter", counters[i][1] + ", per real server");
            for (TableDump.ServiceDump s : d.services()) {
                for (TableDump.DestinationDump x : s.destinations()) {
                    sample(
                            rsName,
                            stat(x.stats(), i),
                            "service",
                            s.service().key().id().toString(),
                            "server",
                            x.destination().id().toString());
                }
            }
        }
        family("hadirector_real_server_connections", "gauge", "connections now, by IPVS's active / inactive count");
        for (TableDump.ServiceDump s : d.services()) {
            for (TableDump.DestinationDump x : s.destinations()) {
                String rs = x.destination().id().toString();
                sample(
                        "hadirector_real_server_connections",
                        x.activeConnections(),
                        "service",
                        s.service().key().id().toString(),
                        "server",
                        rs,
                        "state",
                        "active");
                sample(
                        "hadirector_real_server_connections",
                        x.inactiveConnections(),
                        "service",
                        s.service().key().id().toString(),
                        "server",
                        rs,
                        "state",
                        "inactive");
            }
        }
    }

    private static long stat(org.hadirector.ipvs.Stats s, int i) {
        return switch (i) {
            case 0 -> s.connections();
            case 1 -> s.inPackets();
            case 2 -> s.outPackets();
            case 3 -> s.inBytes();
            default -> s.outBytes();
        };
    }

    private interface ServerVisitor {
        void visit(HealthStatus.Service s, HealthStatus.Server r);
    }

    private interface CheckerVisitor {
        void visit(HealthStatus.Service s, HealthStatus.Server r, HealthStatus.Checker c);
    }

    private static void each(HealthStatus h, ServerVisitor v) {
        h.services().forEach(s -> s.servers().forEach(r -> v.visit(s, r)));
    }

    private static void checkers(HealthStatus h, CheckerVisitor v) {
        h.services().forEach(s -> s.servers().forEach(r -> r.checkers().forEach(c -> v.visit(s, r, c))));
    }

    private void family(String name, String type, String help) {
        family = name;
        sb.append("# HELP ")
                .append(name)
                .append(' ')
                .append(help.replace("\\", "\\\\").replace("\n", "\\n"))
                .append('\n');
        sb.append("# TYPE ").append(name).append(' ').append(type).append('\n');
    }

    private void sample(String name, double value, String... labels) {
        if (!name.equals(family)) {
            throw new IllegalStateException(name + " outside its family " + family);
        }
        sb.append(name);
        if (labels.length > 0) {
            sb.append('{');
            for (int i = 0; i < labels.length; i += 2) {
                if (i > 0) {
                    sb.append(',');
                }
                sb.append(labels[i]).append("=\"").append(escape(labels[i + 1])).append('"');
            }
            sb.append('}');
        }
        sb.append(' ');
        if (value == Math.rint(value) && Math.abs(value) < 1e15) {
            sb.append((long) value);
        } else {
            sb.append(String.format(Locale.ROOT, "%s", value));
        }
        sb.append('\n');
    }

    static String escape(String v) {
        return v.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n");
    }
}
