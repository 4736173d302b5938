package org.hadirector.ipvs.dr;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import jnr.ffi.Pointer;
import jnr.ffi.Runtime;

/** Ethernet + IPv4 + TCP/UDP frames for the forwarder's tests, in memory the core can read. */
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
        b.putShort((short) sport).putShort((short) dport);
        if (proto == 6) {
            b.putInt(1000)
                    .putInt(0)
                    .put((byte) 0x50)
                    .put((byte) flags)
                    .putShort((short) 65535)
                    .putShort((short) 0)
                    .putShort((short) 0);
        } else {
            b.putShort((short) (8 + payload)).putShort((short) 0);
        }
        for (int i = 0; i < payload; i++) {
            b.put((byte) i);
        }
        b.flip();
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
