package org.hadirector.conf.model;

import java.net.InetAddress;

/** unicast_peer entry with its optional received-TTL bounds (null: not checked). */
public record UnicastPeer(InetAddress address, Integer minTtl, Integer maxTtl) {}
