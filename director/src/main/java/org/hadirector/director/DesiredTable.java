package org.hadirector.director;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.hadirector.healthcheck.HealthEvent;
import org.hadirector.ipvs.Destination;
import org.hadirector.ipvs.ServiceKey;
import org.hadirector.ipvs.ServiceTable;

/**
 * The table the director wants: the configured services, holding the real servers the health
 * checks put in with the weight they gave, except that a server an operator drained has weight 0
 * (it keeps its connections and gets no new ones) until it is enabled again. Pure; one thread.
 */
final class DesiredTable {
    private final Map<String, TableConfigMapper.ServicePlan> plans = new LinkedHashMap<>();
    /** Per service, the servers the checks put in, in the order they came, with their weight. */
    private final Map<String, Map<String, Integer>> present = new LinkedHashMap<>();
    /** "service|server" of drained real servers. */
    private final Set<String> drained = new HashSet<>();

    DesiredTable(List<TableConfigMapper.ServicePlan> services) {
        for (TableConfigMapper.ServicePlan p : services) {
            plans.put(p.name(), p);
            present.put(p.name(), new LinkedHashMap<>());
        }
    }

    /**
     * The table a reload wants: the new services; a service whose checks keep running (not in
     * {@code restarted}) keeps the servers its checks put in, as long as they are still configured;
     * a restarted one starts empty and is filled by its checks' initial table. Drains persist.
     */
    DesiredTable reloaded(List<TableConfigMapper.ServicePlan> services, Set<String> restarted) {
        DesiredTable t = new DesiredTable(services);
        for (TableConfigMapper.ServicePlan p : services) {
            Map<String, Integer> was = present.get(p.name());
            if (was != null && !restarted.contains(p.name())) {
                was.forEach((server, weight) -> {
                    if (p.servers().containsKey(server)) {
                        t.present.get(p.name()).put(server, weight);
                    }
                });
            }
            for (String server : p.servers().keySet()) {
                if (drained(p.name(), server)) {
                    t.drained.add(p.name() + "|" + server);
                }
            }
        }
        return t;
    }

    /** Applies a health event; returns an error for a service or server the config does not have. */
    String apply(HealthEvent e) {
        TableConfigMapper.ServicePlan p = plans.get(e.service());
        if (p == null) {
            return "no virtual_server " + e.service();
        }
        if (!p.servers().containsKey(e.server())) {
            return e.service() + " has no real_server " + e.server();
        }
        Map<String, Integer> in = present.get(e.service());
        switch (e.kind()) {
            case ADD, WEIGHT -> in.put(e.server(), e.weight());
            case REMOVE -> in.remove(e.server());
            default -> throw new IllegalStateException(e.kind().toString());
        }
        return null;
    }

    /**
     * The service an operator named: its full name ({@code TCP 198.18.0.100:80}) or, when only one
     * service has it, its address and port ({@code 198.18.0.100:80}); null when none or ambiguous.
     */
    String resolveService(String name) {
        if (plans.containsKey(name)) {
            return name;
        }
        String found = null;
        for (String n : plans.keySet()) {
            if (n.endsWith(" " + name)) {
                if (found != null) {
                    return null;
                }
                found = n;
            }
        }
        return found;
    }

    /** Drains (weight 0) or enables a real server; returns an error, or null when done. */
    String drain(String service, String server, boolean drain) {
        String s = resolveService(service);
        if (s == null) {
            return "no virtual_server '" + service + "' (known: " + String.join(", ", plans.keySet()) + ")";
        }
        if (!plans.get(s).servers().containsKey(server)) {
            return s + " has no real_server '" + server + "' (known: "
                    + String.join(", ", plans.get(s).servers().keySet()) + ")";
        }
        if (drain) {
            drained.add(s + "|" + server);
        } else {
            drained.remove(s + "|" + server);
        }
        return null;
    }

    boolean drained(String service, String server) {
        return drained.contains(service + "|" + server);
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
            for (Map.Entry<String, Integer> in : present.get(p.name()).entrySet()) {
                int weight = drained(p.name(), in.getKey()) ? 0 : in.getValue();
                dests.add(p.servers().get(in.getKey()).withWeight(weight));
            }
            t = t.withService(p.service(), dests);
        }
        return t;
    }
}
