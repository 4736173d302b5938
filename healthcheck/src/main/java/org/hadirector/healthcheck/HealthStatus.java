package org.hadirector.healthcheck;

import java.util.List;
import org.hadirector.sys.RealServerId;
import org.hadirector.sys.ServiceId;

/** A snapshot of every pool and checker, for `hadirector status`. */
public record HealthStatus(List<Service> services, Scheduler scheduler) {

    /** A pool; {@code settled}: every checker has had a verdict from its probes (none is still the start's assumption). */
    public record Service(
            ServiceId name, boolean quorum, boolean settled, List<Server> servers, List<TableEntry> table) {}

    /** A server in the desired table with its weight. */
    public record TableEntry(RealServerId server, int weight) {}

    public record Server(RealServerId name, boolean alive, int weight, List<Checker> checkers) {}

    /** One checker: up, failures in a row, the last result and its reason, how long ago it ended. */
    public record Checker(
            String check,
            boolean up,
            int failures,
            Boolean lastSuccess,
            String lastReason,
            long lastEndedMillisAgo,
            long lastDurationMicros,
            long runs) {}

    /** Checks run, in flight and waiting for a slot; lateness against the schedule. */
    public record Scheduler(
            long runs,
            int inFlight,
            int waiting,
            int maxInFlight,
            long lateP50Millis,
            long lateP99Millis,
            double lateMaxMillis) {}
}
