package org.hadirector.conf.model;

/** lvs_method: DR (direct routing, "Route" in ipvsadm), NAT ("Masq"), TUN ("Tunnel"). */
public enum ForwardingMethod {
    NAT,
    DR,
    TUN
}
