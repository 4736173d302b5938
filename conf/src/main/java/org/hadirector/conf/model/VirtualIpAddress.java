package org.hadirector.conf.model;

import java.net.InetAddress;
import org.hadirector.sys.Addresses;

/**
 * One line of virtual_ipaddress, virtual_ipaddress_excluded or static_ipaddress:
 * ADDR[/MASK] [brd ADDR] [dev IF] [scope S] [label L] [peer ADDR] [home] [-nodad]
 * [noprefixroute] [autojoin] [no_track] [use_vmac] [preferred_lft N|forever].
 */
public record VirtualIpAddress(
        InetAddress address,
        int prefixLength,
        InetAddress broadcast,
        String dev,
        String scope,
        String label,
        InetAddress peer,
        boolean home,
        boolean nodad,
        boolean mngtmpaddr,
        boolean noprefixroute,
        boolean autojoin,
        boolean noTrack,
        boolean useVmac,
        String preferredLft) {

    public boolean isIpv6() {
        return address instanceof java.net.Inet6Address;
    }

    @Override
    public String toString() {
        return Addresses.format(address) + "/" + prefixLength + (dev == null ? "" : " dev " + dev);
    }
}
