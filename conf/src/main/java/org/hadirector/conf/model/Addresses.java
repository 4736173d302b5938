package org.hadirector.conf.model;

import java.net.Inet6Address;
import java.net.InetAddress;

/** Address formatting shared by the model and its users. */
public final class Addresses {
    private Addresses() {
    }

    /** 10.0.0.1:80, [2001:db8::1]:80, or the bare address when the port is null. */
    public static String withPort(InetAddress address, Integer port) {
        String a = address == null ? "?" : address.getHostAddress();
        if (port == null) {
            return a;
        }
        return address instanceof Inet6Address ? "[" + a + "]:" + port : a + ":" + port;
    }
}
