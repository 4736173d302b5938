package org.hadirector.ipvs;

import java.net.Inet6Address;
import java.net.InetAddress;

/** An address and port, printed as ipvsadm prints them (IPv6 in brackets). */
public record Endpoint(InetAddress address, int port) {

    public static String format(InetAddress address, int port) {
        String host = address.getHostAddress();
        if (address instanceof Inet6Address) {
            int pct = host.indexOf('%');
            return "[" + (pct < 0 ? host : host.substring(0, pct)) + "]:" + port;
        }
        return host + ":" + port;
    }

    @Override
    public String toString() {
        return format(address, port);
    }
}
