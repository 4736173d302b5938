package org.hadirector.ipvs;

import java.io.Closeable;
import java.util.List;

/**
 * The connection table read a page at a time ({@link Dataplane#connections(int)}), so that a
 * listing of millions of entries needs one page in memory, never the table's size again. Like the
 * kernel's /proc/net/ip_vs_conn, which is read the same way, an entry added or removed while the
 * pages are read may or may not appear (and the kernel's file, which resumes by position, may
 * then show a neighbour twice or not at all).
 */
public interface ConnectionCursor extends Closeable {

    /** The next page, at most the page size asked for (never more); empty once the table is read. */
    List<Connection> next() throws DataplaneException;

    /** Frees what the cursor holds (a file); safe from any thread once no {@link #next} runs, and twice. */
    @Override
    void close();
}
