package org.hadirector.director;

import java.io.PrintStream;
import java.util.List;
import org.hadirector.ipvs.Connection;
import org.hadirector.ipvs.ConnectionCursor;
import org.hadirector.ipvs.DataplaneException;
import org.hadirector.ipvs.IpvsadmFormat;

/**
 * ipvsadm -L -n -c a piece at a time: the heading, then the lines of one page of the connection
 * table per piece, so that a table of millions of entries is listed with one page in memory.
 */
final class ConnectionListing implements ControlAnswer.Streamed {
    /** Entries per page: a short visit to the forwarder's thread, about 160 KiB of text. */
    static final int PAGE = 2048;

    private final ConnectionCursor cursor;
    private boolean headed;
    private boolean ended;

    ConnectionListing(ConnectionCursor cursor) {
        this.cursor = cursor;
    }

    @Override
    public String next() throws DataplaneException {
        if (!headed) {
            headed = true;
            return IpvsadmFormat.CONNECTIONS_HEADER;
        }
        if (ended) {
            return null;
        }
        List<Connection> page = cursor.next();
        if (page.isEmpty()) {
            close();
            return null;
        }
        return IpvsadmFormat.connectionLines(page);
    }

    /** Prints the whole listing, a page at a time (the command line reading the kernel itself). */
    void print(PrintStream out) throws DataplaneException {
        try {
            for (String piece = next(); piece != null; piece = next()) {
                out.print(piece);
            }
        } finally {
            close();
        }
    }

    @Override
    public void close() {
        ended = true;
        cursor.close();
    }
}
