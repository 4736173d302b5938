package org.hadirector.vrrp;

import java.net.InetAddress;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.hadirector.vrrp.codec.Advertisement;
import org.hadirector.vrrp.codec.DropReason;

/**
 * The receiving instance's checks of a decoded advertisement (RFC 5798 section 7.1, RFC 3768
 * section 7.1, as keepalived applies them). A non-null answer is a drop, counted and logged by the
 * runtime; the state machine never sees the packet.
 *
 * @param authType     VRRPv2: 0 none, 1 PASS
 * @param authData     VRRPv2 PASS: the password padded to 8 bytes
 * @param addresses    the instance's virtual addresses, compared with the advert's unless {@code skipAddressCheck}
 * @param unicastPeers when non-empty, the instance is unicast: TTL is checked only against
 *                     {@code minTtl..maxTtl}, and with {@code checkUnicastSource} the source must be a peer
 * @param ownAddresses our own addresses: adverts from them are our multicast looped back
 */
public record AdvertisementFilter(
        int version,
        int vrid,
        int authType,
        byte[] authData,
        int intervalCentis,
        List<InetAddress> addresses,
        boolean skipAddressCheck,
        Set<InetAddress> unicastPeers,
        boolean checkUnicastSource,
        int minTtl,
        int maxTtl,
        Set<InetAddress> ownAddresses) {

    public AdvertisementFilter {
        authData = authData == null ? new byte[8] : authData.clone();
        addresses = List.copyOf(addresses);
        unicastPeers = Set.copyOf(unicastPeers);
        ownAddresses = Set.copyOf(ownAddresses);
    }

    /** A multicast instance with keepalived's defaults. */
    public static AdvertisementFilter multicast(
            int version,
            int vrid,
            int intervalCentis,
            String password,
            List<InetAddress> addresses,
            Set<InetAddress> ownAddresses) {
        return new AdvertisementFilter(
                version,
                vrid,
                password == null ? 0 : 1,
                Advertisement.passwordBytes(password),
                intervalCentis,
                addresses,
                false,
                Set.of(),
                false,
                255,
                255,
                ownAddresses);
    }

    /** Null when the advertisement may reach the state machine, otherwise why it is dropped. */
    public DropReason check(Advertisement a, InetAddress source, int ttl) {
        if (ownAddresses.contains(source)) {
            return DropReason.OWN_PACKET;
        }
        if (a.vrid() != vrid) {
            return DropReason.WRONG_VRID;
        }
        if (a.version() != version) {
            return DropReason.WRONG_VERSION;
        }
        if (!addresses.isEmpty() && addresses.get(0).getClass() != source.getClass()) {
            return DropReason.BAD_ADDRESS_FAMILY;
        }
        if (unicastPeers.isEmpty()) {
            if (ttl != 255) {
                return DropReason.BAD_TTL;
            }
        } else {
            if (ttl < minTtl || ttl > maxTtl) {
                return DropReason.BAD_TTL;
            }
            if (checkUnicastSource && !unicastPeers.contains(source)) {
                return DropReason.NOT_A_PEER;
            }
        }
        if (version == 2) {
            if (a.authType() != authType) {
                return DropReason.AUTH_TYPE_MISMATCH;
            }
            if (authType == Advertisement.AUTH_PASS && !Arrays.equals(a.authData(), authData)) {
                return DropReason.AUTH_MISMATCH;
            }
            // RFC 3768 7.1: an advert whose interval differs from ours is discarded.
            if (a.intervalCentis() != intervalCentis) {
                return DropReason.INTERVAL_MISMATCH;
            }
        }
        if (!skipAddressCheck && !new HashSet<>(a.addresses()).equals(new HashSet<>(addresses))) {
            return DropReason.ADDRESS_MISMATCH;
        }
        return null;
    }

    @Override
    public byte[] authData() {
        return authData.clone();
    }
}
