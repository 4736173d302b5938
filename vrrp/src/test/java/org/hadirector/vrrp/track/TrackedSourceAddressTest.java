package org.hadirector.vrrp.track;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.util.List;
import org.hadirector.sys.RtNetlink;
import org.junit.jupiter.api.Test;

/** track_src_ip's verdict from the interface's addresses, as dumps and events give them. */
class TrackedSourceAddressTest {
    static final int E0 = 2;
    static final int VMAC = 7;
    static final int OTHER = 3;

    static InetAddress ip(String s) {
        try {
            return InetAddress.getByName(s);
        } catch (java.net.UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }

    static final InetAddress SRC = ip("198.18.0.11");

    static RtNetlink.Address on(int ifindex, String address, int prefix) {
        return new RtNetlink.Address(ifindex, ip(address), prefix, 0, null);
    }

    @Test
    void theSourceOnTheInterfaceIsPresentAndItsRemovalAndReturnAreChanges() {
        TrackedSourceAddress t = new TrackedSourceAddress(SRC);
        assertFalse(t.present(), "nothing seen yet");
        assertTrue(t.resync(List.of(E0), List.of(on(E0, "198.18.0.11", 24), on(E0, "198.18.0.100", 32))));
        assertTrue(t.present());
        assertEquals("source address 198.18.0.11 (track_src_ip)", t.key());

        assertFalse(t.removed(on(E0, "198.18.0.100", 32)), "a VIP leaving is not the source");
        assertFalse(t.added(on(E0, "198.18.0.12", 24)), "another address is not the source");
        assertTrue(t.removed(on(E0, "198.18.0.11", 24)), "ip addr del 198.18.0.11/24 dev e0");
        assertFalse(t.present());
        assertFalse(t.removed(on(E0, "198.18.0.11", 24)), "the same news twice changes nothing");
        assertTrue(t.added(on(E0, "198.18.0.11", 24)), "re-added");
        assertTrue(t.present());
        assertFalse(t.added(on(E0, "198.18.0.11", 24)), "an update of a present address changes nothing");
    }

    @Test
    void aSourceThatIsASecondaryOrComesBackAfterAnotherAddressIsFollowedToo() {
        // keepalived 2.2.7 follows only the interface's first address; the address itself is followed here
        TrackedSourceAddress t = new TrackedSourceAddress(SRC);
        t.resync(List.of(E0), List.of(on(E0, "198.18.0.10", 24), on(E0, "198.18.0.11", 24)));
        assertTrue(t.present());
        assertTrue(t.removed(on(E0, "198.18.0.11", 24)), "the secondary source went: a change");
        assertFalse(t.added(on(E0, "198.18.0.12", 24)), "another address first");
        assertTrue(t.added(on(E0, "198.18.0.11", 24)), "then the source: present again");
    }

    @Test
    void onlyTheInstancesInterfaceAndItsVmacCount() {
        TrackedSourceAddress t = new TrackedSourceAddress(SRC);
        assertFalse(t.resync(List.of(E0, VMAC), List.of(on(OTHER, "198.18.0.11", 24))), "on another interface");
        assertFalse(t.present());
        assertTrue(t.added(on(VMAC, "198.18.0.11", 24)), "on the VMAC");
        assertFalse(t.added(on(E0, "198.18.0.11", 24)));
        assertFalse(t.removed(on(VMAC, "198.18.0.11", 24)), "still on e0");
        assertTrue(t.present());
        assertTrue(t.removed(on(E0, "198.18.0.11", 24)));
        assertFalse(t.added(on(OTHER, "198.18.0.11", 24)), "moved to another interface: still missing");
    }

    @Test
    void eachPrefixLengthIsACopyOfItsOwn() {
        // the kernel keeps 198.18.0.11/24 and 198.18.0.11/32 apart: one removed, the other still holds it
        TrackedSourceAddress t = new TrackedSourceAddress(SRC);
        t.resync(List.of(E0), List.of(on(E0, "198.18.0.11", 24), on(E0, "198.18.0.11", 32)));
        assertFalse(t.removed(on(E0, "198.18.0.11", 32)));
        assertTrue(t.present());
        assertTrue(t.removed(on(E0, "198.18.0.11", 24)));
    }

    @Test
    void aResyncAfterAnOverrunSaysWhetherTheLostEventsChangedAnything() {
        TrackedSourceAddress t = new TrackedSourceAddress(SRC);
        t.resync(List.of(E0), List.of(on(E0, "198.18.0.11", 24)));
        assertFalse(t.resync(List.of(E0), List.of(on(E0, "198.18.0.11", 24))), "removed and re-added meanwhile");
        assertTrue(t.resync(List.of(E0), List.of()), "removed meanwhile");
        assertFalse(t.present());
        assertTrue(t.resync(List.of(E0), List.of(on(E0, "198.18.0.11", 24))));
    }

    @Test
    void ipv6SourcesAreComparedByAddress() {
        TrackedSourceAddress t = new TrackedSourceAddress(ip("fe80::11"));
        t.resync(List.of(E0), List.of(on(E0, "fe80::11", 64), on(E0, "2001:db8::11", 64)));
        assertTrue(t.present());
        assertEquals("source address fe80::11 (track_src_ip)", t.key());
        assertTrue(t.removed(on(E0, "fe80::11", 64)));
    }

    @Test
    void withTheTrackersAMissingSourceIsTheInstancesFaultAndItsReturnEndsIt() {
        InstanceTracking tracking = new InstanceTracking();
        TrackedSourceAddress t = new TrackedSourceAddress(SRC);
        t.resync(List.of(E0), List.of(on(E0, "198.18.0.11", 24)));
        tracking.trackers().add(t.key(), new TrackedWeight(0, false), t.present());
        assertEquals(null, tracking.verdict().fault());

        assertTrue(t.removed(on(E0, "198.18.0.11", 24)));
        assertTrue(tracking.trackers().update(t.key(), t.present()));
        InstanceTracking.Verdict v = tracking.verdict();
        assertEquals("source address 198.18.0.11 (track_src_ip) is down", v.fault());
        assertTrue(v.ownFaultChanged(), "a sync group hears of it");

        assertTrue(t.added(on(E0, "198.18.0.11", 24)));
        assertTrue(tracking.trackers().update(t.key(), t.present()));
        assertEquals(null, tracking.verdict().fault());
    }

    @Test
    void onTheHostAnyInterfaceCounts() {
        // unicast_src_ip without track_src_ip: the source may be on any interface, as a bind allows
        TrackedSourceAddress t = TrackedSourceAddress.onHost(SRC, "unicast_src_ip");
        assertEquals("source address 198.18.0.11 (unicast_src_ip)", t.key());
        assertFalse(t.resync(List.of(E0), List.of(on(E0, "198.18.0.13", 24))), "not on the host at start");
        assertFalse(t.present());
        assertFalse(t.added(on(OTHER, "198.18.0.12", 24)), "another address");
        assertTrue(t.added(on(OTHER, "198.18.0.11", 32)), "on another interface than the instance's: present");
        assertTrue(t.present());
        assertTrue(t.removed(on(OTHER, "198.18.0.11", 32)));
        assertTrue(t.resync(List.of(E0), List.of(on(VMAC, "198.18.0.11", 24))), "a dump finds it anywhere");
    }
}
