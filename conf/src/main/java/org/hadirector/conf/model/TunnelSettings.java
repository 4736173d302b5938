package org.hadirector.conf.model;

/** lvs_method TUN [type ipip|gue port N|gre] [nocsum|csum|remcsum]; null for NAT and DR. */
public record TunnelSettings(String type, Integer port, String checksum) {}
