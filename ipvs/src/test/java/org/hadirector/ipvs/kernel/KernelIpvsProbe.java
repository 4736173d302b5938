package org.hadirector.ipvs.kernel;

import java.net.InetAddress;
import java.util.List;
import org.hadirector.ipvs.Destination;
import org.hadirector.ipvs.ForwardMethod;
import org.hadirector.ipvs.IpProtocol;
import org.hadirector.ipvs.IpvsadmFormat;
import org.hadirector.ipvs.Reconciler;
import org.hadirector.ipvs.ServiceKey;
import org.hadirector.ipvs.ServiceTable;
import org.hadirector.ipvs.TableOp;
import org.hadirector.ipvs.Tunnel;
import org.hadirector.ipvs.VirtualService;

/**
 * Run inside the IPVS VM by KernelIpvsVmTest: one step of the scenario per argument, each
 * printing a "=== name" header and what it found, so the host test can set it beside ipvsadm's
 * own output from the same kernel.
 */
public final class KernelIpvsProbe {
    private KernelIpvsProbe() {}

    static InetAddress ip(String s) throws Exception {
        return InetAddress.getByName(s);
    }

    public static void main(String[] args) throws Exception {
        try (KernelIpvs k = KernelIpvs.open()) {
            IpvsGenl.Info info = k.info();
            for (String step : args) {
                System.out.println("=== " + step);
                switch (step) {
                    case "program": {
                        ServiceKey web = ServiceKey.of(IpProtocol.TCP, ip("198.18.0.100"), 80);
                        ServiceKey dns = ServiceKey.of(IpProtocol.UDP, ip("198.18.0.100"), 53);
                        ServiceKey mark = ServiceKey.fwmark(false, 7);
                        ServiceTable want = ServiceTable.EMPTY
                                .withService(
                                        VirtualService.of(web, "wrr").withPersistence(300, 24),
                                        List.of(
                                                Destination.route(ip("198.18.0.21"), 80, 2),
                                                Destination.route(ip("198.18.0.22"), 80, 1)))
                                .withService(
                                        new VirtualService(
                                                dns,
                                                "sh",
                                                VirtualService.F_SCHED1 | VirtualService.F_SCHED2,
                                                0,
                                                32,
                                                ""),
                                        List.of(new Destination(
                                                ip("198.18.0.21"), 53, ForwardMethod.ROUTE, 1, 100, 10)))
                                .withService(
                                        VirtualService.of(mark, "rr"),
                                        List.of(Destination.route(ip("198.18.0.23"), 0, 1)));
                        List<TableOp> ops = Reconciler.diff(want, k.table(), "probe");
                        for (TableOp op : ops) {
                            k.apply(op);
                        }
                        System.out.println("ops " + ops.size());
                        System.out.println("again "
                                + Reconciler.diff(want, k.table(), "probe").size());
                        break;
                    }
                    case "edit": {
                        ServiceKey web = ServiceKey.of(IpProtocol.TCP, ip("198.18.0.100"), 80);
                        k.apply(new TableOp.EditDestination(web, Destination.route(ip("198.18.0.22"), 80, 0), "probe"));
                        k.apply(new TableOp.DeleteDestination(
                                web, new org.hadirector.ipvs.Endpoint(ip("198.18.0.21"), 80), "probe"));
                        k.apply(new TableOp.EditService(VirtualService.of(web, "lc"), "probe"));
                        break;
                    }
                    case "list":
                        System.out.print(IpvsadmFormat.table(
                                k.dump(), IpvsadmFormat.Mode.PLAIN, info.versionText(), info.connectionTableSize()));
                        break;
                    case "tunnel":
                    case "tunnel-edit": {
                        // three tunnelled servers as keepalived's lvs_method TUN would program them;
                        // the edit changes the gue server's port and checksum only
                        boolean edit = step.equals("tunnel-edit");
                        ServiceKey tun = ServiceKey.of(IpProtocol.TCP, ip("198.18.0.110"), 80);
                        ServiceTable want = ServiceTable.EMPTY.withService(
                                VirtualService.of(tun, "rr"),
                                List.of(
                                        new Destination(
                                                ip("198.18.0.31"), 80, ForwardMethod.TUNNEL, 1, 0, 0, Tunnel.DEFAULT),
                                        new Destination(
                                                ip("198.18.0.32"),
                                                80,
                                                ForwardMethod.TUNNEL,
                                                2,
                                                0,
                                                0,
                                                edit
                                                        ? new Tunnel(Tunnel.GUE, 6081, Tunnel.REMCSUM)
                                                        : new Tunnel(Tunnel.GUE, 6080, Tunnel.CSUM)),
                                        new Destination(
                                                ip("198.18.0.33"),
                                                80,
                                                ForwardMethod.TUNNEL,
                                                3,
                                                0,
                                                0,
                                                new Tunnel(Tunnel.GRE, 0, Tunnel.CSUM))));
                        List<TableOp> ops = Reconciler.diff(want, k.table(), "probe");
                        for (TableOp op : ops) {
                            System.out.println("op " + op.getClass().getSimpleName());
                            k.apply(op);
                        }
                        System.out.println("again "
                                + Reconciler.diff(want, k.table(), "probe").size());
                        break;
                    }
                    case "tun-info":
                        System.out.print(IpvsadmFormat.table(
                                k.dump(), IpvsadmFormat.Mode.TUN_INFO, info.versionText(), info.connectionTableSize()));
                        break;
                    case "stats":
                        System.out.print(IpvsadmFormat.table(
                                k.dump(), IpvsadmFormat.Mode.STATS, info.versionText(), info.connectionTableSize()));
                        break;
                    case "refused":
                        try {
                            k.apply(new TableOp.AddService(
                                    VirtualService.of(ServiceKey.of(IpProtocol.TCP, ip("198.18.0.100"), 80), "rr"),
                                    "probe"));
                            System.out.println("accepted?!");
                        } catch (org.hadirector.ipvs.DataplaneException e) {
                            System.out.println("refused: " + e.getMessage());
                        }
                        try {
                            k.apply(new TableOp.AddService(
                                    VirtualService.of(ServiceKey.of(IpProtocol.TCP, ip("198.18.0.101"), 80), "nosuch"),
                                    "probe"));
                            System.out.println("accepted?!");
                        } catch (org.hadirector.ipvs.DataplaneException e) {
                            System.out.println("refused: " + e.getMessage());
                        }
                        break;
                    case "timeouts":
                        k.timeouts(new IpvsGenl.Timeouts(1000, 110, 290));
                        IpvsGenl.Timeouts t = k.timeouts();
                        System.out.println("Timeout (tcp tcpfin udp): " + t.tcp() + " " + t.tcpFin() + " " + t.udp());
                        break;
                    case "daemon":
                        k.startDaemon(
                                new IpvsGenl.Daemon(IpvsGenl.Daemon.MASTER, "v0", 5, 1472, ip("224.0.0.81"), 8848, 1));
                        for (IpvsGenl.Daemon d : k.daemons()) {
                            System.out.println((d.state() == IpvsGenl.Daemon.MASTER ? "master" : "backup")
                                    + " sync daemon (mcast=" + d.interfaceName() + ", syncid=" + d.syncId() + ")");
                        }
                        k.stopDaemon(IpvsGenl.Daemon.MASTER);
                        System.out.println("after stop " + k.daemons().size());
                        break;
                    case "flush":
                        k.flush();
                        System.out.println("services " + k.table().size());
                        break;
                    default:
                        System.out.println("unknown step " + step);
                }
            }
        }
    }
}
