package org.hadirector.ipvs;

import java.net.InetAddress;
import org.hadirector.sys.Addresses;
import org.hadirector.sys.RealServerId;

/** An address and port, printed as ipvsadm prints them (IPv6 in brackets). */
public record Endpoint(InetAddress address, int port) {

    /** As ipvsadm prints it (inet_ntop: IPv6 in RFC 5952 form), the same as the configuration's names. */
    public static String format(InetAddress address, int port) {
        return Addresses.withPort(address, port);
    }

    /** The real server's identity in the checks, the status and the metrics. */
    public RealServerId id() {
        return new RealServerId(address, port);
    }

    @Override
    public String toString() {
        return format(address, port);
    }
}
