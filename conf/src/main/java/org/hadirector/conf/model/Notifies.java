package org.hadirector.conf.model;

/** notify_* scripts of an instance or sync group; null when not configured. */
public record Notifies(
        NotifyScript master,
        NotifyScript backup,
        NotifyScript fault,
        NotifyScript stop,
        NotifyScript deleted,
        NotifyScript any,
        NotifyScript masterRxLowerPri,
        boolean priorityChanges) {

    public static final Notifies NONE = new Notifies(null, null, null, null, null, null, null, false);
}
