package org.hadirector.ipvs.dr;

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

    /** The interface's MAC changed (the interface was re-created). */
    void ownMac(long mac) {
        frames.ownMac(mac);
    }

    // ---- services ----------------------------------------------------------------------------

    static void checkSupported(VirtualService s) throws DataplaneException {
        DrServiceTable.checkSupported(s);
    }

    void apply(TableOp op) throws DataplaneException {
        services.apply(op);
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
    }

    void syncMaxEntries(int n) {
        sync.maxEntries(n);
    }

    ConnectionSync.Synced install(Connection m, long nowNs) {
        return sync.install(m, nowNs);
    }
}
