package org.hadirector.sys;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.util.Objects;

/**
 * A virtual service as every part names it: a transport protocol (by its IP protocol number, as
 * IPVS keys it), address and port; or a firewall mark and address family. Equal however the
 * address was written, so that the checks, the table, ha_suspend, a drain and the metrics meet on
 * the value, not on a string. {@link #toString} is the one text for logs, status and metrics:
 * {@code TCP 198.18.0.100:80}, {@code TCP [2001:db8::100]:80} (RFC 5952), {@code FWM 1} (the
 * family is not written, as keepalived does not); the address is written as {@link RealServerId}
 * writes it (bare for port 0).
 *
 * @param protocol 6 (TCP), 17 (UDP) or 132 (SCTP); 0 for a fwmark service
 * @param address null for a fwmark service
 * @param fwmark 0 for an address service
 * @param ipv6 the family: the address's, or the fwmark service's
 */
public record ServiceId(int protocol, InetAddress address, int port, int fwmark, boolean ipv6) {
    public static final int TCP = 6;
    public static final int UDP = 17;
    public static final int SCTP = 132;

    public ServiceId {
        if (fwmark == 0) {
            name(protocol);
            Objects.requireNonNull(address, "address");
            if (port < 0 || port > 65535) {
                throw new IllegalArgumentException("port " + port);
            }
            if ((address instanceof Inet6Address) != ipv6) {
                throw new IllegalArgumentException("family does not match " + address);
            }
        } else if (protocol != 0 || address != null || port != 0) {
            throw new IllegalArgumentException("a fwmark service has no protocol, address or port");
        }
    }

    /** {@code protocol} (an IP protocol number) {@code address:port}. */
    public static ServiceId of(int protocol, InetAddress address, int port) {
        return new ServiceId(protocol, address, port, 0, address instanceof Inet6Address);
    }

    public static ServiceId fwmark(int mark, boolean ipv6) {
        if (mark == 0) {
            throw new IllegalArgumentException("fwmark 0");
        }
        return new ServiceId(0, null, 0, mark, ipv6);
    }

    public boolean isFwmark() {
        return fwmark != 0;
    }

    /**
     * The text {@link #toString} makes, in any spelling of the address: {@code TCP
     * 198.18.0.100:80}, {@code UDP [2001:db8::100]:53}, {@code FWM 1} (an IPv4 fwmark service: the
     * text has no family). Literals only, never DNS.
     *
     * @throws IllegalArgumentException for anything else
     */
    public static ServiceId parse(String text) {
        int space = text.indexOf(' ');
        if (space > 0) {
            String head = text.substring(0, space);
            String rest = text.substring(space + 1);
            if (head.equals("FWM")) {
                long mark = unsigned(rest);
                if (mark > 0) {
                    return fwmark((int) mark, false);
                }
            } else {
                int protocol = number(head);
                RealServerId endpoint = RealServerId.tryParse(rest);
                if (protocol > 0 && endpoint != null) {
                    return of(protocol, endpoint.address(), endpoint.port());
                }
            }
        }
        throw new IllegalArgumentException("not a service (TCP 198.18.0.100:80, FWM 1): '" + text + "'");
    }

    /** TCP, UDP or SCTP for their IP protocol numbers. */
    public static String name(int protocol) {
        return switch (protocol) {
            case TCP -> "TCP";
            case UDP -> "UDP";
            case SCTP -> "SCTP";
            default -> throw new IllegalArgumentException("IP protocol " + protocol + " is not TCP, UDP or SCTP");
        };
    }

    private static int number(String name) {
        return switch (name) {
            case "TCP" -> TCP;
            case "UDP" -> UDP;
            case "SCTP" -> SCTP;
            default -> -1;
        };
    }

    /** A mark as people write it, 1 to 4294967295 in decimal; else -1. */
    private static long unsigned(String s) {
        if (s.isEmpty() || s.length() > 10 || !s.chars().allMatch(c -> c >= '0' && c <= '9')) {
            return -1;
        }
        long v = Long.parseLong(s);
        return v <= 0xffffffffL ? v : -1;
    }

    @Override
    public String toString() {
        if (isFwmark()) {
            return "FWM " + Integer.toUnsignedString(fwmark);
        }
        return name(protocol) + " " + new RealServerId(address, port);
    }
}
