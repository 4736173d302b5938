package org.hadirector.director;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.hadirector.conf.Unbuilt;
import org.hadirector.conf.model.KeepalivedConfig;
import org.hadirector.conf.model.LvsSyncDaemon;
import org.hadirector.conf.model.LvsTimeouts;
import org.hadirector.conf.model.TrackFile;
import org.hadirector.conf.model.VirtualIpAddress;
import org.hadirector.conf.model.VirtualServer;
import org.hadirector.conf.model.VirtualServerKind;
import org.hadirector.conf.model.VrrpInstance;
import org.hadirector.conf.model.VrrpSyncGroup;
import org.hadirector.healthcheck.ServiceSpec;
import org.hadirector.ipvs.sync.SyncSettings;
import org.hadirector.sys.ServiceId;
import org.hadirector.vrrp.InstanceConfig;
import org.hadirector.vrrp.NotifyScripts;

/**
 * Everything the daemon will run, decided once from the configuration and the mode (-P / -C):
 * pure, no host access. The {@link Director} runs a plan and a reload applies the
 * {@link PlanDiff} between two plans; nothing consults the configuration again at run time
 * (which instance drives the sync role, whose transitions suspend which checks, which instances
 * depend on the dataplane are answered here, not by rescanning virtual servers on a VRRP thread).
 *
 * @param instances the vrrp_instances to run, in the file's order (none with -C)
 * @param table the services of the DR table (none with -P, or without virtual servers)
 * @param checks the check pools, one per virtual server, in the same order
 * @param sync the sync role, or null
 * @param haSuspendOwner for each ha_suspend service, the instance whose VIP it is
 * @param tableInstances the instances holding a virtual server's address: FAULT while the dataplane cannot forward
 * @param syncGroups the vrrp_sync_groups, each with the members this plan runs
 * @param vipInterfaces for each table service whose address is a VIP, the interface it goes on
 * @param flushAtStart lvs_flush: the whole table is flushed before the plan's services go in
 * @param initFiles the track_files with an init_file value, written at start and at each reload
 * @param notifyFifos the notify FIFOs to open for the parts that run
 * @param smtpAlerts who sends smtp_alert mail, and where to
 * @param warnings what the plan ignores, and why, for the log
 * @param announce {@code @hadirector announce}: the VIPs announced over BIRD, or null
 * @param sloppyTcp {@code @hadirector sloppy_tcp}: the table's dataplane schedules a TCP flow's first
 *     segment seen, not only a SYN (the kernel's net.ipv4.vs.sloppy_tcp)
 */
record DirectorPlan(
        boolean runsVrrp,
        boolean runsCheckers,
        List<InstancePlan> instances,
        List<TableConfigMapper.ServicePlan> table,
        List<ServiceSpec> checks,
        SyncPlan sync,
        Map<ServiceId, String> haSuspendOwner,
        Set<String> tableInstances,
        LvsTimeouts timeouts,
        List<SyncGroupPlan> syncGroups,
        Map<ServiceId, String> vipInterfaces,
        boolean flushAtStart,
        List<TrackFile> initFiles,
        NotifyFifos.Plan notifyFifos,
        SmtpAlertPlan smtpAlerts,
        List<String> warnings,
        boolean sloppyTcp,
        AnnouncePlan announce) {

    /** The announcement interface's name, the default of {@code @hadirector announce_interface}. */
    static final String ANNOUNCE_INTERFACE = "hd-announce";

    /**
     * {@code @hadirector announce}: the interface the announced VIPs go on (BIRD's {@code protocol
     * direct} exports it) and the VIPs of each announced check pool.
     */
    record AnnouncePlan(
            String interfaceName,
            Map<ServiceId, List<java.net.InetAddress>> vipsByPool,
            java.nio.file.Path birdSocket,
            List<String> birdProtocols) {}

    /** BIRD's control socket with Debian's unit, the default of {@code @hadirector bird_socket}. */
    static final String BIRD_SOCKET = "/run/bird/bird.ctl";

    /**
     * What keeps a file from running, one message each: the features it uses that are not built
     * ({@link Unbuilt}, for the parts this mode runs), then what the parts cannot run. Thrown by
     * {@link #compile}; the daemon prints each at --config-test, at start and at a reload.
     */
    static final class Refused extends IllegalArgumentException {
        private final List<String> reasons;

        Refused(List<String> reasons) {
            super(String.join("; ", reasons));
            this.reasons = List.copyOf(reasons);
        }

        List<String> reasons() {
            return reasons;
        }
    }

    /** A vrrp_sync_group: its notify scripts and the members that exist, in the file's order. */
    record SyncGroupPlan(String name, NotifyScripts notifies, List<String> members) {}

    /**
     * One vrrp_instance: what its runtime is built from, the sync group it joins (or null), and
     * its basis (what a reload compares to tell an unchanged instance).
     */
    record InstancePlan(
            String name,
            VrrpInstance block,
            InstanceConfig runtime,
            String syncGroup,
            boolean zeroWeights,
            VrrpReloadPlan.Basis basis,
            boolean notifyPriorityChanges) {}

    /** lvs_sync_daemon: the instance whose state it follows and the settings it runs with. */
    record SyncPlan(String instance, LvsSyncDaemon daemon, SyncSettings settings) {}

    /**
     * Everything that keeps {@code c} from running with VRRP ({@code vrrp}) and checkers
     * ({@code checkers}), one message each; empty when it can run. Pure: what needs the host
     * (users, scripts, interfaces) is checked apart.
     */
    static List<String> refusals(KeepalivedConfig c, boolean vrrp, boolean checkers) {
        List<String> out = new ArrayList<>();
        for (Unbuilt.Use u : Unbuilt.in(c)) {
            boolean runs = u.feature().part() == Unbuilt.Part.VRRP ? vrrp : checkers;
            if (runs) {
                out.add(u.message());
            }
        }
        if (vrrp) {
            out.addAll(VrrpConfigMapper.problems(c));
        }
        if (checkers) {
            out.addAll(CheckerConfigMapper.problems(c));
        }
        if (checkers) {
            out.addAll(announceProblems(c));
        }
        if (vrrp && checkers && !c.virtualServers().isEmpty()) {
            String sync = syncProblem(c);
            if (sync != null) {
                out.add(sync);
            }
        }
        return out;
    }

    /**
     * {@code @hadirector announce}: a virtual server announced needs an address (a fwmark has
     * none), and an announced VIP must not be a VRRP virtual_ipaddress too (two owners of one
     * address: VRRP would take it away from the director the routers still send it to).
     */
    static List<String> announceProblems(KeepalivedConfig c) {
        List<String> out = new ArrayList<>();
        String ifname = c.globalDefs().announceInterface();
        if (ifname != null && (ifname.isEmpty() || ifname.length() > 15 || !ifname.matches("[A-Za-z0-9_.:-]+"))) {
            out.add("@hadirector announce_interface '" + ifname
                    + "': an interface name is 1 to 15 letters, digits, '_', '.', ':' or '-'");
        }
        for (VirtualServer vs : c.virtualServers()) {
            if (!vs.announce()) {
                continue;
            }
            for (org.hadirector.ipvs.VirtualService s : TableConfigMapper.services(vs, c)) {
                if (s.key().isFwmark()) {
                    out.add(vs.displayName() + ": @hadirector announce needs an address to announce; "
                            + "a fwmark service has none");
                    break;
                }
                VrrpInstance owner = vipOwner(c, s.key().address());
                if (owner != null) {
                    out.add(vs.displayName() + ": @hadirector announce: "
                            + org.hadirector.sys.Addresses.format(s.key().address())
                            + " is a virtual_ipaddress of vrrp_instance " + owner.name()
                            + "; an announced VIP is held by every director at once, not by VRRP's master");
                }
            }
        }
        return out;
    }

    /**
     * What keeps announced virtual servers from choosing alike on every director: only mh and sh
     * give a flow the same real server wherever it lands, and both fill their tables in the
     * destinations' list order, which a removed and re-added real server changes (it goes to the
     * end, as in the kernel): directors whose real servers failed at different times then
     * disagree. inhibit_on_failure keeps every server in its place (weight 0 while down), and then
     * mh-fallback (sh-fallback) gives the failed server's flows to the next one instead of none.
     */
    static List<String> announceWarnings(KeepalivedConfig c) {
        List<String> out = new ArrayList<>();
        for (VirtualServer vs : c.virtualServers()) {
            if (!vs.announce()) {
                continue;
            }
            String sched = vs.lvsSched() == null ? "wlc" : vs.lvsSched();
            if (!sched.equals("mh") && !sched.equals("sh")) {
                out.add(vs.displayName() + ": announced with lb_algo " + sched
                        + ": a director that an ECMP change hands a flow chooses its real server afresh; "
                        + "mh (or sh) chooses the same one on every director");
                continue;
            }
            boolean inhibit = vs.realServers().stream().allMatch(rs -> rs.inhibitOnFailure() || vs.inhibitOnFailure());
            boolean fallback = vs.schedFlags().contains(sched + "-fallback")
                    || vs.schedFlags().contains("flag-1");
            if (!inhibit) {
                out.add(vs.displayName() + ": announced with " + sched + " without inhibit_on_failure: a real server "
                        + "that fails is removed and comes back at the end of the list, which " + sched
                        + "'s table follows, so directors whose servers failed at different times choose "
                        + "differently; inhibit_on_failure keeps each server in its place");
            } else if (!fallback) {
                out.add(vs.displayName() + ": announced with " + sched + " and inhibit_on_failure but without " + sched
                        + "-fallback: the flows of a failed real server get no server until it is back");
            }
        }
        return out;
    }

    private static VrrpInstance vipOwner(KeepalivedConfig c, java.net.InetAddress a) {
        for (VrrpInstance i : c.vrrpInstances()) {
            if (i.virtualIpaddresses().stream().anyMatch(v -> v.address().equals(a))
                    || i.virtualIpaddressesExcluded().stream()
                            .anyMatch(v -> v.address().equals(a))) {
                return i;
            }
        }
        return null;
    }

    /** The announced VIPs by check pool, or null when no virtual server is announced. */
    private static AnnouncePlan announce(KeepalivedConfig c, Set<ServiceId> running) {
        Map<ServiceId, List<java.net.InetAddress>> vips = new LinkedHashMap<>();
        for (VirtualServer vs : c.virtualServers()) {
            if (vs.announce()) {
                List<java.net.InetAddress> addresses = TableConfigMapper.services(vs, c).stream()
                        .map(s -> s.key().address())
                        .distinct()
                        .toList();
                vips.merge(TableConfigMapper.serviceId(vs, c, running), addresses, (a, b) -> {
                    List<java.net.InetAddress> both = new ArrayList<>(a);
                    b.stream().filter(x -> !both.contains(x)).forEach(both::add);
                    return both;
                });
            }
        }
        if (vips.isEmpty()) {
            return null;
        }
        String name = c.globalDefs().announceInterface();
        String socket = c.globalDefs().birdSocket();
        return new AnnouncePlan(
                name == null ? ANNOUNCE_INTERFACE : name,
                Map.copyOf(vips),
                java.nio.file.Path.of(socket == null ? BIRD_SOCKET : socket),
                c.globalDefs().birdProtocols());
    }

    /** The plan of {@code c} run with VRRP ({@code vrrp}) and checkers ({@code checkers}); throws {@link Refused}. */
    static DirectorPlan compile(KeepalivedConfig c, boolean vrrp, boolean checkers) {
        return compile(c, vrrp, checkers, null);
    }

    /**
     * As {@link #compile(KeepalivedConfig, boolean, boolean)}, for a reload of {@code running}: a
     * virtual_server_group's check pool keeps the name it runs under while that service is still in
     * the group, so that entries added or removed elsewhere in the group leave its checks running.
     */
    static DirectorPlan compile(KeepalivedConfig c, boolean vrrp, boolean checkers, DirectorPlan running) {
        Set<ServiceId> pools = running == null
                ? Set.of()
                : running.checks().stream().map(ServiceSpec::id).collect(java.util.stream.Collectors.toSet());
        List<String> refused = refusals(c, vrrp, checkers);
        if (!refused.isEmpty()) {
            throw new Refused(refused);
        }
        List<String> warnings = new ArrayList<>();
        List<InstancePlan> instances = new ArrayList<>();
        if (vrrp) {
            Map<String, String> groupOf = new LinkedHashMap<>();
            for (VrrpSyncGroup g : c.vrrpSyncGroups()) {
                for (String m : g.members()) {
                    groupOf.put(m, g.name());
                }
            }
            for (VrrpInstance i : c.vrrpInstances()) {
                String group = groupOf.get(i.name());
                boolean zero = group != null && VrrpConfigMapper.zeroWeights(i, c);
                if (zero
                        && (!i.trackScripts().isEmpty()
                                || !i.trackInterfaces().isEmpty()
                                || !i.trackFiles().isEmpty()
                                || !i.trackProcesses().isEmpty())) {
                    warnings.add(i.name() + ": in sync group " + group
                            + ", tracking weights are set to 0, as keepalived does "
                            + "(sync_group_tracking_weight keeps them)");
                }
                instances.add(new InstancePlan(
                        i.name(),
                        i,
                        VrrpConfigMapper.map(i, c),
                        group,
                        zero,
                        VrrpReloadPlan.Basis.of(i, c),
                        i.notifies().priorityChanges()));
            }
        }
        warnings.addAll(SmtpAlertPlan.warnings(c));
        if (checkers) {
            warnings.addAll(announceWarnings(c));
        }
        if ((c.globalDefs().birdSocket() != null
                        || !c.globalDefs().birdProtocols().isEmpty())
                && c.virtualServers().stream().noneMatch(VirtualServer::announce)) {
            warnings.add("@hadirector bird_socket / bird_protocols have no effect: no virtual_server is announced "
                    + "(@hadirector announce), so BIRD is not read");
        }
        boolean table = checkers && !c.virtualServers().isEmpty();
        List<TableConfigMapper.ServicePlan> services = table ? TableConfigMapper.map(c, pools) : List.of();
        List<ServiceSpec> checks = table ? CheckerConfigMapper.map(c, pools) : List.of();
        // the lvs notify FIFO names a group's pool by the group, as keepalived's format_vs does
        Map<ServiceId, String> groupNames = new LinkedHashMap<>();
        Map<ServiceId, Integer> groupProtocols = new LinkedHashMap<>();
        if (table) {
            for (VirtualServer vs : c.virtualServers()) {
                if (vs.kind() == VirtualServerKind.GROUP) {
                    ServiceId pool = TableConfigMapper.serviceId(vs, c, pools);
                    groupNames.put(pool, vs.group());
                    if (pool.isFwmark()) {
                        groupProtocols.put(pool, TableConfigMapper.protocolNumber(vs));
                    }
                }
            }
        }
        Map<ServiceId, String> haSuspendOwner = new LinkedHashMap<>();
        Set<String> tableInstances = new LinkedHashSet<>();
        SyncPlan sync = null;
        if (table && vrrp) {
            for (VirtualServer vs : c.virtualServers()) {
                VrrpInstance owner = owner(vs, c);
                if (owner != null) {
                    tableInstances.add(owner.name());
                }
                if (vs.haSuspend()) {
                    if (owner == null) {
                        warnings.add(vs.displayName()
                                + ": ha_suspend has no effect: its address is not a VIP of any vrrp_instance");
                    } else {
                        haSuspendOwner.put(TableConfigMapper.serviceId(vs, c, pools), owner.name());
                    }
                }
            }
            sync = sync(c);
        } else if (table) {
            if (syncDaemon(c) != null) {
                warnings.add(
                        "lvs_sync_daemon: not started with -C: the sync role follows a VRRP instance, which -C does not run");
            }
            for (VirtualServer vs : c.virtualServers()) {
                if (vs.haSuspend()) {
                    warnings.add(vs.displayName() + ": ha_suspend has no effect with -C (no VRRP instance runs here)");
                }
            }
        }
        return new DirectorPlan(
                vrrp,
                checkers,
                List.copyOf(instances),
                services,
                checks,
                sync,
                Map.copyOf(haSuspendOwner),
                Set.copyOf(tableInstances),
                c.globalDefs().lvsTimeouts(),
                vrrp ? syncGroups(c) : List.of(),
                table ? vipInterfaces(c, services) : Map.of(),
                table && c.globalDefs().lvsFlush(),
                vrrp || table
                        ? c.trackFiles().stream()
                                .filter(t -> t.initValue() != null)
                                .toList()
                        : List.of(),
                NotifyFifos.Plan.of(c, vrrp, checkers).withGroups(groupNames, groupProtocols),
                SmtpAlertPlan.of(c, vrrp, checkers, vs -> TableConfigMapper.serviceId(vs, c, pools)),
                List.copyOf(warnings),
                table && c.globalDefs().sloppyTcp(),
                table ? announce(c, pools) : null);
    }

    /**
     * A VIP's dev, else its instance's interface, for each address:port service whose address is a
     * VIP (each of a group's services too).
     */
    private static Map<ServiceId, String> vipInterfaces(
            KeepalivedConfig c, List<TableConfigMapper.ServicePlan> services) {
        Map<ServiceId, String> out = new LinkedHashMap<>();
        for (TableConfigMapper.ServicePlan p : services) {
            if (p.service().key().isFwmark()) {
                continue;
            }
            found:
            for (VrrpInstance i : c.vrrpInstances()) {
                for (List<VirtualIpAddress> list : List.of(i.virtualIpaddresses(), i.virtualIpaddressesExcluded())) {
                    for (VirtualIpAddress v : list) {
                        if (v.address().equals(p.service().key().address())) {
                            String ifname = v.dev() != null ? v.dev() : i.interfaceName();
                            if (ifname != null) {
                                out.put(p.id(), ifname);
                            }
                            break found;
                        }
                    }
                }
            }
        }
        return Map.copyOf(out);
    }

    private static List<SyncGroupPlan> syncGroups(KeepalivedConfig c) {
        String u = c.globalDefs().scriptUser();
        String g = c.globalDefs().scriptGroup();
        List<SyncGroupPlan> out = new ArrayList<>();
        for (VrrpSyncGroup sg : c.vrrpSyncGroups()) {
            var n = sg.notifies();
            out.add(new SyncGroupPlan(
                    sg.name(),
                    new NotifyScripts(
                            VrrpConfigMapper.cmd(n.master(), u, g),
                            VrrpConfigMapper.cmd(n.backup(), u, g),
                            VrrpConfigMapper.cmd(n.fault(), u, g),
                            VrrpConfigMapper.cmd(n.stop(), u, g),
                            VrrpConfigMapper.cmd(n.any(), u, g)),
                    sg.members().stream()
                            .filter(m -> c.vrrpInstances().stream()
                                    .anyMatch(i -> i.name().equals(m)))
                            .toList()));
        }
        return List.copyOf(out);
    }

    /** lvs_sync_daemon IF [inst VI]: the role follows VI, or the only instance; anything else cannot run. */
    private static SyncPlan sync(KeepalivedConfig c) {
        LvsSyncDaemon d = syncDaemon(c);
        if (d == null) {
            return null;
        }
        VrrpInstance inst = syncInstance(c, d);
        return new SyncPlan(inst.name(), d, SyncRole.settings(d, inst.virtualRouterId()));
    }

    /** Why lvs_sync_daemon cannot run, or null (also when there is none). */
    private static String syncProblem(KeepalivedConfig c) {
        LvsSyncDaemon d = syncDaemon(c);
        if (d == null || syncInstance(c, d) != null) {
            return null;
        }
        return "lvs_sync_daemon " + d.interfaceName() + ": "
                + (d.vrrpInstance() != null
                        ? "no vrrp_instance " + d.vrrpInstance()
                        : "name the vrrp_instance it follows (inst NAME): there are "
                                + c.vrrpInstances().size());
    }

    /**
     * global_defs' lvs_sync_daemon; else, as keepalived 1.x wrote it, the first vrrp_instance's
     * lvs_sync_daemon_interface IF, which keepalived 2.2.7 still takes (with a deprecation
     * error) as lvs_sync_daemon IF inst THAT_INSTANCE with the defaults; null when neither.
     */
    static LvsSyncDaemon syncDaemon(KeepalivedConfig c) {
        LvsSyncDaemon d = c.globalDefs().lvsSyncDaemon();
        if (d != null) {
            return d;
        }
        for (VrrpInstance i : c.vrrpInstances()) {
            if (i.lvsSyncDaemonInterface() != null) {
                return new LvsSyncDaemon(
                        i.lvsSyncDaemonInterface(),
                        i.name(),
                        null,
                        LEGACY_SYNC.maxlen(),
                        LEGACY_SYNC.port(),
                        LEGACY_SYNC.ttl(),
                        LEGACY_SYNC.group());
            }
        }
        return null;
    }

    /** lvs_sync_daemon's defaults (GlobalDefsReader's): maxlen 1472, port 8848, ttl 1, group 224.0.0.81. */
    private static final LvsSyncDaemon LEGACY_SYNC =
            new LvsSyncDaemon("", null, null, 1472, 8848, 1, org.hadirector.sys.Addresses.parse("224.0.0.81"));

    private static VrrpInstance syncInstance(KeepalivedConfig c, LvsSyncDaemon d) {
        VrrpInstance inst = null;
        if (d.vrrpInstance() != null) {
            inst = c.vrrpInstances().stream()
                    .filter(i -> i.name().equals(d.vrrpInstance()))
                    .findFirst()
                    .orElse(null);
        } else if (c.vrrpInstances().size() == 1) {
            inst = c.vrrpInstances().get(0);
        }
        return inst;
    }

    /**
     * The instance one of whose virtual_ipaddress (or _excluded) lines is the service's address, or
     * null; for a group, the instance holding the first of its addresses that is a VIP (a group's
     * addresses are normally one instance's VIPs). A fwmark service has no address, so no owner.
     */
    static VrrpInstance owner(VirtualServer vs, KeepalivedConfig c) {
        if (vs.kind() == VirtualServerKind.FWMARK) {
            return null;
        }
        List<java.net.InetAddress> addresses = vs.kind() == VirtualServerKind.ADDRESS
                ? List.of(vs.address())
                : TableConfigMapper.services(vs, c).stream()
                        .filter(x -> !x.key().isFwmark())
                        .map(x -> x.key().address())
                        .toList();
        for (java.net.InetAddress a : addresses) {
            for (VrrpInstance i : c.vrrpInstances()) {
                for (List<VirtualIpAddress> list : List.of(i.virtualIpaddresses(), i.virtualIpaddressesExcluded())) {
                    for (VirtualIpAddress v : list) {
                        if (v.address().equals(a)) {
                            return i;
                        }
                    }
                }
            }
        }
        return null;
    }

    InstancePlan instance(String name) {
        return instances.stream().filter(i -> i.name().equals(name)).findFirst().orElse(null);
    }

    /** The services whose checks {@code instance}'s transitions suspend (ha_suspend). */
    List<ServiceId> suspendedBy(String instance) {
        return haSuspendOwner.entrySet().stream()
                .filter(e -> e.getValue().equals(instance))
                .map(Map.Entry::getKey)
                .toList();
    }
}
