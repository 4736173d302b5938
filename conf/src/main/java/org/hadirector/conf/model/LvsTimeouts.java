package org.hadirector.conf.model;

/** lvs_timeouts in seconds; null leaves the kernel value as it is. */
public record LvsTimeouts(Integer tcp, Integer tcpFin, Integer udp) {}
