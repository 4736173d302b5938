package org.hadirector.vrrp.track;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** Tracked objects, dependencies and the sync group's verdict, combined as keepalived combines them. */
class InstanceTrackingTest {

    @Test
    void weightsAddUpAndAWeightZeroObjectDownIsTheInstancesOwnFault() {
        InstanceTracking t = new InstanceTracking();
        t.trackers().add("interface e0", new TrackedWeight(0, false), true);
        t.trackers().add("script chk", new TrackedWeight(-20, false), true);
        t.trackers().add("interface e1", new TrackedWeight(10, false), true);
        InstanceTracking.Verdict v = t.verdict();
        assertEquals(
                10, v.adjustment(), "an up object with a positive weight adds it; a negative one counts when down");
        assertNull(v.fault());
        assertEquals("tracked objects are up", v.reason());

        assertTrue(t.trackers().update("script chk", false));
        assertEquals(-10, t.verdict().adjustment());

        assertTrue(t.trackers().update("interface e0", false));
        v = t.verdict();
        assertEquals("interface e0 is down", v.fault());
        assertTrue(v.ownFaultChanged(), "the group must hear of it");
        assertFalse(t.verdict().ownFaultChanged(), "said once");
    }

    @Test
    void aPartDownIsLikeAWeightZeroObjectAndItsReturnEndsTheFault() {
        InstanceTracking t = new InstanceTracking();
        assertFalse(t.dependency("dataplane", null), "an up part changes nothing");
        assertNull(t.verdict().fault());
        assertTrue(t.dependency("dataplane", "link e0 is down"));
        assertEquals("part dataplane is down", t.verdict().fault());
        assertFalse(t.dependency("dataplane", "link e0 is down"), "the same news twice changes nothing");
        assertTrue(t.dependency("dataplane", null));
        InstanceTracking.Verdict v = t.verdict();
        assertNull(v.fault());
        assertTrue(v.ownFaultChanged());
    }

    @Test
    void aGroupFaultIsTheMembersTooButItsOwnReasonWins() {
        InstanceTracking t = new InstanceTracking();
        t.trackers().add("interface e0", new TrackedWeight(0, false), true);
        t.groupFault("VI_2: interface e1 is down");
        InstanceTracking.Verdict v = t.verdict();
        assertEquals("VI_2: interface e1 is down", v.fault());
        assertNull(v.ownFault());
        assertFalse(v.ownFaultChanged(), "the group's fault is not this member's own: nothing to tell the group");
        t.trackers().update("interface e0", false);
        assertEquals("interface e0 is down", t.verdict().fault());
        t.groupFault(null);
        t.trackers().update("interface e0", true);
        assertNull(t.verdict().fault());
    }
}
