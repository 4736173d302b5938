package org.hadirector.vrrp.track;

/**
 * How one tracked object (interface, script, file) weighs on an instance, as keepalived has it:
 * weight 0 puts the instance in FAULT while the object is down; a positive weight is added while
 * it is up, a negative one while it is down; {@code reverse} swaps up and down.
 */
public record TrackedWeight(int weight, boolean reverse) {

    public int delta(boolean up) {
        boolean on = reverse != up;
        if (weight > 0) {
            return on ? weight : 0;
        }
        if (weight < 0) {
            return on ? 0 : weight;
        }
        return 0;
    }

    public boolean faults(boolean up) {
        return weight == 0 && reverse == up;
    }
}
