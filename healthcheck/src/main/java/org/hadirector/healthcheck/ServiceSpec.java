package org.hadirector.healthcheck;

import java.util.List;
import org.hadirector.sys.RealServerId;
import org.hadirector.sys.ServiceId;

/**
 * A virtual server's pool: its identity ({@code TCP 198.18.0.100:80}), quorum and hysteresis, the
 * sorry server (null for none) and whether it is inhibited rather than removed,
 * quorum_up / quorum_down (argv, null for none), its real servers, and omega (keepalived runs
 * the notify_down of its live real servers and its quorum_down when it shuts down).
 */
public record ServiceSpec(
        ServiceId id,
        int quorum,
        int hysteresis,
        RealServerId sorryServer,
        boolean sorryInhibit,
        List<String> quorumUp,
        List<String> quorumDown,
        List<RealServerSpec> servers,
        boolean omega) {

    public ServiceSpec(
            ServiceId id,
            int quorum,
            int hysteresis,
            RealServerId sorryServer,
            boolean sorryInhibit,
            List<String> quorumUp,
            List<String> quorumDown,
            List<RealServerSpec> servers) {
        this(id, quorum, hysteresis, sorryServer, sorryInhibit, quorumUp, quorumDown, servers, false);
    }
}
