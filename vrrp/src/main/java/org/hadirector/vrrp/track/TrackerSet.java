package org.hadirector.vrrp.track;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Everything one instance tracks, and what it adds up to: the priority adjustment (sum of
 * weights) and, if any weight-0 object is down, the reason for FAULT. Pure; the runtime feeds
 * it state changes and passes the result to the state machine.
 */
public final class TrackerSet {
    /** A tracked object: up/down ones (interfaces, scripts) or, with {@code valued}, a track_file's number. */
    private record Entry(String description, TrackedWeight weight, boolean up, boolean valued, long value) {

        int delta() {
            if (!valued) {
                return weight.delta(up);
            }
            long r = fileResult();
            return weight.weight() == 0 || r < -253 ? 0 : (int) Math.max(-253, Math.min(253, r));
        }

        String fault() {
            if (!valued) {
                return weight.faults(up) ? description + (weight.reverse() ? " is up (reverse)" : " is down") : null;
            }
            if (weight.weight() == 0) {
                // keepalived: weight 0 faults on a non-zero value, with reverse on zero
                if (weight.reverse()) {
                    return value == 0 ? description + " holds 0 (weight 0 reverse)" : null;
                }
                return value != 0 ? description + " holds " + value + " (non-zero with weight 0)" : null;
            }
            return fileResult() < -253 ? description + " gives " + fileResult() + " (below -253)" : null;
        }

        /** keepalived: the value times the weight, negated by reverse. */
        private long fileResult() {
            long r = value * weight.weight();
            return weight.reverse() ? -r : r;
        }
    }

    private final Map<String, Entry> entries = new LinkedHashMap<>();

    /** Adds a tracked object with its initial state. {@code key} is e.g. "interface e1", "script chk". */
    public void add(String key, TrackedWeight weight, boolean up) {
        entries.put(key, new Entry(key, weight, up, false, 0));
    }

    /**
     * Adds a track_file: weight 0 means FAULT while the value is non-zero; otherwise value x
     * weight (negated by reverse) is added to the priority, and below -253 means FAULT.
     */
    public void addValue(String key, TrackedWeight weight, long value) {
        entries.put(key, new Entry(key, weight, true, true, value));
    }

    /** A new value of a track_file; true when the instance's priority or fault changed. */
    public boolean updateValue(String key, long value) {
        Entry e = entries.get(key);
        if (e == null || !e.valued() || e.value() == value) {
            return false;
        }
        int before = adjustment();
        String faultBefore = faultReason();
        entries.put(key, new Entry(e.description(), e.weight(), true, true, value));
        return before != adjustment() || !java.util.Objects.equals(faultBefore, faultReason());
    }

    public boolean contains(String key) {
        return entries.containsKey(key);
    }

    /** Updates one object's state; true when the instance's priority or fault changed. */
    public boolean update(String key, boolean up) {
        Entry e = entries.get(key);
        if (e == null || e.valued() || e.up() == up) {
            return false;
        }
        int before = adjustment();
        String faultBefore = faultReason();
        entries.put(key, new Entry(e.description(), e.weight(), up, false, 0));
        return before != adjustment() || !java.util.Objects.equals(faultBefore, faultReason());
    }

    public int adjustment() {
        int sum = 0;
        for (Entry e : entries.values()) {
            sum += e.delta();
        }
        return sum;
    }

    /** Null when nothing forces FAULT, otherwise which object does and why. */
    public String faultReason() {
        for (Entry e : entries.values()) {
            String f = e.fault();
            if (f != null) {
                return f;
            }
        }
        return null;
    }
}
