package org.hadirector.vrrp;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.net.InetAddress;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The VMAC's MAC, name and link-local address, as keepalived 2.2.7 makes them. */
class VmacTest {

    @Test
    void theMacIsRfc5798sVirtualRouterMac() {
        assertArrayEquals(new byte[] {0, 0, 0x5e, 0, 1, 51}, Vmac.mac(51, false));
        assertArrayEquals(new byte[] {0, 0, 0x5e, 0, 2, (byte) 255}, Vmac.mac(255, true));
        assertArrayEquals(Vmac.mac(7, true), new Vmac("v", 7, true, false).mac());
        assertEquals("00:00:5e:00:01:ff", VmacLink.format(Vmac.mac(255, false)));
        assertThrows(IllegalArgumentException.class, () -> new Vmac("v", 0, false, false));
    }

    @Test
    void theDefaultNameIsVrrpDotVridThenNumbered() {
        assertEquals("vrrp.51", Vmac.defaultName(51, false, Set.of()));
        assertEquals("vrrp1.51", Vmac.defaultName(51, false, Set.of("vrrp.51")));
        assertEquals("vrrp2.51", Vmac.defaultName(51, false, Set.of("vrrp.51", "vrrp1.51")));
        // IPv6 tries vrrp6 second, then 1.., skipping 6
        assertEquals("vrrp.51", Vmac.defaultName(51, true, Set.of()));
        assertEquals("vrrp6.51", Vmac.defaultName(51, true, Set.of("vrrp.51")));
        assertEquals("vrrp1.51", Vmac.defaultName(51, true, Set.of("vrrp.51", "vrrp6.51")));
        assertEquals(
                "vrrp7.51",
                Vmac.defaultName(
                        51,
                        true,
                        Set.of("vrrp.51", "vrrp6.51", "vrrp1.51", "vrrp2.51", "vrrp3.51", "vrrp4.51", "vrrp5.51")));
    }

    @Test
    void vmacPrefixReplacesVrrpAndIsCutToFifteenCharacters() {
        assertEquals("vmac.51", Vmac.defaultName("vmac", 51, false, Set.of()));
        assertEquals("vmac1.51", Vmac.defaultName("vmac", 51, false, Set.of("vmac.51")));
        assertEquals("averylongpr.255", Vmac.defaultName("averylongprefix", 255, false, Set.of()));
        assertEquals("averylongp1.255", Vmac.defaultName("averylongprefix", 255, false, Set.of("averylongpr.255")));
    }

    @Test
    void theLinkLocalAddressIsEui64OfTheMac() throws Exception {
        byte[] mac = {0x52, 0x54, 0x00, 0x12, 0x34, 0x56};
        assertEquals(InetAddress.getByName("fe80::5054:ff:fe12:3456"), Vmac.linkLocal(mac));
    }
}
