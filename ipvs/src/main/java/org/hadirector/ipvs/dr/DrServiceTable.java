package org.hadirector.ipvs.dr;

import java.net.Inet4Address;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;
import java.util.function.Consumer;
import org.hadirector.ipvs.DataplaneException;
import org.hadirector.ipvs.Destination;
import org.hadirector.ipvs.ForwardMethod;
import org.hadirector.ipvs.IpProtocol;
import org.hadirector.ipvs.ServiceKey;
import org.hadirector.ipvs.ServiceTable;
import org.hadirector.ipvs.TableDump;
import org.hadirector.ipvs.TableOp;
import org.hadirector.ipvs.VirtualService;
import org.hadirector.ipvs.sched.Backend;
import org.hadirector.ipvs.sched.Scheduler;

/**
 * The forwarder's virtual services and their real servers, as the reconciler's {@link TableOp}s
 * make them, found by key (operations) or by protocol, address and port (frames and sync). Owns
 * the ARP cache of the real servers' addresses. A service or server that leaves takes its
 * connections out of the {@link ConnectionTable} as the kernel does. Single-threaded: the
 * forwarder thread owns it.
 */
final class DrServiceTable {
    private final BiFunction<String, Integer, Scheduler> schedulers;
    private final ConnectionTable connections;
    /** By {@link #packetKey}: what a frame's protocol, destination address and port look up (IPv4). */
    private final Map<Long, DrService> byPacket = new HashMap<>();
    /** The same for IPv6 services. */
    private final Map<Packet6, DrService> byPacket6 = new HashMap<>();

    /** An IPv6 service's key as frames look it up. */
    private record Packet6(long hi, long lo, int protocolPort) {
        Packet6(int proto, long hi, long lo, int port) {
            this(hi, lo, proto << 16 | port);
        }
    }
    /** In the order added, as listings show them. */
    private final Map<ServiceKey, DrService> byKey = new LinkedHashMap<>();

    private final Neighbours neighbours = new Neighbours();

    DrServiceTable(BiFunction<String, Integer, Scheduler> schedulers, ConnectionTable connections) {
        this.schedulers = schedulers;
        this.connections = connections;
    }

    Neighbours neighbours() {
        return neighbours;
    }

    static void checkSupported(VirtualService s) throws DataplaneException {
        ServiceKey k = s.key();
        if (k.isFwmark()) {
            throw new DataplaneException("the userspace DR forwarder cannot balance " + k
                    + ": it sees frames before netfilter sets marks; use the kernel IPVS backend");
        }
        if (k.protocol() == IpProtocol.SCTP) {
            throw new DataplaneException("the userspace DR forwarder handles TCP and UDP, not " + k);
        }
        if (!s.persistenceEngine().isEmpty()) {
            throw new DataplaneException(
                    "persistence engine " + s.persistenceEngine() + " is not supported by the userspace DR forwarder");
        }
        if (k.port() == 0 && !s.persistent()) {
            throw new DataplaneException(k + ": a port-0 service must be persistent (as ipvsadm requires)");
        }
    }

    /**
     * The service a packet to {@code addr:port} belongs to: the one on that port, else a
     * persistent port-0 service on the address (all ports, as ipvsadm's -p with port 0); null
     * when none.
     */
    DrService match(int proto, int addr, int port) {
        DrService svc = byPacket.get(packetKey(proto, addr, port));
        if (svc == null) {
            svc = byPacket.get(packetKey(proto, addr, 0));
            if (svc != null && !svc.service.persistent()) {
                return null;
            }
        }
        return svc;
    }

    /** As {@link #match(int, int, int)}, the address as {@link Ip128} holds it. */
    DrService match(int proto, long hi, long lo, int port) {
        if (Ip128.isV4(hi, lo)) {
            return match(proto, (int) lo, port);
        }
        if (byPacket6.isEmpty()) {
            return null; // no IPv6 service: no key made
        }
        DrService svc = byPacket6.get(new Packet6(proto, hi, lo, port));
        if (svc == null) {
            svc = byPacket6.get(new Packet6(proto, hi, lo, 0));
            if (svc != null && !svc.service.persistent()) {
                return null;
            }
        }
        return svc;
    }

    private void index(DrService d) {
        if (Ip128.isV4(d.addressHi, d.addressLo)) {
            byPacket.put(packetKey(d.protocol, d.address, d.port), d);
        } else {
            byPacket6.put(new Packet6(d.protocol, d.addressHi, d.addressLo, d.port), d);
        }
    }

    private void unindex(DrService d) {
        if (Ip128.isV4(d.addressHi, d.addressLo)) {
            byPacket.remove(packetKey(d.protocol, d.address, d.port));
        } else {
            byPacket6.remove(new Packet6(d.protocol, d.addressHi, d.addressLo, d.port));
        }
    }

    private static long packetKey(int proto, int addr, int port) {
        return (long) proto << 48 | (addr & 0xffffffffL) << 16 | port;
    }

    void apply(TableOp op) throws DataplaneException {
        try {
            applyChecked(op);
        } catch (IllegalArgumentException e) {
            throw new DataplaneException(e.getMessage(), e);
        }
    }

    private void applyChecked(TableOp op) throws DataplaneException {
        if (op instanceof TableOp.AddService a) {
            VirtualService s = a.service();
            checkSupported(s);
            if (byKey.containsKey(s.key())) {
                throw new DataplaneException("service " + s.key() + " exists");
            }
            DrService d = new DrService(s, schedulers.apply(s.scheduler(), s.flags()));
            d.rescheduled();
            byKey.put(s.key(), d);
            index(d);
        } else if (op instanceof TableOp.EditService e) {
            VirtualService s = e.service();
            checkSupported(s);
            DrService d = service(s.key());
            if (!d.service.scheduler().equals(s.scheduler()) || d.service.flags() != s.flags()) {
                d.scheduler = schedulers.apply(s.scheduler(), s.flags());
            }
            d.service = s;
            d.rescheduled();
        } else if (op instanceof TableOp.DeleteService del) {
            DrService d = service(del.key());
            for (DrRealServer r : d.servers.values()) {
                r.forgetNeighbour();
                r.removed = true;
            }
            byKey.remove(del.key());
            unindex(d);
            // Its connections stop with it, as ip_vs_unlink_service flushes them.
            connections.removeIf(c -> c.service == d);
        } else if (op instanceof TableOp.AddDestination a) {
            DrService d = service(a.service());
            Destination dest = checkDestination(d, a.destination());
            if (d.servers.containsKey(dest.endpoint())) {
                throw new DataplaneException("real server " + dest.endpoint() + " exists in " + a.service());
            }
            DrRealServer r = new DrRealServer(dest, neighbours);
            d.servers.put(dest.endpoint(), r);
            d.byBackend.put(r.backend, r);
            d.rescheduled();
        } else if (op instanceof TableOp.EditDestination e) {
            DrService d = service(e.service());
            Destination dest = checkDestination(d, e.destination());
            DrRealServer r = d.servers.get(dest.endpoint());
            if (r == null) {
                throw new DataplaneException("no real server " + dest.endpoint() + " in " + e.service());
            }
            r.backend.destination(dest);
            d.rescheduled();
        } else {
            TableOp.DeleteDestination del = (TableOp.DeleteDestination) op;
            DrService d = service(del.service());
            DrRealServer r = d.servers.remove(del.destination());
            if (r == null) {
                throw new DataplaneException("no real server " + del.destination() + " in " + del.service());
            }
            d.byBackend.remove(r.backend);
            r.removed = true;
            d.rescheduled();
            // Like the kernel with expire_nodest_conn = 0, live connections keep going to it until
            // they expire; only new ones (and persistence templates) stop.
            connections.removeIf(c -> c.template && c.server == r && c.controlled == 0);
            if (!r.hasConnections()) {
                r.forgetNeighbour();
            }
        }
    }

    private static Destination checkDestination(DrService d, Destination dest) throws DataplaneException {
        if (dest.method() != ForwardMethod.ROUTE) {
            throw new DataplaneException("the userspace forwarder does direct routing only; " + dest.endpoint()
                    + " asks for " + dest.method().ipvsadmName());
        }
        if ((dest.address() instanceof Inet4Address) == d.service.key().ipv6()) {
            throw new DataplaneException("direct routing keeps the family: " + d.service.key() + " -> "
                    + dest.endpoint() + " (a real server of the service's own family)");
        }
        if (dest.port() != d.port) {
            throw new DataplaneException(
                    "direct routing cannot map ports: " + d.service.key() + " -> " + dest.endpoint());
        }
        return dest;
    }

    private DrService service(ServiceKey key) throws DataplaneException {
        DrService d = byKey.get(key);
        if (d == null) {
            throw new DataplaneException("no service " + key);
        }
        return d;
    }

    ServiceTable table() {
        ServiceTable t = ServiceTable.EMPTY;
        for (DrService d : byKey.values()) {
            List<Destination> dests = new ArrayList<>();
            for (DrRealServer r : d.servers.values()) {
                dests.add(r.backend.destination());
            }
            t = t.withService(d.service, dests);
        }
        return t;
    }

    TableDump dump() {
        List<TableDump.ServiceDump> list = new ArrayList<>();
        for (DrService d : byKey.values()) {
            List<TableDump.DestinationDump> dests = new ArrayList<>();
            for (DrRealServer r : d.servers.values()) {
                Backend b = r.backend;
                dests.add(new TableDump.DestinationDump(
                        b.destination(),
                        b.activeConnections(),
                        b.inactiveConnections(),
                        b.persistentConnections(),
                        r.stats()));
            }
            list.add(new TableDump.ServiceDump(d.service, d.stats(), dests));
        }
        return new TableDump(list);
    }

    /** Refreshes the services' and real servers' rate estimates (once a second). */
    void sampleRates(long nowNs) {
        for (DrService d : byKey.values()) {
            d.rates.sample(nowNs, d.connections, d.packets, 0, d.bytes, 0);
            for (DrRealServer r : d.servers.values()) {
                r.rates.sample(nowNs, r.connections, r.packets, 0, r.bytes, 0);
            }
        }
    }

    void forEach(Consumer<DrService> each) {
        byKey.values().forEach(each);
    }
}
