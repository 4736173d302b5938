package org.hadirector.ipvs.sync;

import java.util.List;
import org.hadirector.ipvs.Connection;

/**
 * One decoded sync datagram: its sync id, protocol version (0 or 1), the connections accepted,
 * how many entries were skipped (unknown mandatory option, protocol or state, as the kernel's
 * ip_vs_proc_sync_conn skips them) and, when decoding stopped early, why (the kernel then drops
 * the rest of the buffer but keeps what came before).
 */
public record SyncMessage(int syncId, int version, List<Connection> connections, int skipped, String truncatedBy) {}
