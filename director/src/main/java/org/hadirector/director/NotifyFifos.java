package org.hadirector.director;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.hadirector.conf.model.KeepalivedConfig;
import org.hadirector.conf.model.NotifyFifo;
import org.hadirector.conf.model.VirtualServer;
import org.hadirector.conf.model.VirtualServerKind;
import org.hadirector.healthcheck.HealthCheckService;
import org.hadirector.sys.RealServerId;
import org.hadirector.sys.ServiceId;
import org.hadirector.sys.Users;
import org.hadirector.vrrp.VrrpNotifications;
import org.hadirector.vrrp.VrrpState;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * global_defs' notify_fifo, vrrp_notify_fifo and lvs_notify_fifo: VRRP lines go to notify_fifo
 * and vrrp_notify_fifo, checker lines to notify_fifo and lvs_notify_fifo ({@link NotifyLines}).
 * keepalived's VRRP and checker processes each open notify_fifo and start its script; here one
 * process opens each FIFO once and runs each script once. A FIFO that cannot be made or opened is
 * logged and left out, as keepalived does; the daemon runs on. Writes never block (see
 * {@link org.hadirector.sys.NotifyFifo}), so the VRRP threads and the checks' loop call in directly.
 * One object for the daemon's life: a reload that changes the FIFOs closes the old ones and opens
 * the new (keepalived closes and reopens them at every reload); one that does not keeps them.
 */
final class NotifyFifos implements VrrpNotifications, HealthCheckService.Transitions, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(NotifyFifos.class);

    /**
     * One FIFO: its keyword, path, owner (null: ours), its script's argv (through setpriv for its
     * user; null for none) and which lines it takes.
     */
    record Spec(
            String keyword,
            String path,
            String user,
            String group,
            List<String> script,
            boolean vrrpLines,
            boolean checkerLines) {}

    /**
     * The FIFOs a plan opens, the protocol written for a fwmark service's real servers, and the
     * virtual_server_group named by each group's check pool (keepalived writes a group's virtual
     * server as {@code [NAME]:0}).
     */
    record Plan(List<Spec> fifos, Map<ServiceId, Integer> fwmarkProtocols, Map<ServiceId, String> groups) {
        static final Plan NONE = new Plan(List.of(), Map.of());

        Plan(List<Spec> fifos, Map<ServiceId, Integer> fwmarkProtocols) {
            this(fifos, fwmarkProtocols, Map.of());
        }

        /** With the groups' pools: each one's group name, and its protocol when it is named by a fwmark service. */
        Plan withGroups(Map<ServiceId, String> names, Map<ServiceId, Integer> protocols) {
            Map<ServiceId, Integer> all = new LinkedHashMap<>(fwmarkProtocols);
            all.putAll(protocols);
            return new Plan(fifos, Map.copyOf(all), Map.copyOf(names));
        }

        /**
         * The FIFOs of {@code c} for the parts that run: notify_fifo with either, vrrp_notify_fifo
         * with VRRP, lvs_notify_fifo with the checkers. The FIFO's owner is its own user (and that
         * user's group unless one is named), else script_user, as keepalived's default script
         * user; its script runs as its own user, else script_user, like every notify script.
         */
        static Plan of(KeepalivedConfig c, boolean vrrp, boolean checkers) {
            var g = c.globalDefs();
            List<Spec> out = new ArrayList<>();
            add(out, "notify_fifo", g.notifyFifo(), vrrp, checkers, g.scriptUser(), g.scriptGroup());
            add(out, "vrrp_notify_fifo", g.vrrpNotifyFifo(), vrrp, false, g.scriptUser(), g.scriptGroup());
            add(out, "lvs_notify_fifo", g.lvsNotifyFifo(), false, checkers, g.scriptUser(), g.scriptGroup());
            Map<ServiceId, Integer> protocols = new LinkedHashMap<>();
            if (checkers) {
                for (VirtualServer vs : c.virtualServers()) {
                    if (vs.kind() == VirtualServerKind.FWMARK) {
                        protocols.put(TableConfigMapper.serviceId(vs), fwmarkProtocol(vs));
                    }
                }
            }
            return new Plan(List.copyOf(out), Map.copyOf(protocols));
        }

        /** The protocol of {@code service}'s real servers' address trio (see {@link #protocolOf(ServiceId, Map)}). */
        int protocolOf(ServiceId service) {
            return protocolOf(service, fwmarkProtocols);
        }

        /**
         * The protocol written with a real server of {@code service}: the service's own, or for a
         * fwmark service the one its block names ({@code fwmarkProtocols}), 0 without one.
         */
        static int protocolOf(ServiceId service, Map<ServiceId, Integer> fwmarkProtocols) {
            return service.isFwmark() ? fwmarkProtocols.getOrDefault(service, 0) : service.protocol();
        }

        /** The IP protocol a fwmark service's real servers are written with; 0 (keepalived's "none") without one. */
        static int fwmarkProtocol(VirtualServer vs) {
            return vs.protocol() == null
                    ? 0
                    : switch (vs.protocol()) {
                        case TCP -> ServiceId.TCP;
                        case UDP -> ServiceId.UDP;
                        case SCTP -> ServiceId.SCTP;
                    };
        }

        private static void add(
                List<Spec> out,
                String keyword,
                NotifyFifo f,
                boolean vrrp,
                boolean checkers,
                String user,
                String group) {
            if (f == null || !(vrrp || checkers)) {
                return;
            }
            boolean own = f.user() != null;
            out.add(new Spec(
                    keyword,
                    f.path(),
                    own ? f.user() : user,
                    own ? f.group() : group,
                    CheckerConfigMapper.argv(f.script(), user, group),
                    vrrp,
                    checkers));
        }
    }

    /** What is open now, replaced whole at a reload; writers take one snapshot a line. */
    private record Open(Plan plan, List<org.hadirector.sys.NotifyFifo> vrrp, List<org.hadirector.sys.NotifyFifo> lvs) {
        static final Open NONE = new Open(Plan.NONE, List.of(), List.of());
    }

    private volatile Open open = Open.NONE;

    /** Opens the FIFOs of {@code plan}; none that fails stops the daemon. */
    static NotifyFifos open(Plan plan) {
        NotifyFifos f = new NotifyFifos();
        f.open = openAll(plan);
        return f;
    }

    private static Open openAll(Plan plan) {
        List<org.hadirector.sys.NotifyFifo> vrrp = new ArrayList<>();
        List<org.hadirector.sys.NotifyFifo> lvs = new ArrayList<>();
        for (Spec s : plan.fifos()) {
            try {
                org.hadirector.sys.NotifyFifo f = org.hadirector.sys.NotifyFifo.open(
                        s.keyword(), Path.of(s.path()), uid(s.user()), gid(s.user(), s.group()), s.script());
                if (s.vrrpLines()) {
                    vrrp.add(f);
                }
                if (s.checkerLines()) {
                    lvs.add(f);
                }
            } catch (IOException | RuntimeException e) {
                LOG.error("{}: not opened, no lines will be written to it: {}", s.keyword(), e.getMessage());
            }
        }
        return new Open(plan, List.copyOf(vrrp), List.copyOf(lvs));
    }

    private static int uid(String user) {
        Users.User u = user == null ? null : Users.user(user);
        return u == null ? -1 : u.uid();
    }

    private static int gid(String user, String group) {
        if (group != null) {
            Integer g = Users.group(group);
            return g == null ? -1 : g;
        }
        Users.User u = user == null ? null : Users.user(user);
        return u == null ? -1 : u.gid();
    }

    /** A reload: unchanged FIFOs stay open (their scripts running); else the old ones close and the new open. */
    synchronized void reload(Plan plan) {
        Open was = open;
        if (was.plan().fifos().equals(plan.fifos())) {
            open = new Open(plan, was.vrrp(), was.lvs());
            return;
        }
        closeAll(was);
        open = openAll(plan);
    }

    @Override
    public void instance(String instance, VrrpState state, int priority) {
        List<org.hadirector.sys.NotifyFifo> to = open.vrrp();
        if (!to.isEmpty()) {
            write(to, NotifyLines.instance(instance, state, priority));
        }
    }

    @Override
    public void deleted(String instance, int priority) {
        write(open.vrrp(), NotifyLines.deleted(instance, priority));
    }

    @Override
    public void masterRxLowerPri(String instance, int priority) {
        // one a lower-priority advert, at whatever rate they come: nothing is formatted without a FIFO
        List<org.hadirector.sys.NotifyFifo> to = open.vrrp();
        if (!to.isEmpty()) {
            write(to, NotifyLines.masterRxLowerPri(instance, priority));
        }
    }

    @Override
    public void priorityChanged(String instance, boolean master, int priority) {
        write(open.vrrp(), NotifyLines.priority(instance, master, priority));
    }

    @Override
    public void group(String group, VrrpState state) {
        write(open.vrrp(), NotifyLines.group(group, state));
    }

    @Override
    public void realServer(ServiceId service, RealServerId server, boolean up) {
        Open o = open;
        if (!o.lvs().isEmpty()) {
            int protocol = o.plan().protocolOf(service);
            String group = o.plan().groups().get(service);
            write(
                    o.lvs(),
                    group != null
                            ? NotifyLines.realServer(group, protocol, server, up)
                            : NotifyLines.realServer(service, protocol, server, up));
        }
    }

    /** A live real server a reload removed: ipwrapper.c's clear_service_rs writes its DOWN line. */
    @Override
    public void removed(ServiceId service, RealServerId server) {
        realServer(service, server, false);
    }

    /** init_service_vs's do_vs_notifies: the VS DOWN line of a virtual server starting without quorum. */
    @Override
    public void startedWithoutQuorum(ServiceId service, long aliveWeight) {
        quorum(service, false);
    }

    @Override
    public void quorum(ServiceId service, boolean up) {
        Open o = open;
        String group = o.plan().groups().get(service);
        write(o.lvs(), group != null ? NotifyLines.virtualServer(group, up) : NotifyLines.virtualServer(service, up));
    }

    private static void write(List<org.hadirector.sys.NotifyFifo> to, String line) {
        for (org.hadirector.sys.NotifyFifo f : to) {
            f.write(line);
        }
    }

    /** One open FIFO's lines written and dropped (full, or nobody reading), for /metrics. */
    record Count(String fifo, long written, long dropped) {}

    /** The open FIFOs' counts, each FIFO once (notify_fifo carries both parts' lines). */
    List<Count> counts() {
        Open o = open;
        List<Count> out = new ArrayList<>();
        for (org.hadirector.sys.NotifyFifo f : new java.util.LinkedHashSet<>(concat(o.vrrp(), o.lvs()))) {
            out.add(new Count(f.name(), f.written(), f.dropped()));
        }
        return out;
    }

    @Override
    public synchronized void close() {
        closeAll(open);
        open = Open.NONE;
    }

    private static void closeAll(Open o) {
        // notify_fifo is in both lists: closed once.
        new java.util.LinkedHashSet<>(concat(o.vrrp(), o.lvs())).forEach(org.hadirector.sys.NotifyFifo::close);
    }

    private static List<org.hadirector.sys.NotifyFifo> concat(
            List<org.hadirector.sys.NotifyFifo> a, List<org.hadirector.sys.NotifyFifo> b) {
        List<org.hadirector.sys.NotifyFifo> out = new ArrayList<>(a);
        out.addAll(b);
        return out;
    }
}
