package org.hadirector.vrrp;

import java.net.Inet6Address;
import java.net.UnknownHostException;
import java.util.Set;

/**
 * use_vmac: the instance owns a macvlan interface (mode private) on its interface, with VRRP's
 * virtual router MAC (RFC 5798 section 7.3: 00:00:5e:00:01:VRID for IPv4, 00:00:5e:00:02:VRID for
 * IPv6), as keepalived 2.2.7 makes it. Its VIPs live on the VMAC, so peers' ARP caches never
 * change at a failover; the adverts go out of it too, unless {@code xmitBase}
 * (vmac_xmit_base), which sends and receives them on the base interface.
 *
 * @param name     the VMAC's interface name: use_vmac's, else {@link #defaultName}
 * @param xmitBase vmac_xmit_base: adverts on the base interface, not the VMAC
 */
public record Vmac(String name, int vrid, boolean ipv6, boolean xmitBase) {

    public Vmac {
        if (vrid < 1 || vrid > 255) {
            throw new IllegalArgumentException("VRID " + vrid + " is not 1..255");
        }
    }

    /** The virtual router MAC of {@code vrid}. */
    public static byte[] mac(int vrid, boolean ipv6) {
        return new byte[] {0x00, 0x00, 0x5e, 0x00, (byte) (ipv6 ? 0x02 : 0x01), (byte) vrid};
    }

    public byte[] mac() {
        return mac(vrid, ipv6);
    }

    /**
     * keepalived's create_vmac_name: "vrrp.VRID" unless another instance has that name already,
     * then "vrrp1.VRID", "vrrp2.VRID"... (IPv6 tries "vrrp6.VRID" second and skips 6 later).
     * {@code taken}: the names other instances use (given ones, and those chosen before this).
     */
    public static String defaultName(int vrid, boolean ipv6, Set<String> taken) {
        return defaultName("vrrp", vrid, ipv6, taken);
    }

    /**
     * As {@link #defaultName(int, boolean, Set)} with global_defs vmac_prefix instead of "vrrp",
     * cut (as keepalived cuts it) so that the name fits the kernel's 15 characters.
     */
    public static String defaultName(String prefix, int vrid, boolean ipv6, Set<String> taken) {
        String name = fit(prefix, "", vrid);
        int num = 0;
        for (int tries = 0; taken.contains(name) && tries < 1000; tries++) {
            if (ipv6) {
                num = num == 0 ? 6 : num == 6 ? 1 : num + 1 == 6 ? 7 : num + 1;
            } else {
                num++;
            }
            name = fit(prefix, Integer.toString(num), vrid);
        }
        return name;
    }

    private static String fit(String prefix, String num, int vrid) {
        String tail = num + "." + vrid;
        return prefix.substring(0, Math.min(prefix.length(), 15 - tail.length())) + tail;
    }

    /**
     * The EUI-64 link-local address made from {@code mac} (fe80::, the universal bit flipped,
     * ff:fe in the middle): keepalived gives it to an IPv6 VMAC when the base interface has none.
     */
    public static Inet6Address linkLocal(byte[] mac) {
        byte[] a = new byte[16];
        a[0] = (byte) 0xfe;
        a[1] = (byte) 0x80;
        a[8] = (byte) (mac[0] ^ 0x02);
        a[9] = mac[1];
        a[10] = mac[2];
        a[11] = (byte) 0xff;
        a[12] = (byte) 0xfe;
        a[13] = mac[3];
        a[14] = mac[4];
        a[15] = mac[5];
        try {
            return (Inet6Address) Inet6Address.getByAddress(null, a);
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }
}
