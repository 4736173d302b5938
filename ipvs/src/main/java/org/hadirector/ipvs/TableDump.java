package org.hadirector.ipvs;

import java.util.List;

/** A table with counters, as ipvsadm -Ln --stats / --rate shows it. */
public record TableDump(List<ServiceDump> services) {

    public record ServiceDump(VirtualService service, Stats stats, List<DestinationDump> destinations) {}

    public record DestinationDump(
            Destination destination,
            long activeConnections,
            long inactiveConnections,
            long persistentConnections,
            Stats stats) {}
}
