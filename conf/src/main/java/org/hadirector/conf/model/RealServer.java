package org.hadirector.conf.model;

import java.net.InetAddress;
import java.time.Duration;
import java.util.List;

/** real_server ADDR [PORT] with its checkers; inherited values already resolved. */
public record RealServer(
        InetAddress address,
        Integer port,
        int weight,
        ForwardingMethod lvsMethod,
        TunnelSettings tunnel,
        NotifyScript notifyUp,
        NotifyScript notifyDown,
        Integer uthreshold,
        Integer lthreshold,
        String virtualhost,
        boolean alpha,
        boolean inhibitOnFailure,
        Duration delayLoop,
        Boolean smtpAlert,
        List<Checker> checkers) {}
