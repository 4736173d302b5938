package org.hadirector.ipvs.dr;

/** Why a received frame was not forwarded: the forwarder counts each (status, metrics). */
enum Drop {
    /** Neither IPv4 nor IPv6. */
    NOT_IP,
    MALFORMED,
    FRAGMENT,
    NO_SERVICE,
    NOT_SYN,
    NO_REAL_SERVER,
    NO_MAC,
    TOO_BIG,
    TX_RING_FULL,
    /** A new flow while the table is at its limit with no half-open entry to give way. */
    TABLE_FULL
}
