package org.hadirector.vrrp.codec;

import java.net.InetAddress;
import java.util.Arrays;
import java.util.List;

/**
 * A VRRP ADVERTISEMENT, version 2 (RFC 3768) or 3 (RFC 5798).
 *
 * @param intervalCentis the advertisement interval in centiseconds: VRRPv3's Max Adver Int as
 *                       sent; VRRPv2's Adver Int (seconds on the wire) times 100
 * @param authType       VRRPv2 only: 0 none, 1 simple text password, 2 IP AH; 0 for VRRPv3
 * @param authData       VRRPv2 only: the 8 authentication bytes (zeros unless authType 1)
 */
public record Advertisement(
        int version,
        int vrid,
        int priority,
        int intervalCentis,
        int authType,
        byte[] authData,
        List<InetAddress> addresses) {

    public static final int TYPE_ADVERTISEMENT = 1;
    public static final int AUTH_NONE = 0;
    public static final int AUTH_PASS = 1;
    public static final int AUTH_AH = 2;

    public Advertisement {
        addresses = List.copyOf(addresses);
        authData = authData == null ? new byte[8] : authData.clone();
    }

    /** A VRRPv3 advertisement. */
    public static Advertisement v3(int vrid, int priority, int intervalCentis, List<InetAddress> addresses) {
        return new Advertisement(3, vrid, priority, intervalCentis, AUTH_NONE, null, addresses);
    }

    /** A VRRPv2 advertisement; {@code password} null for no authentication. */
    public static Advertisement v2(
            int vrid, int priority, int intervalSeconds, String password, List<InetAddress> addresses) {
        return new Advertisement(
                2,
                vrid,
                priority,
                intervalSeconds * 100,
                password == null ? AUTH_NONE : AUTH_PASS,
                passwordBytes(password),
                addresses);
    }

    /** VRRPv2 simple-text authentication data: the password's first 8 bytes, zero-padded (zeros for none). */
    public static byte[] passwordBytes(String password) {
        byte[] auth = new byte[8];
        if (password != null) {
            byte[] p = password.getBytes(java.nio.charset.StandardCharsets.US_ASCII);
            System.arraycopy(p, 0, auth, 0, Math.min(8, p.length));
        }
        return auth;
    }

    @Override
    public byte[] authData() {
        return authData.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Advertisement a
                && version == a.version
                && vrid == a.vrid
                && priority == a.priority
                && intervalCentis == a.intervalCentis
                && authType == a.authType
                && Arrays.equals(authData, a.authData)
                && addresses.equals(a.addresses);
    }

    @Override
    public int hashCode() {
        return (vrid * 31 + priority) * 31 + addresses.hashCode();
    }

    @Override
    public String toString() {
        return "VRRPv" + version + " vrid " + vrid + " prio " + priority + " int " + intervalCentis + "cs "
                + addresses.stream().map(InetAddress::getHostAddress).toList();
    }
}
