package org.hadirector.conf.model;

import java.net.InetAddress;

/** sorry_server ADDR [PORT], put in when quorum is lost. */
public record SorryServer(
        InetAddress address, Integer port, ForwardingMethod lvsMethod, TunnelSettings tunnel, boolean inhibit) {}
