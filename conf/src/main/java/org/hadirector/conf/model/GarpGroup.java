package org.hadirector.conf.model;

import java.time.Duration;
import java.util.List;

/**
 * garp_group { garp_interval T gna_interval T interface IF interfaces { IF... } }: keepalived's
 * garp_delay for the named interfaces, replacing there the global vrrp_garp_interval /
 * vrrp_gna_interval for both families (a group that sets only one leaves the other unpaced).
 *
 * @param garpInterval least time between two gratuitous ARPs on each interface; null when not set
 * @param gnaInterval the same for unsolicited neighbour advertisements; null when not set
 * @param interfaces the interfaces it paces, each in no other group
 */
public record GarpGroup(Duration garpInterval, Duration gnaInterval, List<String> interfaces) {}
