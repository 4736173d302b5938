package org.hadirector.vrrp.track;

import java.util.Objects;

/**
 * What an instance's tracked objects, the parts it depends on and its sync group say together:
 * the priority adjustment and whether it must be in FAULT, and why. Pure: the runtime feeds it
 * the changes it sees (links, scripts, files, a dependency's fault, the group's verdict) and
 * hands the {@link Verdict} to the state machine, and a change of its own fault to the group.
 * <ul>
 * <li>Its own fault: a weight-0 tracked object down (or a track_file out of range), or a part
 * it depends on down; its own reason wins over the group's.
 * <li>In a sync group, another member's fault is this member's too (keepalived's sync group).
 * </ul>
 */
public final class InstanceTracking {
    /** The instance's priority adjustment, and its fault with the reason (null: none). */
    public record Verdict(int adjustment, String fault, boolean ownFaultChanged, String ownFault) {
        public String reason() {
            return fault != null ? fault : "tracked objects are up";
        }
    }

    private final TrackerSet trackers = new TrackerSet();
    private String ownFault;
    private String groupFault;

    /** The tracked objects: the runtime adds them at start and updates them as events come. */
    public TrackerSet trackers() {
        return trackers;
    }

    /**
     * A part the instance depends on (the dataplane that serves its VIPs) is down ({@code reason})
     * or up (null): like a tracked interface of weight 0. Returns true when that changed anything.
     */
    public boolean dependency(String part, String reason) {
        String key = "part " + part;
        boolean up = reason == null;
        if (!trackers.contains(key)) {
            trackers.add(key, new TrackedWeight(0, false), up);
            return !up;
        }
        return trackers.update(key, up);
    }

    /** The sync group's verdict on the other members: a reason while one is in FAULT, null once none is. */
    public void groupFault(String reason) {
        groupFault = reason;
    }

    /** The verdict now; remembers the own fault so that the next one says whether it changed. */
    public Verdict verdict() {
        String own = trackers.faultReason();
        boolean changed = (own != null) != (ownFault != null);
        ownFault = own;
        String fault = own != null ? own : groupFault;
        return new Verdict(trackers.adjustment(), fault, changed, own);
    }

    @Override
    public String toString() {
        return "InstanceTracking[own " + Objects.toString(ownFault, "none") + ", group "
                + Objects.toString(groupFault, "none") + "]";
    }
}
