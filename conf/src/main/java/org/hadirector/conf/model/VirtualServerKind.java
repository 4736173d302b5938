package org.hadirector.conf.model;

public enum VirtualServerKind {
    ADDRESS,
    FWMARK,
    GROUP
}
