package org.hadirector.director;

import java.util.List;
import java.util.Map;
import org.hadirector.conf.ConfigJson;
import org.hadirector.director.bird.BirdWatch;
import org.hadirector.healthcheck.HealthStatus;
import org.hadirector.vrrp.InstanceStatus;

/** The answer to `status`: human text, or JSON for scripts. */
final class StatusReport {
    /** The status of every part that runs, for JSON rendering (a part not running is null). */
    record Report(
            List<InstanceStatus> vrrpInstances,
            HealthStatus healthChecks,
            Table table,
            List<Parts.Part> parts,
            List<String> down) {}

    /** The DR table's keeper and the connection sync, when they run. */
    record Table(
            String dataplane,
            long opsApplied,
            long opsFailed,
            String syncRole,
            long syncMessagesSent,
            long syncMessagesReceived,
            Forwarder forwarder,
            Announce announce) {}

    /**
     * {@code @hadirector announce}: the interface, each VIP it may carry and whether it is on it
     * now, why the interface does not hold what it should (null when it does), and BIRD's view.
     */
    record Announce(String interfaceName, Map<String, Boolean> vips, String fault, Bird bird) {}

    /** BIRD's sessions as last read, how long ago, and why the last read failed (null when it did not). */
    record Bird(String socket, long ageMillis, String error, List<BirdWatch.Session> sessions, long errors) {}

    /** The userspace forwarder's counters (null with kernel IPVS, whose counters ipvsadm shows). */
    record Forwarder(
            long forwarded,
            java.util.Map<String, Long> dropped,
            long ringDropped,
            int connections,
            long syncedInstalled,
            long syncedUnknown,
            long syncedOverCap,
            long syncedShed,
            int connectionLimit,
            long halfOpenEvicted,
            long restarts,
            long linkDowns,
            long midFlow,
            long midFlowPlaced,
            java.util.Map<String, Long> program) {}

    private StatusReport() {}

    private static void announce(StringBuilder sb, Announce a) {
        if (a == null) {
            return;
        }
        List<String> vips = a.vips().entrySet().stream()
                .map(e -> e.getKey() + (e.getValue() ? " announced" : " withdrawn"))
                .toList();
        sb.append("announce: ")
                .append(a.interfaceName())
                .append(": ")
                .append(vips.isEmpty() ? "no VIP" : String.join(", ", vips))
                .append(a.fault() == null ? "" : "; fault: " + a.fault())
                .append('\n');
        Bird b = a.bird();
        if (b == null) {
            return;
        }
        sb.append("bird: ").append(b.socket()).append(String.format(" read %.1f s ago", b.ageMillis() / 1000.0));
        if (b.error() != null) {
            sb.append("; failed: ").append(b.error());
        }
        sb.append('\n');
        for (BirdWatch.Session s : b.sessions()) {
            sb.append("  ")
                    .append(s.name())
                    .append(s.established() ? "  Established" : "  " + s.state() + "  " + s.info())
                    .append(
                            s.established()
                                    ? "  exports "
                                            + (s.exported().isEmpty() ? "nothing" : String.join(", ", s.exported()))
                                    : "")
                    .append('\n');
        }
    }

    static String text(List<InstanceStatus> all, HealthStatus health) {
        return text(all, health, null, List.of());
    }

    static String text(List<InstanceStatus> all, HealthStatus health, Table table) {
        return text(all, health, table, List.of());
    }

    /** The line `hadirector status` looks for to exit non-zero. */
    static final String PARTS_DOWN = "parts down: ";

    static String text(List<InstanceStatus> all, HealthStatus health, Table table, List<Parts.Part> parts) {
        StringBuilder sb = new StringBuilder();
        for (InstanceStatus s : all) {
            sb.append(String.format(
                    "%s  %s  priority %d (configured %d)  master %s  interface %s%n",
                    s.name(),
                    s.state(),
                    s.priority(),
                    s.basePriority(),
                    s.masterAddress() == null ? "-" : s.masterAddress(),
                    s.interfaceName()));
            sb.append("  VIPs: ").append(String.join(", ", s.vips())).append('\n');
            sb.append(String.format(
                    "  adverts sent %d, received %d; transitions %d%s%n",
                    s.advertsSent(),
                    s.advertsReceived(),
                    s.transitions(),
                    s.lastTransition().isEmpty() ? "" : ", last " + s.lastTransition()));
            sb.append("  dropped: ")
                    .append(
                            s.drops().isEmpty()
                                    ? "none"
                                    : String.join(
                                            ", ",
                                            s.drops().stream()
                                                    .map(d -> d.reason() + " " + d.count())
                                                    .toList()))
                    .append('\n');
        }
        if (health != null) {
            health(sb, health);
        }
        if (table != null) {
            sb.append(String.format(
                    "dataplane: %s; table operations %d applied, %d failed; connection sync: %s%n",
                    table.dataplane(),
                    table.opsApplied(),
                    table.opsFailed(),
                    table.syncRole().equals("none")
                            ? "off"
                            : table.syncRole() + " (messages sent " + table.syncMessagesSent() + ", received "
                                    + table.syncMessagesReceived() + ")"));
            announce(sb, table.announce());
            Forwarder f = table.forwarder();
            if (f != null) {
                sb.append(String.format(
                        "forwarder: %d frames forwarded, %d connections; dropped: %s; ring drops %d; "
                                + "synced connections installed %d (naming no known service or server %d, refused at the "
                                + "sync cap %d, dropped at the hand-off bound %d)%n",
                        f.forwarded(),
                        f.connections(),
                        f.dropped().isEmpty()
                                ? "none"
                                : String.join(
                                        ", ",
                                        f.dropped().entrySet().stream()
                                                .map(e -> e.getKey() + " " + e.getValue())
                                                .toList()),
                        f.ringDropped(),
                        f.syncedInstalled(),
                        f.syncedUnknown(),
                        f.syncedOverCap(),
                        f.syncedShed()));
                sb.append(String.format(
                        "  connection limit %d (half-open given way %d); re-attached %d times, "
                                + "link down %d times; TCP connections taken up mid-flow %d (placed by the XDP "
                                + "program %d)%n",
                        f.connectionLimit(),
                        f.halfOpenEvicted(),
                        f.restarts(),
                        f.linkDowns(),
                        f.midFlow(),
                        f.midFlowPlaced()));
                if (!f.program().isEmpty()) {
                    sb.append("  xdp program frames: ")
                            .append(String.join(
                                    ", ",
                                    f.program().entrySet().stream()
                                            .map(e -> e.getKey() + " " + e.getValue())
                                            .toList()))
                            .append('\n');
                }
            }
        }
        if (!parts.isEmpty()) {
            List<String> down = down(parts);
            sb.append(
                            down.isEmpty()
                                    ? "parts: all " + parts.size() + " up ("
                                            + String.join(
                                                    ", ",
                                                    parts.stream()
                                                            .map(Parts.Part::name)
                                                            .toList()) + ")"
                                    : PARTS_DOWN + String.join("; ", down))
                    .append('\n');
        }
        return sb.toString();
    }

    private static final java.util.regex.Pattern DOWN_FIELD =
            java.util.regex.Pattern.compile("\"down\"\\s*:\\s*\\[(\\s*\\])?");

    /** Whether a `status json` answer lists a part that is down (its "down" field is a non-empty list). */
    static boolean jsonHasPartsDown(String json) {
        java.util.regex.Matcher m = DOWN_FIELD.matcher(json);
        return m.find() && m.group(1) == null;
    }

    static List<String> down(List<Parts.Part> parts) {
        return parts.stream()
                .filter(p -> !p.up())
                .map(p -> p.name() + ": " + p.fault())
                .toList();
    }

    private static void health(StringBuilder sb, HealthStatus h) {
        for (HealthStatus.Service s : h.services()) {
            sb.append(String.format(
                    "%s  quorum %s  table: %s%n",
                    s.name(),
                    s.quorum() ? "up" : "down",
                    s.table().isEmpty()
                            ? "empty"
                            : String.join(
                                    ", ",
                                    s.table().stream()
                                            .map(e -> e.server() + " weight " + e.weight())
                                            .toList())));
            for (HealthStatus.Server r : s.servers()) {
                sb.append(String.format("  %s  %s  weight %d%n", r.name(), r.alive() ? "UP" : "DOWN", r.weight()));
                for (HealthStatus.Checker c : r.checkers()) {
                    String last = c.lastSuccess() == null
                            ? "not run yet"
                            : (c.lastSuccess() ? "ok" : "failed") + ": " + c.lastReason() + ", "
                                    + c.lastEndedMillisAgo() + " ms ago, took " + c.lastDurationMicros() / 1000.0
                                    + " ms";
                    sb.append(String.format(
                            "    %s  %s  failures %d  last %s%n",
                            c.check(), c.up() ? "up" : "down", c.failures(), last));
                }
            }
        }
        HealthStatus.Scheduler q = h.scheduler();
        sb.append(String.format(
                "probes run %d (identical checks share one), in flight %d (at most %d), waiting %d; lateness p50 <= %d ms, "
                        + "p99 <= %d ms, max %.1f ms%n",
                q.runs(),
                q.inFlight(),
                q.maxInFlight(),
                q.waiting(),
                q.lateP50Millis(),
                q.lateP99Millis(),
                q.lateMaxMillis()));
    }

    static String json(List<InstanceStatus> all, HealthStatus health) {
        return json(all, health, null, List.of());
    }

    static String json(List<InstanceStatus> all, HealthStatus health, Table table) {
        return json(all, health, table, List.of());
    }

    static String json(List<InstanceStatus> all, HealthStatus health, Table table, List<Parts.Part> parts) {
        return ConfigJson.render(new Report(all, health, table, parts, down(parts))) + "\n";
    }
}
