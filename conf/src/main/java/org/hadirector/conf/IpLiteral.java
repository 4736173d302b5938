package org.hadirector.conf;

import java.net.Inet4Address;
import java.net.InetAddress;
import org.hadirector.sys.Addresses;

/** Address literals as the configuration takes them (the parsing is {@link Addresses#parse}, never DNS). */
public final class IpLiteral {
    private IpLiteral() {}

    /** An IPv4 dotted quad or an IPv6 literal; null for anything else. */
    public static InetAddress parse(String s) {
        return Addresses.parse(s);
    }

    public static int maxPrefix(InetAddress a) {
        return a instanceof Inet4Address ? 32 : 128;
    }
}
