package org.hadirector.ipvs.sched;

import java.util.List;

/**
 * rr as ip_vs_rr.c: a position in the destination list; each pick takes the next usable
 * destination after it, wrapping once. When the destination at the position is deleted the
 * position steps back to its predecessor (ip_vs_rr_del_dest).
 */
public final class RoundRobinScheduler implements Scheduler {
    private List<Backend> list = List.of();
    /** Index of the last pick in {@link #list}; -1 is the list head. */
    private int position = -1;

    @Override
    public String name() {
        return "rr";
    }

    @Override
    public void update(List<Backend> backends) {
        List<Backend> next = KernelOrder.of(backends);
        Backend current = position < 0 ? null : list.get(position);
        if (current == null) {
            position = -1;
        } else if (next.contains(current)) {
            position = next.indexOf(current);
        } else {
            // Step back to the nearest predecessor that is still there, or the head.
            int p = -1;
            for (int i = list.indexOf(current) - 1; i >= 0; i--) {
                if (next.contains(list.get(i))) {
                    p = next.indexOf(list.get(i));
                    break;
                }
            }
            position = p;
        }
        list = next;
    }

    @Override
    public Backend pick(FlowRequest flow) {
        int n = list.size();
        if (n == 0) {
            return null;
        }
        int last = position;
        // From the head one pass; otherwise after the position to the end, then from the start up
        // to and including the position.
        int steps = last < 0 ? n : n;
        for (int k = 1; k <= steps; k++) {
            int i = last < 0 ? k - 1 : (last + k) % n;
            Backend b = list.get(i);
            if (KernelOrder.usable(b)) {
                position = i;
                return b;
            }
        }
        return null;
    }
}
