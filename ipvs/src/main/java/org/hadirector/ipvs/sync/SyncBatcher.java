package org.hadirector.ipvs.sync;

import java.util.ArrayList;
import java.util.List;
import org.hadirector.ipvs.Connection;

/**
 * Gathers connections into sync messages the way the kernel's master does: a message goes out
 * when the next entry would not fit, or when its first entry has waited the flush delay (the
 * kernel flushes a partly filled buffer after about two seconds). Pure: time is passed in.
 */
final class SyncBatcher {
    private final int syncId;
    private final int maxlen;
    private final long flushDelayNs;
    private final List<Connection> pending = new ArrayList<>();
    private int pendingBytes = SyncCodec.HEADER;
    private long firstNs;

    SyncBatcher(int syncId, int maxlen, long flushDelayNs) {
        if (maxlen < SyncCodec.HEADER + SyncCodec.V6_ENTRY || maxlen > 65507) {
            throw new IllegalArgumentException("sync maxlen " + maxlen);
        }
        this.syncId = syncId;
        this.maxlen = maxlen;
        this.flushDelayNs = flushDelayNs;
    }

    /** Adds one connection; returns the messages now complete (none, usually). */
    List<byte[]> add(Connection c, long nowNs) {
        int size = SyncCodec.entrySize(c);
        int pad = (4 - pendingBytes) & 3;
        List<byte[]> out = List.of();
        if (pendingBytes + pad + size > maxlen || pending.size() == 255) {
            out = flush();
        }
        if (pending.isEmpty()) {
            firstNs = nowNs;
        }
        pendingBytes += ((4 - pendingBytes) & 3) + size;
        pending.add(c);
        return out;
    }

    /** The message whose first entry has waited long enough, if any. */
    List<byte[]> due(long nowNs) {
        return !pending.isEmpty() && nowNs - (firstNs + flushDelayNs) >= 0 ? flush() : List.of();
    }

    /** When {@link #due} will have something, or -1 when nothing waits. */
    long deadlineNs() {
        return pending.isEmpty() ? -1 : firstNs + flushDelayNs;
    }

    List<byte[]> flush() {
        if (pending.isEmpty()) {
            return List.of();
        }
        List<byte[]> m = SyncCodec.encode(syncId, pending, maxlen);
        pending.clear();
        pendingBytes = SyncCodec.HEADER;
        return m;
    }

    int pending() {
        return pending.size();
    }
}
