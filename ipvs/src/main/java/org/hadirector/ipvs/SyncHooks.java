package org.hadirector.ipvs;

import java.util.List;

/**
 * Connection sync done in this process (the userspace forwarder has no kernel daemons): the
 * director runs a sync sender and receiver, and these are where they meet the table.
 */
public interface SyncHooks {

    /** New and changed connections go to {@code out} (the sync master's sender); null stops that. */
    void syncOut(SyncOut out) throws DataplaneException;

    /**
     * Bounds what sync can make the table hold: new synced entries are refused once it holds
     * {@code maxEntries}; {@link #installLater} drops messages while {@code maxPending} received
     * connections wait to be installed.
     */
    void syncLimits(int maxEntries, int maxPending) throws DataplaneException;

    /**
     * Hands connections a sync master announced to the table without waiting (the receiver's
     * event loop must not block); false when they were dropped at the {@code maxPending} bound.
     */
    boolean installLater(List<Connection> synced);
}
