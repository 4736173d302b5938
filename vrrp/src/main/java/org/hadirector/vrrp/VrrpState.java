package org.hadirector.vrrp;

/** RFC 5798's states plus keepalived's FAULT and STOP. */
public enum VrrpState {
    INIT,
    BACKUP,
    MASTER,
    FAULT,
    STOP
}
