package org.hadirector.ipvs.dr;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.UnknownHostException;

/** IPv4 addresses as ints (the network-order bytes read big-endian) and MACs as longs. */
final class Ipv4 {
    private Ipv4() {}

    static int of(InetAddress a) {
        if (!(a instanceof Inet4Address)) {
            throw new IllegalArgumentException("the userspace DR forwarder handles IPv4 only: " + a.getHostAddress());
        }
        byte[] b = a.getAddress();
        return (b[0] & 0xff) << 24 | (b[1] & 0xff) << 16 | (b[2] & 0xff) << 8 | (b[3] & 0xff);
    }

    static InetAddress address(int v) {
        try {
            return InetAddress.getByAddress(bytes(v));
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }

    static byte[] bytes(int v) {
        return new byte[] {(byte) (v >>> 24), (byte) (v >>> 16), (byte) (v >>> 8), (byte) v};
    }

    static String text(int v) {
        return (v >>> 24) + "." + (v >>> 16 & 0xff) + "." + (v >>> 8 & 0xff) + "." + (v & 0xff);
    }

    /** The first {@code prefix} bits of an address. */
    static int mask(int address, int prefix) {
        return prefix == 0 ? 0 : address & (int) (0xffffffffL << (32 - prefix));
    }

    static long mac(byte[] b) {
        long m = 0;
        for (int i = 0; i < 6; i++) {
            m = m << 8 | (b[i] & 0xff);
        }
        return m;
    }

    static String macText(long m) {
        StringBuilder s = new StringBuilder(17);
        for (int i = 5; i >= 0; i--) {
            s.append(Character.forDigit((int) (m >>> (i * 8 + 4) & 0xf), 16))
                    .append(Character.forDigit((int) (m >>> (i * 8) & 0xf), 16));
            if (i > 0) {
                s.append(':');
            }
        }
        return s.toString();
    }
}
