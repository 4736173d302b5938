package org.hadirector.ipvs.dr;

import java.io.IOException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeoutException;
import jnr.ffi.Pointer;
import org.hadirector.ipvs.Connection;
import org.hadirector.ipvs.ConnectionCursor;
import org.hadirector.ipvs.Dataplane;
import org.hadirector.ipvs.DataplaneException;
import org.hadirector.ipvs.Forwarder;
import org.hadirector.ipvs.ForwarderCounters;
import org.hadirector.ipvs.ServiceKey;
import org.hadirector.ipvs.ServiceTable;
import org.hadirector.ipvs.SyncHooks;
import org.hadirector.ipvs.SyncOut;
import org.hadirector.ipvs.TableDump;
import org.hadirector.ipvs.TableOp;
import org.hadirector.ipvs.sched.Scheduler;
import org.hadirector.ipvs.sched.Schedulers;
import org.hadirector.ipvs.xdp.XdpProgram;
import org.hadirector.sys.Mailbox;
import org.hadirector.sys.NativeException;
import org.hadirector.sys.PacketRing;
import org.hadirector.sys.Poller;
import org.hadirector.sys.RtNetlink;
import org.hadirector.sys.WakeUp;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The userspace DR dataplane: one thread reads the interface's frames from PACKET_MMAP rings,
 * lets {@link ForwardingCore} decide, and sends the chosen ones back out through the transmit
 * ring with only the Ethernet addresses changed. BPF filters admit just ARP and the services'
 * frames, TCP SYNs to a ring of their own and the rest to the ring with the transmit ring
 * ({@link BpfProgram.Lane}), read in turn: a SYN flood overflows only its own ring. An nftables ingress rule ({@link IngressGuard}) keeps the local stack from answering
 * them. Table operations, dumps and synced connections are handed to the thread and waited for.
 *
 * <p>Open it in the network namespace of the interface (the daemon runs inside it; tests open it
 * from a thread that entered one).
 */
public final class UserspaceDr implements Dataplane, Forwarder, SyncHooks {
    private static final Logger LOG = LoggerFactory.getLogger(UserspaceDr.class);
    private static final int BATCH = 256;
    private static final long HOUSEKEEPING_NS = 100_000_000L;
    private static final long EXPIRY_NS = 1_000_000_000L;
    private static final long LINK_CHECK_NS = 200_000_000L;
    private static final int ARP_LOGS = 5;

    /**
     * Where and how: the interface, the address ARP requests come from (null: the interface's
     * first), and whether the XDP program (xdp_dr.c) forwards beside the forwarder ({@link Xdp}).
     */
    public record Settings(
            String interfaceName, InetAddress arpSource, int frameSize, int rxFrames, int txFrames, Xdp xdp) {
        public static Settings of(String interfaceName) {
            return new Settings(interfaceName, null, 2048, 4096, 2048, Xdp.OFF);
        }

        public Settings withXdp(boolean on) {
            return withXdp(on ? Xdp.ON : Xdp.OFF);
        }

        public Settings withXdp(Xdp x) {
            return new Settings(interfaceName, arpSource, frameSize, rxFrames, txFrames, x);
        }
    }

    /**
     * The XDP program beside the forwarder: with it, the program forwards every connection once it
     * is established (UDP: at once), and the forwarder sees a connection's first segments and its
     * SYN, FIN and RST only (issue 17).
     */
    public enum Xdp {
        /** AF_PACKET alone. */
        OFF,
        /** The program in the driver, or in generic mode where the driver has no XDP (logged). */
        ON,
        /**
         * The program where the driver runs it and nothing outside this director is needed
         * ({@code --dataplane auto}): not on a veth, whose XDP_TX needs a program on the peer,
         * which this director cannot see; not in generic mode. Otherwise AF_PACKET alone, logged.
         */
        WHERE_NATIVE
    }

    private final Settings settings;
    /** The XDP program beside the forwarder ({@link Settings#xdp}), or null. */
    private volatile XdpProgram xdp;

    private final WakeUp wake;
    private final ForwardingCore core;
    /**
     * The interface's I/O: rings, filter and guard. Replaced whole by the forwarder thread when
     * the interface is re-created or the I/O fails (null meanwhile); written under {@link #ioLock}
     * (which {@link #refilter} also takes), read without it by the forwarder thread, its only writer.
     */
    private PacketRing ring;

    /** The receive-only ring of connections' first segments (TCP SYNs): {@link BpfProgram.Lane#OPENING}. */
    private PacketRing opening;

    private IngressGuard guard;
    private Poller poller;
    private Pointer mem;
    private Pointer openingMem;
    private int openingIndex;
    private int arpSource;
    /** The interface's IPv6 address neighbour solicitations come from (its link-local one); 0, 0 for none. */
    private long ndSourceHi;

    private long ndSourceLo;
    private long ownMac;
    private final Object ioLock = new Object();
    /** Table operations, listings and synced connections, run on the forwarder's thread between frames. */
    private final Mailbox tasks;

    private final Thread thread;
    private final Set<BpfProgram.Target> targets = new LinkedHashSet<>();
    private final long[] arp = new long[2];
    private final long[] nd = new long[3];
    private volatile boolean running = true;
    private volatile Throwable failure;
    /** Why frames cannot be forwarded now (link down, interface gone, I/O failed), or null. */
    private volatile String fault;

    private volatile java.util.function.Consumer<String> faultListener = f -> {};
    private volatile long restarts;
    private volatile long linkDowns;
    private boolean linkDown;
    private long nextLinkCheck;
    private long arpLogWindow;
    private int arpLogs;
    private int arpLogsSuppressed;
    private int rxIndex;
    private int txIndex;
    private boolean txPending;
    private long ringDropped;
    private long installed;
    private long unknownSynced;
    /** Synced connections refused at the entry cap (forwarder thread only writes it). */
    private volatile long syncOverCap;
    /** Received connections waiting for the forwarder thread, and those dropped at the bound. */
    private final java.util.concurrent.atomic.AtomicInteger syncPending =
            new java.util.concurrent.atomic.AtomicInteger();

    private final java.util.concurrent.atomic.AtomicLong syncShed = new java.util.concurrent.atomic.AtomicLong();
    private volatile int syncMaxPending = 32_768;
    private static final long SYNC_LOG_NS = 10_000_000_000L;
    private volatile long syncLoggedNs = System.nanoTime() - SYNC_LOG_NS;
    private final long[] syncLogged = new long[2];

    private UserspaceDr(
            Settings settings,
            PacketRing ring,
            PacketRing opening,
            IngressGuard guard,
            WakeUp wake,
            ForwardingCore core,
            int arpSource,
            long ownMac) {
        this.settings = settings;
        this.wake = wake;
        this.tasks = new Mailbox(wake::signal);
        this.core = core;
        use(ring, opening, guard, arpSource, ownMac);
        this.thread = new Thread(this::run, "dr-" + settings.interfaceName());
        this.thread.setDaemon(true);
    }

    private void use(PacketRing r, PacketRing o, IngressGuard g, int source, long mac) {
        long[] nd6 = ndSource(r.ifindex());
        synchronized (ioLock) {
            this.ring = r;
            this.opening = o;
            this.guard = g;
            this.arpSource = source;
            this.ndSourceHi = nd6[0];
            this.ndSourceLo = nd6[1];
            this.ownMac = mac;
            this.mem = r.memory();
            this.openingMem = o.memory();
            this.poller = new Poller(r.fd(), o.fd(), wake.fd());
            this.rxIndex = 0;
            this.openingIndex = 0;
            this.txIndex = 0;
            this.txPending = false;
        }
    }

    /** Opens the rings and the guard on the interface and starts the forwarder thread. */
    public static UserspaceDr open(Settings settings) throws DataplaneException {
        return open(settings, Schedulers::create);
    }

    /** With other schedulers (tests, benchmarks): name and service flags to a new scheduler. */
    public static UserspaceDr open(
            Settings settings, java.util.function.BiFunction<String, Integer, Scheduler> schedulers)
            throws DataplaneException {
        PacketRing ring = null;
        PacketRing opening = null;
        IngressGuard guard = null;
        WakeUp wake = null;
        XdpProgram xdp = null;
        try {
            ring = PacketRing.open(
                    settings.interfaceName(),
                    settings.frameSize(),
                    settings.rxFrames(),
                    settings.txFrames(),
                    BpfProgram.build(List.of(), BpfProgram.Lane.ESTABLISHED));
            opening = openOpening(settings, List.of());
            long mac = Ipv4.mac(ring.hardwareAddress());
            int source = arpSource(settings, ring.ifindex());
            guard = IngressGuard.install(settings.interfaceName());
            wake = new WakeUp();
            ForwardingCore core = new ForwardingCore(schedulers, mac);
            xdp = attachXdp(settings, core.connectionLimit());
            if (xdp != null) {
                core.fastPath(new XdpOffload(xdp));
            }
            UserspaceDr dr = new UserspaceDr(settings, ring, opening, guard, wake, core, source, mac);
            dr.xdp = xdp;
            dr.thread.start();
            LOG.info(
                    "dr {}: userspace forwarder started (mac {}, ARP from {}, neighbour discovery from {}, rings"
                            + " {}+{}+{} frames of {} bytes (received, SYNs received, sent), nft table {})",
                    settings.interfaceName(),
                    Ipv4.macText(mac),
                    source == 0 ? "0.0.0.0 (no IPv4 address: RFC 5227 probes, which Linux answers)" : Ipv4.text(source),
                    dr.ndSourceHi == 0 && dr.ndSourceLo == 0
                            ? "nowhere (no IPv6 address: IPv6 real servers stay unresolved)"
                            : Ip128.address(dr.ndSourceHi, dr.ndSourceLo).getHostAddress(),
                    ring.rxFrames(),
                    opening.rxFrames(),
                    ring.txFrames(),
                    ring.frameSize(),
                    guard.tableName());
            return dr;
        } catch (IOException | RuntimeException | DataplaneException e) {
            if (xdp != null) {
                xdp.close();
            }
            if (guard != null) {
                guard.close();
            }
            if (ring != null) {
                ring.close();
            }
            if (opening != null) {
                opening.close();
            }
            if (wake != null) {
                wake.close();
            }
            if (e instanceof DataplaneException d) {
                throw d;
            }
            throw new DataplaneException("userspace DR on " + settings.interfaceName() + ": " + e.getMessage(), e);
        }
    }

    /** The XDP program as the settings ask for it on the interface as it is now, or null. */
    private static XdpProgram attachXdp(Settings settings, int connections) throws IOException {
        return switch (settings.xdp()) {
            case OFF -> null;
            case ON -> attachXdp(settings.interfaceName(), connections);
            case WHERE_NATIVE -> attachXdpWhereNative(settings.interfaceName(), connections);
        };
    }

    /** The SYNs' ring: receive only, half the frames of the other (a SYN is one small frame). */
    private static PacketRing openOpening(Settings settings, List<BpfProgram.Target> targets) throws NativeException {
        return PacketRing.open(
                settings.interfaceName(),
                settings.frameSize(),
                Math.max(1, settings.rxFrames() / 2),
                0,
                BpfProgram.build(targets, BpfProgram.Lane.OPENING));
    }

    /**
     * The XDP program in the driver; where the driver has no XDP (EOPNOTSUPP), in the stack's
     * generic XDP, which forwards as well at less gain, with a line that says so.
     */
    private static XdpProgram attachXdp(String ifname, int connections) throws IOException {
        try {
            return XdpProgram.attach(ifname, connections, XdpProgram.Mode.DRIVER);
        } catch (NativeException e) {
            if (e.errno() != 95 /* EOPNOTSUPP */) {
                throw e;
            }
            LOG.warn("dr {}: the driver has no XDP ({}); the program runs in generic mode", ifname, e.getMessage());
            return XdpProgram.attach(ifname, connections, XdpProgram.Mode.GENERIC);
        }
    }

    /**
     * The program in the driver where that is safe without anything outside this director, else
     * null (AF_PACKET alone), with one line either way that says which and why.
     */
    private static XdpProgram attachXdpWhereNative(String ifname, int connections) throws IOException {
        String kind;
        try (RtNetlink nl = RtNetlink.open()) {
            RtNetlink.LinkDetails link = nl.linkDetails(ifname);
            kind = link == null ? null : link.kind();
        }
        if ("veth".equals(kind)) {
            LOG.info(
                    "dr {}: AF_PACKET forwarding only: {} is a veth, whose XDP_TX needs an XDP program on its peer"
                            + " (outside this director's view); --dataplane xdp runs the program all the same",
                    ifname,
                    ifname);
            return null;
        }
        try {
            XdpProgram p = XdpProgram.attach(ifname, connections, XdpProgram.Mode.DRIVER);
            LOG.info("dr {}: XDP forwarding: the driver runs the program; AF_PACKET for the rest", ifname);
            return p;
        } catch (NativeException e) {
            // EOPNOTSUPP is the driver's answer; anything else is a step of our own (a map, the
            // load, the attachment), named by the exception's message
            LOG.info(
                    "dr {}: AF_PACKET forwarding only: {} ({})",
                    ifname,
                    e.errno() == 95
                            ? "the driver has no XDP; --dataplane xdp runs the program in generic mode"
                            : "the XDP program could not be set up",
                    e.getMessage());
            return null;
        }
    }

    /**
     * The address the forwarder's ARP requests come from: the interface's first IPv4 address, or
     * 0.0.0.0 when it has none (an interface of IPv6 services only): a request from 0.0.0.0 is an
     * RFC 5227 probe, which Linux answers (arp_process's sip == 0 case, arp_ignore's checks
     * included) with a reply to the asker's MAC, so IPv4 real servers are found all the same.
     */
    private static int arpSource(Settings s, int ifindex) throws NativeException {
        if (s.arpSource() != null) {
            return Ipv4.of(s.arpSource());
        }
        try (RtNetlink nl = RtNetlink.open()) {
            for (RtNetlink.Address a : nl.addresses(ifindex)) {
                if (a.address() instanceof Inet4Address && a.scope() == 0) {
                    return Ipv4.of(a.address());
                }
            }
        }
        return 0;
    }

    /**
     * The interface's address for neighbour solicitations (IPv6 real servers): its link-local
     * one, else any other IPv6 one; {0, 0} when it has none (IPv6 real servers then stay
     * unresolved, their frames counted no_mac).
     */
    private static long[] ndSource(int ifindex) {
        long[] found = {0, 0};
        try (RtNetlink nl = RtNetlink.open()) {
            for (RtNetlink.Address a : nl.addresses(ifindex)) {
                if (a.address() instanceof java.net.Inet6Address v6) {
                    boolean linkLocal = v6.isLinkLocalAddress();
                    if (linkLocal || found[0] == 0 && found[1] == 0) {
                        found[0] = Ip128.hi(v6);
                        found[1] = Ip128.lo(v6);
                        if (linkLocal) {
                            break;
                        }
                    }
                }
            }
        } catch (NativeException e) {
            LOG.warn("dr: cannot read interface {}'s IPv6 addresses: {}", ifindex, e.getMessage());
        }
        return found;
    }

    @Override
    public String name() {
        return "userspace DR on " + settings.interfaceName();
    }

    @Override
    public String interfaceName() {
        return settings.interfaceName();
    }

    @Override
    public Optional<Forwarder> forwarder() {
        return Optional.of(this);
    }

    @Override
    public Optional<SyncHooks> syncHooks() {
        return Optional.of(this);
    }

    @Override
    public String fault() {
        return running ? fault : "stopped" + (failure == null ? "" : ": " + failure);
    }

    @Override
    public void onFault(java.util.function.Consumer<String> listener) {
        faultListener = listener;
    }

    @Override
    public ServiceTable table() throws DataplaneException {
        return call(core::table);
    }

    @Override
    public TableDump dump() throws DataplaneException {
        return call(core::dump);
    }

    /**
     * The connection table a page at a time, each page taken in one visit to the forwarder
     * thread, which forwards between them: a listing of the whole table neither needs its size
     * again in memory nor stops the forwarding while it is written.
     */
    @Override
    public ConnectionCursor connections(int pageSize) {
        if (pageSize < 1) {
            throw new IllegalArgumentException("page size " + pageSize);
        }
        return new ConnectionCursor() {
            private ConnectionTable.Page at = ConnectionTable.Page.FIRST;

            @Override
            public List<Connection> next() throws DataplaneException {
                if (at.last()) {
                    return List.of();
                }
                ConnectionTable.Page after = at;
                at = call(() -> core.page(System.nanoTime(), after, pageSize));
                return at.connections();
            }

            @Override
            public void close() {
                // nothing held between pages
            }
        };
    }

    /** The XDP program's counters (xdp_dr.c), empty without one. */
    public Map<String, Long> xdpCounters() throws IOException {
        return xdp == null ? Map.of() : xdp.counters();
    }

    @Override
    public ForwarderCounters counters() throws DataplaneException {
        return call(() -> {
            Map<String, Long> d = new java.util.LinkedHashMap<>();
            core.drops().forEach((k, v) -> d.put(k.name().toLowerCase(java.util.Locale.ROOT), v));
            long[] midFlow = core.midFlow(); // both counts of one reading
            return new ForwarderCounters(
                    core.forwarded(),
                    d,
                    ringDropped,
                    core.connectionCount(),
                    core.neighbours().size(),
                    installed,
                    unknownSynced,
                    syncOverCap,
                    syncShed.get(),
                    core.connectionLimit(),
                    core.evicted(),
                    restarts,
                    linkDowns,
                    midFlow[0],
                    midFlow[1],
                    // read here, on the forwarder's thread, which alone replaces the program
                    xdp == null ? Map.of() : xdp.counters());
        });
    }

    @Override
    public void timeouts(Integer tcp, Integer tcpFin, Integer udp) throws DataplaneException {
        call(() -> {
            core.timeouts(core.timeouts().with(tcp, tcpFin, udp));
            return null;
        });
    }

    @Override
    public void sloppyTcp(boolean on) throws DataplaneException {
        call(() -> {
            core.sloppyTcp(on);
            return null;
        });
    }

    /** New and changed connections go here (the sync master); null stops that. */
    @Override
    public void syncOut(SyncOut out) throws DataplaneException {
        call(() -> {
            core.syncOut(out);
            return null;
        });
    }

    /**
     * Bounds what sync can make this forwarder hold: new synced entries are refused once the table
     * holds {@code maxEntries}; {@link #installLater} drops messages while {@code maxPending}
     * received connections wait for the forwarder thread.
     */
    @Override
    public void syncLimits(int maxEntries, int maxPending) throws DataplaneException {
        if (maxPending < 1) {
            throw new DataplaneException("sync hand-off bound " + maxPending + " (1 or more)");
        }
        call(() -> {
            core.syncMaxEntries(maxEntries);
            return null;
        });
        syncMaxPending = maxPending;
    }

    /** Installs connections a sync master announced; returns how many were installed or updated. */
    public int install(List<Connection> synced) throws DataplaneException {
        return call(() -> {
            long now = System.nanoTime();
            int n = 0;
            for (Connection c : synced) {
                if (installOne(c, now)) {
                    n++;
                }
            }
            return n;
        });
    }

    /**
     * Hands synced connections to the forwarder thread without waiting (the sync receiver's
     * event loop must not block). While the bound of waiting connections is reached the whole
     * message is dropped and counted instead, so a flood cannot fill the heap; returns whether
     * it was taken.
     */
    @Override
    public boolean installLater(List<Connection> synced) {
        int n = synced.size();
        logSyncDrops();
        if (syncPending.addAndGet(n) > syncMaxPending) {
            syncPending.addAndGet(-n);
            syncShed.addAndGet(n);
            return false;
        }
        tasks.post(() -> {
            syncPending.addAndGet(-n);
            long now = System.nanoTime();
            for (Connection c : synced) {
                installOne(c, now);
            }
        });
        return true;
    }

    /** At most one line per SYNC_LOG_NS, on the caller's thread (the receiver's, never the forwarder's). */
    private void logSyncDrops() {
        long now = System.nanoTime();
        if (now - syncLoggedNs < SYNC_LOG_NS) {
            return;
        }
        long overCap = syncOverCap;
        long shed = syncShed.get();
        if (overCap != syncLogged[0] || shed != syncLogged[1]) {
            syncLoggedNs = now;
            LOG.warn(
                    "dr {}: synced connections dropped: {} at the table's sync cap ({} new), {} at the hand-off bound ({} new)",
                    settings.interfaceName(),
                    overCap,
                    overCap - syncLogged[0],
                    shed,
                    shed - syncLogged[1]);
            syncLogged[0] = overCap;
            syncLogged[1] = shed;
        }
    }

    private boolean installOne(Connection c, long now) {
        ConnectionSync.Synced r = core.install(c, now);
        switch (r) {
            case INSTALLED -> installed++;
            case UNKNOWN -> unknownSynced++;
            case FULL -> syncOverCap++;
        }
        return r == ConnectionSync.Synced.INSTALLED;
    }

    /** Synced connections refused at the entry cap, and dropped at the hand-off bound, so far. */
    public long[] syncDropped() {
        return new long[] {syncOverCap, syncShed.get()};
    }

    /**
     * Makes the forwarder thread fail as a real fault would (the part-death drill): an exception,
     * which the thread survives by re-attaching, or with {@code error} an Error, which ends the process.
     */
    @Override
    public void injectFailure(boolean error) {
        tasks.post(() -> {
            if (error) {
                throw new InternalError("injected failure (fault-inject dataplane error)");
            }
            throw new IllegalStateException("injected failure (fault-inject dataplane)");
        });
    }

    /** Drops every connection and template (the services stay). */
    public void flushConnections() throws DataplaneException {
        call(() -> {
            core.flushConnections();
            return null;
        });
    }

    @Override
    public void apply(TableOp op) throws DataplaneException {
        applyAll(List.of(op));
    }

    /**
     * Every op goes to the forwarding core in turn; then the socket filter and the nft set follow
     * the services once for all of them (each nft change is a process: 30-60 ms, which a start
     * with a hundred services paid a hundred times).
     */
    @Override
    public void applyAll(List<TableOp> ops) throws DataplaneException {
        List<TableOp> applied = new ArrayList<>();
        DataplaneException failed = null;
        for (TableOp op : ops) {
            try {
                if (op instanceof TableOp.AddService a) {
                    ForwardingCore.checkSupported(a.service());
                }
                call(() -> {
                    core.apply(op);
                    return null;
                });
            } catch (DataplaneException e) {
                failed = e;
                break;
            }
            applied.add(op);
            LOG.debug("dr {}: {}", settings.interfaceName(), op.describe());
        }
        if (xdp != null && !applied.isEmpty()) {
            call(() -> {
                core.place();
                return null;
            });
        }
        refilter(applied);
        if (failed != null) {
            throw failed;
        }
    }

    /**
     * The BPF program and the nft set follow the services the ops added and deleted, in one
     * attachment and one nft transaction; on a failure the added services are undone. While the
     * interface is away only the targets change: the next attachment builds both from them.
     */
    private void refilter(List<TableOp> ops) throws DataplaneException {
        List<ServiceKey> addedKeys = new ArrayList<>();
        synchronized (ioLock) {
            Set<BpfProgram.Target> before = new LinkedHashSet<>(targets);
            for (TableOp op : ops) {
                if (op instanceof TableOp.AddService a) {
                    targets.add(target(a.service().key()));
                    addedKeys.add(a.service().key());
                } else if (op instanceof TableOp.DeleteService d) {
                    targets.remove(target(d.key()));
                }
            }
            List<BpfProgram.Target> added = new ArrayList<>(targets);
            added.removeAll(before);
            List<BpfProgram.Target> removed = new ArrayList<>(before);
            removed.removeAll(targets);
            if (added.isEmpty() && removed.isEmpty()) {
                return;
            }
            try {
                if (ring != null) {
                    List<BpfProgram.Target> all = new ArrayList<>(targets);
                    ring.attachFilter(BpfProgram.build(all, BpfProgram.Lane.ESTABLISHED));
                    opening.attachFilter(BpfProgram.build(all, BpfProgram.Lane.OPENING));
                    guard.change(added, removed);
                }
            } catch (NativeException | DataplaneException | RuntimeException e) {
                targets.removeAll(added);
                for (ServiceKey key : addedKeys) {
                    call(() -> {
                        core.apply(new TableOp.DeleteService(key, "undo"));
                        return null;
                    });
                }
                throw new DataplaneException(
                        "filter for " + (addedKeys.isEmpty() ? removed : addedKeys) + ": " + e.getMessage(), e);
            }
        }
    }

    private static BpfProgram.Target target(ServiceKey key) {
        return new BpfProgram.Target(
                key.protocol().number(), Ip128.hi(key.address()), Ip128.lo(key.address()), key.port());
    }

    private <T> T call(Callable<T> work) throws DataplaneException {
        if (Thread.currentThread() == thread) {
            try {
                return work.call();
            } catch (DataplaneException e) {
                throw e;
            } catch (Exception e) {
                throw new DataplaneException(e.getMessage(), e);
            }
        }
        if (!running) {
            throw new DataplaneException(name() + " is stopped" + (failure == null ? "" : ": " + failure));
        }
        try {
            return tasks.call(work, 10_000);
        } catch (Mailbox.NoAnswer e) {
            if (e.getCause() instanceof DataplaneException d) {
                throw d;
            }
            if (e.getCause() instanceof TimeoutException) {
                throw new DataplaneException(name() + " did not answer in 10 s");
            }
            throw new DataplaneException(e.getMessage(), e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new DataplaneException("interrupted", e);
        }
    }

    // ---- the forwarder thread --------------------------------------------------------------

    /**
     * The forwarder thread: forwards until stopped. A link that goes down is waited for (the
     * socket's latched error cleared, frames resume when it returns); an interface deleted and
     * re-created, or I/O that fails, is re-attached by name with a backoff. Table work is served
     * all along, so the table stays current while nothing is forwarded. An Error is not caught:
     * it ends the process (see the daemon's uncaught-exception handler).
     */
    private void run() {
        long backoffMs = 0;
        String lastFailure = null;
        try {
            while (running) {
                try {
                    if (ring == null) {
                        attach();
                        restarts++;
                        LOG.info(
                                "dr {}: re-attached to the interface (ifindex {}, mac {}); forwarding again",
                                settings.interfaceName(),
                                ring.ifindex(),
                                Ipv4.macText(ownMac));
                        setFault(null);
                        backoffMs = 0;
                        lastFailure = null;
                    }
                    forward();
                } catch (NativeException | DataplaneException | RuntimeException e) {
                    if (!running) {
                        break;
                    }
                    String why = e instanceof LinkLost ? e.getMessage() : "forwarder I/O failed: " + e.getMessage();
                    if (!why.equals(lastFailure)) {
                        LOG.error("dr {}: {}; re-attaching by name with a backoff", settings.interfaceName(), why);
                        lastFailure = why;
                    }
                    setFault(why);
                    detach();
                    backoffMs = backoffMs == 0 ? 100 : Math.min(5_000, backoffMs * 2);
                    serveTasksFor(backoffMs);
                }
            }
        } catch (Error e) {
            failure = e;
            running = false;
            LOG.error("dr {}: forwarder thread died: {}", settings.interfaceName(), e.toString());
            throw e;
        } finally {
            tasks.drain();
        }
    }

    /** The interface went away or came back as another one: its I/O must be opened afresh. */
    private static final class LinkLost extends RuntimeException {
        LinkLost(String message) {
            super(message, null, false, false);
        }
    }

    private void forward() throws NativeException {
        long nextHousekeeping = System.nanoTime();
        long nextStatistics = nextHousekeeping + EXPIRY_NS;
        while (running) {
            tasks.drain();
            int n = linkDown ? 0 : receive();
            if (xdp != null) {
                // the connections the program placed itself: the forwarder's table takes them in
                n += core.takePlaced(System.nanoTime());
            }
            if (txPending) {
                kick();
            }
            long now = System.nanoTime();
            if (now - nextHousekeeping >= 0) {
                nextHousekeeping = now + HOUSEKEEPING_NS;
                if (!linkDown) {
                    for (Neighbours.Entry e : core.neighbours().due(now)) {
                        if (e.ipv4()) {
                            sendArpRequest(e.address);
                        } else {
                            sendSolicitation(e.hi, e.lo);
                        }
                    }
                }
                // A slice of the table each time: the whole table once per EXPIRY_NS, never at once.
                core.expireSlice(now, (int) (EXPIRY_NS / HOUSEKEEPING_NS));
                if (now - nextStatistics >= 0) {
                    nextStatistics = now + EXPIRY_NS;
                    core.sampleRates(now);
                    ringDropped += ring.takeStatistics()[1] + opening.takeStatistics()[1];
                }
                if (linkDown && now - nextLinkCheck >= 0) {
                    checkLink(now);
                }
            }
            if (n == 0 && tasks.isEmpty()) {
                long ready = poller.await(100);
                if ((ready & 4) != 0) {
                    wake.clear();
                }
                if (poller.failed(0) || poller.failed(1)) {
                    socketError(System.nanoTime());
                }
            }
        }
    }

    private void kick() throws NativeException {
        txPending = false;
        if (!ring.kick() && !linkDown) {
            socketError(System.nanoTime());
        }
    }

    /** poll reported an error on the ring's socket (or a send failed): read it, then decide. */
    private void socketError(long now) throws NativeException {
        // both sockets latch the link's error; each must be read, or poll reports it for ever
        int errno = ring.takeError();
        int other = opening.takeError();
        errno = errno != 0 ? errno : other;
        if (errno == 0 || linkDown) {
            return;
        }
        if (errno != PacketRing.ENETDOWN && errno != PacketRing.ENXIO && errno != PacketRing.ENODEV) {
            throw new NativeException("socket error on " + settings.interfaceName(), errno);
        }
        linkDowns++;
        linkDown = true;
        nextLinkCheck = now;
        checkLink(now);
        if (linkDown) {
            LOG.warn("dr {}: link down; forwarding resumes when it returns", settings.interfaceName());
            setFault("link " + settings.interfaceName() + " is down");
        }
    }

    /** While the link is down: is it back (same interface), or gone or re-created (re-attach)? */
    private void checkLink(long now) throws NativeException {
        nextLinkCheck = now + LINK_CHECK_NS;
        int index;
        try {
            index = org.hadirector.sys.Interfaces.index(settings.interfaceName());
        } catch (NativeException e) {
            throw new LinkLost("interface " + settings.interfaceName() + " is gone");
        }
        if (index != ring.ifindex()) {
            throw new LinkLost("interface " + settings.interfaceName() + " was re-created (ifindex " + ring.ifindex()
                    + " -> " + index + ")");
        }
        RtNetlink.Link l;
        try (RtNetlink nl = RtNetlink.open()) {
            l = nl.link(index);
        }
        if (l != null && l.usable()) {
            ring.takeError();
            opening.takeError();
            linkDown = false;
            LOG.info("dr {}: link up; forwarding again", settings.interfaceName());
            setFault(null);
        }
    }

    /** Opens the rings, the filter and the guard on the interface of that name, as it is now. */
    private void attach() throws NativeException, DataplaneException {
        synchronized (ioLock) {
            PacketRing r = null;
            PacketRing o = null;
            IngressGuard g = null;
            try {
                List<BpfProgram.Target> all = new ArrayList<>(targets);
                r = PacketRing.open(
                        settings.interfaceName(),
                        settings.frameSize(),
                        settings.rxFrames(),
                        settings.txFrames(),
                        BpfProgram.build(all, BpfProgram.Lane.ESTABLISHED));
                o = openOpening(settings, all);
                long mac = Ipv4.mac(r.hardwareAddress());
                int source = arpSource(settings, r.ifindex());
                g = IngressGuard.install(settings.interfaceName());
                g.change(targets, List.of());
                if (xdp != null) {
                    // the program went with the old interface: attached afresh, with an empty map
                    xdp.close();
                    xdp = null;
                    core.fastPath(null);
                }
                XdpProgram x;
                try {
                    x = attachXdp(settings, core.connectionLimit());
                } catch (NativeException e) {
                    throw e;
                } catch (IOException e) {
                    throw new DataplaneException("XDP on " + settings.interfaceName() + ": " + e.getMessage(), e);
                }
                if (x != null) {
                    xdp = x;
                    core.fastPath(new XdpOffload(x));
                }
                core.ownMac(mac);
                use(r, o, g, source, mac);
                linkDown = false;
            } catch (NativeException | DataplaneException | RuntimeException e) {
                if (g != null) {
                    g.close();
                }
                if (r != null) {
                    r.close();
                }
                if (o != null) {
                    o.close();
                }
                throw e;
            }
        }
    }

    private void detach() {
        synchronized (ioLock) {
            if (guard != null) {
                guard.close();
                guard = null;
            }
            if (ring != null) {
                ring.close();
                opening.close();
                ring = null;
                opening = null;
                mem = null;
                openingMem = null;
                poller = null;
            }
        }
    }

    /** Serves table work for {@code ms} while there is no interface to forward on. */
    private void serveTasksFor(long ms) {
        long end = System.nanoTime() + ms * 1_000_000L;
        while (running) {
            for (boolean more = true; more; ) {
                try {
                    more = tasks.runOne();
                } catch (RuntimeException e) {
                    LOG.warn("dr {}: {}", settings.interfaceName(), e.toString());
                }
            }
            long left = end - System.nanoTime();
            if (left <= 0) {
                return;
            }
            try {
                wake.await((int) Math.max(1, left / 1_000_000L));
            } catch (NativeException e) {
                return;
            }
        }
    }

    private void setFault(String why) {
        if (!java.util.Objects.equals(fault, why)) {
            fault = why;
            try {
                faultListener.accept(why);
            } catch (RuntimeException e) {
                LOG.warn("dr {}: fault listener: {}", settings.interfaceName(), e.toString());
            }
        }
    }

    /**
     * Handles up to a batch of frames from each ring in turn; returns how many. The established
     * ring is read as often as the SYNs' ring and a batch of either takes well under a
     * millisecond, so a flood in the one never lets the other fill.
     */
    private int receive() {
        long now = System.nanoTime();
        int n = receive(ring, mem, rxIndex, now);
        rxIndex = (rxIndex + n) % ring.rxFrames();
        int m = receive(opening, openingMem, openingIndex, now);
        openingIndex = (openingIndex + m) % opening.rxFrames();
        return n + m;
    }

    /** Handles up to a batch of one ring's frames from slot {@code first} on; returns how many. */
    private int receive(PacketRing r, Pointer in, int first, long now) {
        int n = 0;
        int index = first;
        while (n < BATCH) {
            long hdr = r.rxFrame(index);
            int status = in.getInt(hdr + PacketRing.HDR_STATUS);
            if ((status & PacketRing.TP_STATUS_USER) == 0) {
                break;
            }
            int len = in.getInt(hdr + PacketRing.HDR_LEN);
            int snap = in.getInt(hdr + PacketRing.HDR_SNAPLEN);
            long frame = hdr + Short.toUnsignedInt(in.getShort(hdr + PacketRing.HDR_MAC));
            if (snap < len) {
                core.drop(Drop.TOO_BIG);
            } else if (ArpFrames.sender(in, frame, len, arp)) {
                if (core.neighbours().heard((int) arp[0], arp[1], now)) {
                    logNeighbour(0, Ip128.v4((int) arp[0]), arp[1], now);
                }
            } else if (NdpFrames.sender(in, frame, len, nd)) {
                if (core.neighbours().heard(nd[0], nd[1], nd[2], now)) {
                    logNeighbour(nd[0], nd[1], nd[2], now);
                }
            } else if (core.process(in, frame, len, now)) {
                if ((status & PacketRing.TP_STATUS_CSUMNOTREADY) != 0) {
                    completeChecksum(in, frame);
                }
                transmit(in, frame, len);
            }
            in.putInt(hdr + PacketRing.HDR_STATUS, PacketRing.TP_STATUS_KERNEL);
            index = index + 1 == r.rxFrames() ? 0 : index + 1;
            n++;
        }
        return n;
    }

    /**
     * One line per neighbour change, but at most ARP_LOGS a second: ARP replies are anyone's to
     * send, and a spoofer alternating MACs must not flood the log from the forwarder thread.
     */
    private void logNeighbour(long hi, long lo, long mac, long now) {
        if (now - arpLogWindow >= 1_000_000_000L) {
            if (arpLogsSuppressed > 0) {
                LOG.warn(
                        "dr {}: {} more neighbour changes not logged in the last second",
                        settings.interfaceName(),
                        arpLogsSuppressed);
            }
            arpLogWindow = now;
            arpLogs = 0;
            arpLogsSuppressed = 0;
        }
        if (arpLogs++ < ARP_LOGS) {
            LOG.info(
                    "dr {}: {} is at {}",
                    settings.interfaceName(),
                    Ip128.address(hi, lo).getHostAddress(),
                    Ipv4.macText(mac));
        } else {
            arpLogsSuppressed++;
        }
    }

    private static void completeChecksum(Pointer in, long frame) {
        long ip = frame + EthernetHeader.LENGTH;
        if (EthernetHeader.etherType(in, frame) == EthernetHeader.ETHERTYPE_IPV6) {
            // FramePath forwarded it: its header and extension headers parse
            int total = Ipv6Header.LENGTH + Ipv6Header.payloadLength(in, ip);
            long t = Ipv6Header.transport(in, ip, total);
            int at = (int) (t >>> 32);
            Checksums.complete(in, ip + at, total - at, (int) t);
            return;
        }
        int ihl = Ipv4Header.ihl(in, ip);
        Checksums.complete(in, ip + ihl, Ipv4Header.totalLength(in, ip) - ihl, Ipv4Header.protocol(in, ip));
    }

    /** Copies a received frame (in {@code in}, either ring's memory) to a transmit slot. */
    private void transmit(Pointer in, long frame, int len) {
        long slot = freeTxSlot();
        if (slot < 0 || len > ring.maxTxLength()) {
            core.drop(slot < 0 ? Drop.TX_RING_FULL : Drop.TOO_BIG);
            return;
        }
        in.transferTo(frame, mem, slot + PacketRing.TX_DATA, len);
        mem.putInt(slot + PacketRing.HDR_LEN, len);
        mem.putInt(slot + PacketRing.HDR_STATUS, PacketRing.TP_STATUS_SEND_REQUEST);
        txPending = true;
        if (txIndex % 64 == 0) {
            // Keep the ring moving in long bursts rather than waiting for the batch's end.
            kickQuietly();
        }
    }

    private long freeTxSlot() {
        long slot = ring.txFrame(txIndex);
        int status = mem.getInt(slot + PacketRing.HDR_STATUS);
        if (status != PacketRing.TP_STATUS_AVAILABLE && status != PacketRing.TP_STATUS_WRONG_FORMAT) {
            kickQuietly();
            status = mem.getInt(slot + PacketRing.HDR_STATUS);
            if (status != PacketRing.TP_STATUS_AVAILABLE && status != PacketRing.TP_STATUS_WRONG_FORMAT) {
                return -1;
            }
        }
        txIndex = txIndex + 1 == ring.txFrames() ? 0 : txIndex + 1;
        return slot;
    }

    private void kickQuietly() {
        try {
            ring.kick();
            txPending = false;
        } catch (NativeException e) {
            LOG.warn("dr {}: {}", settings.interfaceName(), e.getMessage());
        }
    }

    /** A neighbour solicitation for an IPv6 real server, from the interface's link-local address. */
    private void sendSolicitation(long hi, long lo) {
        if (ndSourceHi == 0 && ndSourceLo == 0) {
            return; // no IPv6 address to ask from (said at start)
        }
        long slot = freeTxSlot();
        if (slot < 0) {
            return;
        }
        int len = NdpFrames.solicit(mem, slot + PacketRing.TX_DATA, ownMac, ndSourceHi, ndSourceLo, hi, lo);
        mem.putInt(slot + PacketRing.HDR_LEN, len);
        mem.putInt(slot + PacketRing.HDR_STATUS, PacketRing.TP_STATUS_SEND_REQUEST);
        txPending = true;
    }

    private void sendArpRequest(int address) {
        long slot = freeTxSlot();
        if (slot < 0) {
            return;
        }
        int len = ArpFrames.request(mem, slot + PacketRing.TX_DATA, ownMac, arpSource, address);
        mem.putInt(slot + PacketRing.HDR_LEN, len);
        mem.putInt(slot + PacketRing.HDR_STATUS, PacketRing.TP_STATUS_SEND_REQUEST);
        txPending = true;
    }

    @Override
    public void close() {
        if (!running && failure == null && !thread.isAlive()) {
            return;
        }
        running = false;
        wake.signal();
        try {
            thread.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        synchronized (ioLock) {
            if (guard != null) {
                guard.close();
            }
            if (!thread.isAlive() && ring != null) {
                ring.close();
                opening.close();
            }
        }
        wake.close();
        if (xdp != null) {
            xdp.close();
        }
        LOG.info("dr {}: userspace forwarder stopped", settings.interfaceName());
    }
}
