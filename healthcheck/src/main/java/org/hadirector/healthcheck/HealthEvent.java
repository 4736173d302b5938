package org.hadirector.healthcheck;

import org.hadirector.sys.RealServerId;
import org.hadirector.sys.ServiceId;

/**
 * A change to a virtual server's desired table, with the reason a person needs to read:
 * {@code ADD 198.18.0.21:80 weight 1}, {@code REMOVE}, or {@code WEIGHT} (inhibit_on_failure,
 * misc_dynamic, the sorry server).
 */
public record HealthEvent(ServiceId service, RealServerId server, Kind kind, int weight, String reason) {

    public enum Kind {
        ADD,
        REMOVE,
        WEIGHT
    }

    @Override
    public String toString() {
        return service + ": " + kind + " " + server + (kind == Kind.REMOVE ? "" : " weight " + weight) + " (" + reason
                + ")";
    }
}
