package org.hadirector.ipvs.sched;

import java.math.BigInteger;
import java.util.List;

/**
 * wrr as ip_vs_wrr.c: passes over the destination list with a current weight that starts at the
 * largest weight (less gcd - 1) and falls by the gcd each pass; a destination is picked when its
 * weight reaches the current weight. The same state and the same sequence as the kernel's.
 */
public final class WeightedRoundRobinScheduler implements Scheduler {
    private List<Backend> list = List.of();
    /** mark->cl: index of the last pick, -1 for the list head. */
    private int cl = -1;

    private int cw;
    private int mw;
    private int di = 1;

    @Override
    public String name() {
        return "wrr";
    }

    /** ip_vs_wrr_dest_changed. */
    @Override
    public void update(List<Backend> backends) {
        list = KernelOrder.of(backends);
        cl = -1;
        di = gcd();
        mw = maxWeight() - (di - 1);
        if (cw > mw || cw == 0) {
            cw = mw;
        } else if (di > 1) {
            cw = (cw / di) * di + 1;
        }
    }

    private int gcd() {
        int g = 0;
        for (Backend b : list) {
            int w = b.weight();
            if (w > 0) {
                g = g > 0 ? BigInteger.valueOf(w).gcd(BigInteger.valueOf(g)).intValue() : w;
            }
        }
        return g > 0 ? g : 1;
    }

    private int maxWeight() {
        int m = 0;
        for (Backend b : list) {
            m = Math.max(m, b.weight());
        }
        return m;
    }

    /** ip_vs_wrr_schedule, line for line in its decisions. */
    @Override
    public Backend pick(FlowRequest flow) {
        if (mw == 0) {
            return null;
        }
        int n = list.size();
        int last = cl;
        int stop = -2;
        boolean lastPass = false;
        boolean restarted = false;
        int d = cl;
        while (true) {
            for (d = d + 1; d < n; d++) {
                Backend b = list.get(d);
                if (!b.overloaded() && b.weight() >= cw) {
                    cl = d;
                    return b;
                }
                if (d == stop) {
                    cl = d;
                    return null;
                }
            }
            d = -1;
            cw -= di;
            if (cw <= 0) {
                cw = mw;
                if (lastPass || last == -1) {
                    cl = -1;
                    return null;
                }
                restarted = true;
            }
            lastPass = cw <= di;
            if (lastPass && restarted && last != -1) {
                stop = last;
            }
        }
    }
}
