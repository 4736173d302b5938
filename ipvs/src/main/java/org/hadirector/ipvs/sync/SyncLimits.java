package org.hadirector.ipvs.sync;

/**
 * What a sync backup holds at most: {@code maxEntries} connections in the forwarder's table
 * before synced installs of new ones are refused, and {@code maxPending} received connections
 * waiting for the forwarder thread before whole messages are dropped. Anyone on the sync link can
 * send sync messages, so both are bounded; the defaults follow the heap.
 *
 * <p>Set with the JVM properties {@code hadirector.sync.max_entries} and
 * {@code hadirector.sync.max_pending} (HADIRECTOR_JAVA_OPTS); keepalived's configuration has no
 * keyword for them.
 */
public record SyncLimits(int maxEntries, int maxPending) {
    /**
     * Heap bytes one synced connection takes in the forwarder's table: 128 measured with
     * compressed references (SyncedInstallTest: the entry, whose addresses are 128 bits for
     * either family, and its share of the hash table), with some room.
     */
    public static final int ENTRY_BYTES = 136;
    /** Heap bytes one received connection takes while it waits for the forwarder thread. */
    public static final int PENDING_BYTES = 256;

    static final String MAX_ENTRIES = "hadirector.sync.max_entries";
    static final String MAX_PENDING = "hadirector.sync.max_pending";

    public SyncLimits {
        if (maxEntries < 0 || maxPending < 1) {
            throw new IllegalArgumentException("sync limits: max_entries " + maxEntries + " (0 or more), max_pending "
                    + maxPending + " (1 or more)");
        }
    }

    /**
     * A quarter of the heap for synced entries, the rest for the connections the director
     * schedules itself and everything else; 1/32 of it, and 32,768 connections at most, for the
     * hand-off (the forwarder thread takes it in at every turn of its loop, so more only adds
     * latency).
     */
    public static SyncLimits fromHeap(long maxMemory) {
        long entries = maxMemory / 4 / ENTRY_BYTES;
        long pending = Math.max(1024, Math.min(32_768, maxMemory / 32 / PENDING_BYTES));
        return new SyncLimits((int) Math.min(Integer.MAX_VALUE, entries), (int) pending);
    }

    /** The properties where set, else {@link #fromHeap} for this JVM; a bad value is an error. */
    public static SyncLimits configured() {
        SyncLimits d = fromHeap(Runtime.getRuntime().maxMemory());
        return new SyncLimits(property(MAX_ENTRIES, d.maxEntries), property(MAX_PENDING, d.maxPending));
    }

    private static int property(String name, int otherwise) {
        String v = System.getProperty(name);
        if (v == null || v.isBlank()) {
            return otherwise;
        }
        try {
            return Integer.parseInt(v.strip());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(name + "=" + v + " is not a number");
        }
    }
}
