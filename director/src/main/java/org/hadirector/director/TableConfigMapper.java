package org.hadirector.director;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.hadirector.conf.model.ForwardingMethod;
import org.hadirector.conf.model.KeepalivedConfig;
import org.hadirector.conf.model.RealServer;
import org.hadirector.conf.model.SorryServer;
import org.hadirector.conf.model.VirtualServer;
import org.hadirector.conf.model.VirtualServerKind;
import org.hadirector.ipvs.Destination;
import org.hadirector.ipvs.Endpoint;
import org.hadirector.ipvs.ForwardMethod;
import org.hadirector.ipvs.IpProtocol;
import org.hadirector.ipvs.ServiceKey;
import org.hadirector.ipvs.VirtualService;
import org.hadirector.sys.Addresses;

/**
 * From virtual_server blocks to the table's services and the real servers they may hold, named
 * as the health checks name them ({@code TCP 198.18.0.100:80}, {@code 198.18.0.21:80}) so that a
 * health event finds its destination. What a real server's health decides is only whether it is
 * in the table and with which weight; everything else comes from here.
 */
final class TableConfigMapper {

    /** One virtual service, and every real server (sorry server included) it may hold, weight as configured. */
    record ServicePlan(String name, VirtualService service, Map<String, Destination> servers) {}

    private TableConfigMapper() {}

    static List<ServicePlan> map(KeepalivedConfig c) {
        List<ServicePlan> out = new ArrayList<>();
        for (VirtualServer vs : c.virtualServers()) {
            if (vs.kind() == VirtualServerKind.GROUP) {
                continue;
            }
            Map<String, Destination> servers = new LinkedHashMap<>();
            for (RealServer rs : vs.realServers()) {
                servers.put(
                        Addresses.withPort(rs.address(), rs.port()),
                        new Destination(
                                rs.address(),
                                port(rs.port(), vs),
                                method(rs.lvsMethod()),
                                rs.weight(),
                                rs.uthreshold() == null ? 0 : rs.uthreshold(),
                                rs.lthreshold() == null ? 0 : rs.lthreshold()));
            }
            SorryServer sorry = vs.sorryServer();
            if (sorry != null) {
                // keepalived gives the sorry server weight 1 (0 with inhibit, which the checks decide).
                servers.putIfAbsent(
                        Addresses.withPort(sorry.address(), sorry.port()),
                        new Destination(
                                sorry.address(),
                                port(sorry.port(), vs),
                                method(sorry.lvsMethod() != null ? sorry.lvsMethod() : vs.lvsMethod()),
                                1,
                                0,
                                0));
            }
            out.add(new ServicePlan(vs.displayName(), service(vs), servers));
        }
        return out;
    }

    /**
     * A service key by the name its virtual_server has in the health checks, the logs and the
     * metrics ({@link VirtualServer#displayName}): "TCP 198.18.0.100:80", "FWM 1".
     */
    static String serviceName(ServiceKey k) {
        return k.isFwmark()
                ? "FWM " + Integer.toUnsignedString(k.fwmark())
                : k.protocol() + " " + Endpoint.format(k.address(), k.port());
    }

    static VirtualService service(VirtualServer vs) {
        ServiceKey key;
        if (vs.kind() == VirtualServerKind.FWMARK) {
            key = ServiceKey.fwmark("inet6".equals(vs.ipFamily()), vs.fwmark());
        } else {
            key = ServiceKey.of(protocol(vs), vs.address(), vs.port() == null ? 0 : vs.port());
        }
        int flags = vs.ops() ? VirtualService.F_ONEPACKET : 0;
        for (String f : vs.schedFlags()) {
            flags |= switch (f) {
                case "flag-1", "sh-fallback", "mh-fallback" -> VirtualService.F_SCHED1;
                case "flag-2", "sh-port", "mh-port" -> VirtualService.F_SCHED2;
                case "flag-3" -> VirtualService.F_SCHED3;
                default -> 0;
            };
        }
        int timeout = vs.persistenceTimeout() == null ? 0 : vs.persistenceTimeout();
        int netmask = key.ipv6() ? 128 : 32;
        if (vs.persistenceGranularity() != null) {
            netmask = prefixLength(vs.persistenceGranularity());
        }
        return new VirtualService(key, vs.lvsSched(), flags, timeout, netmask, vs.persistenceEngine());
    }

    private static IpProtocol protocol(VirtualServer vs) {
        return switch (vs.protocol()) {
            case UDP -> IpProtocol.UDP;
            case SCTP -> IpProtocol.SCTP;
            default -> IpProtocol.TCP;
        };
    }

    /** A real server without a port takes the virtual server's (0 for a fwmark service). */
    private static int port(Integer port, VirtualServer vs) {
        return port != null ? port : vs.port() != null ? vs.port() : 0;
    }

    static ForwardMethod method(ForwardingMethod m) {
        if (m == null) {
            return ForwardMethod.MASQ;
        }
        return switch (m) {
            case DR -> ForwardMethod.ROUTE;
            case TUN -> ForwardMethod.TUNNEL;
            case NAT -> ForwardMethod.MASQ;
        };
    }

    /** 255.255.255.0 -> 24; a granularity given as an IPv6 prefix mask works the same way. */
    static int prefixLength(InetAddress mask) {
        int n = 0;
        for (byte b : mask.getAddress()) {
            n += Integer.bitCount(b & 0xff);
        }
        return mask instanceof Inet6Address ? Math.min(n, 128) : Math.min(n, 32);
    }
}
