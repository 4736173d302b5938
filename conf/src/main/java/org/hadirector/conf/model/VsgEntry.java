package org.hadirector.conf.model;

import java.math.BigInteger;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;

/**
 * One member of a virtual server group: an address range {@code first..last} (equal for a single
 * address) with an optional port (null: none, as keepalived takes a port of 0), or a firewall mark
 * with an optional family (null: the virtual server's, else inet).
 */
public record VsgEntry(InetAddress first, InetAddress last, Integer port, Integer fwmark, String family) {

    public boolean isFwmark() {
        return fwmark != null;
    }

    /**
     * How many addresses {@link #addresses} gives (1 for a fwmark entry), without making them. An
     * IPv6 range is walked in its last 16 bits only, as keepalived's ipvs_group_range_cmd does:
     * from the first address's last group up to the last address's, wrapping at 0xffff.
     */
    public long addressCount() {
        if (isFwmark()) {
            return 1;
        }
        if (first instanceof Inet4Address) {
            return new BigInteger(1, last.getAddress())
                            .subtract(new BigInteger(1, first.getAddress()))
                            .longValue()
                    + 1;
        }
        return ((lastGroup(last) - lastGroup(first)) & 0xffff) + 1;
    }

    /** Whether an IPv6 range's ends differ above the last 16 bits, which keepalived does not walk. */
    public boolean ipv6BeyondLastGroup() {
        if (isFwmark() || first instanceof Inet4Address) {
            return false;
        }
        byte[] a = first.getAddress();
        byte[] b = last.getAddress();
        for (int i = 0; i < 14; i++) {
            if (a[i] != b[i]) {
                return true;
            }
        }
        return false;
    }

    /** The addresses of a range entry, in order, as keepalived makes a service of each; none for a fwmark. */
    public List<InetAddress> addresses() {
        List<InetAddress> out = new ArrayList<>();
        if (isFwmark()) {
            return out;
        }
        long n = addressCount();
        byte[] b = first.getAddress();
        for (long i = 0; i < n; i++) {
            out.add(at(b));
            if (b.length == 4) {
                for (int k = 3; k >= 0 && ++b[k] == 0; k--) {
                    // carry into the next byte up
                }
            } else {
                int g = (lastGroup(b) + 1) & 0xffff;
                b[14] = (byte) (g >> 8);
                b[15] = (byte) g;
            }
        }
        return out;
    }

    private static int lastGroup(InetAddress a) {
        return lastGroup(a.getAddress());
    }

    private static int lastGroup(byte[] b) {
        return ((b[14] & 0xff) << 8) | (b[15] & 0xff);
    }

    private static InetAddress at(byte[] b) {
        try {
            return InetAddress.getByAddress(b.clone());
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }
}
