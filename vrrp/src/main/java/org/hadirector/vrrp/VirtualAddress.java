package org.hadirector.vrrp;

import java.net.Inet6Address;
import java.net.InetAddress;
import org.hadirector.sys.Addresses;

/**
 * A VIP as the runtime installs it: {@code dev} null means the instance's interface; scope in
 * rtnetlink numbers (0 global, 200 site, 253 link, 254 host, 255 nowhere); flags IFA_F_*;
 * {@code preferredLifetime} in seconds, negative for forever (preferred_lft); {@code peer} the
 * point-to-point peer (null for none).
 */
public record VirtualAddress(
        InetAddress address,
        int prefixLength,
        String dev,
        InetAddress broadcast,
        int scope,
        String label,
        int flags,
        long preferredLifetime,
        InetAddress peer) {

    /** Without a peer. */
    public VirtualAddress(
            InetAddress address,
            int prefixLength,
            String dev,
            InetAddress broadcast,
            int scope,
            String label,
            int flags,
            long preferredLifetime) {
        this(address, prefixLength, dev, broadcast, scope, label, flags, preferredLifetime, null);
    }

    /** A VIP preferred for ever, as most are. */
    public VirtualAddress(
            InetAddress address,
            int prefixLength,
            String dev,
            InetAddress broadcast,
            int scope,
            String label,
            int flags) {
        this(address, prefixLength, dev, broadcast, scope, label, flags, -1);
    }

    public boolean isIpv6() {
        return address instanceof Inet6Address;
    }

    @Override
    public String toString() {
        return Addresses.format(address) + "/" + prefixLength + (dev == null ? "" : " dev " + dev);
    }
}
