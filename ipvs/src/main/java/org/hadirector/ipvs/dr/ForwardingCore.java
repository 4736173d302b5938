package org.hadirector.ipvs.dr;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;
import java.util.function.Consumer;
import jnr.ffi.Pointer;
import org.hadirector.ipvs.Connection;
import org.hadirector.ipvs.DataplaneException;
import org.hadirector.ipvs.ServiceTable;
import org.hadirector.ipvs.SyncOut;
import org.hadirector.ipvs.TableDump;
import org.hadirector.ipvs.TableOp;
import org.hadirector.ipvs.VirtualService;
import org.hadirector.ipvs.sched.Scheduler;

/**
 * The userspace DR forwarder's logic, with no I/O, as {@link UserspaceDr} drives it: the service
 * table ({@link DrServiceTable}), the connection table ({@link ConnectionTable}), connection sync
 * ({@link ConnectionSync}) and the decision for each frame ({@link FramePath}), wired together.
 * This class only delegates, so that the forwarder thread sees one object. Time is passed in.
 * Single-threaded: the forwarder thread owns it.
 */
final class ForwardingCore {
    private final ConnectionTable connections;
    private final DrServiceTable services;
    private final ConnectionSync sync;
    private final FramePath frames;

    ForwardingCore(BiFunction<String, Integer, Scheduler> schedulers, long ownMac) {
        this(
                schedulers,
                ownMac,
                ConnectionTable.defaultLimit(Runtime.getRuntime().maxMemory()));
    }

    /** With a limit on connections plus templates (the table refuses new flows beyond it). */
    ForwardingCore(BiFunction<String, Integer, Scheduler> schedulers, long ownMac, int limit) {
        this.connections = new ConnectionTable(limit);
        this.services = new DrServiceTable(schedulers, connections);
        this.sync = new ConnectionSync(services, connections);
        connections.onFold(sync::folded);
        this.frames = new FramePath(services, connections, sync, ownMac);
    }

    // ---- frames ----------------------------------------------------------------------------

    /** See {@link FramePath#process}. */
    boolean process(Pointer p, long off, int len, long nowNs) {
        return frames.process(p, off, len, nowNs);
    }

    /** See {@link FramePath#sloppyTcp(boolean)}. */
    void sloppyTcp(boolean on) {
        frames.sloppyTcp(on);
        place(); // the fast path may place TCP misses only with sloppy_tcp
    }

    boolean sloppyTcp() {
        return frames.sloppyTcp();
    }

    void drop(Drop reason) {
        frames.drop(reason);
    }

    Map<Drop, Long> drops() {
        return frames.drops();
    }

    long forwarded() {
        return frames.forwarded();
    }

    long[] midFlow() {
        return frames.midFlow();
    }

    /** The interface's MAC changed (the interface was re-created). */
    void ownMac(long mac) {
        frames.ownMac(mac);
    }

    // ---- services ----------------------------------------------------------------------------

    static void checkSupported(VirtualService s) throws DataplaneException {
        DrServiceTable.checkSupported(s);
    }

    /** One table change; {@link #place} follows a batch of them. */
    void apply(TableOp op) throws DataplaneException {
        services.apply(op);
    }

    /**
     * The fast path told which services' misses it may place itself: after each batch of table
     * changes (once: a changed mh table is 4,093 map writes), on sloppy_tcp and sync changes, and
     * each second.
     */
    void place() {
        FastPath f = connections.fastPath();
        if (f != null) {
            List<DrService> all = new ArrayList<>();
            services.forEach(all::add);
            f.place(all, this::placeable);
        }
    }

    /**
     * Where the fast path's placing is the forwarder's exactly: a service with no persistence (a
     * template is the forwarder's), whose TCP misses the forwarder would take too (sloppy_tcp;
     * UDP always), no connection thresholds (they move with counts the path does not keep), and
     * no sync to send (a master sends each connection at its third packet, which it must see).
     */
    private boolean placeable(DrService s) {
        if (s.service.persistent() || sync.master() || s.protocol != 17 && !frames.sloppyTcp()) {
            return false;
        }
        for (DrRealServer r : s.servers.values()) {
            if (r.backend.destination().upperThreshold() > 0
                    || r.backend.destination().lowerThreshold() > 0) {
                return false;
            }
        }
        return true;
    }

    /** Takes in the connections the fast path placed itself since the last call; returns how many. */
    int takePlaced(long nowNs) {
        FastPath f = connections.fastPath();
        return f == null
                ? 0
                : f.placed(
                        (proto, cHi, cLo, cport, vHi, vLo, vport, svc, server, flags, bytes) ->
                                frames.placed(proto, cHi, cLo, cport, vHi, vLo, vport, svc, server, flags, nowNs),
                        4_096);
    }

    ServiceTable table() {
        return services.table();
    }

    TableDump dump() {
        return services.dump();
    }

    Neighbours neighbours() {
        return services.neighbours();
    }

    /** Refreshes the services' and real servers' rate estimates (once a second). */
    void sampleRates(long nowNs) {
        FastPath f = connections.fastPath();
        if (f != null) {
            f.countServers();
            place(); // the servers' MACs and weights, and sloppy_tcp and sync as they are now
        }
        services.sampleRates(nowNs);
    }

    void forEachService(Consumer<DrService> each) {
        services.forEach(each);
    }

    // ---- connections -------------------------------------------------------------------------

    /** Connections in ESTABLISHED (TCP) or any UDP flow are offered to this path (null: none). */
    void fastPath(FastPath f) {
        connections.fastPath(f);
        place();
    }

    int connectionLimit() {
        return connections.limit();
    }

    int connectionCount() {
        return connections.count();
    }

    /** Half-open connections that gave way to new flows while the table was full. */
    long evicted() {
        return connections.evicted();
    }

    void timeouts(DrTimeouts t) {
        connections.timeouts(t);
    }

    DrTimeouts timeouts() {
        return connections.timeouts();
    }

    DrConnection lookup(int proto, int caddr, int cport, int vaddr, int vport, boolean template) {
        return connections.lookup(proto, caddr, cport, vaddr, vport, template);
    }

    /** Drops expired connections and refreshes rates; returns how many expired. */
    int expire(long nowNs) {
        int n = connections.expire(nowNs);
        services.sampleRates(nowNs);
        return n;
    }

    /** See {@link ConnectionTable#expireSlice}. */
    int expireSlice(long nowNs, int slices) {
        return connections.expireSlice(nowNs, slices);
    }

    /** Removes every connection (a flush of the table's state; services stay). */
    void flushConnections() {
        connections.removeIf(c -> true);
    }

    List<Connection> connections(long nowNs) {
        return connections.connections(nowNs);
    }

    ConnectionTable.Page page(long nowNs, ConnectionTable.Page after, int max) {
        return connections.page(nowNs, after, max);
    }

    // ---- sync --------------------------------------------------------------------------------

    void syncOut(SyncOut out) {
        sync.out(out);
        place(); // a sync master must see each connection's third packet: the path places none
    }

    void syncMaxEntries(int n) {
        sync.maxEntries(n);
    }

    ConnectionSync.Synced install(Connection m, long nowNs) {
        return sync.install(m, nowNs);
    }
}
