package org.hadirector.ipvs;

/**
 * How a packet reaches a real server, with the kernel's IP_VS_CONN_F_* numbers (the low three
 * bits of a connection's flags and of IPVS_DEST_ATTR_FWD_METHOD). ipvsadm prints the names.
 */
public enum ForwardMethod {
    MASQ(0, "Masq"),
    LOCALNODE(1, "Local"),
    TUNNEL(2, "Tunnel"),
    ROUTE(3, "Route");

    public static final int MASK = 7;

    private final int code;
    private final String ipvsadmName;

    ForwardMethod(int code, String ipvsadmName) {
        this.code = code;
        this.ipvsadmName = ipvsadmName;
    }

    public int code() {
        return code;
    }

    public String ipvsadmName() {
        return ipvsadmName;
    }

    /** The method in a flags word's low bits; null for a value the kernel does not define here. */
    public static ForwardMethod of(int flags) {
        int c = flags & MASK;
        for (ForwardMethod m : values()) {
            if (m.code == c) {
                return m;
            }
        }
        return null;
    }
}
