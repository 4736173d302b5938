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
import org.hadirector.conf.model.TunnelSettings;
import org.hadirector.conf.model.VirtualServer;
import org.hadirector.conf.model.VirtualServerKind;
import org.hadirector.ipvs.Destination;
import org.hadirector.ipvs.ForwardMethod;
import org.hadirector.ipvs.IpProtocol;
import org.hadirector.ipvs.ServiceKey;
import org.hadirector.ipvs.Tunnel;
import org.hadirector.ipvs.VirtualService;
import org.hadirector.sys.RealServerId;
import org.hadirector.sys.ServiceId;

/**
 * From virtual_server blocks to the table's services and the real servers they may hold, with the
 * identities the health checks give them ({@link #serviceId}, {@link #realServerId}) so that a
 * health event finds its destination. What a real server's health decides is only whether it is
 * in the table and with which weight; everything else comes from here.
 */
final class TableConfigMapper {

    /** One virtual service, and every real server (sorry server included) it may hold, weight as configured. */
    record ServicePlan(VirtualService service, Map<RealServerId, Destination> servers) {
        ServiceId id() {
            return service.key().id();
        }
    }

    private TableConfigMapper() {}

    static List<ServicePlan> map(KeepalivedConfig c) {
        List<ServicePlan> out = new ArrayList<>();
        for (VirtualServer vs : c.virtualServers()) {
            if (vs.kind() == VirtualServerKind.GROUP) {
                continue;
            }
            Map<RealServerId, Destination> servers = new LinkedHashMap<>();
            for (RealServer rs : vs.realServers()) {
                servers.put(
                        realServerId(rs.address(), rs.port(), vs),
                        new Destination(
                                rs.address(),
                                port(rs.port(), vs),
                                method(rs.lvsMethod()),
                                rs.weight(),
                                rs.uthreshold() == null ? 0 : rs.uthreshold(),
                                rs.lthreshold() == null ? 0 : rs.lthreshold(),
                                tunnel(rs.lvsMethod(), rs.tunnel())));
            }
            SorryServer sorry = vs.sorryServer();
            if (sorry != null) {
                // keepalived gives the sorry server weight 1 (0 with inhibit, which the checks decide),
                // and the virtual server's method and tunnel unless sorry_server_lvs_method says otherwise.
                ForwardingMethod m = sorry.lvsMethod() != null ? sorry.lvsMethod() : vs.lvsMethod();
                servers.putIfAbsent(
                        realServerId(sorry.address(), sorry.port(), vs),
                        new Destination(
                                sorry.address(),
                                port(sorry.port(), vs),
                                method(m),
                                1,
                                0,
                                0,
                                tunnel(m, sorry.tunnel() != null ? sorry.tunnel() : vs.tunnel())));
            }
            out.add(new ServicePlan(service(vs), servers));
        }
        return out;
    }

    /**
     * The identity of a virtual_server (an address or fwmark one; a group has none: it is refused)
     * in the checks, the table, the status and the metrics: its table key's, so that both sides
     * have it from one place.
     */
    static ServiceId serviceId(VirtualServer vs) {
        return service(vs).key().id();
    }

    /** A real (or sorry) server's identity: the address and port the table sends to. */
    static RealServerId realServerId(InetAddress address, Integer port, VirtualServer vs) {
        return new RealServerId(address, port(port, vs));
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

    /** A TUN server's encapsulation (ipip when lvs_method TUN says nothing more); null for the others. */
    static Tunnel tunnel(ForwardingMethod m, TunnelSettings t) {
        if (m != ForwardingMethod.TUN) {
            return null;
        }
        return t == null ? Tunnel.DEFAULT : Tunnel.of(t.type(), t.port(), t.checksum());
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
