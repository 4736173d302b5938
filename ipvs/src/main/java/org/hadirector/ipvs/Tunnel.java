package org.hadirector.ipvs;

/**
 * How a tunnelled real server's packets are wrapped (include/uapi/linux/ip_vs.h):
 * IP_VS_CONN_F_TUNNEL_TYPE_{IPIP 0, GUE 1, GRE 2}, the GUE destination port, and
 * IP_VS_TUNNEL_ENCAP_FLAG_{NOCSUM 0, CSUM 1, REMCSUM 2}. The kernel dumps all three for every
 * tunnelled destination; ipip has no port or flags.
 */
public record Tunnel(int type, int port, int flags) {
    public static final int IPIP = 0;
    public static final int GUE = 1;
    public static final int GRE = 2;
    public static final int NOCSUM = 0;
    public static final int CSUM = 1;
    public static final int REMCSUM = 2;

    /** What the kernel gives a tunnelled destination added without tunnel attributes. */
    public static final Tunnel DEFAULT = new Tunnel(IPIP, 0, NOCSUM);

    private static final String[] NAMES = {"ipip", "gue", "gre"};
    /** ipvsadm's tunflags. */
    private static final String[] FLAG_NAMES = {"-c", "+c", "r+c"};

    public Tunnel {
        if (type < IPIP || type > GRE) {
            throw new IllegalArgumentException("tunnel type " + type);
        }
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("tunnel port " + port);
        }
        if (flags < NOCSUM || flags > REMCSUM) {
            throw new IllegalArgumentException("tunnel flags " + flags);
        }
        // What the kernel is not sent (keepalived sends a port for gue only, flags for gue and gre)
        // is not kept either, so that what is wanted equals what the kernel's dump reads back.
        if (type != GUE) {
            port = 0;
        }
        if (type == IPIP) {
            flags = NOCSUM;
        }
    }

    /** keepalived's words (type ipip|gue|gre, nocsum|csum|remcsum; null for the default). */
    public static Tunnel of(String type, Integer port, String checksum) {
        int t = type == null ? IPIP : indexOf(NAMES, type, "tunnel type");
        int f = checksum == null ? NOCSUM : indexOf(new String[] {"nocsum", "csum", "remcsum"}, checksum, "checksum");
        return new Tunnel(t, port == null ? 0 : port, f);
    }

    private static int indexOf(String[] names, String s, String what) {
        for (int i = 0; i < names.length; i++) {
            if (names[i].equals(s)) {
                return i;
            }
        }
        throw new IllegalArgumentException(what + " " + s);
    }

    public String typeName() {
        return NAMES[type];
    }

    /** ipvsadm --tun-info's TunnelInfo column: ipip, gue:PORT:FLAGS, gre:FLAGS. */
    public String ipvsadmInfo() {
        return switch (type) {
            case GUE -> "gue:" + port + ":" + FLAG_NAMES[flags];
            case GRE -> "gre:" + FLAG_NAMES[flags];
            default -> "ipip";
        };
    }
}
