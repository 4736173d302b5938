package org.hadirector.ipvs;

import java.net.InetAddress;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A whole table, desired or actual: services in insertion order, each with its destinations keyed
 * by address and port. Immutable; builders return new tables.
 */
public final class ServiceTable {

    /** A service and its destinations. */
    public record Entry(VirtualService service, Map<Endpoint, Destination> destinations) {
        public Entry {
            destinations = Collections.unmodifiableMap(new LinkedHashMap<>(destinations));
        }

        public List<Destination> destinationList() {
            return List.copyOf(destinations.values());
        }
    }

    public static final ServiceTable EMPTY = new ServiceTable(Map.of());

    private final Map<ServiceKey, Entry> entries;

    private ServiceTable(Map<ServiceKey, Entry> entries) {
        this.entries = Collections.unmodifiableMap(entries);
    }

    public Map<ServiceKey, Entry> entries() {
        return entries;
    }

    public Entry get(ServiceKey key) {
        return entries.get(key);
    }

    public int size() {
        return entries.size();
    }

    public ServiceTable withService(VirtualService service, List<Destination> destinations) {
        Map<Endpoint, Destination> dests = new LinkedHashMap<>();
        for (Destination d : destinations) {
            if (dests.put(d.endpoint(), d) != null) {
                throw new IllegalArgumentException("real server " + d.endpoint() + " twice in " + service.key());
            }
        }
        Map<ServiceKey, Entry> copy = new LinkedHashMap<>(entries);
        copy.put(service.key(), new Entry(service, dests));
        return new ServiceTable(copy);
    }

    public ServiceTable without(ServiceKey key) {
        Map<ServiceKey, Entry> copy = new LinkedHashMap<>(entries);
        copy.remove(key);
        return new ServiceTable(copy);
    }

    /** The destination at address:port of a service, or null. */
    public Destination destination(ServiceKey key, InetAddress address, int port) {
        Entry e = entries.get(key);
        return e == null ? null : e.destinations().get(new Endpoint(address, port));
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ServiceTable t && t.entries.equals(entries);
    }

    @Override
    public int hashCode() {
        return entries.hashCode();
    }

    @Override
    public String toString() {
        return entries.values().toString();
    }
}
