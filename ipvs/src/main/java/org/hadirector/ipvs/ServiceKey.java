package org.hadirector.ipvs;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.util.Objects;
import org.hadirector.sys.ServiceId;

/**
 * What identifies a virtual service to IPVS: protocol + address + port, or an address family +
 * firewall mark (then protocol is null, address null and port 0).
 */
public record ServiceKey(boolean ipv6, IpProtocol protocol, InetAddress address, int port, int fwmark) {

    public ServiceKey {
        if (fwmark == 0) {
            Objects.requireNonNull(protocol, "protocol");
            Objects.requireNonNull(address, "address");
            if (port < 0 || port > 65535) {
                throw new IllegalArgumentException("port " + port);
            }
            if ((address instanceof Inet6Address) != ipv6) {
                throw new IllegalArgumentException("family does not match " + address);
            }
        } else if (protocol != null || address != null || port != 0) {
            throw new IllegalArgumentException("a fwmark service has no protocol, address or port");
        }
    }

    public static ServiceKey of(IpProtocol protocol, InetAddress address, int port) {
        return new ServiceKey(address instanceof Inet6Address, protocol, address, port, 0);
    }

    public static ServiceKey fwmark(boolean ipv6, int mark) {
        if (mark == 0) {
            throw new IllegalArgumentException("fwmark 0");
        }
        return new ServiceKey(ipv6, null, null, 0, mark);
    }

    public boolean isFwmark() {
        return fwmark != 0;
    }

    /** The service's identity in the checks, the status and the metrics (the same service, their text). */
    public ServiceId id() {
        return isFwmark() ? ServiceId.fwmark(fwmark, ipv6) : ServiceId.of(protocol.number(), address, port);
    }

    /** As ipvsadm -Ln prints it: "TCP  198.18.0.100:80", "FWM  1", "TCP  [2001:db8::1]:80". */
    @Override
    public String toString() {
        if (isFwmark()) {
            return "FWM  " + Integer.toUnsignedString(fwmark) + (ipv6 ? " IPv6" : "");
        }
        return protocol + "  " + Endpoint.format(address, port);
    }
}
