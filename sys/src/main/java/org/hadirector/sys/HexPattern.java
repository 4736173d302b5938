package org.hadirector.sys;

import java.util.Arrays;

/**
 * A hex string as keepalived's read_hex_str reads it (UDP_CHECK's payload and require_reply):
 * pairs of hex digits, blanks between octets allowed, a lone digit before a blank one octet; with
 * wildcards, x or X is a nibble that matches anything ({@code wildcard} has its bits set).
 */
public record HexPattern(byte[] data, byte[] wildcard) {
    @Override
    public boolean equals(Object o) {
        return o instanceof HexPattern h && Arrays.equals(data, h.data) && Arrays.equals(wildcard, h.wildcard);
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(data) + Arrays.hashCode(wildcard);
    }

    @Override
    public String toString() {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < data.length; i++) {
            for (int shift = 4; shift >= 0; shift -= 4) {
                b.append((wildcard[i] >> shift & 0xf) != 0 ? 'x' : Character.forDigit(data[i] >> shift & 0xf, 16));
            }
        }
        return b.toString();
    }

    /**
     * {@code text} read as keepalived reads it, wildcards allowed or not; null when it is not a
     * hex string (keepalived: "Invalid hex string", a configuration error) or is empty.
     */
    public static HexPattern parse(String text, boolean wildcards) {
        if (text == null) {
            return null;
        }
        byte[] data = new byte[(text.length() + 1) / 2];
        byte[] mask = new byte[data.length];
        int n = 0;
        int i = 0;
        while (true) {
            while (i < text.length() && (text.charAt(i) == ' ' || text.charAt(i) == '\t')) {
                i++;
            }
            if (i >= text.length()) {
                break;
            }
            int hi = nibble(text.charAt(i++), wildcards);
            if (hi < 0) {
                return null;
            }
            int value = hi == WILD ? 0 : hi;
            int m = hi == WILD ? 0x0f : 0;
            if (i < text.length() && text.charAt(i) != ' ') {
                int lo = nibble(text.charAt(i++), wildcards);
                if (lo < 0) {
                    return null;
                }
                value = value << 4 | (lo == WILD ? 0 : lo);
                m = m << 4 | (lo == WILD ? 0x0f : 0);
            }
            data[n] = (byte) value;
            mask[n] = (byte) m;
            n++;
        }
        return n == 0 ? null : new HexPattern(Arrays.copyOf(data, n), Arrays.copyOf(mask, n));
    }

    private static final int WILD = 16;

    private static int nibble(char c, boolean wildcards) {
        if (c >= '0' && c <= '9') {
            return c - '0';
        }
        char u = Character.toUpperCase(c);
        if (u >= 'A' && u <= 'F') {
            return u - 'A' + 10;
        }
        return wildcards && u == 'X' ? WILD : -1;
    }
}
