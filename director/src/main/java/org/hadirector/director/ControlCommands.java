package org.hadirector.director;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.hadirector.healthcheck.HealthCheckService;
import org.hadirector.healthcheck.HealthStatus;
import org.hadirector.ipvs.ConnectionCursor;
import org.hadirector.ipvs.DataplaneException;
import org.hadirector.ipvs.Forwarder;
import org.hadirector.ipvs.ForwarderCounters;
import org.hadirector.vrrp.InstanceStatus;
import org.hadirector.vrrp.VrrpInstanceRuntime;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the control socket understands. Every request is parsed in full before anything is done,
 * and only a complete, valid action changes state; anything else gets one error line.
 */
final class ControlCommands {
    private static final Logger LOG = LoggerFactory.getLogger(ControlCommands.class);
    static final String KNOWN = "status, status json, ipvs -L -n [--stats|--rate|-c], vrrp demote|promote NAME, "
            + "real-server drain|enable VS RS, announce withdraw|resume";

    private final Director director;

    ControlCommands(Director director) {
        this.director = director;
    }

    /** The answer to one request: a connection listing is streamed, anything else is one text. */
    ControlAnswer answer(String request) {
        String[] w = request.strip().split("\\s+");
        if (w[0].equals("ipvs")) {
            return ipvs(w);
        }
        return ControlAnswer.text(text(w, request));
    }

    private String text(String[] w, String request) {
        switch (w[0]) {
            case "status" -> {
                if (w.length == 1 || w.length == 2 && w[1].equals("json")) {
                    return status(w.length == 2);
                }
            }
            case "vrrp" -> {
                if (w.length == 3 && (w[1].equals("demote") || w[1].equals("promote"))) {
                    return vrrp(w[1], w[2]);
                }
                return "error: usage: vrrp demote NAME | vrrp promote NAME\n";
            }
            case "real-server" -> {
                if ((w.length == 4 || w.length == 5) && (w[1].equals("drain") || w[1].equals("enable"))) {
                    String vs = w.length == 5 ? w[2] + " " + w[3] : w[2];
                    return realServer(w[1].equals("drain"), vs, w[w.length - 1]);
                }
                return "error: usage: real-server drain|enable VS RS (e.g. 198.18.0.100:80 198.18.0.21:80)\n";
            }
            case "announce" -> {
                if (w.length == 2 && (w[1].equals("withdraw") || w[1].equals("resume"))) {
                    return announce(w[1].equals("withdraw"));
                }
                return "error: usage: announce withdraw | announce resume\n";
            }
            case "fault-inject" -> {
                if (w.length >= 2) {
                    return faultInject(List.of(w).subList(1, w.length));
                }
            }
            default -> {}
        }
        return "error: unknown command '" + shown(request) + "'; known: " + KNOWN + "\n";
    }

    /** Set in the environment of a daemon that lab/drill may break on purpose; never in production. */
    static final String FAULT_INJECTION_ENV = "HADIRECTOR_FAULT_INJECTION";

    /**
     * The part-death drill's lever: makes a part fail as a real fault would (an exception on its
     * own thread, or an Error), so that supervision is tested on the real process. Refused unless
     * the daemon was started with HADIRECTOR_FAULT_INJECTION=1.
     */
    private String faultInject(List<String> w) {
        if (!"1".equals(System.getenv(FAULT_INJECTION_ENV))) {
            return "error: fault injection is off (the daemon runs without " + FAULT_INJECTION_ENV + "=1)\n";
        }
        String what = String.join(" ", w);
        if (what.equals("dataplane") || what.equals("dataplane error")) {
            TableKeeper t = director.table();
            Forwarder fw = t == null ? null : t.dataplane().forwarder().orElse(null);
            if (fw == null) {
                return "error: fault-inject dataplane needs the userspace forwarder\n";
            }
            fw.injectFailure(what.endsWith("error"));
            LOG.warn("fault-inject: {}", what);
            return "ok\n";
        }
        if (what.equals("table") || what.equals("checks")) {
            TableKeeper t = director.table();
            HealthCheckService c = director.checks();
            if (t == null || c == null) {
                return "error: fault-inject " + what + " needs virtual servers and their checks\n";
            }
            if (what.equals("table")) {
                t.injectFailure();
            } else {
                c.injectFailure();
            }
            LOG.warn("fault-inject: {}", what);
            return "ok\n";
        }
        if (w.size() == 2 && w.get(0).equals("vrrp")) {
            for (VrrpInstanceRuntime r : director.runtimes) {
                if (r.name().equals(w.get(1))) {
                    r.injectFailure();
                    LOG.warn("fault-inject: {}", what);
                    return "ok\n";
                }
            }
            return "error: no vrrp_instance " + shown(w.get(1)) + "\n";
        }
        return "error: usage: fault-inject dataplane [error] | fault-inject table | fault-inject checks"
                + " | fault-inject vrrp NAME\n";
    }

    static String shown(String s) {
        String t = s.length() > 60 ? s.substring(0, 60) + "..." : s;
        return t.replaceAll("\\p{Cntrl}", "?");
    }

    /** What `status` and the metrics show; {@code health} is null when the checks did not answer. */
    record Snapshot(List<InstanceStatus> vrrp, HealthStatus health, StatusReport.Table table, List<Parts.Part> parts) {
        Snapshot(List<InstanceStatus> vrrp, HealthStatus health, StatusReport.Table table) {
            this(vrrp, health, table, List.of());
        }
    }

    Snapshot snapshot() {
        List<InstanceStatus> all = new ArrayList<>();
        java.util.Map<String, String> silent = new java.util.HashMap<>();
        for (VrrpInstanceRuntime r : director.runtimes) {
            InstanceStatus s = r.status(1000);
            if (s != null) {
                all.add(s);
            } else {
                silent.put("vrrp " + r.name(), "does not answer within 1 s");
            }
        }
        HealthStatus health = director.healthStatus(1000);
        if (director.runsChecks() && health == null) {
            silent.put("checks", "do not answer within 1 s");
        }
        TableKeeper keeper = director.table();
        if (keeper != null && !keeper.answers(1000)) {
            silent.put("table", "does not answer within 1 s");
        }
        // A part that does not answer is shown down, never left out.
        List<Parts.Part> parts = new ArrayList<>();
        for (Parts.Part p : director.parts.all()) {
            String quiet = silent.get(p.name());
            parts.add(quiet != null && p.up() ? new Parts.Part(p.name(), false, quiet, p.failures()) : p);
        }
        StatusReport.Table table = null;
        TableKeeper t = director.table();
        if (t != null) {
            SyncRole sync = director.sync();
            long[] sc = sync == null ? new long[2] : sync.counters();
            StatusReport.Forwarder fw = null;
            Forwarder forwarder = t.dataplane().forwarder().orElse(null);
            if (forwarder != null) {
                try {
                    ForwarderCounters c = forwarder.counters();
                    fw = new StatusReport.Forwarder(
                            c.forwarded(),
                            new java.util.TreeMap<>(c.dropped()),
                            c.ringDropped(),
                            c.connections(),
                            c.syncedInstalled(),
                            c.syncedUnknown(),
                            c.syncedOverCap(),
                            c.syncedShed(),
                            c.connectionLimit(),
                            c.evicted(),
                            c.restarts(),
                            c.linkDowns(),
                            c.midFlow(),
                            c.midFlowPlaced(),
                            c.program());
                } catch (DataplaneException e) {
                    LOG.warn("status: cannot read the forwarder's counters: {}", e.getMessage());
                }
            }
            table = new StatusReport.Table(
                    t.dataplane().name(),
                    t.opsApplied(),
                    t.opsFailed(),
                    sync == null ? "none" : sync.role(),
                    sc[0],
                    sc[1],
                    fw,
                    announce(director));
        }
        return new Snapshot(all, health, table, parts);
    }

    /**
     * announce withdraw: every announced VIP off the announcement interface, so BIRD withdraws
     * them and the routers send their flows to the other directors (graceful scale-in; the
     * client then waits until that shows); announce resume takes it back.
     */
    private String announce(boolean withdraw) {
        Announcer a = director.announcer();
        if (a == null) {
            return "error: nothing is announced here (no virtual_server has @hadirector announce)\n";
        }
        if (withdraw) {
            a.withdraw("operator: announce withdraw");
        } else {
            a.resume("operator: announce resume");
        }
        LOG.info("announce: {} by the operator", withdraw ? "withdraw" : "resume");
        return "ok: " + (withdraw ? "withdrawn" : "announcing what has quorum") + "; on " + a.interfaceName() + ": "
                + (a.announced().isEmpty()
                        ? "nothing"
                        : String.join(
                                ", ",
                                a.announced().stream()
                                        .map(org.hadirector.sys.Addresses::format)
                                        .toList()))
                + "\n";
    }

    /** The announcement's part of status, or null when nothing is announced. */
    static StatusReport.Announce announce(Director director) {
        Announcer a = director.announcer();
        if (a == null) {
            return null;
        }
        java.util.Set<java.net.InetAddress> on = a.announced();
        java.util.Map<String, Boolean> vips = new java.util.LinkedHashMap<>();
        a.candidates().keySet().forEach(v -> vips.put(org.hadirector.sys.Addresses.format(v), on.contains(v)));
        StatusReport.Bird bird = null;
        org.hadirector.director.bird.BirdWatch w = director.bird();
        if (w != null) {
            org.hadirector.director.bird.BirdWatch.State s = w.state();
            bird = new StatusReport.Bird(
                    s.socket().toString(),
                    (System.nanoTime() - s.takenAtNanos()) / 1_000_000,
                    s.error(),
                    s.sessions(),
                    s.errors());
        }
        return new StatusReport.Announce(a.interfaceName(), vips, a.fault(), bird);
    }

    String status(boolean json) {
        Snapshot s = snapshot();
        return json
                ? StatusReport.json(s.vrrp(), s.health(), s.table(), s.parts())
                : StatusReport.text(s.vrrp(), s.health(), s.table(), s.parts());
    }

    /** Prometheus text: the status snapshot and the table's counters. */
    String metrics() {
        Snapshot s = snapshot();
        org.hadirector.ipvs.TableDump dump = null;
        TableKeeper t = director.table();
        if (t != null) {
            try {
                dump = t.dump();
            } catch (DataplaneException e) {
                LOG.warn("metrics: cannot read the table: {}", e.getMessage());
            }
        }
        return PrometheusText.render(s.vrrp(), s.health(), s.table(), dump, s.parts())
                + PrometheusText.notifyFifos(director.notifyFifoCounts())
                + PrometheusText.smtpAlerts(director.smtpAlertCounts())
                + PrometheusText.logDropped(DaemonLogging.droppedLines());
    }

    private ControlAnswer ipvs(String[] w) {
        IpvsListing listing;
        try {
            listing = IpvsListing.parse(List.of(w).subList(1, w.length));
        } catch (IllegalArgumentException e) {
            return ControlAnswer.text("error: ipvs: " + e.getMessage() + " (ipvs -L -n [--stats|--rate|-c])\n");
        }
        TableKeeper t = director.table();
        if (t == null) {
            return ControlAnswer.text("error: this daemon runs no DR table (no virtual_server, or -P)\n");
        }
        try {
            if (listing.connections()) {
                ConnectionCursor c = t.call(() -> t.dataplane().connections(ConnectionListing.PAGE));
                return new ConnectionListing(onTableThread(t, c));
            }
            return ControlAnswer.text(t.call(() -> listing.table(t.dataplane())));
        } catch (DataplaneException e) {
            return ControlAnswer.text("error: ipvs: " + e.getMessage() + "\n");
        }
    }

    /**
     * The cursor with each page read on the table thread, as the dataplane's other calls are: a
     * page at a time, so that the table's work goes on between the pages of a long listing.
     */
    private static ConnectionCursor onTableThread(TableKeeper t, ConnectionCursor c) {
        return new ConnectionCursor() {
            @Override
            public List<org.hadirector.ipvs.Connection> next() throws DataplaneException {
                return t.call(c::next);
            }

            @Override
            public void close() {
                c.close();
            }
        };
    }

    private String vrrp(String action, String name) {
        VrrpInstanceRuntime r = director.instance(name);
        if (r == null) {
            return "error: no vrrp_instance '" + shown(name) + "' (known: "
                    + String.join(
                            ", ",
                            director.runtimes.stream()
                                    .map(VrrpInstanceRuntime::name)
                                    .toList()) + ")\n";
        }
        LOG.info("{}: operator asks to {}", name, action);
        if (action.equals("demote")) {
            r.demote("operator: vrrp demote");
            return "ok: " + name + " demoted: a master sends priority 0 and becomes backup; it stays behind its peer "
                    + "until 'vrrp promote " + name + "'\n";
        }
        r.promote("operator: vrrp promote");
        return "ok: " + name + " promoted: it takes the master role now\n";
    }

    private String realServer(boolean drain, String vs, String rs) {
        TableKeeper t = director.table();
        if (t == null) {
            return "error: this daemon runs no DR table (no virtual_server, or -P)\n";
        }
        try {
            return t.drain(vs, rs, drain).get(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "error: interrupted\n";
        } catch (Exception e) {
            return "error: " + e.getMessage() + "\n";
        }
    }
}
