package org.hadirector.conf.model;

import java.net.InetAddress;

/** Where a checker connects and from where; null means the real server's address / port, or the system's choice. */
public record CheckerEndpoint(
        InetAddress connectIp,
        Integer connectPort,
        InetAddress bindto,
        String bindIf,
        Integer bindPort,
        Integer fwmark) {}
