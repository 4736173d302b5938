package org.hadirector.vrrp;

/**
 * The events keepalived writes to its notify FIFOs (vrrp_notify.c: an instance's or a sync
 * group's new state, a master hearing a lower priority, a changed effective priority). Told on
 * the instance's thread (a group's on the member's whose change moved it); must not block.
 */
public interface VrrpNotifications {
    VrrpNotifications NONE = new VrrpNotifications() {};

    /** Each transition but to INIT, with the effective priority, where the notify scripts run. */
    default void instance(String instance, VrrpState state, int priority) {}

    /** A master heard an advert of a lower priority (or of its own from a lower address). */
    default void masterRxLowerPri(String instance, int priority) {}

    /** The effective priority changed (notify_priority_changes only): as master, or in any other state. */
    default void priorityChanged(String instance, boolean master, int priority) {}

    /**
     * A reload removed the instance, and it has notify_deleted (without it the removal is told as
     * FAULT through {@link #instance}, as keepalived keeps the old way).
     */
    default void deleted(String instance, int priority) {}

    /** A sync group's state changed, where its notify scripts run. */
    default void group(String group, VrrpState state) {}
}
