package org.hadirector.vrrp.codec;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;

/**
 * Encodes and decodes VRRP messages (the IP payload). Decoding checks what the packet alone can
 * tell: version, type, length against the address count, and the checksum. What depends on the
 * receiving instance (VRID, authentication, interval, addresses) is {@code AdvertisementFilter}'s.
 */
public final class AdvertisementCodec {
    /** Which checksum a VRRPv3 message over IPv4 carries. */
    public enum V3Checksum {
        /** RFC 5798: with the pseudo-header. */
        RFC5798,
        /** keepalived's v3_checksum_as_v2 / old_unicast_checksum: the message alone. */
        AS_V2
    }

    private static final int HEADER = 8;
    private static final int V2_AUTH = 8;

    private AdvertisementCodec() {}

    public static byte[] encode(Advertisement a, InetAddress src, InetAddress dst, V3Checksum v3Checksum) {
        int addrLen = a.addresses().isEmpty() ? 4 : a.addresses().get(0).getAddress().length;
        int len = HEADER + a.addresses().size() * addrLen + (a.version() == 2 ? V2_AUTH : 0);
        byte[] b = new byte[len];
        b[0] = (byte) ((a.version() << 4) | Advertisement.TYPE_ADVERTISEMENT);
        b[1] = (byte) a.vrid();
        b[2] = (byte) a.priority();
        b[3] = (byte) a.addresses().size();
        if (a.version() == 2) {
            b[4] = (byte) a.authType();
            b[5] = (byte) (a.intervalCentis() / 100);
        } else {
            b[4] = (byte) ((a.intervalCentis() >>> 8) & 0x0f);
            b[5] = (byte) a.intervalCentis();
        }
        int off = HEADER;
        for (InetAddress x : a.addresses()) {
            byte[] raw = x.getAddress();
            System.arraycopy(raw, 0, b, off, raw.length);
            off += raw.length;
        }
        if (a.version() == 2) {
            System.arraycopy(a.authData(), 0, b, off, V2_AUTH);
        }
        int sum = a.version() == 2 || (v3Checksum == V3Checksum.AS_V2 && src instanceof Inet4Address)
                ? Checksum.plain(b, 0, len)
                : Checksum.withPseudoHeader(b, 0, len, src, dst);
        b[6] = (byte) (sum >>> 8);
        b[7] = (byte) sum;
        return b;
    }

    /**
     * Decodes the VRRP message {@code b[off, off+len)} received from {@code src} to {@code dst}
     * (their family gives the address size). {@code acceptV2StyleV3} also accepts a VRRPv3 IPv4
     * checksum computed without the pseudo-header, as keepalived does for old peers.
     */
    public static Advertisement decode(
            byte[] b, int off, int len, InetAddress src, InetAddress dst, boolean acceptV2StyleV3)
            throws AdvertisementException {
        if (len < HEADER || off < 0 || off + len > b.length) {
            throw new AdvertisementException(DropReason.TOO_SHORT, len + " bytes");
        }
        int version = (b[off] & 0xff) >>> 4;
        int type = b[off] & 0x0f;
        if (version != 2 && version != 3) {
            throw new AdvertisementException(DropReason.BAD_VERSION, "version " + version);
        }
        if (type != Advertisement.TYPE_ADVERTISEMENT) {
            throw new AdvertisementException(DropReason.BAD_TYPE, "type " + type);
        }
        boolean v6 = src instanceof Inet6Address;
        if (version == 2 && v6) {
            throw new AdvertisementException(DropReason.BAD_VERSION, "VRRPv2 over IPv6");
        }
        int vrid = b[off + 1] & 0xff;
        int priority = b[off + 2] & 0xff;
        int count = b[off + 3] & 0xff;
        int addrLen = v6 ? 16 : 4;
        int want = HEADER + count * addrLen + (version == 2 ? V2_AUTH : 0);
        // keepalived pads nothing; a VRRPv2 sender without authentication data still sends 8 bytes.
        if (len != want) {
            throw new AdvertisementException(
                    DropReason.BAD_LENGTH,
                    len + " bytes for " + count + " address" + (count == 1 ? "" : "es") + " (want " + want + ")");
        }
        if (vrid == 0) {
            throw new AdvertisementException(DropReason.WRONG_VRID, "VRID 0");
        }
        int got = ((b[off + 6] & 0xff) << 8) | (b[off + 7] & 0xff);
        byte[] copy = new byte[len];
        System.arraycopy(b, off, copy, 0, len);
        copy[6] = 0;
        copy[7] = 0;
        if (version == 2) {
            int sum = Checksum.plain(copy, 0, len);
            if (sum != got) {
                throw new AdvertisementException(
                        DropReason.BAD_CHECKSUM, String.format("got %04x, want %04x", got, sum));
            }
        } else {
            int sum = Checksum.withPseudoHeader(copy, 0, len, src, dst);
            if (sum != got && !(acceptV2StyleV3 && !v6 && Checksum.plain(copy, 0, len) == got)) {
                throw new AdvertisementException(
                        DropReason.BAD_CHECKSUM, String.format("got %04x, want %04x", got, sum));
            }
        }
        int interval;
        int authType;
        if (version == 2) {
            authType = b[off + 4] & 0xff;
            interval = (b[off + 5] & 0xff) * 100;
        } else {
            authType = Advertisement.AUTH_NONE;
            interval = ((b[off + 4] & 0x0f) << 8) | (b[off + 5] & 0xff);
        }
        List<InetAddress> addresses = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            byte[] raw = new byte[addrLen];
            System.arraycopy(b, off + HEADER + i * addrLen, raw, 0, addrLen);
            try {
                addresses.add(InetAddress.getByAddress(raw));
            } catch (UnknownHostException e) {
                throw new IllegalStateException(e); // cannot happen: 4 or 16 bytes
            }
        }
        byte[] auth = null;
        if (version == 2) {
            auth = new byte[V2_AUTH];
            System.arraycopy(b, off + len - V2_AUTH, auth, 0, V2_AUTH);
        }
        return new Advertisement(version, vrid, priority, interval, authType, auth, addresses);
    }
}
