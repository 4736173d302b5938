package org.hadirector.ipvs.dr;

import org.hadirector.ipvs.TcpState;

/**
 * Connection timeouts in seconds: the three an operator sets (ipvsadm --set tcp tcpfin udp,
 * keepalived's lvs_timeouts) over the kernel's defaults for the other TCP states.
 */
record DrTimeouts(int tcp, int tcpFin, int udp) {
    static final DrTimeouts DEFAULT = new DrTimeouts(
            TcpState.ESTABLISHED.defaultTimeoutSeconds(), TcpState.FIN_WAIT.defaultTimeoutSeconds(), 300);

    DrTimeouts {
        if (tcp <= 0 || tcpFin <= 0 || udp <= 0) {
            throw new IllegalArgumentException("timeouts must be positive: " + tcp + " " + tcpFin + " " + udp);
        }
    }

    /** These with the given values instead, where one is neither null nor 0 (lvs_timeouts: 0 keeps the value). */
    DrTimeouts with(Integer newTcp, Integer newTcpFin, Integer newUdp) {
        return new DrTimeouts(
                newTcp == null || newTcp == 0 ? tcp : newTcp,
                newTcpFin == null || newTcpFin == 0 ? tcpFin : newTcpFin,
                newUdp == null || newUdp == 0 ? udp : newUdp);
    }

    long tcpNs(int state) {
        int s;
        if (state == TcpState.ESTABLISHED.code()) {
            s = tcp;
        } else if (state == TcpState.FIN_WAIT.code()) {
            s = tcpFin;
        } else {
            s = TcpState.of(state).defaultTimeoutSeconds();
        }
        return s * 1_000_000_000L;
    }

    long udpNs() {
        return udp * 1_000_000_000L;
    }
}
