package org.hadirector.vrrp.track;

/**
 * How one tracked object (interface, script, process) weighs on an instance, as keepalived has it:
 * weight 0 puts the instance in FAULT while the object is down (with {@code reverse}: while it is
 * up); a positive weight is added while it is up, a negative one while it is down, and
 * {@code reverse} negates what is added (keepalived's weight multiplier of -1: "the priority is
 * decreased when up and increased when down"), so 'weight 10 reverse' takes 10 off while up.
 */
public record TrackedWeight(int weight, boolean reverse) {

    public int delta(boolean up) {
        int base = weight > 0 ? (up ? weight : 0) : weight < 0 ? (up ? 0 : weight) : 0;
        return reverse ? -base : base;
    }

    public boolean faults(boolean up) {
        return weight == 0 && reverse == up;
    }
}
