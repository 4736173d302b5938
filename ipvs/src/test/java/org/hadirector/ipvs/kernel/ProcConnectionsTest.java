package org.hadirector.ipvs.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.Reader;
import java.io.StringReader;
import java.util.ArrayList;
import java.util.List;
import org.hadirector.ipvs.Connection;
import org.hadirector.ipvs.ConnectionCursor;
import org.hadirector.ipvs.DataplaneException;
import org.hadirector.ipvs.TcpState;
import org.junit.jupiter.api.Test;

/** /proc/net/ip_vs_conn read a page at a time, as ip_vs_conn_seq_show writes it. */
class ProcConnectionsTest {
    static final String HEADING = "Pro FromIP   FPrt ToIP     TPrt DestIP   DPrt State       Expires PEName PEData\n";

    static String line(int i) {
        return String.format(
                "TCP C612%04X %04X C6120064 0050 C6120015 0050 ESTABLISHED     %d%n",
                i / 1000, 1024 + i % 1000, i % 900);
    }

    static String file(int entries) {
        StringBuilder b = new StringBuilder(HEADING);
        for (int i = 0; i < entries; i++) {
            b.append(line(i));
            if (i == 17) {
                b.append("TCP not a line we know\n");
            }
        }
        b.append("UDP C6120001 9C40 C6120064 0035 C6120015 0035 UDP             4\n");
        b.append("TCP C6120002 0000 C6120064 0050 C6120015 0050 NONE          300\n");
        return b.toString();
    }

    /** A reader that counts what was taken from it, and whether it was closed. */
    static final class Counted extends Reader {
        final Reader in;
        long taken;
        boolean closed;

        Counted(String text) {
            in = new StringReader(text);
        }

        @Override
        public int read(char[] buf, int off, int len) throws IOException {
            int n = in.read(buf, off, len);
            taken += Math.max(0, n);
            return n;
        }

        @Override
        public void close() {
            closed = true;
        }
    }

    @Test
    void pagesCoverTheFileInOrderWithBoundedPagesAndBoundedReading() throws DataplaneException {
        String text = file(10_000);
        Counted in = new Counted(text);
        List<Connection> all = new ArrayList<>();
        try (ConnectionCursor c = ProcConnections.pages(new BufferedReader(in, 8192), 250, "test")) {
            List<Connection> first = c.next();
            assertEquals(250, first.size());
            assertTrue(
                    in.taken < 250 * 80L + 2 * 8192,
                    "a page reads about a page of the file, not all of it: " + in.taken);
            all.addAll(first);
            for (List<Connection> p = c.next(); !p.isEmpty(); p = c.next()) {
                assertTrue(p.size() <= 250, "at most a page: " + p.size());
                all.addAll(p);
            }
            assertTrue(in.closed, "closed at the end");
            assertTrue(c.next().isEmpty());
        }
        assertEquals(ProcConnections.parse(text), all);
        assertEquals(10_002, all.size());
        for (int i = 0; i < 10_000; i += 997) {
            Connection e = all.get(i);
            assertEquals(1024 + i % 1000, e.clientPort());
            assertEquals(i % 900, e.timeoutSeconds());
            assertEquals(TcpState.ESTABLISHED.code(), e.state());
        }
        assertTrue(all.get(10_001).template());
        assertThrows(
                IllegalArgumentException.class,
                () -> ProcConnections.pages(new BufferedReader(new Counted("")), 0, "t"));
    }

    @Test
    void closingEarlyClosesTheFile() throws DataplaneException {
        Counted in = new Counted(file(1000));
        ConnectionCursor c = ProcConnections.pages(new BufferedReader(in), 10, "test");
        assertEquals(10, c.next().size());
        c.close();
        assertTrue(in.closed);
        assertTrue(c.next().isEmpty());
        c.close();
    }
}
