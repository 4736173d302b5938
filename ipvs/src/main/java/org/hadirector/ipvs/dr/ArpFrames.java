package org.hadirector.ipvs.dr;

import jnr.ffi.Pointer;
import org.hadirector.sys.ArpFrame;

/** ARP over Ethernet for IPv4 (RFC 826) in ring memory: the requests the forwarder sends ({@link ArpFrame}) and what it reads back. */
final class ArpFrames {
    /** The ARP payload's end: a frame shorter than this is not ARP for IPv4 over Ethernet. */
    static final int LENGTH = 42;

    private ArpFrames() {}

    /** Writes a broadcast "who has target? tell sender" request at {@code at}; returns its length. */
    static int request(Pointer p, long at, long senderMac, int senderIp, int targetIp) {
        byte[] f = ArpFrame.request(macBytes(senderMac), intBytes(senderIp), intBytes(targetIp));
        p.put(at, f, 0, f.length);
        return f.length;
    }

    /**
     * The sender of an IPv4-over-Ethernet ARP request or reply at {@code at}, as
     * {@code ip << 48 | mac} packed into two values: returns false when the frame is not one.
     */
    static boolean sender(Pointer p, long at, int len, long[] ipAndMac) {
        if (len < LENGTH
                || Short.reverseBytes(p.getShort(at + 12)) != 0x0806
                || Short.reverseBytes(p.getShort(at + 14)) != 1
                || Short.reverseBytes(p.getShort(at + 16)) != 0x0800
                || p.getByte(at + 18) != 6
                || p.getByte(at + 19) != 4) {
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

    private static byte[] macBytes(long mac) {
        byte[] b = new byte[6];
        for (int i = 0; i < 6; i++) {
            b[i] = (byte) (mac >>> (40 - 8 * i));
        }
        return b;
    }

    private static byte[] intBytes(int v) {
        return new byte[] {(byte) (v >>> 24), (byte) (v >>> 16), (byte) (v >>> 8), (byte) v};
    }
}
