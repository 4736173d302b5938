package org.hadirector.ipvs.kernel;

import java.io.BufferedReader;
import java.io.IOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import org.hadirector.ipvs.Connection;
import org.hadirector.ipvs.ConnectionCursor;
import org.hadirector.ipvs.DataplaneException;
import org.hadirector.ipvs.ForwardMethod;
import org.hadirector.ipvs.IpProtocol;
import org.hadirector.ipvs.TcpState;

/**
 * The kernel's connection table as /proc/net/ip_vs_conn shows it (ip_vs_conn_seq_show): the
 * kernel gives no netlink dump of connections, and ipvsadm -Lc reads this file too. IPv4
 * addresses are 8 hex digits, IPv6 ones in their usual text; a persistence template shows a
 * client port of 0 and the state NONE. The forwarding method is not in the file (DR assumed).
 */
public final class ProcConnections {
    private ProcConnections() {}

    /** Every connection of a whole file's text. */
    public static List<Connection> parse(String text) {
        List<Connection> out = new ArrayList<>();
        for (String line : text.split("\n")) {
            Connection c = line(line);
            if (c != null) {
                out.add(c);
            }
        }
        return out;
    }

    /**
     * The file read a line at a time, a page of connections per {@link ConnectionCursor#next}: a
     * table of millions of entries is listed with one page in memory. The kernel's seq_file
     * gives whole lines and resumes where the last read stopped, so entries added or removed
     * while the pages are read may or may not appear, as with ipvsadm -Lc. Takes {@code in}.
     */
    public static ConnectionCursor pages(BufferedReader in, int pageSize, String name) {
        if (pageSize < 1) {
            throw new IllegalArgumentException("page size " + pageSize);
        }
        return new ConnectionCursor() {
            private boolean ended;

            @Override
            public List<Connection> next() throws DataplaneException {
                List<Connection> page = new ArrayList<>(Math.min(pageSize, 1024));
                try {
                    while (!ended && page.size() < pageSize) {
                        String text = in.readLine();
                        if (text == null) {
                            ended = true;
                            close();
                        } else {
                            Connection c = line(text);
                            if (c != null) {
                                page.add(c);
                            }
                        }
                    }
                } catch (IOException e) {
                    close();
                    throw new DataplaneException("read " + name + ": " + e.getMessage(), e);
                }
                return page;
            }

            @Override
            public void close() {
                ended = true;
                try {
                    in.close();
                } catch (IOException e) {
                    // nothing was written: nothing to lose
                }
            }
        };
    }

    /** One line's connection, or null for the heading and lines of a format we do not know. */
    static Connection line(String line) {
        String[] f = line.trim().split("\\s+");
        if (f.length < 9 || f[0].equals("Pro")) {
            return null;
        }
        try {
            IpProtocol p = IpProtocol.valueOf(f[0]);
            InetAddress c = address(f[1]);
            int cport = Integer.parseInt(f[2], 16);
            InetAddress v = address(f[3]);
            int vport = Integer.parseInt(f[4], 16);
            InetAddress d = address(f[5]);
            int dport = Integer.parseInt(f[6], 16);
            String stateName = f[7];
            int expires = Integer.parseInt(f[8]);
            boolean template = cport == 0 && stateName.equals("NONE");
            int state = 0;
            if (p == IpProtocol.TCP && !template) {
                for (TcpState s : TcpState.values()) {
                    if (s.ipvsName().equals(stateName)) {
                        state = s.code();
                    }
                }
            }
            int flags = ForwardMethod.ROUTE.code() | (template ? Connection.F_TEMPLATE : 0);
            return new Connection(p, c, cport, v, vport, d, dport, 0, flags, state, expires);
        } catch (IllegalArgumentException | UnknownHostException e) {
            return null; // a line of a format we do not know (a newer kernel's extra columns stay readable)
        }
    }

    private static InetAddress address(String s) throws UnknownHostException {
        if (s.length() == 8 && s.indexOf(':') < 0) {
            return InetAddress.getByAddress(HexFormat.of().parseHex(s));
        }
        if (s.indexOf(':') < 0) {
            throw new UnknownHostException("not an address: " + s);
        }
        return InetAddress.getByName(s);
    }
}
