package org.hadirector.director;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.hadirector.healthcheck.HealthEvent;
import org.hadirector.ipvs.Destination;
import org.hadirector.ipvs.ServiceKey;
import org.hadirector.ipvs.ServiceTable;
import org.hadirector.sys.RealServerId;
import org.hadirector.sys.ServiceId;

/**
 * The table the director wants: the configured services, holding the real servers the health
 * checks put in with the weight they gave, except that a server an operator drained has weight 0
 * (it keeps its connections and gets no new ones) until it is enabled again. Pure; one thread.
 *
 * <p>What the checks put in is kept per check pool, not per service: a virtual_server_group's
 * services share one pool (keepalived checks a group's real server once for all its services), so
 * one event of that pool changes every service of the group alike, and a service a reload adds to
 * a group starts with the servers the pool has up (keepalived's ipvs_group_sync_entry). Drains are
 * per service, as an operator names one.
 */
final class DesiredTable {
    private final Map<ServiceId, TableConfigMapper.ServicePlan> plans = new LinkedHashMap<>();
    /** Per check pool, the servers its checks put in, in the order they came, with their weight. */
    private final Map<ServiceId, Map<RealServerId, Integer>> present = new LinkedHashMap<>();
    /** Per check pool, the real servers it may put in (the same for every service of a group). */
    private final Map<ServiceId, Set<RealServerId>> poolServers = new LinkedHashMap<>();
    /** The drained real servers. */
    private final Set<DestinationId> drained = new HashSet<>();

    DesiredTable(List<TableConfigMapper.ServicePlan> services) {
        for (TableConfigMapper.ServicePlan p : services) {
            plans.put(p.id(), p);
            present.putIfAbsent(p.checks(), new LinkedHashMap<>());
            poolServers.putIfAbsent(p.checks(), p.servers().keySet());
        }
    }

    /**
     * The table a reload wants: the new services; a service whose checks keep running (not in
     * {@code restarted}) keeps the servers its checks put in, as long as they are still configured;
     * a restarted one starts empty and is filled by its checks' initial table. Drains persist.
     */
    DesiredTable reloaded(List<TableConfigMapper.ServicePlan> services, Set<ServiceId> restarted) {
        DesiredTable t = new DesiredTable(services);
        for (TableConfigMapper.ServicePlan p : services) {
            Map<RealServerId, Integer> was = present.get(p.checks());
            if (was != null && !restarted.contains(p.checks())) {
                was.forEach((server, weight) -> {
                    if (p.servers().containsKey(server)) {
                        t.present.get(p.checks()).put(server, weight);
                    }
                });
            }
            for (RealServerId server : p.servers().keySet()) {
                DestinationId d = new DestinationId(p.id(), server);
                if (drained.contains(d)) {
                    t.drained.add(d);
                }
            }
        }
        return t;
    }

    /** Applies a health event; returns an error for a service or server the config does not have. */
    String apply(HealthEvent e) {
        Set<RealServerId> servers = poolServers.get(e.service());
        if (servers == null) {
            return "no virtual_server " + e.service();
        }
        if (!servers.contains(e.server())) {
            return e.service() + " has no real_server " + e.server();
        }
        Map<RealServerId, Integer> in = present.get(e.service());
        switch (e.kind()) {
            case ADD, WEIGHT -> in.put(e.server(), e.weight());
            case REMOVE -> in.remove(e.server());
            default -> throw new IllegalStateException(e.kind().toString());
        }
        return null;
    }

    /**
     * The service an operator named: in full ({@code TCP 198.18.0.100:80}, {@code FWM 1}) or, when
     * only one service has it, by its address and port ({@code 198.18.0.100:80}) or mark
     * ({@code 1}); the address in any spelling. Null when none or ambiguous.
     */
    ServiceId resolveService(String text) {
        ServiceId found = null;
        for (ServiceId id : plans.keySet()) {
            if (named(id, text)) {
                if (found != null) {
                    return null;
                }
                found = id;
            }
        }
        return found;
    }

    /** Whether the operator's {@code text} names {@code id} (by its text: a fwmark's family is not written). */
    private static boolean named(ServiceId id, String text) {
        ServiceId full = parseOrNull(text);
        if (full != null) {
            return full.toString().equals(id.toString());
        }
        if (id.isFwmark()) {
            return text.equals(Integer.toUnsignedString(id.fwmark()));
        }
        RealServerId endpoint = RealServerId.tryParse(text);
        return endpoint != null && endpoint.equals(new RealServerId(id.address(), id.port()));
    }

    private static ServiceId parseOrNull(String text) {
        try {
            return ServiceId.parse(text);
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    /**
     * The real server of {@code p} an operator named: {@code 198.18.0.21:80} (the address in any
     * spelling), or the address alone for a real server configured without a port. Null when none.
     */
    private static RealServerId resolveServer(TableConfigMapper.ServicePlan p, String text) {
        RealServerId id = RealServerId.tryParse(text);
        if (id == null || p.servers().containsKey(id)) {
            return id;
        }
        if (id.port() == 0) { // bare: the one server at that address, as its name was before it had the port
            List<RealServerId> at = p.servers().keySet().stream()
                    .filter(s -> s.address().equals(id.address()))
                    .toList();
            return at.size() == 1 ? at.get(0) : null;
        }
        return null;
    }

    /**
     * Drains (weight 0) or enables a real server an operator named (see {@link #resolveService});
     * returns what it was, or an error.
     */
    Drained drain(String service, String server, boolean drain) {
        ServiceId s = resolveService(service);
        if (s == null) {
            return Drained.error("no virtual_server '" + service + "' (known: " + known(plans.keySet()) + ")");
        }
        TableConfigMapper.ServicePlan p = plans.get(s);
        RealServerId rs = resolveServer(p, server);
        if (rs == null) {
            return Drained.error(s + " has no real_server '" + server + "' (known: "
                    + known(p.servers().keySet()) + ")");
        }
        DestinationId d = new DestinationId(s, rs);
        if (drain) {
            drained.add(d);
        } else {
            drained.remove(d);
        }
        return new Drained(d, null);
    }

    /** The real server a drain named, or why it named none. */
    record Drained(DestinationId destination, String error) {
        static Drained error(String why) {
            return new Drained(null, why);
        }
    }

    private static String known(Set<?> ids) {
        return ids.stream().map(Object::toString).collect(Collectors.joining(", "));
    }

    boolean drained(ServiceId service, RealServerId server) {
        return drained.contains(new DestinationId(service, server));
    }

    /**
     * The pool and check identity of a destination of the table's service {@code key}, under which a
     * health event's reason is kept; the destination's own when the table has no such service.
     */
    DestinationId checkIdentity(ServiceKey key, org.hadirector.ipvs.Endpoint d) {
        TableConfigMapper.ServicePlan p = plans.get(key.id());
        if (p != null) {
            for (Map.Entry<RealServerId, Destination> x : p.servers().entrySet()) {
                if (x.getValue().endpoint().equals(d)) {
                    return new DestinationId(p.checks(), x.getKey());
                }
            }
        }
        return new DestinationId(key.id(), new RealServerId(d.address(), d.port()));
    }

    Set<ServiceKey> keys() {
        Set<ServiceKey> out = new HashSet<>();
        for (TableConfigMapper.ServicePlan p : plans.values()) {
            out.add(p.service().key());
        }
        return out;
    }

    ServiceTable table() {
        ServiceTable t = ServiceTable.EMPTY;
        for (TableConfigMapper.ServicePlan p : plans.values()) {
            List<Destination> dests = new ArrayList<>();
            for (Map.Entry<RealServerId, Integer> in : present.get(p.checks()).entrySet()) {
                int weight = drained(p.id(), in.getKey()) ? 0 : in.getValue();
                dests.add(p.servers().get(in.getKey()).withWeight(weight));
            }
            t = t.withService(p.service(), dests);
        }
        return t;
    }
}
