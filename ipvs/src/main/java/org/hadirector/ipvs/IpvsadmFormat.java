package org.hadirector.ipvs;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

/**
 * A table printed as ipvsadm prints it with -L -n (and --stats, --rate, -c), so that operators'
 * eyes and scripts read ours as they read ipvsadm's: the same header, column widths, the
 * sorting ipvsadm applies (services by fwmark, protocol, address, port; real servers by address
 * and port), and its large-number abbreviations (K, M, G, T).
 */
public final class IpvsadmFormat {
    public enum Mode {
        PLAIN,
        STATS,
        RATE,
        /** --tun-info: a TunnelInfo column after Forward. */
        TUN_INFO
    }

    private IpvsadmFormat() {}

    /** ipvsadm -L -n [--stats|--rate]; {@code version} as "1.2.1", {@code size} the connection table size. */
    public static String table(TableDump dump, Mode mode, String version, int size) {
        StringBuilder out = new StringBuilder();
        out.append("IP Virtual Server version ")
                .append(version)
                .append(" (size=")
                .append(size)
                .append(")\n");
        if (mode == Mode.STATS) {
            out.append(String.format(
                    "%-33s %8s %8s %8s %8s %8s%n  -> RemoteAddress:Port%n",
                    "Prot LocalAddress:Port", "Conns", "InPkts", "OutPkts", "InBytes", "OutBytes"));
        } else if (mode == Mode.RATE) {
            out.append(String.format(
                    "%-33s %8s %8s %8s %8s %8s%n  -> RemoteAddress:Port%n",
                    "Prot LocalAddress:Port", "CPS", "InPPS", "OutPPS", "InBPS", "OutBPS"));
        } else if (mode == Mode.TUN_INFO) {
            out.append("Prot LocalAddress:Port Scheduler Flags\n")
                    .append("  -> RemoteAddress:Port           Forward TunnelInfo    Weight ActiveConn InActConn\n");
        } else {
            out.append("Prot LocalAddress:Port Scheduler Flags\n")
                    .append("  -> RemoteAddress:Port           Forward Weight ActiveConn InActConn\n");
        }
        List<TableDump.ServiceDump> services = new ArrayList<>(dump.services());
        services.sort(Comparator.comparing(TableDump.ServiceDump::service, IpvsadmFormat::compareServices));
        for (TableDump.ServiceDump s : services) {
            service(out, s, mode);
        }
        return out.toString().replace(System.lineSeparator(), "\n");
    }

    private static void service(StringBuilder out, TableDump.ServiceDump sd, Mode mode) {
        VirtualService s = sd.service();
        String name = s.key().toString();
        if (!s.key().ipv6() && name.length() > 33) {
            name = name.substring(0, 33);
        }
        Stats st = sd.stats();
        if (mode == Mode.STATS) {
            out.append(String.format("%-33s", name))
                    .append(large(st.connections()))
                    .append(large(st.inPackets()))
                    .append(large(st.outPackets()))
                    .append(large(st.inBytes()))
                    .append(large(st.outBytes()));
        } else if (mode == Mode.RATE) {
            out.append(String.format("%-33s", name))
                    .append(large(st.cps()))
                    .append(large(st.inPps()))
                    .append(large(st.outPps()))
                    .append(large(st.inBps()))
                    .append(large(st.outBps()));
        } else {
            out.append(name).append(' ').append(s.scheduler());
            String flags = schedulerFlags(s);
            if (!flags.isEmpty()) {
                out.append(" (").append(flags).append(')');
            }
            if (s.persistent()) {
                out.append(" persistent ").append(s.persistenceTimeout());
                if (!s.key().ipv6() && s.netmask() != 32) {
                    out.append(" mask ").append(dottedMask(s.netmask()));
                } else if (s.key().ipv6() && s.netmask() != 128) {
                    out.append(" mask ").append(s.netmask());
                }
                if (!s.persistenceEngine().isEmpty()) {
                    out.append(" pe ").append(s.persistenceEngine());
                }
            }
            if ((s.flags() & VirtualService.F_ONEPACKET) != 0) {
                out.append(" ops");
            }
        }
        out.append('\n');
        List<TableDump.DestinationDump> dests = new ArrayList<>(sd.destinations());
        dests.sort(Comparator.comparing(
                        (TableDump.DestinationDump d) -> d.destination().address(), IpvsadmFormat::compareAddresses)
                .thenComparingInt(d -> d.destination().port()));
        for (TableDump.DestinationDump d : dests) {
            Destination dest = d.destination();
            String dname = Endpoint.format(dest.address(), dest.port());
            if (!s.key().ipv6() && dname.length() > 28) {
                dname = dname.substring(0, 28);
            }
            Stats ds = d.stats();
            if (mode == Mode.STATS) {
                out.append(String.format("  -> %-28s", dname))
                        .append(large(ds.connections()))
                        .append(large(ds.inPackets()))
                        .append(large(ds.outPackets()))
                        .append(large(ds.inBytes()))
                        .append(large(ds.outBytes()))
                        .append('\n');
            } else if (mode == Mode.RATE) {
                out.append(String.format("  -> %-28s %8d %8d %8d", dname, ds.cps(), ds.inPps(), ds.outPps()))
                        .append(large(ds.inBps()))
                        .append(large(ds.outBps()))
                        .append('\n');
            } else if (mode == Mode.TUN_INFO) {
                out.append(String.format(
                        "  -> %-28s %-7s %-13s %-6d %-10d %-10d%n",
                        dname,
                        dest.method().ipvsadmName(),
                        dest.tunnel() == null ? "n/a" : dest.tunnel().ipvsadmInfo(),
                        dest.weight(),
                        d.activeConnections(),
                        d.inactiveConnections()));
            } else {
                out.append(String.format(
                        "  -> %-28s %-7s %-6d %-10d %-10d%n",
                        dname,
                        dest.method().ipvsadmName(),
                        dest.weight(),
                        d.activeConnections(),
                        d.inactiveConnections()));
            }
        }
    }

    /** ipvsadm -L -n -c, whole (a listing of a large table is written as {@link #CONNECTIONS_HEADER} and pages). */
    public static String connections(List<Connection> list) {
        return CONNECTIONS_HEADER + connectionLines(list);
    }

    /** The first lines of ipvsadm -L -n -c. */
    public static final String CONNECTIONS_HEADER =
            "IPVS connection entries\n" + "pro expire state       source             virtual            destination\n";

    /** One line of ipvsadm -L -n -c per connection. */
    public static String connectionLines(List<Connection> list) {
        StringBuilder out = new StringBuilder(list.size() * 80);
        for (Connection c : list) {
            String state = c.protocol() == IpProtocol.TCP && !c.template()
                    ? (TcpState.of(c.state()) == null
                            ? "ERR!"
                            : TcpState.of(c.state()).ipvsName())
                    : c.template() ? "NONE" : c.protocol().name();
            int t = Math.max(0, c.timeoutSeconds());
            out.append(String.format(
                    "%-3s %02d:%02d  %-11s %-18s %-18s %s%n",
                    c.protocol().name(),
                    t / 60,
                    t % 60,
                    state,
                    Endpoint.format(c.clientAddress(), c.clientPort()),
                    Endpoint.format(c.virtualAddress(), c.virtualPort()),
                    Endpoint.format(c.destAddress(), c.destPort())));
        }
        return out.toString().replace(System.lineSeparator(), "\n");
    }

    /** ipvsadm's print_largenum: 9 wide, abbreviated from 100 million on. */
    static String large(long i) {
        if (i < 100_000_000L) {
            return String.format("%9d", i);
        } else if (i < 1_000_000_000L) {
            return String.format("%8dK", i / 1000);
        } else if (i < 100_000_000_000L) {
            return String.format("%8dM", i / 1_000_000);
        } else if (i < 100_000_000_000_000L) {
            return String.format("%8dG", i / 1_000_000_000L);
        }
        return String.format("%8dT", i / 1_000_000_000_000L);
    }

    private static String schedulerFlags(VirtualService s) {
        List<String> names = new ArrayList<>();
        String prefix = s.scheduler().equals("sh") || s.scheduler().equals("mh") ? s.scheduler() + "-" : null;
        if ((s.flags() & VirtualService.F_SCHED1) != 0) {
            names.add(prefix != null ? prefix + "fallback" : "flag-1");
        }
        if ((s.flags() & VirtualService.F_SCHED2) != 0) {
            names.add(prefix != null ? prefix + "port" : "flag-2");
        }
        if ((s.flags() & VirtualService.F_SCHED3) != 0) {
            names.add("flag-3");
        }
        return String.join(",", names);
    }

    private static String dottedMask(int prefix) {
        int m = prefix == 0 ? 0 : (int) (0xffffffffL << (32 - prefix));
        return (m >>> 24) + "." + (m >>> 16 & 0xff) + "." + (m >>> 8 & 0xff) + "." + (m & 0xff);
    }

    private static int compareServices(VirtualService a, VirtualService b) {
        ServiceKey x = a.key();
        ServiceKey y = b.key();
        int r = Integer.compareUnsigned(x.fwmark(), y.fwmark());
        if (r != 0) {
            return r;
        }
        if (x.isFwmark()) {
            return Boolean.compare(x.ipv6(), y.ipv6());
        }
        r = Integer.compare(x.protocol().number(), y.protocol().number());
        if (r != 0) {
            return r;
        }
        r = compareAddresses(x.address(), y.address());
        return r != 0 ? r : Integer.compare(x.port(), y.port());
    }

    private static int compareAddresses(InetAddress a, InetAddress b) {
        if ((a instanceof Inet4Address) != (b instanceof Inet4Address)) {
            return a instanceof Inet4Address ? -1 : 1;
        }
        return Arrays.compareUnsigned(a.getAddress(), b.getAddress());
    }
}
