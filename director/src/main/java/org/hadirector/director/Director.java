package org.hadirector.director;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.hadirector.conf.model.KeepalivedConfig;
import org.hadirector.conf.model.LvsFlushOnStop;
import org.hadirector.conf.model.LvsSyncDaemon;
import org.hadirector.healthcheck.HealthCheckService;
import org.hadirector.healthcheck.HealthStatus;
import org.hadirector.healthcheck.ProbeIo;
import org.hadirector.healthcheck.TlsClientContext;
import org.hadirector.ipvs.DataplaneException;
import org.hadirector.ipvs.Dataplanes;
import org.hadirector.ipvs.Destination;
import org.hadirector.ipvs.Forwarder;
import org.hadirector.sys.Addresses;
import org.hadirector.sys.RtNetlink;
import org.hadirector.sys.ServiceId;
import org.hadirector.vrrp.VrrpInstanceRuntime;
import org.hadirector.vrrp.VrrpState;
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
    /** What runs, decided from {@link #config} once: a reload replaces both together. */
    private volatile DirectorPlan plan;

    final List<VrrpInstanceRuntime> runtimes = new java.util.concurrent.CopyOnWriteArrayList<>();
    private final List<VrrpInstanceRuntime> started = new java.util.concurrent.CopyOnWriteArrayList<>();
    private ProbeIo io;
    private HealthCheckService checks;
    /** The announced VIPs' interface ({@code @hadirector announce}), or null. */
    private Announcer announcer;
    /** BIRD's view of the announcement, read while something is announced, or null. */
    private org.hadirector.director.bird.BirdWatch bird;

    private TableKeeper table;
    private SyncRole sync;
    /** The notify FIFOs: opened before the parts start, closed after they stop (the STOP lines). */
    private final NotifyFifos fifos = NotifyFifos.open(NotifyFifos.Plan.NONE);
    /** smtp_alert: mails queued on their own thread; the STOP ones get a moment at close. */
    private final SmtpAlerts mails = new SmtpAlerts();
    /** What the VRRP runtimes and the checks tell of their transitions: the FIFOs and the mails. */
    private final Notifiers notifiers = new Notifiers(fifos, mails);

    /** The notify FIFOs' line counts, for /metrics. */
    List<NotifyFifos.Count> notifyFifoCounts() {
        return fifos.counts();
    }

    /** smtp_alert's counts for /metrics, or null when this daemon sends no mail. */
    SmtpAlertSender.Counts smtpAlertCounts() {
        return mails.configured() ? mails.counts() : null;
    }
    /** The vrrp_instance whose state the sync role follows (as started: a reload does not move it), or null. */
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

    /** An instance's plan and the configuration (and its plan) its running runtime was built from. */
    private record Started(DirectorPlan.InstancePlan instance, KeepalivedConfig config, DirectorPlan plan) {
        VrrpReloadPlan.Basis basis() {
            return instance.basis();
        }
    }

    /**
     * How long the mails of a stop (the instances' and groups' "Stopping") may take before the
     * daemon exits without them: a stop is not held by an MTA that does not answer.
     */
    static final long STOP_MAIL_WAIT_MILLIS = 3000;

    /** A director with nothing running; {@link #start} starts one. */
    Director(KeepalivedConfig config) {
        this(config, true, true);
    }

    Director(KeepalivedConfig config, boolean runsVrrp, boolean runsCheckers) {
        this.config = config;
        this.runsVrrp = runsVrrp;
        this.runsCheckers = runsCheckers;
        // throws what cannot run (an lvs_sync_daemon that names no instance) before anything starts
        this.plan = config == null ? null : DirectorPlan.compile(config, runsVrrp, runsCheckers);
        this.startedWithInstances = config != null && !config.vrrpInstances().isEmpty();
    }

    /** Starts what {@code vrrp} and {@code checkers} ask for; on any failure stops what started and throws. */
    static Director start(KeepalivedConfig c, boolean vrrp, boolean checkers, Dataplanes.Choice choice)
            throws IOException, DataplaneException {
        Director d = new Director(c, vrrp, checkers);
        try {
            d.plan.warnings().forEach(w -> LOG.warn("{}", w));
            d.startParts(vrrp, checkers && !c.virtualServers().isEmpty(), choice);
            return d;
        } catch (IOException | DataplaneException | RuntimeException e) {
            d.close();
            throw e;
        }
    }

    /** vrrp_startup_delay: the end of the start-up hold (System.nanoTime), when {@link #startupHold}. */
    private long startupHoldUntil;

    private boolean startupHold;

    private void startParts(boolean vrrp, boolean checkers, Dataplanes.Choice choice)
            throws IOException, DataplaneException {
        fifos.reload(plan.notifyFifos());
        // before the checks are made: a FILE_CHECK reads its file when its pool is built
        TrackFileInit.write(plan.initFiles());
        mails.reload(plan.smtpAlerts());
        if (checkers) {
            table = new TableKeeper(Dataplanes.open(choice, this::forwarderInterface), new DesiredTable(plan.table()));
            parts.add("dataplane");
            parts.add("table");
            parts.add("checks");
            table.dataplane().onFault(this::dataplaneFault);
            table.onFault(f -> parts.report("table", f));
            table.start(plan.flushAtStart());
            applyTimeouts(plan.timeouts());
            if (plan.sloppyTcp()) {
                applySloppyTcp(true);
            }
            LOG.info(
                    "table: {} runs {} virtual server(s)",
                    table.dataplane().name(),
                    config.virtualServers().size());
            io = new ProbeIo(1, CheckerConfigMapper.clientCertificate(config));
            checks = new HealthCheckService(plan.checks(), io, table::onHealth, MAX_IN_FLIGHT);
            checks.onRestart(why -> parts.restarted("checks", why));
            checks.onTransitions(notifiers);
            if (plan.announce() != null) {
                try {
                    announcer = Announcer.open(plan.announce(), table::whenApplied);
                } catch (org.hadirector.sys.NativeException e) {
                    throw new DataplaneException("@hadirector announce: " + e.getMessage(), e);
                }
                notifiers.addCheckerListener(announcer);
                watchBird(plan.announce());
            }
        }
        if (vrrp && !config.globalDefs().vrrpStartupDelay().isZero()) {
            // keepalived's vrrp_delayed_start_time: set at start only, shared by every instance
            startupHoldUntil =
                    System.nanoTime() + config.globalDefs().vrrpStartupDelay().toNanos();
            startupHold = true;
            LOG.info(
                    "vrrp: delaying startup for {} seconds (vrrp_startup_delay)",
                    java.math.BigDecimal.valueOf(
                                    config.globalDefs().vrrpStartupDelay().toNanos(), 9)
                            .stripTrailingZeros()
                            .toPlainString());
        }
        if (vrrp) {
            Map<String, org.hadirector.vrrp.SyncGroup> groupOf = syncGroups(plan);
            for (DirectorPlan.InstancePlan i : plan.instances()) {
                runtimes.add(newRuntime(i, groupOf, plan));
            }
            if (checkers) {
                wireSync();
                plan.haSuspendOwner().keySet().forEach(service -> checks.suspend(service, true));
            }
        }
        for (VrrpInstanceRuntime r : runtimes) {
            r.start();
            started.add(r);
            DirectorPlan.InstancePlan i = plan.instance(r.name());
            if (i != null) {
                startedWith.put(r.name(), new Started(i, config, plan));
            }
        }
        if (checks != null) {
            checks.start();
            if (announcer != null) {
                // taken on the checks' loop, in order with their quorum events
                Announcer a = announcer;
                checks.status().thenAccept(a::snapshot);
            }
        }
    }

    /** The sync group objects of {@code p}, by member instance name. */
    private Map<String, org.hadirector.vrrp.SyncGroup> syncGroups(DirectorPlan p) {
        Map<String, org.hadirector.vrrp.SyncGroup> out = new java.util.HashMap<>();
        for (DirectorPlan.SyncGroupPlan g : p.syncGroups()) {
            var group = new org.hadirector.vrrp.SyncGroup(g.name(), g.notifies());
            group.notifications(notifiers);
            g.members().forEach(m -> out.put(m, group));
        }
        return out;
    }

    /** A runtime for one instance of {@code p}, joined to its sync group's object in {@code groupOf}. */
    private VrrpInstanceRuntime newRuntime(
            DirectorPlan.InstancePlan i, Map<String, org.hadirector.vrrp.SyncGroup> groupOf, DirectorPlan p) {
        VrrpInstanceRuntime r = new VrrpInstanceRuntime(i.runtime(), Path.of("/sys/class/net"));
        String configFault = VrrpConfigMapper.configFault(i.block());
        if (configFault != null) {
            LOG.warn(
                    "vrrp_instance {}: cannot use unicast without any peers: going to FAULT state, as keepalived",
                    i.name());
            r.configFault(configFault);
        }
        if (startupHold) {
            // an instance a reload adds within the delay waits too, as keepalived's global timer makes it
            r.delayStartUntil(startupHoldUntil);
        }
        if (groupOf.containsKey(i.name())) {
            r.joinSyncGroup(groupOf.get(i.name()));
        }
        r.addStateListener(this::instanceChanged);
        r.notifications(notifiers, i.notifyPriorityChanges());
        String part = "vrrp " + i.name();
        parts.add(part);
        r.onFault(f -> parts.report(part, f));
        String down = table == null ? null : table.dataplane().fault();
        if (down != null && p.tableInstances().contains(i.name())) {
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
        DirectorPlan p = plan;
        for (VrrpInstanceRuntime r : runtimes) {
            if (p.tableInstances().contains(r.name())) {
                r.dependency("dataplane", fault);
            }
        }
    }

    /** On the instance's thread: hand the sync role to the table thread; suspend or resume ha_suspend checks. */
    private void instanceChanged(String name, VrrpState from, VrrpState to, String why) {
        DirectorPlan p = plan;
        SyncRole role = sync;
        if (table != null && role != null && name.equals(syncInstance)) {
            table.execute(() -> role.become(to == VrrpState.MASTER));
        }
        if (checks != null && (to == VrrpState.MASTER || from == VrrpState.MASTER)) {
            for (ServiceId service : p.suspendedBy(name)) {
                checks.suspend(service, to != VrrpState.MASTER);
            }
        }
    }

    /** The sync role, as the plan says (it follows one instance, and keeps its first settings until a restart). */
    private void wireSync() {
        DirectorPlan.SyncPlan s = plan.sync();
        if (s == null) {
            return;
        }
        sync = new SyncRole(table.dataplane(), s.settings());
        SyncRole role = sync;
        table.every(SyncRole.CHECK_MS, role::check);
        syncInstance = s.instance();
        syncStartedWith = s.daemon();
    }

    /**
     * The interface the userspace forwarder listens on: where the virtual servers' addresses live
     * (a VIP's dev, else its instance's interface, as the plan says; else an interface that holds
     * the address now).
     */
    String forwarderInterface() throws DataplaneException {
        return forwarderInterface(plan);
    }

    static String forwarderInterface(DirectorPlan p) throws DataplaneException {
        Set<String> found = new LinkedHashSet<>();
        for (TableConfigMapper.ServicePlan s : p.table()) {
            if (s.service().key().isFwmark()) {
                throw new DataplaneException(s.id() + ": " + Daemon.FWMARK_NEEDS_KERNEL);
            }
            InetAddress address = s.service().key().address();
            String vmac = vmacHolding(p, address);
            if (vmac != null) {
                // Its VIP lives on a VMAC the instance makes after the dataplane opens.
                throw new DataplaneException(s.id() + ": the userspace forwarder does not run on a VMAC yet ("
                        + Addresses.format(address) + " is on " + vmac + ", use_vmac); use kernel IPVS");
            }
            String ifname = p.vipInterfaces().get(s.id());
            if (ifname == null
                    && p.announce() != null
                    && p.announce().vipsByPool().containsKey(s.checks())) {
                // An announced VIP is on the announcement interface, which receives nothing: the
                // routers send its flows to the interface on the real servers' link (DR needs them
                // on one link with the director).
                for (Destination d : s.servers().values()) {
                    ifname = interfaceOnLinkWith(d.address(), p.announce().interfaceName());
                    if (ifname != null) {
                        break;
                    }
                }
                if (ifname == null) {
                    throw new DataplaneException(s.id() + ": no interface here is on the link of its real servers");
                }
            }
            if (ifname == null) {
                ifname = interfaceHolding(address);
            }
            if (ifname == null) {
                throw new DataplaneException(s.id() + ": cannot tell which interface receives "
                        + Addresses.format(address) + " (make it a vrrp_instance's virtual_ipaddress)");
            }
            found.add(ifname);
        }
        if (found.size() != 1) {
            throw new DataplaneException("the userspace forwarder runs on one interface; the virtual servers are on "
                    + String.join(", ", found));
        }
        return found.iterator().next();
    }

    /** The VMAC of the use_vmac instance whose VIP {@code a} is, or null. */
    private static String vmacHolding(DirectorPlan p, InetAddress a) {
        for (DirectorPlan.InstancePlan i : p.instances()) {
            org.hadirector.vrrp.InstanceConfig r = i.runtime();
            if (r.vmac() == null) {
                continue;
            }
            for (org.hadirector.vrrp.VirtualAddress v : r.vips()) {
                if (v.address().equals(a) && (v.dev() == null || v.dev().equals(r.interfaceName()))) {
                    return r.vmac().name();
                }
            }
        }
        return null;
    }

    /** The interface (not {@code skip}) with an address whose prefix holds {@code a}, or null. */
    private static String interfaceOnLinkWith(InetAddress a, String skip) {
        try (RtNetlink nl = RtNetlink.open()) {
            for (RtNetlink.Address x : nl.addresses(0)) {
                if (x.address().getClass() == a.getClass() && samePrefix(x.address(), a, x.prefixLength())) {
                    RtNetlink.Link l = nl.link(x.ifindex());
                    if (l != null && !l.name().equals(skip) && !l.name().equals("lo")) {
                        return l.name();
                    }
                }
            }
        } catch (IOException | RuntimeException e) {
            LOG.debug("cannot list addresses: {}", e.toString());
        }
        return null;
    }

    private static boolean samePrefix(InetAddress x, InetAddress y, int bits) {
        byte[] a = x.getAddress();
        byte[] b = y.getAddress();
        for (int i = 0; i < a.length && bits > 0; i++, bits -= 8) {
            int mask = bits >= 8 ? 0xff : (0xff << (8 - bits)) & 0xff;
            if ((a[i] & mask) != (b[i] & mask)) {
                return false;
            }
        }
        return true;
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
    /**
     * A reload's {@code @hadirector announce}: the interface opened or closed as the new file says
     * (a new name is a new interface), and the VIPs put on it or taken off as the pools' quorum,
     * read on the checks' loop after their reconfiguration, says.
     */
    /** (Re)starts the BIRD reader for {@code p}'s socket and sessions, or stops it when {@code p} is null. */
    private void watchBird(DirectorPlan.AnnouncePlan p) {
        if (bird != null) {
            bird.close();
            bird = null;
        }
        if (p != null) {
            bird = new org.hadirector.director.bird.BirdWatch(p.birdSocket(), p.birdProtocols());
            bird.start();
        }
    }

    org.hadirector.director.bird.BirdWatch bird() {
        return bird;
    }

    private void reannounce(DirectorPlan.AnnouncePlan next) throws IOException {
        if (announcer != null && (next == null || !next.interfaceName().equals(announcer.interfaceName()))) {
            notifiers.removeCheckerListener(announcer);
            announcer.close();
            announcer = null;
        }
        if (next == null) {
            watchBird(null);
            return;
        }
        if (announcer == null) {
            try {
                announcer = Announcer.open(next, table::whenApplied);
            } catch (org.hadirector.sys.NativeException e) {
                throw new IOException("@hadirector announce: " + e.getMessage(), e);
            }
            notifiers.addCheckerListener(announcer);
        } else {
            announcer.replan(next.vipsByPool());
        }
        Announcer a = announcer;
        checks.status().thenAccept(a::snapshot);
        if (bird == null || !bird.watches(next.birdSocket(), next.birdProtocols())) {
            watchBird(next);
        }
    }

    Announcer announcer() {
        return announcer;
    }

    /** {@code @hadirector sloppy_tcp}, at start when set and at a reload that changes it. */
    private void applySloppyTcp(boolean on) throws DataplaneException {
        table.call(() -> {
            table.dataplane().sloppyTcp(on);
            return null;
        });
        LOG.info(
                "table: sloppy_tcp {} on {}: {}",
                on ? "on" : "off",
                table.dataplane().name(),
                on ? "a TCP flow's first segment seen is scheduled, not only a SYN" : "only a SYN starts a connection");
    }

    private void applyTimeouts(org.hadirector.conf.model.LvsTimeouts t) throws DataplaneException {
        if (t == null || (zero(t.tcp()) && zero(t.tcpFin()) && zero(t.udp()))) {
            return;
        }
        table.call(() -> {
            table.dataplane().timeouts(t.tcp(), t.tcpFin(), t.udp());
            return null;
        });
        LOG.info(
                "table: lvs_timeouts set on {}: tcp {}, tcpfin {}, udp {} (0 or absent: left as it was)",
                table.dataplane().name(),
                t.tcp(),
                t.tcpFin(),
                t.udp());
    }

    private static boolean zero(Integer v) {
        return v == null || v == 0;
    }

    synchronized String reload(KeepalivedConfig n) throws IOException, DataplaneException {
        // With -P the virtual servers are not this daemon's business, with -C the instances are not.
        if (runsCheckers && table == null && !n.virtualServers().isEmpty()) {
            throw new IllegalArgumentException(
                    "virtual_server blocks were added to a director that started without any: "
                            + "the checks and the DR table start with the daemon; restart it");
        }
        if (runsVrrp && !startedWithInstances && !n.vrrpInstances().isEmpty()) {
            throw new IllegalArgumentException(
                    "vrrp_instance blocks were added to a director that started without any; restart it");
        }
        // Everything mapped and checked before anything changes: the new plan, and its difference
        // from what runs.
        DirectorPlan next = DirectorPlan.compile(n, runsVrrp, runsCheckers, this.plan);
        Forwarder forwarder =
                table == null ? null : table.dataplane().forwarder().orElse(null);
        if (forwarder != null && !next.table().isEmpty()) {
            String now = forwarder.interfaceName();
            String wanted;
            try {
                wanted = forwarderInterface(next);
            } catch (DataplaneException e) {
                throw new IllegalArgumentException(e.getMessage(), e);
            }
            if (!wanted.equals(now)) {
                throw new IllegalArgumentException("the virtual servers moved to interface " + wanted
                        + ": the userspace forwarder stays on " + now + " until a restart");
            }
        }
        PlanDiff diff = PlanDiff.between(this.plan, next, running(), n);
        VrrpReloadPlan plan = diff.vrrp();
        List<String> problems = ReloadPreflight.problems(
                n, plan.toOpen(), sync != null ? syncStartedWith : null, syncInstance, Director::interfaceExists);
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException(String.join("; ", problems));
        }
        TlsClientContext tls = checks != null ? sslGetContext(n) : null;
        Map<String, VrrpInstanceRuntime> opened = openAll(n, next, plan);
        fifos.reload(next.notifyFifos());
        mails.reload(next.smtpAlerts(), java.util.Set.copyOf(plan.stop()));
        if (sync != null && diff.syncChanged()) {
            LOG.warn("reload: lvs_sync_daemon changed; the sync role keeps its old settings until a restart");
        }
        // As at every reload before: init_file ... overwrite rewrites the file (VRRP's and FILE_CHECK's).
        TrackFileInit.write(next.initFiles());
        List<String> failed = new ArrayList<>();
        List<String> vrrpDone = plan.changesNothing() ? List.of() : applyVrrp(n, next, plan, opened, failed);
        String checkDone = "";
        if (checks != null) {
            table.reload(next.table(), new LinkedHashSet<>(diff.servicesChanged()));
            if (diff.timeoutsChanged()) {
                applyTimeouts(next.timeouts());
            }
            if (this.plan.sloppyTcp() != next.sloppyTcp()) {
                applySloppyTcp(next.sloppyTcp());
            }
            if (tls != null) {
                io.useTls(tls);
            }
            config = n;
            this.plan = next;
            List<ServiceId> restarted;
            try {
                restarted = checks.reconfigure(diff.checks()).get(10, java.util.concurrent.TimeUnit.SECONDS);
            } catch (Exception e) {
                table.reconcileNow();
                throw new IOException("the checks did not take the new configuration: " + e, e);
            }
            // The restarted pools' initial tables were handed to the table thread before this runs.
            long ops = table.reconcileNow();
            reannounce(next.announce());
            next.haSuspendOwner().forEach((service, owner) -> {
                if (restarted.contains(service)) {
                    VrrpInstanceRuntime r = instance(owner);
                    checks.suspend(service, r == null || r.state() != VrrpState.MASTER);
                }
            });
            checkDone = "; virtual servers "
                    + (restarted.isEmpty()
                            ? "unchanged"
                            : "(re)started: "
                                    + restarted.stream()
                                            .map(ServiceId::toString)
                                            .collect(Collectors.joining(", ")))
                    + "; table operations: " + ops;
        }
        config = n;
        this.plan = next;
        next.warnings().forEach(w -> LOG.warn("reload: {}", w));
        String summary =
                "vrrp_instances " + (vrrpDone.isEmpty() ? "unchanged" : String.join(", ", vrrpDone)) + checkDone;
        if (!failed.isEmpty()) {
            throw new IOException(summary + "; failed: " + String.join("; ", failed));
        }
        return summary;
    }

    /**
     * SSL_GET's TLS context for {@code n}, read again from the SSL block's files, as keepalived's
     * reload runs init_ssl_ctx whenever an SSL_GET needs it (same paths whose files changed
     * included); null when no SSL_GET does (the running context stays, unused). A block that
     * cannot be loaded rejects the reload, where keepalived's checker would exit: the running
     * checks keep the context they have.
     */
    private static TlsClientContext sslGetContext(KeepalivedConfig n) {
        if (!CheckerConfigMapper.usesSsl(n)) {
            return null;
        }
        try {
            return TlsClientContext.build(CheckerConfigMapper.clientCertificate(n));
        } catch (javax.net.ssl.SSLException e) {
            throw new IllegalArgumentException(
                    "SSL_GET: the SSL block cannot be loaded (" + e.getMessage() + "); SSL_GET keeps its TLS context",
                    e);
        }
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

    /**
     * Opens the runtimes of the instances the plan (re)starts, beside the running ones; on the
     * first failure closes those opened and rejects the reload.
     */
    private Map<String, VrrpInstanceRuntime> openAll(KeepalivedConfig n, DirectorPlan next, VrrpReloadPlan plan) {
        Map<String, org.hadirector.vrrp.SyncGroup> groupOf = syncGroups(next);
        Map<String, VrrpInstanceRuntime> opened = new java.util.LinkedHashMap<>();
        for (String name : plan.toOpen()) {
            try {
                VrrpInstanceRuntime r = newRuntime(next.instance(name), groupOf, next);
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
    private List<String> applyVrrp(
            KeepalivedConfig n,
            DirectorPlan next,
            VrrpReloadPlan plan,
            Map<String, VrrpInstanceRuntime> opened,
            List<String> failed) {
        List<String> done = new ArrayList<>();
        for (String name : plan.stop()) {
            VrrpInstanceRuntime r = instance(name);
            if (r != null) {
                // keepalived's clear_diff_vrrp: a removed instance tells FAULT, or DELETED with notify_deleted
                r.removedByReload(notifyDeleted(config, name));
                stopRuntime(r);
            }
            startedWith.remove(name);
            done.add(name + " stopped");
        }
        for (String name : plan.restart()) {
            VrrpInstanceRuntime was = instance(name);
            Started before = startedWith.remove(name);
            stopRuntime(was);
            String why = startOpened(opened.get(name), new Started(next.instance(name), n, next));
            if (why == null) {
                done.add(name + " restarted");
                continue;
            }
            LOG.error("{}: the new configuration did not start ({}); starting the old one again", name, why);
            String again = startOpened(newRuntime(before.instance(), syncGroups(before.plan()), before.plan()), before);
            if (again == null) {
                failed.add(name + " kept its old configuration: the new one did not start: " + why);
            } else {
                LOG.error(
                        "{}: the old configuration did not start either ({}); the instance does not run "
                                + "until a reload or a restart starts it",
                        name,
                        again);
                failed.add(name + " does not run: the new configuration did not start (" + why + "), nor the old one ("
                        + again + ")");
            }
        }
        for (String name : plan.start()) {
            VrrpInstanceRuntime dead = instance(name);
            if (dead != null) {
                // Its loop ended (it is not among what runs): cleared before its successor starts.
                stopRuntime(dead);
            }
            String why = startOpened(opened.get(name), new Started(next.instance(name), n, next));
            if (why == null) {
                done.add(name + " started");
            } else {
                LOG.error("{}: did not start: {}", name, why);
                failed.add(name + " did not start: " + why);
            }
        }
        return done;
    }

    /** Whether {@code name} in {@code c} has notify_deleted (with or without a script). */
    static boolean notifyDeleted(KeepalivedConfig c, String name) {
        return c != null
                && c.vrrpInstances().stream()
                        .anyMatch(i -> i.name().equals(name) && i.notifies().deleted() != null);
    }

    /** Starts {@code r} (opening it unless it is); null when it runs, else why not. */
    private String startOpened(VrrpInstanceRuntime r, Started with) {
        try {
            r.start();
        } catch (IOException | RuntimeException e) {
            discard(r);
            return e.getMessage() != null ? e.getMessage() : e.toString();
        }
        runtimes.add(r);
        started.add(r);
        startedWith.put(r.name(), with);
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
        if (announcer != null) {
            // first: the routers move the flows to the other directors while this one still forwards
            notifiers.removeCheckerListener(announcer);
            announcer.close();
        }
        if (bird != null) {
            bird.close();
        }
        if (checks != null) {
            LvsFlushOnStop flush = config.globalDefs().lvsFlushOnStop();
            // keepalived's clear_services (not run with -I): omega's notifies, each real server's
            // only when the servers are removed one by one rather than flushed; a second for the scripts
            if (!keepTableOnStop) {
                checks.notifyShutdown(flush == null || flush == LvsFlushOnStop.NONE, 1000);
            }
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
        if (!started.isEmpty() && plan != null) {
            // keepalived's notify_shutdown: each sync group STOP after its instances (send_group_notifies:
            // its notify_stop, notify GROUP name STOP 0, the FIFO line, the mail)
            plan.syncGroups().forEach(g -> {
                g.notifies().runForGroup(g.name(), VrrpState.STOP);
                notifiers.group(g.name(), VrrpState.STOP);
            });
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
        fifos.close();
        mails.close(STOP_MAIL_WAIT_MILLIS);
    }
}
