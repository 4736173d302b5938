package org.hadirector.conf.model;

import java.util.List;

/** virtual_server_group NAME { ADDR[-RANGE] [PORT] | fwmark N [inet|inet6] ... }. */
public record VirtualServerGroup(String name, List<VsgEntry> entries) {}
