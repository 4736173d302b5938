package org.hadirector.healthcheck;

import java.util.List;
import org.hadirector.sys.RealServerId;

/**
 * A real server as the checkers see it: its identity in the table ({@code 198.18.0.21:80}), its
 * configured weight, inhibit_on_failure, notify_up / notify_down (argv, null for none) and its
 * checkers (none: always alive, as in keepalived).
 */
public record RealServerSpec(
        RealServerId id,
        int weight,
        boolean inhibitOnFailure,
        List<String> notifyUp,
        List<String> notifyDown,
        List<CheckSpec> checks) {}
