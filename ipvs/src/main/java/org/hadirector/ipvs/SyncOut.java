package org.hadirector.ipvs;

/** Where the forwarder hands new and changed connections for the sync master to send. */
@FunctionalInterface
public interface SyncOut {
    /** Called on the forwarder thread; must not block. */
    void offer(Connection c);
}
