import java.net.InetAddress;
import org.hadirector.ipvs.Destination;
import org.hadirector.ipvs.ForwarderCounters;
import org.hadirector.ipvs.IpProtocol;
import org.hadirector.ipvs.ServiceKey;
import org.hadirector.ipvs.TableOp;
import org.hadirector.ipvs.VirtualService;
import org.hadirector.ipvs.dr.UserspaceDr;

/**
 * Runs the userspace DR forwarder on e0 of the namespace it is started in, with one UDP service
 * VIP:9 to one real server, for the given seconds; lab/bench-dr drives traffic and counts at the
 * real server. Prints the forwarder's own counters at the end (and the XDP program's, with xdp).
 * Args: VIP REAL_SERVER SECONDS [xdp]
 */
public class DrBenchmark {
    public static void main(String[] args) throws Exception {
        InetAddress vip = InetAddress.getByName(args[0]);
        InetAddress rs = InetAddress.getByName(args[1]);
        long seconds = Long.parseLong(args[2]);
        boolean xdp = args.length > 3 && args[3].equals("xdp");
        try (UserspaceDr dr = UserspaceDr.open(UserspaceDr.Settings.of("e0").withXdp(xdp))) {
            ServiceKey key = ServiceKey.of(IpProtocol.UDP, vip, 9);
            dr.apply(new TableOp.AddService(VirtualService.of(key, "rr"), "bench"));
            dr.apply(new TableOp.AddDestination(key, Destination.route(rs, 9, 1), "bench"));
            System.out.println("READY");
            System.out.flush();
            // The script starts traffic now and counts at rs1 from 2 s on; this window starts at 3 s.
            Thread.sleep(3000);
            ForwarderCounters a = dr.counters();
            var xa = dr.xdpCounters();
            Thread.sleep(seconds * 1000);
            ForwarderCounters b = dr.counters();
            var xb = dr.xdpCounters();
            if (xdp) {
                StringBuilder line = new StringBuilder("xdp program:");
                xb.forEach((k, v) -> line.append(' ')
                        .append(k)
                        .append(' ')
                        .append((v - xa.get(k)) / seconds)
                        .append("/s"));
                System.out.println(line);
            }
            System.out.println("forwarder: " + (b.forwarded() - a.forwarded()) / seconds + " packets/s forwarded, "
                    + (b.ringDropped() - a.ringDropped()) / seconds
                    + "/s dropped by the kernel for want of ring space, "
                    + b.connections() + " connections in the table; drops since start " + b.dropped());
        }
    }
}
