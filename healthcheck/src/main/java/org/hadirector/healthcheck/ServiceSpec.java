package org.hadirector.healthcheck;

import java.util.List;

/**
 * A virtual server's pool: its name ({@code TCP 198.18.0.100:80}), quorum and hysteresis, the
 * sorry server's name (null for none) and whether it is inhibited rather than removed,
 * quorum_up / quorum_down (argv, null for none), and its real servers.
 */
public record ServiceSpec(
        String name,
        int quorum,
        int hysteresis,
        String sorryServer,
        boolean sorryInhibit,
        List<String> quorumUp,
        List<String> quorumDown,
        List<RealServerSpec> servers) {}
