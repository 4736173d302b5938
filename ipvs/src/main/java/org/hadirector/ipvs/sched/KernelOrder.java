package org.hadirector.ipvs.sched;

import java.util.ArrayList;
import java.util.List;

/** The kernel's destination list order: the newest destination first. */
final class KernelOrder {
    private KernelOrder() {}

    static List<Backend> of(List<Backend> addOrder) {
        List<Backend> l = new ArrayList<>(addOrder);
        java.util.Collections.reverse(l);
        return l;
    }

    static boolean usable(Backend b) {
        return b.weight() > 0 && !b.overloaded();
    }
}
