package org.hadirector.conf.model;

public enum Protocol {
    TCP,
    UDP,
    SCTP
}
