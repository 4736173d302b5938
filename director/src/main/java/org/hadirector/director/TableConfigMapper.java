package org.hadirector.director;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.hadirector.conf.model.ForwardingMethod;
import org.hadirector.conf.model.KeepalivedConfig;
import org.hadirector.conf.model.RealServer;
import org.hadirector.conf.model.SorryServer;
import org.hadirector.conf.model.TunnelSettings;
import org.hadirector.conf.model.VirtualServer;
import org.hadirector.conf.model.VirtualServerGroup;
import org.hadirector.conf.model.VirtualServerKind;
import org.hadirector.conf.model.VsgEntry;
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

    /**
     * One virtual service, every real server (sorry server included) it may hold, weight as
     * configured, and the check pool that decides them ({@code checks}): the service's own for an
     * address or fwmark virtual_server; for each service of a virtual_server_group, the group's one
     * pool, named by its first service, as keepalived runs one set of checks for all of a group's
     * services. The servers are keyed by the identity the checks give them; the destination's port
     * is the service's own (keepalived's rule for DR and TUN), so it may differ from the key's.
     */
    record ServicePlan(VirtualService service, Map<RealServerId, Destination> servers, ServiceId checks) {
        ServicePlan(VirtualService service, Map<RealServerId, Destination> servers) {
            this(service, servers, service.key().id());
        }

        ServiceId id() {
            return service.key().id();
        }
    }

    private TableConfigMapper() {}

    static List<ServicePlan> map(KeepalivedConfig c) {
        return map(c, Set.of());
    }

    /** The table's services; a group's pool is named as {@link #serviceId(VirtualServer, KeepalivedConfig, Set)} says. */
    static List<ServicePlan> map(KeepalivedConfig c, Set<ServiceId> running) {
        List<ServicePlan> out = new ArrayList<>();
        for (VirtualServer vs : c.virtualServers()) {
            List<VirtualService> services = services(vs, c);
            ServiceId checks = anchor(services, running);
            for (VirtualService service : services) {
                Map<RealServerId, Destination> servers = new LinkedHashMap<>();
                for (RealServer rs : vs.realServers()) {
                    ForwardMethod m = method(rs.lvsMethod());
                    servers.put(
                            realServerId(rs.address(), rs.port(), vs),
                            new Destination(
                                    rs.address(),
                                    port(rs.port(), m, vs, service),
                                    m,
                                    rs.weight(),
                                    rs.uthreshold() == null ? 0 : rs.uthreshold(),
                                    rs.lthreshold() == null ? 0 : rs.lthreshold(),
                                    tunnel(rs.lvsMethod(), rs.tunnel())));
                }
                SorryServer sorry = vs.sorryServer();
                if (sorry != null) {
                    // keepalived gives the sorry server weight 1 (0 with inhibit, which the checks decide),
                    // and the virtual server's method and tunnel unless sorry_server_lvs_method says otherwise.
                    ForwardingMethod sm = sorry.lvsMethod() != null ? sorry.lvsMethod() : vs.lvsMethod();
                    ForwardMethod m = method(sm);
                    servers.putIfAbsent(
                            realServerId(sorry.address(), sorry.port(), vs),
                            new Destination(
                                    sorry.address(),
                                    port(sorry.port(), m, vs, service),
                                    m,
                                    1,
                                    0,
                                    0,
                                    tunnel(sm, sorry.tunnel() != null ? sorry.tunnel() : vs.tunnel())));
                }
                out.add(new ServicePlan(service, servers, checks));
            }
        }
        return out;
    }

    /**
     * The identity of a virtual_server in the checks, the status and the metrics: its table
     * key's, so that both sides have it from one place; a group's is its first service's.
     */
    static ServiceId serviceId(VirtualServer vs, KeepalivedConfig c) {
        return serviceId(vs, c, Set.of());
    }

    /**
     * As {@link #serviceId(VirtualServer, KeepalivedConfig)} at a reload: a group's pool keeps the
     * name it runs under ({@code running}, the running plan's pools) while that service is still in
     * the group, so that adding or removing other entries leaves its checks running.
     */
    static ServiceId serviceId(VirtualServer vs, KeepalivedConfig c, Set<ServiceId> running) {
        return anchor(services(vs, c), running);
    }

    private static ServiceId anchor(List<VirtualService> services, Set<ServiceId> running) {
        for (VirtualService s : services) {
            if (running.contains(s.key().id())) {
                return s.key().id();
            }
        }
        return services.get(0).key().id();
    }

    /** As {@link #serviceId(VirtualServer, KeepalivedConfig)}, for an address or fwmark virtual_server. */
    static ServiceId serviceId(VirtualServer vs) {
        return service(vs).key().id();
    }

    /** A real (or sorry) server's identity: the address and port the table sends to. */
    static RealServerId realServerId(InetAddress address, Integer port, VirtualServer vs) {
        return new RealServerId(address, port(port, vs));
    }

    /**
     * The services a virtual_server makes: its own; for a group, one per address of each range
     * entry (the entry's port, the virtual_server's protocol) and one per fwmark entry (the
     * entry's family, else the virtual_server's ip_family, else inet), in the group's order, as
     * keepalived's ipvs_group_cmd adds them. The reader has refused a group that is missing,
     * empty or too large.
     */
    static List<VirtualService> services(VirtualServer vs, KeepalivedConfig c) {
        if (vs.kind() != VirtualServerKind.GROUP) {
            return List.of(service(vs));
        }
        VirtualServerGroup g = c.virtualServerGroups().stream()
                .filter(x -> x.name().equals(vs.group()))
                .findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no virtual_server_group " + vs.group()));
        List<VirtualService> out = new ArrayList<>();
        for (VsgEntry e : g.entries()) {
            if (e.isFwmark()) {
                String family = e.family() != null ? e.family() : vs.ipFamily();
                out.add(service(vs, ServiceKey.fwmark("inet6".equals(family), e.fwmark())));
            } else {
                for (InetAddress a : e.addresses()) {
                    out.add(service(vs, ServiceKey.of(protocol(vs), a, e.port() == null ? 0 : e.port())));
                }
            }
        }
        return out;
    }

    static VirtualService service(VirtualServer vs) {
        ServiceKey key;
        if (vs.kind() == VirtualServerKind.FWMARK) {
            key = ServiceKey.fwmark("inet6".equals(vs.ipFamily()), vs.fwmark());
        } else if (vs.kind() == VirtualServerKind.ADDRESS) {
            key = ServiceKey.of(protocol(vs), vs.address(), vs.port() == null ? 0 : vs.port());
        } else {
            throw new IllegalArgumentException(vs.displayName() + " makes several services: use services(vs, config)");
        }
        return service(vs, key);
    }

    /** The service {@code key} with {@code vs}'s scheduler, flags and persistence. */
    private static VirtualService service(VirtualServer vs, ServiceKey key) {
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

    /** The virtual_server's protocol as an IP protocol number; 0 when unset (keepalived writes "none"). */
    static int protocolNumber(VirtualServer vs) {
        return vs.protocol() == null ? 0 : protocol(vs).number();
    }

    private static IpProtocol protocol(VirtualServer vs) {
        return switch (vs.protocol()) {
            case UDP -> IpProtocol.UDP;
            case SCTP -> IpProtocol.SCTP;
            default -> IpProtocol.TCP;
        };
    }

    /** A real server without a port takes the virtual server's (0 for a fwmark service or a group). */
    private static int port(Integer port, VirtualServer vs) {
        return port != null ? port : vs.port() != null ? vs.port() : 0;
    }

    /**
     * The port a destination of {@code service} is given: a group's DR or TUN real server takes the
     * service's port (0 for a fwmark), as keepalived's ipvs_group_cmd does; a NAT one its own, else
     * the service's. Other virtual servers keep their rule ({@link #port(Integer, VirtualServer)}).
     */
    private static int port(Integer port, ForwardMethod m, VirtualServer vs, VirtualService service) {
        if (vs.kind() != VirtualServerKind.GROUP) {
            return port(port, vs);
        }
        int own = service.key().isFwmark() ? 0 : service.key().port();
        return m == ForwardMethod.MASQ && port != null ? port : own;
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
