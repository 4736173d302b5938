package org.hadirector.conf.model;

import java.net.InetAddress;

/**
 * One member of a virtual server group: an address range {@code first..last} (equal for a single
 * address) with an optional port, or a firewall mark with an optional family.
 */
public record VsgEntry(InetAddress first, InetAddress last, Integer port, Integer fwmark, String family) {}
