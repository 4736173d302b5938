package org.hadirector.ipvs.dr;

import jnr.ffi.Pointer;

/** ARP over Ethernet for IPv4 (RFC 826): the requests the forwarder sends and what it reads back. */
final class ArpFrames {
    static final int LENGTH = 42;

    private ArpFrames() {
    }

    /** Writes a broadcast "who has target? tell sender" request at {@code at}; returns its length. */
    static int request(Pointer p, long at, long senderMac, int senderIp, int targetIp) {
        putMac(p, at, 0xffffffffffffL);
        putMac(p, at + 6, senderMac);
        p.putShort(at + 12, Short.reverseBytes((short) 0x0806));
        p.putShort(at + 14, Short.reverseBytes((short) 1));
        p.putShort(at + 16, Short.reverseBytes((short) 0x0800));
        p.putByte(at + 18, (byte) 6);
        p.putByte(at + 19, (byte) 4);
        p.putShort(at + 20, Short.reverseBytes((short) 1));
        putMac(p, at + 22, senderMac);
        p.putInt(at + 28, Integer.reverseBytes(senderIp));
        putMac(p, at + 32, 0);
        p.putInt(at + 38, Integer.reverseBytes(targetIp));
        return LENGTH;
    }

    /**
     * The sender of an IPv4-over-Ethernet ARP request or reply at {@code at}, as
     * {@code ip << 48 | mac} packed into two values: returns false when the frame is not one.
     */
    static boolean sender(Pointer p, long at, int len, long[] ipAndMac) {
        if (len < LENGTH || Short.reverseBytes(p.getShort(at + 12)) != 0x0806
                || Short.reverseBytes(p.getShort(at + 14)) != 1 || Short.reverseBytes(p.getShort(at + 16)) != 0x0800
                || p.getByte(at + 18) != 6 || p.getByte(at + 19) != 4) {
            return false;
        }
        int op = Short.reverseBytes(p.getShort(at + 20));
        if (op != 1 && op != 2) {
            return false;
        }
        long mac = 0;
        for (int i = 0; i < 6; i++) {
            mac = mac << 8 | (p.getByte(at + 22 + i) & 0xff);
        }
        if (mac == 0 || (mac & 0x010000000000L) != 0) {
            return false;
        }
        ipAndMac[0] = Integer.reverseBytes(p.getInt(at + 28));
        ipAndMac[1] = mac;
        return true;
    }

    private static void putMac(Pointer p, long at, long mac) {
        for (int i = 0; i < 6; i++) {
            p.putByte(at + i, (byte) (mac >>> (40 - 8 * i)));
        }
    }
}
