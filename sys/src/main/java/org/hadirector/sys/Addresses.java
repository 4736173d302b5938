package org.hadirector.sys;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;

/**
 * The one way the project writes an address, in logs, names, status, metrics and ipvsadm-style
 * listings: dotted quad, or IPv6 in RFC 5952's canonical form (2001:db8::1, never Java's
 * 2001:db8:0:0:0:0:0:1), so that a service has one name from the configuration to /metrics.
 */
public final class Addresses {
    private Addresses() {}

    /** The address as people write it: dotted quad, or IPv6 in RFC 5952 form (2001:db8::1). */
    public static String format(InetAddress address) {
        if (!(address instanceof Inet6Address)) {
            return address == null ? "null" : address.getHostAddress();
        }
        byte[] b = address.getAddress();
        int[] g = new int[8];
        for (int i = 0; i < 8; i++) {
            g[i] = ((b[2 * i] & 0xff) << 8) | (b[2 * i + 1] & 0xff);
        }
        // RFC 5952 4.2: compress the first longest run of two or more zero groups.
        int bestStart = -1;
        int bestLen = 1;
        for (int i = 0; i < 8; ) {
            if (g[i] != 0) {
                i++;
                continue;
            }
            int j = i;
            while (j < 8 && g[j] == 0) {
                j++;
            }
            if (j - i > bestLen) {
                bestStart = i;
                bestLen = j - i;
            }
            i = j;
        }
        StringBuilder sb = new StringBuilder(39);
        for (int i = 0; i < 8; i++) {
            if (i == bestStart) {
                sb.append("::");
                i += bestLen - 1;
                continue;
            }
            if (sb.length() > 0 && sb.charAt(sb.length() - 1) != ':') {
                sb.append(':');
            }
            sb.append(Integer.toHexString(g[i]));
        }
        return sb.toString();
    }

    /** 10.0.0.1:80, [2001:db8::1]:80 (ipvsadm's form), or the bare address when the port is null. */
    public static String withPort(InetAddress address, Integer port) {
        String a = address == null ? "?" : format(address);
        if (port == null) {
            return a;
        }
        return address instanceof Inet6Address ? "[" + a + "]:" + port : a + ":" + port;
    }

    /**
     * An IPv4 dotted quad or an IPv6 literal, in any of its spellings; null for anything else.
     * Never asks DNS, which InetAddress.getByName would for a name.
     */
    public static InetAddress parse(String s) {
        if (s == null || s.isEmpty() || s.length() > 64) {
            return null;
        }
        if (s.indexOf(':') >= 0) {
            for (int i = 0; i < s.length(); i++) {
                char c = s.charAt(i);
                if (Character.digit(c, 16) < 0 && c != ':' && c != '.') {
                    return null;
                }
            }
            try {
                return InetAddress.getByName(s);
            } catch (UnknownHostException | RuntimeException e) {
                return null;
            }
        }
        byte[] b = new byte[4];
        int part = 0;
        int value = 0;
        int digits = 0;
        for (int i = 0; i <= s.length(); i++) {
            char c = i < s.length() ? s.charAt(i) : '.';
            if (c == '.') {
                if (digits == 0 || part > 3) {
                    return null;
                }
                b[part++] = (byte) value;
                value = 0;
                digits = 0;
            } else if (c >= '0' && c <= '9' && digits < 3) {
                value = value * 10 + (c - '0');
                digits++;
                if (value > 255) {
                    return null;
                }
            } else {
                return null;
            }
        }
        if (part != 4) {
            return null;
        }
        try {
            return InetAddress.getByAddress(b);
        } catch (UnknownHostException e) {
            return null;
        }
    }
}
