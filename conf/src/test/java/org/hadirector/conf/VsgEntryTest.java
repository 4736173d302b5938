package org.hadirector.conf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.hadirector.conf.model.VsgEntry;
import org.hadirector.sys.Addresses;
import org.junit.jupiter.api.Test;

/** A virtual_server_group entry's addresses, walked as keepalived's ipvs_group_range_cmd walks them. */
class VsgEntryTest {

    static VsgEntry range(String first, String last) {
        return new VsgEntry(Addresses.parse(first), Addresses.parse(last), 80, null, null);
    }

    static List<String> texts(VsgEntry e) {
        return e.addresses().stream().map(Addresses::format).toList();
    }

    @Test
    void anIpv4RangeCarriesAcrossBytes() {
        VsgEntry e = range("198.18.0.254", "198.18.1.1");
        assertEquals(4, e.addressCount());
        assertEquals(List.of("198.18.0.254", "198.18.0.255", "198.18.1.0", "198.18.1.1"), texts(e));
        assertEquals(List.of("198.18.0.9"), texts(range("198.18.0.9", "198.18.0.9")));
    }

    @Test
    void anIpv6RangeWalksItsLastSixteenBitsOnlyAndWraps() {
        VsgEntry inGroup = range("2001:db8::10", "2001:db8::12");
        assertFalse(inGroup.ipv6BeyondLastGroup());
        assertEquals(List.of("2001:db8::10", "2001:db8::11", "2001:db8::12"), texts(inGroup));
        // keepalived keeps the first address's upper 112 bits and counts the last group up to the end's
        VsgEntry beyond = range("2001:db8::ffff", "2001:db8::1:1");
        assertTrue(beyond.ipv6BeyondLastGroup());
        assertEquals(List.of("2001:db8::ffff", "2001:db8::", "2001:db8::1"), texts(beyond));
        // a /64 is the last group's 65,536 addresses, as keepalived makes it
        VsgEntry prefix = range("2001:db8::", "2001:db8::ffff:ffff:ffff:ffff");
        assertEquals(65_536, prefix.addressCount());
    }

    @Test
    void aFwmarkEntryHasNoAddresses() {
        VsgEntry mark = new VsgEntry(null, null, null, 7, "inet6");
        assertTrue(mark.isFwmark());
        assertEquals(1, mark.addressCount());
        assertEquals(List.of(), mark.addresses());
    }
}
