package org.hadirector.ipvs;

import java.util.Map;

/**
 * What a {@link Forwarder} has done, for status and metrics. Synced connections: installed (or
 * updated), naming nothing known, refused at the entry cap, dropped at the hand-off bound.
 */
public record ForwarderCounters(
        long forwarded,
        Map<String, Long> dropped,
        long ringDropped,
        int connections,
        int neighbours,
        long syncedInstalled,
        long syncedUnknown,
        long syncedOverCap,
        long syncedShed,
        int connectionLimit,
        long evicted,
        long restarts,
        long linkDowns,
        long midFlow,
        long midFlowPlaced,
        Map<String, Long> program) {}
