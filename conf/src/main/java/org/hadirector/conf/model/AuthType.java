package org.hadirector.conf.model;

/** VRRPv2 authentication. AH is parsed but the VRRP runtime refuses it until it is built. */
public enum AuthType {
    NONE,
    PASS,
    AH
}
