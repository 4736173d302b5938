package org.hadirector.sys;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.util.Objects;

/**
 * A real server of a virtual service as every part names it: the address and port the table
 * sends to (a real server written without a port has its virtual server's; a fwmark service's has
 * 0). Equal however the address was written, so that the checks, the table, a drain and the
 * metrics meet on the value, not on a string. {@link #toString} is the one text for logs, status
 * and metrics: {@code 198.18.0.21:80}, {@code [2001:db8::21]:80} (RFC 5952), the bare address for
 * port 0.
 */
public record RealServerId(InetAddress address, int port) {

    public RealServerId {
        Objects.requireNonNull(address, "address");
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("port " + port);
        }
    }

    /**
     * The text {@link #toString} makes, in any spelling of the address: {@code 198.18.0.21:80},
     * {@code [2001:db8::21]:80}, or an address alone (port 0). Literals only, never DNS.
     *
     * @throws IllegalArgumentException for anything else
     */
    public static RealServerId parse(String text) {
        RealServerId id = tryParse(text);
        if (id == null) {
            throw new IllegalArgumentException("not an address or address:port: '" + text + "'");
        }
        return id;
    }

    /** As {@link #parse}, null for text that names no real server. */
    public static RealServerId tryParse(String text) {
        if (text == null) {
            return null;
        }
        String address = text;
        int port = 0;
        if (text.startsWith("[")) {
            int close = text.indexOf("]:");
            if (close < 0) {
                return null;
            }
            address = text.substring(1, close);
            port = port(text.substring(close + 2));
            if (address.indexOf(':') < 0) {
                return null; // brackets are for IPv6 only
            }
        } else if (text.indexOf(':') == text.lastIndexOf(':') && text.indexOf(':') >= 0) {
            int colon = text.indexOf(':');
            address = text.substring(0, colon);
            port = port(text.substring(colon + 1));
        }
        InetAddress a = Addresses.parse(address);
        if (a == null || port < 0 || (a instanceof Inet6Address) != address.contains(":")) {
            return null;
        }
        return new RealServerId(a, port);
    }

    /** 1 to 65535 in decimal, else -1 (":0" is not written: port 0 is the bare address). */
    static int port(String s) {
        if (s.isEmpty() || s.length() > 5 || !s.chars().allMatch(c -> c >= '0' && c <= '9')) {
            return -1;
        }
        int p = Integer.parseInt(s);
        return p >= 1 && p <= 65535 ? p : -1;
    }

    @Override
    public String toString() {
        return port == 0 ? Addresses.format(address) : Addresses.withPort(address, port);
    }
}
