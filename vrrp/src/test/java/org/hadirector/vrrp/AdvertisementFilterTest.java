package org.hadirector.vrrp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.net.InetAddress;
import java.util.List;
import java.util.Set;
import org.hadirector.vrrp.codec.Advertisement;
import org.hadirector.vrrp.codec.DropReason;
import org.junit.jupiter.api.Test;

/** Each drop rule of the receiving instance, one at a time. */
class AdvertisementFilterTest {
    static final InetAddress US = VrrpStateMachineTest.ip("198.18.0.11");
    static final InetAddress PEER = VrrpStateMachineTest.ip("198.18.0.12");
    static final InetAddress VIP = VrrpStateMachineTest.ip("198.18.0.100");
    static final InetAddress VIP2 = VrrpStateMachineTest.ip("198.18.0.101");

    final AdvertisementFilter v2 = AdvertisementFilter.multicast(2, 51, 100, "secret", List.of(VIP, VIP2), Set.of(US));
    final AdvertisementFilter v3 = AdvertisementFilter.multicast(3, 51, 10, null, List.of(VIP), Set.of(US));

    @Test
    void acceptsWhatMatches() {
        assertNull(
                v2.check(Advertisement.v2(51, 100, 1, "secret", List.of(VIP2, VIP)), PEER, 255),
                "address order does not matter");
        assertNull(
                v3.check(Advertisement.v3(51, 100, 250, List.of(VIP)), PEER, 255),
                "VRRPv3 takes the master's interval, whatever it is");
    }

    @Test
    void dropsEachMismatch() {
        assertEquals(DropReason.OWN_PACKET, v3.check(Advertisement.v3(51, 100, 10, List.of(VIP)), US, 255));
        assertEquals(DropReason.WRONG_VRID, v3.check(Advertisement.v3(52, 100, 10, List.of(VIP)), PEER, 255));
        assertEquals(DropReason.WRONG_VERSION, v3.check(Advertisement.v2(51, 100, 1, null, List.of(VIP)), PEER, 255));
        assertEquals(DropReason.BAD_TTL, v3.check(Advertisement.v3(51, 100, 10, List.of(VIP)), PEER, 254));
        assertEquals(
                DropReason.AUTH_TYPE_MISMATCH,
                v2.check(Advertisement.v2(51, 100, 1, null, List.of(VIP, VIP2)), PEER, 255));
        assertEquals(
                DropReason.AUTH_MISMATCH,
                v2.check(Advertisement.v2(51, 100, 1, "wrong", List.of(VIP, VIP2)), PEER, 255));
        assertEquals(
                DropReason.INTERVAL_MISMATCH,
                v2.check(Advertisement.v2(51, 100, 2, "secret", List.of(VIP, VIP2)), PEER, 255));
        assertEquals(
                DropReason.ADDRESS_MISMATCH, v2.check(Advertisement.v2(51, 100, 1, "secret", List.of(VIP)), PEER, 255));
        assertEquals(
                DropReason.BAD_ADDRESS_FAMILY,
                v3.check(Advertisement.v3(51, 100, 10, List.of(VIP)), VrrpStateMachineTest.ip("fe80::1"), 255));
    }

    @Test
    void passwordsCompareOnTheirFirstEightBytes() {
        AdvertisementFilter f = AdvertisementFilter.multicast(2, 51, 100, "longpassword", List.of(VIP), Set.of());
        assertNull(f.check(Advertisement.v2(51, 100, 1, "longpass", List.of(VIP)), PEER, 255));
    }

    @Test
    void unicastChecksTtlRangeAndPeers() {
        AdvertisementFilter f = new AdvertisementFilter(
                3, 51, 0, null, 100, List.of(VIP), false, Set.of(PEER), true, 250, 255, Set.of(US));
        assertNull(f.check(Advertisement.v3(51, 100, 100, List.of(VIP)), PEER, 252), "routed unicast: TTL in range");
        assertEquals(DropReason.BAD_TTL, f.check(Advertisement.v3(51, 100, 100, List.of(VIP)), PEER, 249));
        assertEquals(
                DropReason.NOT_A_PEER,
                f.check(Advertisement.v3(51, 100, 100, List.of(VIP)), VrrpStateMachineTest.ip("198.18.0.13"), 255));
    }

    @Test
    void skipCheckAdvAddrAcceptsOtherAddresses() {
        AdvertisementFilter f =
                new AdvertisementFilter(3, 51, 0, null, 100, List.of(VIP), true, Set.of(), false, 255, 255, Set.of());
        assertNull(f.check(Advertisement.v3(51, 100, 100, List.of(VIP2)), PEER, 255));
    }
}
