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
     * add_dest / del_dest / upd_dest. The list's order is the service's destination order
     * (the kernel's: newest first is NOT used; the order they were added).
     */
    void update(List<Backend> backends);

    /** A backend for a new connection, or null when none can take it. */
    Backend pick(FlowRequest flow);
}
