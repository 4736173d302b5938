package org.hadirector.ipvs;

/** The transport protocols an IPVS service can carry, with their IP protocol numbers. */
public enum IpProtocol {
    TCP(6),
    UDP(17),
    SCTP(132);

    private final int number;

    IpProtocol(int number) {
        this.number = number;
    }

    public int number() {
        return number;
    }

    /** The protocol for an IP protocol number, or null when IPVS does not balance it. */
    public static IpProtocol of(int number) {
        for (IpProtocol p : values()) {
            if (p.number == number) {
                return p;
            }
        }
        return null;
    }
}
