package org.hadirector.ipvs.sched;

import java.util.List;

/**
 * One IPVS scheduling algorithm for one service, with the Linux kernel's semantics (the same pick
 * sequence for the same inputs where the kernel's is deterministic). Single-threaded.
 * A backend with weight 0 or overloaded is never picked (except where the kernel's algorithm
 * says otherwise, e.g. ovf / fo rules).
 */
public interface Scheduler {

    /** The ipvsadm name: rr, wrr, lc, ... */
    String name();

    /**
     * The service's backends changed (added, removed, weight edited), as ip_vs_sched's
     * add_dest / del_dest / upd_dest: one change per call, the list in the order the backends
     * were added. (The kernel keeps the newest first, __ip_vs_update_dest adding at the head of
     * svc->destinations; schedulers that walk the list do so in that order.)
     */
    void update(List<Backend> backends);

    /** A backend for a new connection, or null when none can take it. */
    Backend pick(FlowRequest flow);
}
