package org.hadirector.ipvs;

/**
 * IPVS's TCP connection states with the kernel's numbers (IP_VS_TCP_S_*, as carried in sync
 * messages) and its default timeouts in seconds (tcp_timeouts in ip_vs_proto_tcp.c).
 */
public enum TcpState {
    NONE(0, 2),
    ESTABLISHED(1, 15 * 60),
    SYN_SENT(2, 2 * 60),
    SYN_RECV(3, 60),
    FIN_WAIT(4, 2 * 60),
    TIME_WAIT(5, 2 * 60),
    CLOSE(6, 10),
    CLOSE_WAIT(7, 60),
    LAST_ACK(8, 30),
    LISTEN(9, 2 * 60),
    SYNACK(10, 2 * 60);

    /** ipvsadm's and the kernel's name (ip_vs_state_name). */
    private static final String[] NAMES = {
        "NONE",
        "ESTABLISHED",
        "SYN_SENT",
        "SYN_RECV",
        "FIN_WAIT",
        "TIME_WAIT",
        "CLOSE",
        "CLOSE_WAIT",
        "LAST_ACK",
        "LISTEN",
        "SYNACK"
    };

    private final int code;
    private final int defaultTimeoutSeconds;

    TcpState(int code, int defaultTimeoutSeconds) {
        this.code = code;
        this.defaultTimeoutSeconds = defaultTimeoutSeconds;
    }

    public int code() {
        return code;
    }

    public int defaultTimeoutSeconds() {
        return defaultTimeoutSeconds;
    }

    public String ipvsName() {
        return NAMES[code];
    }

    /** The state for a kernel number, or null. */
    public static TcpState of(int code) {
        return code >= 0 && code < values().length ? values()[code] : null;
    }
}
