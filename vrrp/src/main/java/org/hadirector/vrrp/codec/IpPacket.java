package org.hadirector.vrrp.codec;

import java.net.InetAddress;
import java.net.UnknownHostException;

/**
 * The parts of an IPv4 or IPv6 header that VRRP needs, from a packet that starts with it (a raw
 * IPv4 socket delivers the header; captures have both). No options processing beyond skipping
 * them; IPv6 extension headers are not followed (VRRP packets carry none).
 */
public record IpPacket(
        InetAddress source, InetAddress destination, int ttl, int protocol, int payloadOffset, int payloadLength) {

    public static IpPacket parse(byte[] b, int len) throws AdvertisementException {
        if (len < 1) {
            throw new AdvertisementException(DropReason.TOO_SHORT, "empty packet");
        }
        int version = (b[0] & 0xff) >>> 4;
        try {
            if (version == 4) {
                if (len < 20) {
                    throw new AdvertisementException(DropReason.TOO_SHORT, len + " bytes of IPv4 header");
                }
                int ihl = (b[0] & 0x0f) * 4;
                int total = ((b[2] & 0xff) << 8) | (b[3] & 0xff);
                if (ihl < 20 || total < ihl || total > len) {
                    throw new AdvertisementException(
                            DropReason.BAD_LENGTH, "IPv4 header length " + ihl + ", total " + total);
                }
                return new IpPacket(
                        InetAddress.getByAddress(slice(b, 12, 4)),
                        InetAddress.getByAddress(slice(b, 16, 4)),
                        b[8] & 0xff,
                        b[9] & 0xff,
                        ihl,
                        total - ihl);
            }
            if (version == 6) {
                if (len < 40) {
                    throw new AdvertisementException(DropReason.TOO_SHORT, len + " bytes of IPv6 header");
                }
                int payload = ((b[4] & 0xff) << 8) | (b[5] & 0xff);
                if (40 + payload > len) {
                    throw new AdvertisementException(DropReason.BAD_LENGTH, "IPv6 payload length " + payload);
                }
                return new IpPacket(
                        InetAddress.getByAddress(slice(b, 8, 16)),
                        InetAddress.getByAddress(slice(b, 24, 16)),
                        b[7] & 0xff,
                        b[6] & 0xff,
                        40,
                        payload);
            }
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e);
        }
        throw new AdvertisementException(DropReason.BAD_VERSION, "IP version " + version);
    }

    private static byte[] slice(byte[] b, int off, int len) {
        byte[] out = new byte[len];
        System.arraycopy(b, off, out, 0, len);
        return out;
    }
}
