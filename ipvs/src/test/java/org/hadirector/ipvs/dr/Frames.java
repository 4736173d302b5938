package org.hadirector.ipvs.dr;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import jnr.ffi.Pointer;
import jnr.ffi.Runtime;

/** Ethernet + IPv4 or IPv6 + TCP/UDP frames for the forwarder's tests, in memory the core can read. */
final class Frames {
    static final Runtime RUNTIME = Runtime.getSystemRuntime();
    static final long DIRECTOR_MAC = 0x020000000011L;
    static final long CLIENT_MAC = 0x020000000010L;
    static final int SYN = 0x02;
    static final int ACK = 0x10;
    static final int FIN = 0x01;
    static final int RST = 0x04;

    private Frames() {}

    static int ip(String s) {
        String[] p = s.split("\\.");
        return Integer.parseInt(p[0]) << 24
                | Integer.parseInt(p[1]) << 16
                | Integer.parseInt(p[2]) << 8
                | Integer.parseInt(p[3]);
    }

    static ByteBuffer tcp(String src, int sport, String dst, int dport, int flags, int payload) {
        return packet(6, src, sport, dst, dport, flags, payload);
    }

    static ByteBuffer udp(String src, int sport, String dst, int dport, int payload) {
        return packet(17, src, sport, dst, dport, 0, payload);
    }

    static ByteBuffer packet(int proto, String src, int sport, String dst, int dport, int flags, int payload) {
        int l4 = proto == 6 ? 20 : 8;
        int total = 20 + l4 + payload;
        ByteBuffer b = ByteBuffer.allocateDirect(14 + total).order(ByteOrder.BIG_ENDIAN);
        putMac(b, DIRECTOR_MAC);
        putMac(b, CLIENT_MAC);
        b.putShort((short) 0x0800);
        b.put((byte) 0x45)
                .put((byte) 0)
                .putShort((short) total)
                .putShort((short) 1)
                .putShort((short) 0x4000);
        b.put((byte) 64).put((byte) proto).putShort((short) 0).putInt(ip(src)).putInt(ip(dst));
        return transport(b, proto, sport, dport, flags, payload);
    }

    /** The TCP or UDP header and payload (checksum 0) at {@code b}'s position; the frame, flipped. */
    private static ByteBuffer transport(ByteBuffer b, int proto, int sport, int dport, int flags, int payload) {
        b.putShort((short) sport).putShort((short) dport);
        if (proto == 6) {
            b.putInt(1000).putInt(0).put((byte) 0x50).put((byte) flags).putShort((short) 65535);
            b.putShort((short) 0).putShort((short) 0);
        } else {
            b.putShort((short) (8 + payload)).putShort((short) 0);
        }
        for (int i = 0; i < payload; i++) {
            b.put((byte) i);
        }
        b.flip();
        return b;
    }

    /**
     * An Ethernet + IPv6 frame from {@code src} to {@code dst} (textual IPv6 addresses), with
     * {@code extensions} (each a next-header value: 0, 43, 60 as 8-byte headers; 44 a fragment
     * header) before the TCP or UDP header.
     */
    static ByteBuffer packet6(
            int proto, String src, int sport, String dst, int dport, int flags, int payload, int... extensions) {
        int l4 = proto == 6 ? 20 : 8;
        int payloadLength = 8 * extensions.length + l4 + payload;
        ByteBuffer b = ByteBuffer.allocateDirect(14 + 40 + payloadLength).order(ByteOrder.BIG_ENDIAN);
        putMac(b, DIRECTOR_MAC);
        putMac(b, CLIENT_MAC);
        b.putShort((short) 0x86dd);
        b.putInt(0x60000000).putShort((short) payloadLength);
        b.put((byte) (extensions.length > 0 ? extensions[0] : proto)).put((byte) 64);
        b.put(address6(src)).put(address6(dst));
        for (int i = 0; i < extensions.length; i++) {
            int next = i + 1 < extensions.length ? extensions[i + 1] : proto;
            b.put((byte) next).put((byte) 0).putShort((short) 0).putInt(0); // 8 bytes: length 0
        }
        return transport(b, proto, sport, dport, flags, payload);
    }

    static byte[] address6(String s) {
        try {
            return java.net.InetAddress.getByName(s).getAddress().length == 16
                    ? java.net.InetAddress.getByName(s).getAddress()
                    : java.net.Inet6Address.getByAddress(
                                    null,
                                    mapped(java.net.InetAddress.getByName(s).getAddress()),
                                    null)
                            .getAddress();
        } catch (java.net.UnknownHostException e) {
            throw new IllegalArgumentException(s, e);
        }
    }

    /** ::ffff:a.b.c.d, which Java's parser turns into an IPv4 address. */
    private static byte[] mapped(byte[] v4) {
        byte[] b = new byte[16];
        b[10] = (byte) 0xff;
        b[11] = (byte) 0xff;
        System.arraycopy(v4, 0, b, 12, 4);
        return b;
    }

    static void putMac(ByteBuffer b, long mac) {
        for (int i = 5; i >= 0; i--) {
            b.put((byte) (mac >>> (i * 8)));
        }
    }

    static Pointer pointer(ByteBuffer b) {
        // The forwarder reads ring memory in native order, as a mapped ring is.
        return Pointer.wrap(RUNTIME, b.duplicate().order(java.nio.ByteOrder.nativeOrder()));
    }

    static long mac(ByteBuffer b, int at) {
        long m = 0;
        for (int i = 0; i < 6; i++) {
            m = m << 8 | (b.get(at + i) & 0xff);
        }
        return m;
    }
}
