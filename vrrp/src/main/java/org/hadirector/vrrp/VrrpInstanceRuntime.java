package org.hadirector.vrrp;

import java.io.IOException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.hadirector.sys.Addresses;
import org.hadirector.sys.Interfaces;
import org.hadirector.sys.Mailbox;
import org.hadirector.sys.NativeException;
import org.hadirector.sys.Poller;
import org.hadirector.sys.RateLimitedLog;
import org.hadirector.sys.RawIpSocket;
import org.hadirector.sys.RtNetlink;
import org.hadirector.sys.WakeUp;
import org.hadirector.vrrp.codec.Advertisement;
import org.hadirector.vrrp.codec.AdvertisementCodec;
import org.hadirector.vrrp.codec.AdvertisementException;
import org.hadirector.vrrp.codec.Checksum;
import org.hadirector.vrrp.codec.DropReason;
import org.hadirector.vrrp.track.InstanceTracking;
import org.hadirector.vrrp.track.ProcessMonitor;
import org.hadirector.vrrp.track.ScriptRunner;
import org.hadirector.vrrp.track.ScriptState;
import org.hadirector.vrrp.track.TrackedProcess;
import org.hadirector.vrrp.track.TrackedScript;
import org.hadirector.vrrp.track.TrackedSourceAddress;
import org.hadirector.vrrp.track.TrackedWeight;
import org.hadirector.vrrp.track.TrackerSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One vrrp_instance on real sockets: a thread of its own runs the loop that feeds the state
 * machine with received adverts, link events and timer expiries, and carries out its actions
 * (adverts, VIPs through rtnetlink, gratuitous ARP through AF_PACKET, notify scripts).
 */
public final class VrrpInstanceRuntime implements VrrpActions {
    private static final Logger LOG = LoggerFactory.getLogger(VrrpInstanceRuntime.class);
    private final InstanceConfig config;
    private final String name;
    private final Path sysClassNet;
    private VrrpStateMachine machine;
    private final GarpPlan garp;
    /** The VIPs held back by vrrp_garp_interval / vrrp_gna_interval, sent as their interface's pacer allows. */
    private final GarpQueue garpQueue;
    /** The VIPs and excluded VIPs, all announced, in the queue's order; and where each one's GARP goes. */
    private final List<VirtualAddress> garpVips;

    private final List<GarpRoute> garpRoutes;
    /** The send sockets of each interface with VIPs, by name (the instance's or its VMAC, and VIPs' devs). */
    private final Map<String, GarpLink> garpLinks = new java.util.LinkedHashMap<>();
    /** A VIP's dev that could not be opened again after it was re-created: one line each 10 s, counted. */
    private final RateLimitedLog garpLinkLog = RateLimitedLog.everyPeriod();
    /** Operator commands, status requests and events of other threads, run on the instance's loop. */
    private final Mailbox commands = new Mailbox(this::signal);

    private final CountDownLatch stopped = new CountDownLatch(1);
    private final List<StateListener> listeners = new java.util.concurrent.CopyOnWriteArrayList<>();
    private final Map<DropReason, Long> drops = new EnumMap<>(DropReason.class);
    private volatile boolean running = true;
    private volatile long advertsSent;
    private volatile long advertsReceived;
    private long transitions;
    private String lastTransition = "";

    private RawIpSocket socket;
    /** Bound to our source address; a bound raw socket would not receive multicast, hence two. */
    private RawIpSocket sender;

    private RtNetlink netlink;
    private RtNetlink links;

    private WakeUp wakeUp;
    private int ifindex;
    private InetAddress source;
    private AdvertisementFilter filter;
    private volatile Thread thread;
    private boolean opened;
    private boolean vipsInstalled;
    private volatile java.util.function.Consumer<String> faultListener = f -> {};
    private volatile String fault;
    private volatile long restarts;
    private long overrunLoggedAt = Long.MIN_VALUE;
    private long overruns;
    /** Tracked objects, dependencies and the sync group's verdict, combined (pure). */
    private final InstanceTracking tracking = new InstanceTracking();

    private final TrackerSet trackers = tracking.trackers();
    /** track_src_ip: whether the configured source is on the interface; null without. */
    private final TrackedSourceAddress sourceTracker;
    /**
     * A unicast instance without track_src_ip whose source was not on the host when it opened:
     * it waits in FAULT for the address (keepalived's socket cannot bind, see {@link #openIo});
     * null when not waiting.
     */
    private TrackedSourceAddress awaitedSource;
    /** The waiting's key among the trackers, null without a configured source. */
    private final String awaitedKey;

    /** Tracked interfaces by index, as link events name them. */
    private final Map<Integer, String> trackedIndexes = new java.util.HashMap<>();

    private final Map<String, ScriptState> scriptStates = new java.util.HashMap<>();
    private final PromoteSecondaries promoteSecondaries;
    /** use_vmac's interface, null without. */
    private final VmacLink vmacLink;
    /** The VMAC's index while it is up, else 0. */
    private int vmacIndex;

    private ScriptRunner scripts;
    /** The tracked processes watched since the trackers were set up (closed with the sockets). */
    private final List<ProcessMonitor.Watch> processWatches = new java.util.concurrent.CopyOnWriteArrayList<>();

    private SyncGroup group;
    /** The notify FIFOs' events; set before {@link #start()}. */
    private volatile VrrpNotifications notifications = VrrpNotifications.NONE;
    /** notify_priority_changes: each change of the effective priority is an event. */
    private volatile boolean notifyPriorityChanges;

    public VrrpInstanceRuntime(InstanceConfig config, Path sysClassNet) {
        this.config = config;
        this.name = config.name();
        this.sysClassNet = sysClassNet;
        this.garp = new GarpPlan(config.garp());
        // keepalived sends each VIP's GARPs on its own interface and paces them on that
        // interface's base (IF_BASE_IFP): a VMAC's on the instance's interface
        this.garpVips = GarpRoute.garpVips(config);
        this.garpRoutes = GarpRoute.of(config);
        this.garpQueue = new GarpQueue(
                garpVips.stream().map(VirtualAddress::isIpv6).toList(),
                garpRoutes.stream().map(r -> r.pacer(config)).toList());
        this.sourceTracker = config.trackSourceAddress() && config.sourceAddress() != null
                ? new TrackedSourceAddress(config.sourceAddress())
                : null;
        this.awaitedKey = config.sourceAddress() != null
                ? TrackedSourceAddress.onHost(config.sourceAddress(), "unicast_src_ip")
                        .key()
                : null;
        this.promoteSecondaries = new PromoteSecondaries(Path.of("/proc/sys/net/ipv4/conf"), name);
        this.vmacLink = config.vmac() == null
                ? null
                : new VmacLink(config.vmac(), config.interfaceName(), name, Path.of("/proc/sys/net"));
    }

    /**
     * Opens the sockets and resolves the interfaces, the source address and the advert filter;
     * no thread runs and nothing on the host changes, so a reload can open a new instance while
     * the old one still runs, and keep the old one when this fails. On failure everything opened
     * is closed.
     */
    public void open() throws IOException {
        if (vmacLink != null) {
            // The sockets need the VMAC, and it is made at start: during a reload the old
            // instance still runs, and deletes its VMAC when it stops.
            existing(config.interfaceName(), "interface ");
            for (VirtualAddress v : allVips()) {
                if (v.dev() != null) {
                    existing(v.dev(), "virtual_ipaddress " + v + ": interface ");
                }
            }
            return;
        }
        openNow();
    }

    private void openNow() throws IOException {
        if (wakeUp == null) {
            wakeUp = new WakeUp();
        }
        try {
            openIo();
            opened = true;
        } catch (IOException | RuntimeException e) {
            closeIo();
            wakeUp.close();
            wakeUp = null;
            throw e;
        }
    }

    /**
     * Starts the loop ({@link #open} first unless it was called): VIPs a previous run left are
     * removed, the trackers read, the thread started. On failure everything opened is closed.
     */
    /** keepalived's num_config_faults: set before start, the instance stays in FAULT for it. */
    private volatile String configFault;

    /**
     * A configuration fault (keepalived's num_config_faults, e.g. unicast_fault_no_peer without
     * peers): the instance enters FAULT at start and stays there. Before {@link #start}.
     */
    public void configFault(String reason) {
        configFault = reason;
    }

    private volatile boolean startupHold;

    private volatile long startupHoldUntil;

    /**
     * vrrp_startup_delay: until {@code untilNanos} (System.nanoTime) the backup's timer runs from
     * then, not from now (see {@link VrrpStateMachine#holdUntil}). Before {@link #start}.
     */
    public void delayStartUntil(long untilNanos) {
        startupHoldUntil = untilNanos;
        startupHold = true;
    }

    public void start() throws IOException {
        if (!opened) {
            try {
                openNow();
            } catch (IOException | RuntimeException e) {
                removeVmac();
                throw e;
            }
        }
        try {
            prepareHost();
        } catch (IOException | RuntimeException e) {
            closeIo();
            removeVmac();
            wakeUp.close();
            wakeUp = null;
            opened = false;
            throw e;
        }
        thread = new Thread(this::loop, "vrrp-" + name);
        thread.start();
    }

    /** What start (and a restart) does on the host: the stale-VIP sweep, the trackers read afresh. */
    private void prepareHost() throws IOException {
        // Only now: while a reload opens this instance, the old one may still hold these VIPs.
        removeStaleVips(netlink.addresses(0));
        setUpTrackers();
        if (config.promoteSecondaries() && !config.isIpv6() && vmacLink == null) {
            promoteSecondaries.set(config.interfaceName());
        }
    }

    /**
     * Told when the instance's own loop fails and while it is restarted (a reason), and when it
     * runs again (null); on the instance's thread, must not block.
     */
    public void onFault(java.util.function.Consumer<String> listener) {
        this.faultListener = listener;
    }

    /**
     * Told of the events keepalived writes to its notify FIFOs, on the instance's thread; with
     * {@code priorityChanges} (notify_priority_changes), of each change of the effective priority
     * too. Call before {@link #start()}.
     */
    public void notifications(VrrpNotifications n, boolean priorityChanges) {
        this.notifications = n;
        this.notifyPriorityChanges = priorityChanges;
    }

    /** Why the instance's loop is not running now (it failed and is being restarted), or null. */
    public String fault() {
        return fault;
    }

    public long restarts() {
        return restarts;
    }

    /**
     * A part this instance's VIP depends on (the forwarder that serves it) is down ({@code reason})
     * or up again (null): like a tracked interface of weight 0, a down part means FAULT, so the
     * peer takes the VIP instead of this director holding it while forwarding nothing.
     */
    public void dependency(String part, String reason) {
        post(() -> {
            if (tracking.dependency(part, reason)) {
                if (reason == null) {
                    LOG.info("{}: {} is back", name, part);
                } else {
                    LOG.warn("{}: {} is down ({}): FAULT until it is back", name, part, reason);
                }
                applyTrackers(System.nanoTime());
            }
        });
    }

    /** Makes the loop fail as a real fault would (the part-death drill); it is restarted. */
    public void injectFailure() {
        post(() -> {
            throw new IllegalStateException("injected failure (fault-inject vrrp " + name + ")");
        });
    }

    /** Everything the loop needs of the host, opened by the interface's name as it is now. */
    private void openIo() throws IOException {
        ifindex = existing(config.interfaceName(), "interface ");
        // A VIP whose dev is missing would leave a master without its address: an error now.
        for (VirtualAddress v : allVips()) {
            if (v.dev() != null) {
                existing(v.dev(), "virtual_ipaddress " + v + ": interface ");
            }
        }
        netlink = RtNetlink.open();
        // One dump serves the choice of source and our own addresses.
        List<RtNetlink.Address> present = netlink.addresses(0);
        source = config.sourceAddress() != null ? config.sourceAddress() : primaryAddress(present);
        Vmac vmac = config.vmac();
        if (source == null && vmac != null && vmac.ipv6() && !vmac.xmitBase()) {
            // keepalived: a link-local address made from the base interface's MAC
            RtNetlink.LinkDetails b = netlink.linkDetails(config.interfaceName());
            if (b != null && b.mac() != null && b.mac().length == 6) {
                source = Vmac.linkLocal(b.mac());
            }
        }
        if (source == null) {
            throw new IOException(name + ": interface " + config.interfaceName() + " has no "
                    + (config.isIpv6() ? "IPv6 link-local" : "IPv4") + " address to send VRRP from");
        }
        // Adverts go through the VMAC unless vmac_xmit_base; the VIPs of its family, their GARPs
        // and NAs always do (GarpRoute).
        String adverts = config.interfaceName();
        if (vmac != null) {
            boolean ipv6On = !vmac.ipv6() && config.excludedVips().stream().anyMatch(VirtualAddress::isIpv6);
            vmacIndex = vmacLink.ensure(netlink, ifindex, vmac.ipv6() && !vmac.xmitBase() ? source : null, ipv6On);
            adverts = vmac.xmitBase() ? config.interfaceName() : vmac.name();
        }
        awaitedSource = null;
        if (config.sourceAddress() != null
                && sourceTracker == null
                && present.stream().noneMatch(a -> a.address().equals(source))) {
            if (config.multicastGroup() == null) {
                // keepalived binds its unicast receive socket to the source: that fails, the instance
                // is in FAULT (vrrp.c, open_sockpool_socket), and stays so until a reload. Here it
                // leaves FAULT when the address comes: the bind keepalived waits for would succeed.
                awaitedSource = TrackedSourceAddress.onHost(source, "unicast_src_ip");
            } else {
                // keepalived's multicast sockets are not bound to it: it runs, sending from it
                LOG.warn(
                        "{}: mcast_src_ip {} is not on this host; adverts are sent from it all the same, as"
                                + " keepalived does",
                        name,
                        Addresses.format(source));
            }
        }
        // After the VMAC is made: its creation's events are not news to the trackers, read afresh.
        // track_src_ip (or a source awaited) needs the address events too; the trackers' dump comes
        // after this opens.
        links = sourceTracker != null || awaitedSource != null
                ? RtNetlink.monitorLinksAndAddresses()
                : RtNetlink.monitorLinks();
        socket = RawIpSocket.open(adverts, config.isIpv6(), Checksum.IPPROTO_VRRP);
        for (GarpRoute r : garpRoutes) {
            if (!garpLinks.containsKey(r.link())) {
                garpLinks.put(r.link(), openGarpLink(r.link()));
            }
        }
        sender = RawIpSocket.open(adverts, config.isIpv6(), Checksum.IPPROTO_VRRP);
        sender.sendOnly();
        if (config.sourceAddress() != null) {
            // A configured source that is missing is a state, not a bind error: track_src_ip's and
            // a unicast instance's FAULT, a multicast instance's adverts (keepalived sends from it,
            // writing the IP header itself); and a master whose source is removed still sends.
            sender.transparent();
        }
        sender.bind(source);
        if (!config.unicastPeers().isEmpty() && config.unicastTtl() != 255) {
            sender.unicastTtl(config.unicastTtl());
        }
        // The tie-break at equal priority compares primary addresses: ours is the one we send from.
        machine = new VrrpStateMachine(config.settings().withPrimaryAddress(source), this);
        if (startupHold) {
            machine.holdUntil(startupHoldUntil);
        }
        if (config.multicastGroup() != null) {
            socket.joinGroup(config.multicastGroup());
        }
        List<InetAddress> vipAddresses =
                config.vips().stream().map(VirtualAddress::address).toList();
        List<InetAddress> own = new ArrayList<>();
        for (RtNetlink.Address a : present) {
            if (a.ifindex() == ifindex) {
                own.add(a.address());
            }
        }
        own.add(source);
        // VIPs (excluded ones too) are never our own source: a peer's adverts may carry them.
        own.removeAll(allVips().stream().map(VirtualAddress::address).toList());
        VrrpSettings s = config.settings();
        filter = new AdvertisementFilter(
                s.version(),
                s.vrid(),
                config.authPassword() == null ? 0 : 1,
                Advertisement.passwordBytes(config.authPassword()),
                s.advertIntervalCentis(),
                vipAddresses,
                config.skipAddressCheck(),
                java.util.Set.copyOf(config.unicastPeers()),
                config.checkUnicastSource(),
                config.unicastMinTtl(),
                config.unicastMaxTtl(),
                java.util.Set.copyOf(own));
    }

    private int existing(String ifname, String what) throws IOException {
        try {
            return Interfaces.index(ifname);
        } catch (NativeException e) {
            throw new IOException(name + ": " + what + ifname + " does not exist", e);
        }
    }

    private void setUpTrackers() throws IOException {
        if (configFault != null) {
            // a weight-0 object that is never up: FAULT from start, and the sync group hears of it
            trackers.add(configFault, new TrackedWeight(0, false), false);
        }
        if (!config.dontTrackPrimary()) {
            trackInterface(config.interfaceName(), new TrackedWeight(0, false));
            if (vmacLink != null) {
                // keepalived's instance interface is the VMAC: down (or gone), the instance faults
                trackInterface(vmacLink.name(), new TrackedWeight(0, false));
            }
        }
        for (InstanceConfig.TrackedInterface t : config.trackInterfaces()) {
            if (!t.name().equals(config.interfaceName())) {
                trackInterface(t.name(), t.weight());
            }
        }
        if (awaitedSource != null) {
            // from a dump taken after the address events' socket opened: none is missed between
            awaitedSource.resync(List.of(ifindex), netlink.addresses(0));
            trackers.add(awaitedKey, new TrackedWeight(0, false), awaitedSource.present());
            if (awaitedSource.present()) {
                awaitedSource = null;
            } else {
                LOG.warn(
                        "{}: unicast_src_ip {} is not on this host: FAULT until it is (keepalived 2.2.7: until a"
                                + " reload)",
                        name,
                        Addresses.format(source));
            }
        } else if (awaitedKey != null && trackers.contains(awaitedKey)) {
            // a restart found the address an earlier run waited for
            trackers.update(awaitedKey, true);
        }
        if (sourceTracker != null) {
            readSourceAddress();
            trackers.add(sourceTracker.key(), new TrackedWeight(0, false), sourceTracker.present());
            if (!sourceTracker.present()) {
                LOG.warn(
                        "{}: source address {} is not on {}: FAULT until it is (track_src_ip)",
                        name,
                        Addresses.format(sourceTracker.source()),
                        config.interfaceName());
            }
        }
        for (org.hadirector.vrrp.track.TrackedFile f : config.trackFiles()) {
            trackers.addValue(f.key(), f.weight(), f.read());
        }
        for (TrackedProcess p : config.trackProcesses()) {
            ProcessMonitor.Watch w = ProcessMonitor.shared()
                    .watch(p.match(), (up, count, why) -> post(() -> processChanged(p, up, count, why)));
            processWatches.add(w);
            trackers.add(p.key(), p.weight(), w.up());
            LOG.info("{}: {} is {} ({} matching)", name, p.key(), w.up() ? "up" : "down", w.count());
        }
        for (TrackedScript s : config.trackScripts()) {
            ScriptState st = new ScriptState(s.rise(), s.fall(), s.initFail());
            scriptStates.put(s.name(), st);
            trackers.add(s.key(), s.weight(), st.up());
        }
    }

    /** The source tracker from a dump of the interface's (and its VMAC's) addresses; true when that changed it. */
    private boolean readSourceAddress() throws NativeException {
        List<Integer> watched = vmacIndex != 0 ? List.of(ifindex, vmacIndex) : List.of(ifindex);
        return sourceTracker.resync(watched, netlink.addresses(0));
    }

    /** An address event: only the configured source's own matter (track_src_ip, or a source awaited). */
    private void addressChanged(RtNetlink.AddressEvent e, long now) {
        if (awaitedSource != null && e.added() && awaitedSource.added(e.address())) {
            sourceArrived(now);
        }
        if (sourceTracker == null) {
            return;
        }
        boolean changed = e.added() ? sourceTracker.added(e.address()) : sourceTracker.removed(e.address());
        if (changed) {
            sourceChanged(now);
        }
    }

    /**
     * The awaited unicast source is on the host: out of FAULT for it, and no longer followed
     * (without track_src_ip its later removal is no fault, as in keepalived).
     */
    private void sourceArrived(long now) {
        awaitedSource = null;
        LOG.info(
                "{}: unicast_src_ip {} is on this host now: no longer a FAULT (keepalived 2.2.7 waits for a reload)",
                name,
                Addresses.format(source));
        if (trackers.update(awaitedKey, true)) {
            applyTrackers(now);
        }
    }

    private void sourceChanged(long now) {
        boolean present = sourceTracker.present();
        if (present) {
            LOG.info(
                    "{}: source address {} is back on {} (track_src_ip)",
                    name,
                    Addresses.format(sourceTracker.source()),
                    config.interfaceName());
        } else {
            LOG.warn(
                    "{}: source address {} left {}: FAULT until it is back (track_src_ip)",
                    name,
                    Addresses.format(sourceTracker.source()),
                    config.interfaceName());
        }
        if (trackers.update(sourceTracker.key(), present)) {
            applyTrackers(now);
        }
    }

    private void trackInterface(String ifname, TrackedWeight weight) throws NativeException {
        boolean up = false;
        try {
            int idx = Interfaces.index(ifname);
            trackedIndexes.put(idx, ifname);
            RtNetlink.Link l = netlink.link(idx);
            up = l != null && l.usable();
        } catch (NativeException e) {
            LOG.warn("{}: tracked interface {} does not exist; counted as down", name, ifname);
        }
        trackers.add("interface " + ifname, weight, up);
    }

    private long filesCheckedAt;

    /** Re-reads tracked files that changed; at most every 100 ms. */
    private void checkFiles(long now) {
        if (config.trackFiles().isEmpty() || now - filesCheckedAt < 100_000_000L) {
            return;
        }
        filesCheckedAt = now;
        for (org.hadirector.vrrp.track.TrackedFile f : config.trackFiles()) {
            if (f.changed()) {
                long v = f.read();
                if (trackers.updateValue(f.key(), v)) {
                    LOG.info("{}: track_file {} now holds {}", name, f.name(), v);
                    applyTrackers(now);
                }
            }
        }
    }

    /** Told of every state change, on the instance's thread, after the VIPs moved; must not block. */
    @FunctionalInterface
    public interface StateListener {
        void stateChanged(String instance, VrrpState from, VrrpState to, String reason);
    }

    /** Adds a listener; call before {@link #start()} to see the first transition. */
    public void addStateListener(StateListener l) {
        listeners.add(l);
    }

    public String name() {
        return name;
    }

    /** Operator handover (see {@link VrrpStateMachine#demote}); runs on the instance's thread. */
    public void demote(String reason) {
        post(() -> machine.demote(System.nanoTime(), reason));
    }

    /** Ends a demotion and takes the master role now (see {@link VrrpStateMachine#promote}). */
    public void promote(String reason) {
        post(() -> machine.promote(System.nanoTime(), reason));
    }

    /** Makes this instance a member of {@code g}; call before {@link #start()}. */
    /**
     * A reload removes this instance; call before {@link #stop}. Its stop is then told as
     * keepalived's clear_diff_vrrp tells a deletion rather than as STOP: DELETED with
     * notify_deleted, else FAULT (the old way keepalived keeps), and nothing then when the
     * instance already was in FAULT.
     */
    public void removedByReload(boolean notifyDeleted) {
        removal = notifyDeleted ? Removal.DELETED : Removal.FAULT;
    }

    private enum Removal {
        FAULT,
        DELETED
    }

    /** Set by {@link #removedByReload}; null for a stop. */
    private volatile Removal removal;

    public void joinSyncGroup(SyncGroup g) {
        this.group = g;
        g.join(new SyncGroup.Member() {
            @Override
            public String name() {
                return name;
            }

            @Override
            public void syncTo(VrrpState state, String reason) {
                post(() -> {
                    long now = System.nanoTime();
                    if (state == VrrpState.MASTER) {
                        machine.forceMaster(now, reason);
                    } else if (state == VrrpState.BACKUP) {
                        machine.forceBackup(now, reason);
                    }
                });
            }

            @Override
            public void groupFault(boolean fault, String reason) {
                post(() -> {
                    tracking.groupFault(fault ? reason : null);
                    applyTrackers(System.nanoTime());
                });
            }
        });
    }

    private void post(Runnable r) {
        commands.post(r);
    }

    private void signal() {
        WakeUp w = wakeUp;
        if (w != null) {
            w.signal();
        }
    }

    /** The trackers' verdict, handed to the state machine (and to the sync group, if any). */
    private void applyTrackers(long now) {
        InstanceTracking.Verdict v = tracking.verdict();
        int before = machine.effectivePriority();
        machine.setPriorityAdjustment(v.adjustment());
        int after = machine.effectivePriority();
        if (notifyPriorityChanges && after != before) {
            // keepalived's send_instance_priority_notifies: MASTER_PRIORITY as master, BACKUP_PRIORITY else
            notifications.priorityChanged(name, machine.state() == VrrpState.MASTER, after);
        }
        machine.setFault(v.fault() != null, v.reason(), now);
        if (group != null && v.ownFaultChanged()) {
            group.ownFault(name, v.ownFault() != null, v.ownFault());
        }
    }

    /** A tracked process gained or lost its quorum (told by the process monitor, run on this thread). */
    private void processChanged(TrackedProcess p, boolean up, int count, String why) {
        if (trackers.update(p.key(), up)) {
            LOG.info("{}: {} is now {} ({})", name, p.key(), up ? "up" : "down", why);
            applyTrackers(System.nanoTime());
        }
    }

    private void scriptResult(TrackedScript s, boolean success) {
        post(() -> {
            ScriptState st = scriptStates.get(s.name());
            if (st != null && st.onResult(success)) {
                LOG.info("{}: vrrp_script {} is now {}", name, s.name(), st.up() ? "OK" : "FAILED");
                if (trackers.update(s.key(), st.up())) {
                    applyTrackers(System.nanoTime());
                }
            }
        });
    }

    /** Graceful stop: priority 0 if master, VIPs removed; waits up to {@code timeoutMillis}. */
    public void stop(long timeoutMillis) throws InterruptedException {
        running = false;
        if (thread == null) {
            // Opened (or not even that) but never started: no loop to end, only sockets to close.
            closeIo();
            if (wakeUp != null) {
                wakeUp.close();
                wakeUp = null;
            }
            stopped.countDown();
            return;
        }
        if (stopped.getCount() == 0) {
            return;
        }
        if (wakeUp != null) {
            wakeUp.signal();
        }
        stopped.await(timeoutMillis, TimeUnit.MILLISECONDS);
    }

    /**
     * A consistent snapshot, taken on the instance's thread; null when the instance does not
     * answer within {@code timeoutMillis} (stopped, or stuck).
     */
    public InstanceStatus status(long timeoutMillis) {
        if (wakeUp == null || !running) {
            return null;
        }
        try {
            return commands.call(this::snapshot, timeoutMillis);
        } catch (Mailbox.NoAnswer e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }

    private InstanceStatus snapshot() {
        InetAddress master = machine.masterAddress();
        List<InstanceStatus.DropCount> d = new ArrayList<>();
        drops.forEach((k, v) -> d.add(new InstanceStatus.DropCount(k.name(), v)));
        return new InstanceStatus(
                name,
                config.interfaceName(),
                machine.state(),
                machine.effectivePriority(),
                config.settings().basePriority(),
                master == null ? null : Addresses.format(master),
                config.vips().stream().map(VirtualAddress::toString).toList(),
                advertsSent,
                advertsReceived,
                transitions,
                lastTransition,
                d);
    }

    /** True from a successful {@link #start} until its loop ends (stopped, or failed). */
    public boolean alive() {
        Thread t = thread;
        return t != null && t.isAlive();
    }

    public VrrpState state() {
        return machine == null ? VrrpState.INIT : machine.state();
    }

    /**
     * Runs the instance until it is stopped. A loop that fails (a socket error, its interface
     * re-created) is restarted by name with a backoff: the VIPs are removed first (a master sends
     * priority 0 when it still can), so a failed instance never holds them. An Error is not
     * caught: it ends the process (see the daemon's uncaught-exception handler).
     */
    private void loop() {
        long backoffMs = 0;
        String lastFailure = null;
        try {
            while (running) {
                try {
                    if (socket == null) {
                        try {
                            openIo();
                            prepareHost();
                        } catch (IOException | RuntimeException e) {
                            closeIo();
                            throw e;
                        }
                        LOG.info("{}: restarted on {} (ifindex {})", name, config.interfaceName(), ifindex);
                        setFault(null);
                        lastFailure = null;
                    }
                    runMachine();
                    backoffMs = 0;
                } catch (IOException | RuntimeException e) {
                    if (!running) {
                        break;
                    }
                    restarts++;
                    String why = e.getMessage() == null ? e.toString() : e.getMessage();
                    if (!why.equals(lastFailure)) {
                        LOG.error("{}: VRRP loop failed: {}; restarting it with a backoff", name, why, e);
                        lastFailure = why;
                    }
                    setFault("VRRP loop failed: " + why);
                    quietly(() -> machine.stop(System.nanoTime()));
                    quietly(this::removeVips);
                    closeIo();
                    backoffMs = backoffMs == 0 ? 100 : Math.min(1_000, backoffMs * 2);
                    serveCommandsFor(backoffMs);
                }
            }
        } finally {
            closeIo();
            removeVmac();
            promoteSecondaries.restore();
            if (wakeUp != null) {
                wakeUp.close();
            }
            stopped.countDown();
        }
    }

    private static void quietly(Runnable r) {
        try {
            r.run();
        } catch (RuntimeException ignored) {
            // best effort while failing
        }
    }

    private void setFault(String why) {
        if (!java.util.Objects.equals(fault, why)) {
            fault = why;
            try {
                faultListener.accept(why);
            } catch (RuntimeException e) {
                LOG.warn("{}: fault listener: {}", name, e.toString());
            }
        }
    }

    /** Between restarts: answer status and operator commands, wake up early on stop. */
    private void serveCommandsFor(long ms) {
        long end = System.nanoTime() + ms * 1_000_000L;
        while (running) {
            for (boolean more = true; more; ) {
                try {
                    more = commands.runOne();
                } catch (RuntimeException ignored) {
                    // best effort while failing
                }
            }
            long left = end - System.nanoTime();
            if (left <= 0) {
                return;
            }
            try {
                wakeUp.await((int) Math.max(1, left / 1_000_000L));
            } catch (NativeException e) {
                return;
            }
        }
    }

    /** One run of the state machine on the open sockets; returns when stopped, throws when failed. */
    private void runMachine() throws IOException {
        byte[] buf = new byte[65536];
        RawIpSocket.Received rx = new RawIpSocket.Received();
        Poller poller = new Poller(socket.fd(), links.fd(), wakeUp.fd());
        long now = System.nanoTime();
        applyTrackers(now);
        machine.start(now);
        if (!config.trackScripts().isEmpty()) {
            scripts = new ScriptRunner();
            for (TrackedScript s : config.trackScripts()) {
                scripts.schedule(name, s, this::scriptResult);
            }
        }
        while (running) {
            now = System.nanoTime();
            long deadline = Math.min(
                    machine.nextDeadlineNanos(),
                    Math.min(garp.nextDeadlineNanos(now), garpQueue.nextDeadlineNanos(now)));
            long waitNanos = deadline == Long.MAX_VALUE ? 1_000_000_000L : Math.max(0, deadline - now);
            int timeout = (int) Math.min(1000, (waitNanos + 999_999) / 1_000_000);
            long ready = poller.await(timeout);
            now = System.nanoTime();
            if ((ready & 1) != 0 && socket.receive(buf, rx)) {
                received(buf, rx, now);
            }
            if ((ready & 2) != 0) {
                long t = now;
                if (!links.readEvents(l -> linkChanged(l, t), a -> addressChanged(a, t))) {
                    overrun(now);
                }
                if (recreated != null) {
                    String why = recreated;
                    recreated = null;
                    throw new IOException(why);
                }
            }
            if ((ready & 4) != 0) {
                wakeUp.clear();
            }
            commands.drain();
            checkFiles(now);
            machine.onTimer(now);
            sendGarps(garp.due(now));
            sendGarps(garpQueue.due(now));
        }
        machine.stop(System.nanoTime());
    }

    /** Set by a link event that shows our interface re-created under its name (a new ifindex). */
    private String recreated;

    /**
     * The link event socket overran: events were lost, so every tracked link (and our own
     * interface's index) is read afresh, as keepalived does after its netlink overrun, and with
     * track_src_ip the interface's addresses too.
     */
    private void overrun(long now) throws NativeException {
        overruns++;
        if (now - overrunLoggedAt >= 10_000_000_000L || overrunLoggedAt == Long.MIN_VALUE) {
            LOG.warn(
                    "{}: link{} events overran the netlink socket ({} times so far); reading them afresh",
                    name,
                    sourceTracker != null || awaitedSource != null ? " and address" : "",
                    overruns);
            overrunLoggedAt = now;
        }
        java.util.Set<String> names = new java.util.LinkedHashSet<>(trackedIndexes.values());
        names.add(config.interfaceName());
        for (String n : names) {
            int idx;
            try {
                idx = Interfaces.index(n);
            } catch (NativeException e) {
                for (Map.Entry<Integer, String> en : List.copyOf(trackedIndexes.entrySet())) {
                    if (en.getValue().equals(n)) {
                        linkChanged(new RtNetlink.Link(en.getKey(), n, false, false), now);
                    }
                }
                continue;
            }
            RtNetlink.Link l = netlink.link(idx);
            if (l != null) {
                linkChanged(l, now);
            }
        }
        // a VIP's dev re-created while its events were lost
        for (String link : garpRoutes.stream().map(GarpRoute::link).distinct().toList()) {
            try {
                RtNetlink.Link l = netlink.link(Interfaces.index(link));
                if (l != null && isRecreatedVipDev(l)) {
                    reopenGarpLink(link, now);
                }
            } catch (NativeException e) {
                // gone: its next link event tells when it is back
            }
        }
        // lost address events: the source's presence from a dump, as at start
        if (awaitedSource != null) {
            awaitedSource.resync(List.of(ifindex), netlink.addresses(0));
            if (awaitedSource.present()) {
                sourceArrived(now);
            }
        }
        if (sourceTracker != null && readSourceAddress()) {
            sourceChanged(now);
        }
    }

    private void received(byte[] buf, RawIpSocket.Received rx, long now) {
        Advertisement a;
        try {
            a = AdvertisementCodec.decode(
                    buf,
                    rx.payloadOffset,
                    rx.length - rx.payloadOffset,
                    rx.source,
                    rx.destination != null ? rx.destination : source,
                    config.v3ChecksumAsV2());
        } catch (AdvertisementException e) {
            drop(e.reason(), rx.source, e.getMessage(), now);
            return;
        }
        DropReason why = filter.check(a, rx.source, rx.ttl);
        if (why != null) {
            if (why != DropReason.OWN_PACKET && why != DropReason.WRONG_VRID) {
                drop(why, rx.source, a.toString(), now);
            }
            return;
        }
        advertsReceived++;
        machine.onAdvertisement(a, rx.source, now);
    }

    /** Per drop reason: the first line at once, then one each 10 s with the count (a flood is not a log flood). */
    private final Map<DropReason, RateLimitedLog> dropLogs = new EnumMap<>(DropReason.class);

    private void drop(DropReason reason, InetAddress from, String detail, long now) {
        long n = drops.merge(reason, 1L, Long::sum);
        long lines = dropLogs.computeIfAbsent(reason, r -> RateLimitedLog.everyPeriod())
                .admit(now);
        if (lines > 0) {
            LOG.warn(
                    "{}: dropped packet from {}: {}{}",
                    name,
                    from == null ? "?" : Addresses.format(from),
                    detail,
                    RateLimitedLog.notLogged(lines - 1, n));
        }
    }

    /** Whether {@code ifname} has index {@code ifindex} now (an event is not about an older incarnation). */
    private static boolean stillIndex(String ifname, int ifindex) {
        try {
            return Interfaces.index(ifname) == ifindex;
        } catch (NativeException e) {
            return false;
        }
    }

    private boolean stillThere(String ifname) {
        try {
            return Interfaces.index(ifname) == vmacIndex;
        } catch (NativeException e) {
            return false;
        }
    }

    /** Deletes the VMAC (if this instance has one up) and puts its sysctls back. */
    private void removeVmac() {
        if (vmacLink != null) {
            vmacIndex = 0;
            vmacLink.remove();
        }
    }

    private void linkChanged(RtNetlink.Link l, long now) {
        if (l.name() != null
                && l.ifindex() != ifindex
                && l.name().equals(config.interfaceName())
                && (l.up() || l.lowerUp())) {
            // Our interface was deleted and made again: the sockets are bound to the old one.
            recreated = "interface " + l.name() + " was re-created (ifindex " + ifindex + " -> " + l.ifindex() + ")";
        }
        if (vmacIndex != 0 && l.ifindex() == vmacIndex && !l.up() && !l.lowerUp() && !stillThere(vmacLink.name())) {
            // keepalived re-creates a VMAC someone deleted (with its base interface, or alone)
            recreated = "VMAC " + vmacLink.name() + " was deleted";
        }
        if (isRecreatedVipDev(l) && stillIndex(l.name(), l.ifindex())) {
            reopenGarpLink(l.name(), now);
        }
        if (l.name() != null && !trackedIndexes.containsKey(l.ifindex()) && trackedIndexes.containsValue(l.name())) {
            // A tracked interface came back under a new index: follow it by name.
            trackedIndexes.values().remove(l.name());
            trackedIndexes.put(l.ifindex(), l.name());
        }
        String ifname = trackedIndexes.get(l.ifindex());
        if (ifname != null && trackers.update("interface " + ifname, l.usable())) {
            LOG.info("{}: tracked interface {} is {}", name, ifname, l.usable() ? "up" : "down");
            applyTrackers(now);
        }
    }

    // ---- VrrpActions

    @Override
    public void sendAdvertisement(int priority) {
        VrrpSettings s = config.settings();
        List<InetAddress> addrs =
                config.vips().stream().map(VirtualAddress::address).toList();
        Advertisement a = new Advertisement(
                s.version(),
                s.vrid(),
                priority,
                s.advertIntervalCentis(),
                config.authPassword() == null ? 0 : 1,
                Advertisement.passwordBytes(config.authPassword()),
                addrs);
        List<InetAddress> to =
                config.multicastGroup() != null ? List.of(config.multicastGroup()) : config.unicastPeers();
        for (InetAddress dst : to) {
            byte[] payload = AdvertisementCodec.encode(
                    a,
                    source,
                    dst,
                    config.v3ChecksumAsV2()
                            ? AdvertisementCodec.V3Checksum.AS_V2
                            : AdvertisementCodec.V3Checksum.RFC5798);
            try {
                sender.send(payload, dst);
                advertsSent++;
            } catch (NativeException e) {
                long lines = sendFailureLog.admit(System.nanoTime());
                if (lines > 0) {
                    LOG.warn(
                            "{}: cannot send advertisement to {}: {}{}",
                            name,
                            Addresses.format(dst),
                            e.getMessage(),
                            RateLimitedLog.notLogged(lines - 1, sendFailureLog.total()));
                }
            }
        }
    }

    @Override
    public void stateChanged(VrrpState from, VrrpState to, String reason) {
        LOG.info("{}: {} -> {} ({}), priority {}", name, from, to, reason, machine.effectivePriority());
        transitions++;
        lastTransition = from + " -> " + to + " (" + reason + ")";
        long now = System.nanoTime();
        if (to == VrrpState.MASTER) {
            addVips();
            sendGarps(garp.becameMaster(now));
        } else if (from == VrrpState.MASTER) {
            garp.leftMaster();
            garpQueue.clear();
            removeVips();
        }
        if (to != VrrpState.INIT) {
            notifyTransition(from, to);
        }
        if (group != null) {
            group.memberChanged(name, to);
        }
        for (StateListener l : listeners) {
            try {
                l.stateChanged(name, from, to, reason);
            } catch (RuntimeException e) {
                LOG.error("{}: state listener failed: {}", name, e.toString(), e);
            }
        }
    }

    /** The notify scripts, FIFO line and mail of a transition, as vrrp_notify.c's send_instance_notifies. */
    private void notifyTransition(VrrpState from, VrrpState to) {
        int priority = machine.effectivePriority();
        Removal r = removal;
        if (to == VrrpState.STOP && r == Removal.DELETED) {
            config.notifyScripts().runDeleted(name, priority);
            notifications.deleted(name, priority);
            return;
        }
        if (to == VrrpState.STOP && r == Removal.FAULT) {
            if (from != VrrpState.FAULT) {
                config.notifyScripts().run(name, VrrpState.FAULT, priority);
                notifications.instance(name, VrrpState.FAULT, priority);
            }
            return;
        }
        if (group != null && !group.memberNotifies(name, to)) {
            LOG.debug("{}: {}: its sync group {} already is, no notifies (as keepalived)", name, to, group.name());
            return;
        }
        config.notifyScripts().run(name, to, priority);
        notifications.instance(name, to, priority);
    }

    /** A send that fails fails each interval (a link down): one line each 10 s, counted. */
    private final RateLimitedLog sendFailureLog = RateLimitedLog.everyPeriod();
    /** Lower-priority adverts are anyone's to send at line rate: one line each 10 s, counted. */
    private final RateLimitedLog lowerPrioLog = RateLimitedLog.everyPeriod();

    @Override
    public void lowerPriorityMasterSeen(InetAddress sourceOfAdvert, int priority, boolean reassert) {
        long now = System.nanoTime();
        // keepalived's send_event_notify: every such advert, answered or not.
        notifications.masterRxLowerPri(name, machine.effectivePriority());
        long lines = lowerPrioLog.admit(now);
        if (lines > 0) {
            LOG.info(
                    "{}: master with lower priority {} seen at {} (ours {}); re-asserting, at most once an advert "
                            + "interval{}",
                    name,
                    priority,
                    Addresses.format(sourceOfAdvert),
                    machine.effectivePriority(),
                    RateLimitedLog.notLogged(lines - 1, lowerPrioLog.total()));
        }
        if (reassert) {
            sendGarps(garp.lowerPriorityMasterSeen(now));
        }
    }

    private void addVips() {
        for (VirtualAddress v : allVips()) {
            try {
                netlink.addAddress(
                        vipIndex(v),
                        v.address(),
                        v.prefixLength(),
                        v.broadcast(),
                        v.scope(),
                        v.label(),
                        v.flags(),
                        v.preferredLifetime(),
                        v.peer());
            } catch (NativeException e) {
                LOG.error("{}: cannot add VIP {}: {}", name, v, e.getMessage());
            }
        }
        vipsInstalled = true;
    }

    private void removeVips() {
        if (!vipsInstalled || netlink == null) {
            return;
        }
        for (VirtualAddress v : allVips()) {
            try {
                netlink.deleteAddress(vipIndex(v), v.address(), v.prefixLength(), v.peer());
            } catch (NativeException e) {
                LOG.error("{}: cannot remove VIP {}: {}", name, v, e.getMessage());
            }
        }
        vipsInstalled = false;
    }

    /** VIPs left on the interface by a previous run that did not stop cleanly. */
    private void removeStaleVips(List<RtNetlink.Address> present) throws NativeException {
        for (VirtualAddress v : allVips()) {
            int idx = vipIndex(v);
            for (RtNetlink.Address a : present) {
                if (a.ifindex() == idx && a.address().equals(v.address()) && a.prefixLength() == v.prefixLength()) {
                    LOG.info("{}: removing stale VIP {} left from an earlier run", name, v);
                    netlink.deleteAddress(idx, v.address(), v.prefixLength(), v.peer());
                }
            }
        }
    }

    private List<VirtualAddress> allVips() {
        List<VirtualAddress> all = new ArrayList<>(config.vips());
        all.addAll(config.excludedVips());
        return all;
    }

    /**
     * A VIP without dev (or with the instance's interface as dev) is on the instance's interface,
     * or on its VMAC if it is of the instance's family (keepalived puts the other family's
     * excluded VIPs on the base interface).
     */
    private int vipIndex(VirtualAddress v) throws NativeException {
        if (v.dev() == null || v.dev().equals(config.interfaceName())) {
            return vmacIndex != 0 && v.isIpv6() == config.isIpv6() ? vmacIndex : ifindex;
        }
        return Interfaces.index(v.dev());
    }

    private InetAddress primaryAddress(List<RtNetlink.Address> present) {
        List<InetAddress> vipAddresses =
                allVips().stream().map(VirtualAddress::address).toList();
        for (RtNetlink.Address a : present) {
            if (a.ifindex() != ifindex) {
                continue;
            }
            boolean family = config.isIpv6() ? a.address().isLinkLocalAddress() : a.address() instanceof Inet4Address;
            if (family && !vipAddresses.contains(a.address())) {
                return a.address();
            }
        }
        return null;
    }

    /** A burst of gratuitous ARPs / NAs, {@code count} rounds over the VIPs, paced by the interface. */
    private void sendGarps(int count) {
        if (count > 0) {
            sendGarps(garpQueue.burst(count, System.nanoTime()));
        }
    }

    /**
     * Gratuitous ARPs for IPv4 VIPs and unsolicited neighbour advertisements for IPv6 ones, by
     * index, each on its own interface.
     */
    private void sendGarps(List<Integer> which) {
        java.util.Set<Integer> failed = new java.util.HashSet<>();
        // NOARP of the (base) interface, read once per interface and burst, as keepalived checks it per send
        Map<String, Boolean> noArp = new java.util.HashMap<>();
        for (int i : which) {
            VirtualAddress v = garpVips.get(i);
            GarpRoute route = garpRoutes.get(i);
            GarpLink link = garpLinks.get(route.link());
            if (failed.contains(i)
                    || link == null
                    || noArp.computeIfAbsent(route.pacedOn(), n -> GarpLink.noArp(sysClassNet, n))) {
                // no link: a VIP's dev being re-created, logged when its reopening failed
                continue;
            }
            try {
                link.send(v.address());
            } catch (NativeException e) {
                // one line per VIP and burst: the rest of its repeats would fail alike
                failed.add(i);
                LOG.warn(
                        "{}: cannot send {} for {} on {}: {}",
                        name,
                        v.isIpv6() ? "neighbour advertisement" : "gratuitous ARP",
                        Addresses.format(v.address()),
                        link.name(),
                        e.getMessage());
            }
        }
    }

    /**
     * The send sockets of interface {@code link}, for the families of the VIPs sent there; the
     * frames carry the VMAC's MAC on the VMAC, else the interface's own.
     */
    private GarpLink openGarpLink(String link) throws IOException {
        boolean v4 = false;
        boolean v6 = false;
        boolean onVmac = false;
        for (int i = 0; i < garpVips.size(); i++) {
            if (garpRoutes.get(i).link().equals(link)) {
                v4 |= !garpVips.get(i).isIpv6();
                v6 |= garpVips.get(i).isIpv6();
                onVmac |= garpRoutes.get(i).vmac();
            }
        }
        try {
            return GarpLink.open(link, sysClassNet, onVmac ? config.vmac().mac() : null, v4, v6);
        } catch (IOException e) {
            throw new IOException(
                    name + ": cannot open the gratuitous ARP sockets of " + link + ": " + e.getMessage(), e);
        }
    }

    /** Whether {@code l} is a VIP's dev (not the instance's interface nor its VMAC) under a new index. */
    private boolean isRecreatedVipDev(RtNetlink.Link l) {
        if (l.name() == null
                || l.name().equals(config.interfaceName())
                || (vmacLink != null && l.name().equals(vmacLink.name()))
                || garpRoutes.stream().noneMatch(r -> r.link().equals(l.name()))) {
            return false;
        }
        GarpLink open = garpLinks.get(l.name());
        return open == null || open.ifindex() != l.ifindex();
    }

    /**
     * A VIP's dev was deleted and made again (or could not be opened last time): its sockets are
     * bound to the old one, so they are opened again by name, as the instance's own are when its
     * interface is re-created; the instance itself runs on. A failure leaves that dev without
     * GARPs until its next link event, logged.
     */
    private void reopenGarpLink(String link, long now) {
        GarpLink old = garpLinks.remove(link);
        if (old != null) {
            old.close();
        }
        try {
            GarpLink n = openGarpLink(link);
            garpLinks.put(link, n);
            LOG.info(
                    "{}: {} was re-created (ifindex {}): its gratuitous ARP sockets are open again",
                    name,
                    link,
                    n.ifindex());
        } catch (IOException | RuntimeException e) {
            long lines = garpLinkLog.admit(now);
            if (lines > 0) {
                LOG.warn(
                        "{}: no gratuitous ARPs on {} until it is back: {}{}",
                        name,
                        link,
                        e.getMessage(),
                        RateLimitedLog.notLogged(lines - 1, garpLinkLog.total()));
            }
        }
    }

    /** Closes what {@link #openIo} opened (and the script runner), leaving nulls behind. */
    private void closeIo() {
        if (scripts != null) {
            scripts.close();
            scripts = null;
        }
        for (ProcessMonitor.Watch w : processWatches) {
            w.close();
        }
        processWatches.clear();
        garpLinks.values().forEach(GarpLink::close);
        garpLinks.clear();
        for (AutoCloseable c : new AutoCloseable[] {socket, sender, netlink, links}) {
            if (c != null) {
                try {
                    c.close();
                } catch (Exception ignored) {
                    // closing
                }
            }
        }
        socket = null;
        sender = null;
        netlink = null;
        links = null;
    }

    public long advertsSent() {
        return advertsSent;
    }

    public long advertsReceived() {
        return advertsReceived;
    }
}
