package org.hadirector.vrrp.codec;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

/** The unsolicited neighbour advertisement of a new IPv6 master, byte for byte (RFC 4861 4.4 and 7.2.6). */
class NeighborAdvertisementTest {
    @Test
    void typeOverrideTargetAndTheTargetLinkLayerAddressOption() throws Exception {
        byte[] m = NeighborAdvertisement.message(
                (Inet6Address) InetAddress.getByName("2001:db8::100"),
                HexFormat.of().parseHex("020000000b01"));
        assertEquals(
                "88" + "00" + "0000" // type 136, code 0, checksum left to the kernel
                        + "20000000" // flags: Override only (not Router, not Solicited)
                        + "20010db8000000000000000000000100" // target: the VIP
                        + "02" + "01" + "020000000b01", // option 2 (target link-layer address), 8 bytes: our MAC
                HexFormat.of().formatHex(m));
    }
}
