package org.hadirector.director;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.hadirector.conf.model.KeepalivedConfig;
import org.hadirector.conf.model.LvsFlushOnStop;
import org.hadirector.conf.model.LvsSyncDaemon;
import org.hadirector.conf.model.VirtualIpAddress;
import org.hadirector.conf.model.VirtualServer;
import org.hadirector.conf.model.VirtualServerKind;
import org.hadirector.conf.model.VrrpInstance;
import org.hadirector.healthcheck.HealthCheckService;
import org.hadirector.healthcheck.HealthStatus;
import org.hadirector.healthcheck.ProbeIo;
import org.hadirector.ipvs.DataplaneException;
import org.hadirector.ipvs.Dataplanes;
import org.hadirector.ipvs.Forwarder;
import org.hadirector.sys.RtNetlink;
import org.hadirector.vrrp.VrrpInstanceRuntime;
import org.hadirector.vrrp.VrrpState;
import org.hadirector.sys.Addresses;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One director: its VRRP instances, its health checks and its DR table, wired as keepalived
 * wires its VRRP and checker processes. VRRP state moves the VIPs (in the instance), the sync role
 * of lvs_sync_daemon's instance, and ha_suspend of the virtual servers whose address is that
 * instance's VIP; health events go to the {@link TableKeeper}. Which parts run follows -P / -C.
 */
final class Director implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Director.class);
    /** Checks allowed in flight at once: far above a loaded director's need, far below the fd limit. */
    static final int MAX_IN_FLIGHT = 2048;

    /** The configuration running now; a reload replaces it. */
    private volatile KeepalivedConfig config;
    final List<VrrpInstanceRuntime> runtimes = new java.util.concurrent.CopyOnWriteArrayList<>();
    private final List<VrrpInstanceRuntime> started = new java.util.concurrent.CopyOnWriteArrayList<>();
    private ProbeIo io;
    private HealthCheckService checks;
    private List<org.hadirector.healthcheck.ServiceSpec> specs = List.of();
    private TableKeeper table;
    private SyncRole sync;
    /** The vrrp_instance whose state the sync role follows, or null. */
    private String syncInstance;
    /** -I: a stop leaves the kernel's table as it is. */
    private volatile boolean keepTableOnStop;
    /** The parts this daemon runs, as -P / -C chose them: a reload never adds the other part. */
    private final boolean runsVrrp;
    private final boolean runsCheckers;
    /** Which parts run, for status and metrics. */
    final Parts parts = new Parts();
    /** Whether the daemon started with instances (and so wired the sync role and ha_suspend to them). */
    private final boolean startedWithInstances;
    /**
     * What runs, for reload's diff: each instance started and not stopped since, with the
     * block and the configuration its runtime was built from (not the last file read).
     */
    private final Map<String, Started> startedWith = new java.util.concurrent.ConcurrentHashMap<>();
    /** The lvs_sync_daemon the sync role was started with (a reload does not change it). */
    private LvsSyncDaemon syncStartedWith;

    /** An instance's block and the configuration its running runtime was built from. */
    private record Started(VrrpInstance block, KeepalivedConfig config) {
        VrrpReloadPlan.Basis basis() {
            return VrrpReloadPlan.Basis.of(block, config);
        }
    }

    /** A director with nothing running; {@link #start} starts one. */
    Director(KeepalivedConfig config) {
        this(config, true, true);
    }

    Director(KeepalivedConfig config, boolean runsVrrp, boolean runsCheckers) {
        this.config = config;
        this.runsVrrp = runsVrrp;
        this.runsCheckers = runsCheckers;
        this.startedWithInstances = config != null && !config.vrrpInstances().isEmpty();
    }

    /** Starts what {@code vrrp} and {@code checkers} ask for; on any failure stops what started and throws. */
    static Director start(KeepalivedConfig c, boolean vrrp, boolean checkers, Dataplanes.Choice choice)
            throws IOException, DataplaneException {
        Director d = new Director(c, vrrp, checkers);
        try {
            d.startParts(vrrp, checkers && !c.virtualServers().isEmpty(), choice);
            return d;
        } catch (IOException | DataplaneException | RuntimeException e) {
            d.close();
            throw e;
        }
    }

    private void startParts(boolean vrrp, boolean checkers, Dataplanes.Choice choice) throws IOException, DataplaneException {
        if (checkers) {
            table = new TableKeeper(Dataplanes.open(choice, this::forwarderInterface),
                    new DesiredTable(TableConfigMapper.map(config)));
            parts.add("dataplane");
            parts.add("table");
            parts.add("checks");
            table.dataplane().onFault(this::dataplaneFault);
            table.onFault(f -> parts.report("table", f));
            table.start();
            applyTimeouts(config.globalDefs().lvsTimeouts());
            LOG.info("table: {} runs {} virtual server(s)", table.dataplane().name(), config.virtualServers().size());
            io = new ProbeIo(1, CheckerConfigMapper.clientCertificate(config));
            specs = CheckerConfigMapper.map(config);
            checks = new HealthCheckService(specs, io, table::onHealth, MAX_IN_FLIGHT);
            checks.onRestart(why -> parts.restarted("checks", why));
        }
        if (vrrp) {
            Daemon.initTrackFiles(config);
            Map<String, org.hadirector.vrrp.SyncGroup> groupOf = Daemon.syncGroups(config);
            for (VrrpInstance i : config.vrrpInstances()) {
                runtimes.add(newRuntime(i, config, groupOf));
            }
            if (checkers) {
                wireSync();
                for (VirtualServer vs : config.virtualServers()) {
                    if (vs.haSuspend()) {
                        if (haSuspendOwner(vs, config) == null) {
                            LOG.warn("{}: ha_suspend has no effect: its address is not a VIP of any vrrp_instance",
                                    vs.displayName());
                        } else {
                            checks.suspend(vs.displayName(), true);
                        }
                    }
                }
            }
        } else if (checkers) {
            if (config.globalDefs().lvsSyncDaemon() != null) {
                LOG.warn("lvs_sync_daemon: not started with -C: the sync role follows a VRRP instance, which -C does not run");
            }
            for (VirtualServer vs : config.virtualServers()) {
                if (vs.haSuspend()) {
                    LOG.warn("{}: ha_suspend has no effect with -C (no VRRP instance runs here)", vs.displayName());
                }
            }
        }
        for (VrrpInstanceRuntime r : runtimes) {
            r.start();
            started.add(r);
            config.vrrpInstances().stream().filter(i -> i.name().equals(r.name())).findFirst()
                    .ifPresent(i -> startedWith.put(r.name(), new Started(i, config)));
        }
        if (checks != null) {
            checks.start();
        }
    }

    private VrrpInstanceRuntime newRuntime(VrrpInstance i, KeepalivedConfig c, Map<String, org.hadirector.vrrp.SyncGroup> groupOf) {
        VrrpInstanceRuntime r = new VrrpInstanceRuntime(VrrpConfigMapper.map(i, c), Path.of("/sys/class/net"));
        if (groupOf.containsKey(i.name())) {
            if (VrrpConfigMapper.zeroWeights(i, c) && (!i.trackScripts().isEmpty()
                    || !i.trackInterfaces().isEmpty() || !i.trackFiles().isEmpty())) {
                LOG.warn("{}: in sync group {}, tracking weights are set to 0, as keepalived does "
                        + "(sync_group_tracking_weight keeps them)", i.name(), groupOf.get(i.name()).name());
            }
            r.joinSyncGroup(groupOf.get(i.name()));
        }
        r.addStateListener(this::instanceChanged);
        String part = "vrrp " + i.name();
        parts.add(part);
        r.onFault(f -> parts.report(part, f));
        String down = table == null ? null : table.dataplane().fault();
        if (down != null && servesTable(i.name(), c)) {
            r.dependency("dataplane", down);
        }
        return r;
    }

    /**
     * The dataplane cannot forward (link down, interface gone, I/O re-opening) or can again: the
     * instances whose VIPs it serves go to FAULT meanwhile, so that the peer holds the VIP rather
     * than a director that forwards nothing. On the dataplane's thread.
     */
    private void dataplaneFault(String fault) {
        parts.report("dataplane", fault);
        KeepalivedConfig c = config;
        for (VrrpInstanceRuntime r : runtimes) {
            if (servesTable(r.name(), c)) {
                r.dependency("dataplane", fault);
            }
        }
    }

    /** Does instance {@code name} hold the address of a virtual server of the table? */
    private static boolean servesTable(String name, KeepalivedConfig c) {
        for (VirtualServer vs : c.virtualServers()) {
            if (vs.kind() == VirtualServerKind.ADDRESS) {
                Vip v = vip(vs.address(), c);
                if (v != null && v.instance().name().equals(name)) {
                    return true;
                }
            }
        }
        return false;
    }

    /** On the instance's thread: hand the sync role to the table thread; suspend or resume ha_suspend checks. */
    private void instanceChanged(String name, VrrpState from, VrrpState to, String why) {
        if (table != null && sync != null && name.equals(syncInstance)) {
            table.execute(() -> sync.become(to == VrrpState.MASTER));
        }
        if (checks != null && (to == VrrpState.MASTER || from == VrrpState.MASTER)) {
            KeepalivedConfig c = config;
            for (VirtualServer vs : c.virtualServers()) {
                VrrpInstance owner = vs.haSuspend() ? haSuspendOwner(vs, c) : null;
                if (owner != null && owner.name().equals(name)) {
                    checks.suspend(vs.displayName(), to != VrrpState.MASTER);
                }
            }
        }
    }

    private static VrrpInstance haSuspendOwner(VirtualServer vs, KeepalivedConfig c) {
        Vip v = vs.kind() == VirtualServerKind.ADDRESS ? vip(vs.address(), c) : null;
        return v == null ? null : v.instance();
    }

    /** lvs_sync_daemon IF [inst VI]: the role follows VI (or the only instance). */
    private void wireSync() {
        LvsSyncDaemon d = config.globalDefs().lvsSyncDaemon();
        if (d == null) {
            return;
        }
        VrrpInstance inst = null;
        if (d.vrrpInstance() != null) {
            inst = config.vrrpInstances().stream().filter(i -> i.name().equals(d.vrrpInstance())).findFirst().orElse(null);
        } else if (config.vrrpInstances().size() == 1) {
            inst = config.vrrpInstances().get(0);
        }
        if (inst == null) {
            throw new IllegalArgumentException("lvs_sync_daemon " + d.interfaceName() + ": "
                    + (d.vrrpInstance() != null ? "no vrrp_instance " + d.vrrpInstance()
                            : "name the vrrp_instance it follows (inst NAME): there are " + config.vrrpInstances().size()));
        }
        sync = new SyncRole(table.dataplane(), SyncRole.settings(d, inst.virtualRouterId()));
        SyncRole role = sync;
        table.every(SyncRole.CHECK_MS, role::check);
        syncInstance = inst.name();
        syncStartedWith = d;
    }

    /** A virtual_ipaddress (or _excluded) line and the instance that holds it. */
    private record Vip(VrrpInstance instance, VirtualIpAddress address) {
        /** The interface the address goes on: its dev, else the instance's. */
        String interfaceName() {
            return address.dev() != null ? address.dev() : instance.interfaceName();
        }
    }

    /** The VIP {@code a} of some vrrp_instance, or null. */
    private static Vip vip(InetAddress a, KeepalivedConfig config) {
        for (VrrpInstance i : config.vrrpInstances()) {
            for (List<VirtualIpAddress> list : List.of(i.virtualIpaddresses(), i.virtualIpaddressesExcluded())) {
                for (VirtualIpAddress v : list) {
                    if (v.address().equals(a)) {
                        return new Vip(i, v);
                    }
                }
            }
        }
        return null;
    }

    /**
     * The interface the userspace forwarder listens on: where the virtual servers' addresses live
     * (a VIP's dev, else its instance's interface; else an interface that holds the address now).
     */
    String forwarderInterface() throws DataplaneException {
        return forwarderInterface(config);
    }

    static String forwarderInterface(KeepalivedConfig config) throws DataplaneException {
        Set<String> found = new LinkedHashSet<>();
        for (VirtualServer vs : config.virtualServers()) {
            if (vs.kind() != VirtualServerKind.ADDRESS) {
                throw new DataplaneException(vs.displayName() + ": the userspace forwarder serves address:port "
                        + "services only (fwmark and groups need kernel IPVS)");
            }
            Vip v = vip(vs.address(), config);
            String ifname = v != null ? v.interfaceName() : null;
            if (ifname == null) {
                ifname = interfaceHolding(vs.address());
            }
            if (ifname == null) {
                throw new DataplaneException(vs.displayName() + ": cannot tell which interface receives "
                        + Addresses.format(vs.address()) + " (make it a vrrp_instance's virtual_ipaddress)");
            }
            found.add(ifname);
        }
        if (found.size() != 1) {
            throw new DataplaneException("the userspace forwarder runs on one interface; the virtual servers are on "
                    + String.join(", ", found));
        }
        return found.iterator().next();
    }

    private static String interfaceHolding(InetAddress a) {
        try (RtNetlink nl = RtNetlink.open()) {
            for (RtNetlink.Address x : nl.addresses(0)) {
                if (x.address().equals(a)) {
                    RtNetlink.Link l = nl.link(x.ifindex());
                    return l == null ? null : l.name();
                }
            }
        } catch (IOException | RuntimeException e) {
            LOG.debug("cannot list addresses: {}", e.toString());
        }
        return null;
    }

    void keepTableOnStop(boolean keep) {
        this.keepTableOnStop = keep;
    }

    // ---- reload

    /**
     * Applies a new, already validated configuration: only what differs from what runs. A
     * reload that fails changes nothing: everything that can be decided, mapped or checked
     * against the host (interfaces of the instances to (re)start, the sync interface) is, and
     * the new runtimes of changed and new instances are opened (sockets, source address), all
     * before anything stops; a failure there rejects the reload. Then removed instances stop,
     * a changed one is swapped (the old one stops, a master first sending priority 0, and the
     * opened one starts; if that fails the old configuration is started again), new ones start.
     * An unchanged vrrp_instance (see {@link VrrpReloadPlan}) keeps running untouched. Virtual
     * servers go to the checks (unchanged ones untouched, see {@link HealthCheckService#reconfigure})
     * and the table, which applies exactly the difference. Returns one line for the log.
     *
     * @throws IllegalArgumentException when the reload is rejected; nothing has changed then
     * @throws IOException when part of it failed after something changed; the message says what runs
     */
    /**
     * lvs_timeouts, as keepalived sets them at start and at a reload that changes them: on the
     * table's dataplane (the kernel's, or the forwarder's, whose synced entries are clamped to
     * them too); an absent or 0 value leaves that timeout as it is.
     */
    private void applyTimeouts(org.hadirector.conf.model.LvsTimeouts t) throws DataplaneException {
        if (t == null || (zero(t.tcp()) && zero(t.tcpFin()) && zero(t.udp()))) {
            return;
        }
        table.call(() -> {
            table.dataplane().timeouts(t.tcp(), t.tcpFin(), t.udp());
            return null;
        });
        LOG.info("table: lvs_timeouts set on {}: tcp {}, tcpfin {}, udp {} (0 or absent: left as it was)",
                table.dataplane().name(), t.tcp(), t.tcpFin(), t.udp());
    }

    private static boolean zero(Integer v) {
        return v == null || v == 0;
    }

    synchronized String reload(KeepalivedConfig n) throws IOException, DataplaneException {
        // With -P the virtual servers are not this daemon's business, with -C the instances are not.
        if (runsCheckers && table == null && !n.virtualServers().isEmpty()) {
            throw new IllegalArgumentException("virtual_server blocks were added to a director that started without any: "
                    + "the checks and the DR table start with the daemon; restart it");
        }
        if (runsVrrp && !startedWithInstances && !n.vrrpInstances().isEmpty()) {
            throw new IllegalArgumentException("vrrp_instance blocks were added to a director that started without any; restart it");
        }
        Forwarder forwarder = table == null ? null : table.dataplane().forwarder().orElse(null);
        if (forwarder != null && !n.virtualServers().isEmpty()) {
            String now = forwarder.interfaceName();
            String wanted = forwarderInterface(n);
            if (!wanted.equals(now)) {
                throw new IllegalArgumentException("the virtual servers moved to interface " + wanted
                        + ": the userspace forwarder stays on " + now + " until a restart");
            }
        }
        // Everything mapped and checked before anything changes.
        List<org.hadirector.healthcheck.ServiceSpec> newSpecs = checks != null ? CheckerConfigMapper.map(n) : null;
        List<TableConfigMapper.ServicePlan> newTable = checks != null ? TableConfigMapper.map(n) : null;
        VrrpReloadPlan plan = runsVrrp ? VrrpReloadPlan.of(running(), n) : VrrpReloadPlan.NONE;
        List<String> problems = ReloadPreflight.problems(n, plan.toOpen(), sync != null ? syncStartedWith : null,
                syncInstance, Director::interfaceExists);
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException(String.join("; ", problems));
        }
        Map<String, VrrpInstanceRuntime> opened = openAll(n, plan);
        if (sync != null && !java.util.Objects.equals(syncStartedWith, n.globalDefs().lvsSyncDaemon())) {
            LOG.warn("reload: lvs_sync_daemon changed; the sync role keeps its old settings until a restart");
        }
        if (runsVrrp) {
            // As at every reload before: init_file ... overwrite rewrites the file.
            Daemon.initTrackFiles(n);
        }
        List<String> failed = new ArrayList<>();
        List<String> vrrpDone = plan.changesNothing() ? List.of() : applyVrrp(n, plan, opened, failed);
        String checkDone = "";
        if (checks != null) {
            Map<String, org.hadirector.healthcheck.ServiceSpec> before = new HashMap<>();
            specs.forEach(x -> before.put(x.name(), x));
            Set<String> changed = new LinkedHashSet<>();
            for (var x : newSpecs) {
                if (!x.equals(before.get(x.name()))) {
                    changed.add(x.name());
                }
            }
            table.reload(newTable, changed);
            if (!java.util.Objects.equals(config.globalDefs().lvsTimeouts(), n.globalDefs().lvsTimeouts())) {
                applyTimeouts(n.globalDefs().lvsTimeouts());
            }
            config = n;
            List<String> restarted;
            try {
                restarted = checks.reconfigure(newSpecs).get(10, java.util.concurrent.TimeUnit.SECONDS);
            } catch (Exception e) {
                table.reconcileNow();
                throw new IOException("the checks did not take the new configuration: " + e, e);
            }
            specs = newSpecs;
            // The restarted pools' initial tables were handed to the table thread before this runs.
            long ops = table.reconcileNow();
            for (VirtualServer vs : n.virtualServers()) {
                VrrpInstance owner = vs.haSuspend() ? haSuspendOwner(vs, n) : null;
                if (owner != null && restarted.contains(vs.displayName())) {
                    VrrpInstanceRuntime r = instance(owner.name());
                    checks.suspend(vs.displayName(), r == null || r.state() != VrrpState.MASTER);
                }
            }
            checkDone = "; virtual servers " + (restarted.isEmpty() ? "unchanged" : "(re)started: " + String.join(", ", restarted))
                    + "; table operations: " + ops;
        }
        config = n;
        String summary = "vrrp_instances " + (vrrpDone.isEmpty() ? "unchanged" : String.join(", ", vrrpDone)) + checkDone;
        if (!failed.isEmpty()) {
            throw new IOException(summary + "; failed: " + String.join("; ", failed));
        }
        return summary;
    }

    /** The instances running now, each with the basis it was started with. */
    private Map<String, VrrpReloadPlan.Basis> running() {
        Map<String, VrrpReloadPlan.Basis> out = new java.util.LinkedHashMap<>();
        for (VrrpInstanceRuntime r : runtimes) {
            Started s = startedWith.get(r.name());
            if (s != null && r.alive()) {
                out.put(r.name(), s.basis());
            }
        }
        return out;
    }

    private static boolean interfaceExists(String name) {
        try {
            org.hadirector.sys.Interfaces.index(name);
            return true;
        } catch (org.hadirector.sys.NativeException e) {
            return false;
        }
    }

    private static VrrpInstance block(KeepalivedConfig c, String name) {
        return c.vrrpInstances().stream().filter(i -> i.name().equals(name)).findFirst().orElseThrow();
    }

    /**
     * Opens the runtimes of the instances the plan (re)starts, beside the running ones; on the
     * first failure closes those opened and rejects the reload.
     */
    private Map<String, VrrpInstanceRuntime> openAll(KeepalivedConfig n, VrrpReloadPlan plan) {
        Map<String, org.hadirector.vrrp.SyncGroup> groupOf = Daemon.syncGroups(n);
        Map<String, VrrpInstanceRuntime> opened = new java.util.LinkedHashMap<>();
        for (String name : plan.toOpen()) {
            try {
                VrrpInstanceRuntime r = newRuntime(block(n, name), n, groupOf);
                opened.put(name, r);
                r.open();
            } catch (IOException | RuntimeException e) {
                opened.values().forEach(Director::discard);
                throw new IllegalArgumentException("vrrp_instance " + name + ": cannot open: " + e.getMessage(), e);
            }
        }
        return opened;
    }

    /** Stops, swaps and starts instances as planned; what fails is logged, added to {@code failed}, and rolled back. */
    private List<String> applyVrrp(KeepalivedConfig n, VrrpReloadPlan plan, Map<String, VrrpInstanceRuntime> opened,
            List<String> failed) {
        List<String> done = new ArrayList<>();
        for (String name : plan.stop()) {
            VrrpInstanceRuntime r = instance(name);
            if (r != null) {
                stopRuntime(r);
            }
            startedWith.remove(name);
            done.add(name + " stopped");
        }
        for (String name : plan.restart()) {
            VrrpInstanceRuntime was = instance(name);
            Started before = startedWith.remove(name);
            stopRuntime(was);
            String why = startOpened(opened.get(name), block(n, name), n);
            if (why == null) {
                done.add(name + " restarted");
                continue;
            }
            LOG.error("{}: the new configuration did not start ({}); starting the old one again", name, why);
            String again = startOpened(newRuntime(before.block(), before.config(), Daemon.syncGroups(before.config())),
                    before.block(), before.config());
            if (again == null) {
                failed.add(name + " kept its old configuration: the new one did not start: " + why);
            } else {
                LOG.error("{}: the old configuration did not start either ({}); the instance does not run "
                        + "until a reload or a restart starts it", name, again);
                failed.add(name + " does not run: the new configuration did not start (" + why
                        + "), nor the old one (" + again + ")");
            }
        }
        for (String name : plan.start()) {
            VrrpInstanceRuntime dead = instance(name);
            if (dead != null) {
                // Its loop ended (it is not among what runs): cleared before its successor starts.
                stopRuntime(dead);
            }
            String why = startOpened(opened.get(name), block(n, name), n);
            if (why == null) {
                done.add(name + " started");
            } else {
                LOG.error("{}: did not start: {}", name, why);
                failed.add(name + " did not start: " + why);
            }
        }
        return done;
    }

    /** Starts {@code r} (opening it unless it is); null when it runs, else why not. */
    private String startOpened(VrrpInstanceRuntime r, VrrpInstance block, KeepalivedConfig c) {
        try {
            r.start();
        } catch (IOException | RuntimeException e) {
            discard(r);
            return e.getMessage() != null ? e.getMessage() : e.toString();
        }
        runtimes.add(r);
        started.add(r);
        startedWith.put(r.name(), new Started(block, c));
        return null;
    }

    /** Closes a runtime that never started (its sockets, if opened). */
    private static void discard(VrrpInstanceRuntime r) {
        try {
            r.stop(0);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void stopRuntime(VrrpInstanceRuntime r) {
        try {
            r.stop(3000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        runtimes.remove(r);
        started.remove(r);
        if (runtimes.stream().noneMatch(x -> x.name().equals(r.name()))) {
            parts.remove("vrrp " + r.name());
        }
    }

    // ---- for the control socket and status

    HealthStatus healthStatus(long timeoutMillis) {
        if (checks == null) {
            return null;
        }
        try {
            return checks.status().get(timeoutMillis, java.util.concurrent.TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        } catch (Exception e) {
            return null;
        }
    }

    boolean runsChecks() {
        return checks != null;
    }

    HealthCheckService checks() {
        return checks;
    }

    TableKeeper table() {
        return table;
    }

    SyncRole sync() {
        return sync;
    }

    VrrpInstanceRuntime instance(String name) {
        return runtimes.stream().filter(r -> r.name().equals(name)).findFirst().orElse(null);
    }

    /**
     * Graceful stop, in keepalived's order: checks stop, VRRP instances send priority 0 and drop
     * their VIPs, the sync role ends, the table is cleaned up per lvs_flush_on_stop.
     */
    @Override
    public synchronized void close() {
        if (checks != null) {
            checks.close();
        }
        if (io != null) {
            io.close();
        }
        for (VrrpInstanceRuntime r : started) {
            try {
                r.stop(3000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        if (table != null) {
            if (sync != null) {
                try {
                    table.call(() -> {
                        sync.close();
                        return null;
                    });
                } catch (DataplaneException e) {
                    LOG.warn("sync: {}", e.getMessage());
                }
            }
            LvsFlushOnStop mode = config.globalDefs().lvsFlushOnStop();
            // -I keeps a table that outlives us; the forwarder's goes with it anyway.
            if (keepTableOnStop && table.dataplane().persistentTable().isPresent()) {
                LOG.info("table: left as it is (-I, --dont-release-ipvs)");
            } else {
                table.stop(mode == null ? LvsFlushOnStop.NONE : mode);
            }
            table.close();
        }
    }
}
