package org.hadirector.ipvs;

import java.io.Closeable;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Where the table takes effect: the kernel's IPVS, or the userspace DR forwarder. Methods may be
 * called from one thread only (the director's table thread); implementations need not be safe
 * for concurrent callers, but {@link #dump()} and {@link #connections(int)} may read state another
 * thread updates.
 *
 * <p>What only some dataplanes can do is asked for through the optional capabilities below,
 * so that callers need not know which dataplane they hold.
 */
public interface Dataplane extends Closeable {

    /** A short name for logs and status ("kernel IPVS", "userspace DR"). */
    String name();

    /** The table as the dataplane holds it now. */
    ServiceTable table() throws DataplaneException;

    /** Applies one operation; the table is unchanged when this throws. */
    void apply(TableOp op) throws DataplaneException;

    /**
     * Applies {@code ops} in order, as many {@link #apply} calls would, stopping at the first
     * that fails (the ones before it stay applied). A dataplane whose per-operation cost is
     * mostly shared work (the userspace forwarder's socket filter and nftables set) does that
     * work once for the whole list: a start with a hundred services pays it once, not a hundred
     * times.
     */
    default void applyAll(java.util.List<TableOp> ops) throws DataplaneException {
        for (TableOp op : ops) {
            apply(op);
        }
    }

    /** The table with counters and connection counts, for status and ipvsadm-style listings. */
    TableDump dump() throws DataplaneException;

    /**
     * The connection table, templates included, a page of at most {@code pageSize} entries at a
     * time: memory bounded by the page, however large the table (listings read it this way). The
     * cursor's pages are read from the same thread as the dataplane's other methods.
     */
    ConnectionCursor connections(int pageSize) throws DataplaneException;

    /**
     * The whole connection table in one list: for tests and checks of a few entries. A listing
     * reads {@link #connections(int)} instead, which needs no memory for the table's size.
     */
    default List<Connection> connections() throws DataplaneException {
        List<Connection> all = new ArrayList<>();
        try (ConnectionCursor c = connections(4096)) {
            for (List<Connection> page = c.next(); !page.isEmpty(); page = c.next()) {
                all.addAll(page);
            }
        }
        return all;
    }

    /**
     * lvs_timeouts, ipvsadm --set: the timeouts in seconds of established TCP connections, of
     * TCP connections in FIN_WAIT and of UDP; a null or 0 leaves that one as it is (as the
     * kernel's IPVS_CMD_SET_CONFIG does with 0).
     */
    void timeouts(Integer tcp, Integer tcpFin, Integer udp) throws DataplaneException;

    /**
     * The kernel's net.ipv4.vs.sloppy_tcp: whether a TCP segment other than a SYN (never a reset)
     * of a flow with no connection starts one. ECMP directors need it: a flow an ECMP change
     * moves to another director goes on there, to the same real server when the scheduler is
     * consistent (mh, sh).
     */
    void sloppyTcp(boolean on) throws DataplaneException;

    /**
     * Why this dataplane cannot forward now (its link is down, its interface is gone, its I/O is
     * being re-opened after a failure), or null while it can. The kernel's IPVS always can.
     */
    default String fault() {
        return null;
    }

    /** Told, on the dataplane's own thread, each time {@link #fault()} changes; must not block. */
    default void onFault(java.util.function.Consumer<String> listener) {}

    /** The first line of an ipvsadm-style listing of this dataplane. */
    default ListingHeader listingHeader() throws DataplaneException {
        return ListingHeader.KERNEL_DEFAULT;
    }

    /** Present when the table outlives this process (see {@link PersistentTable}). */
    default Optional<PersistentTable> persistentTable() {
        return Optional.empty();
    }

    /** Present when connection sync runs in the dataplane's own daemons (the kernel's). */
    default Optional<SyncDaemons> syncDaemons() {
        return Optional.empty();
    }

    /** Present when connection sync runs in this process and meets the table here (the forwarder's). */
    default Optional<SyncHooks> syncHooks() {
        return Optional.empty();
    }

    /** Present when the dataplane forwards the frames itself, in this process. */
    default Optional<Forwarder> forwarder() {
        return Optional.empty();
    }

    @Override
    void close();
}
