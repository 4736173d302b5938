package org.hadirector.conf.model;

import java.net.InetAddress;
import java.time.Duration;
import java.util.List;
import org.hadirector.sys.Addresses;

/** virtual_server ADDR [PORT] | fwmark N | group NAME, with its real servers. */
public record VirtualServer(
        VirtualServerKind kind,
        InetAddress address,
        Integer port,
        Integer fwmark,
        String group,
        Protocol protocol,
        String lvsSched,
        List<String> schedFlags,
        boolean ops,
        ForwardingMethod lvsMethod,
        TunnelSettings tunnel,
        String persistenceEngine,
        Integer persistenceTimeout,
        InetAddress persistenceGranularity,
        boolean haSuspend,
        String virtualhost,
        boolean alpha,
        boolean omega,
        int quorum,
        int hysteresis,
        NotifyScript quorumUp,
        NotifyScript quorumDown,
        String ipFamily,
        SorryServer sorryServer,
        Duration delayLoop,
        boolean inhibitOnFailure,
        Boolean smtpAlert,
        List<RealServer> realServers,
        boolean announce) {

    /** How ipvsadm and our logs name it: TCP 10.0.0.1:80, FWM 1, group VSG_1. */
    public String displayName() {
        return switch (kind) {
            case FWMARK -> "FWM " + fwmark;
            case GROUP -> "group " + group;
            case ADDRESS -> protocol + " " + Addresses.withPort(address, port);
        };
    }
}
