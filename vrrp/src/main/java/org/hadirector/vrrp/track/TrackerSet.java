package org.hadirector.vrrp.track;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Everything one instance tracks, and what it adds up to: the priority adjustment (sum of
 * weights) and, if any weight-0 object is down, the reason for FAULT. Pure; the runtime feeds
 * it state changes and passes the result to the state machine.
 */
public final class TrackerSet {
    private record Entry(String description, TrackedWeight weight, boolean up) {
    }

    private final Map<String, Entry> entries = new LinkedHashMap<>();

    /** Adds a tracked object with its initial state. {@code key} is e.g. "interface e1", "script chk". */
    public void add(String key, TrackedWeight weight, boolean up) {
        entries.put(key, new Entry(key, weight, up));
    }

    /** Updates one object's state; true when the instance's priority or fault changed. */
    public boolean update(String key, boolean up) {
        Entry e = entries.get(key);
        if (e == null || e.up() == up) {
            return false;
        }
        int before = adjustment();
        String faultBefore = faultReason();
        entries.put(key, new Entry(e.description(), e.weight(), up));
        return before != adjustment() || !java.util.Objects.equals(faultBefore, faultReason());
    }

    public boolean tracks(String key) {
        return entries.containsKey(key);
    }

    public int adjustment() {
        int sum = 0;
        for (Entry e : entries.values()) {
            sum += e.weight().delta(e.up());
        }
        return sum;
    }

    /** Null when nothing forces FAULT, otherwise which object does and why. */
    public String faultReason() {
        for (Entry e : entries.values()) {
            if (e.weight().faults(e.up())) {
                return e.description() + (e.weight().reverse() ? " is up (reverse)" : " is down");
            }
        }
        return null;
    }
}
