package org.hadirector.ipvs.sched;

import java.util.List;

/**
 * The connection-counting schedulers of the kernel, each as its ip_vs_*.c decides: lc (fewest
 * overhead), wlc (fewest overhead per weight), sed (shortest expected delay: (active + 1) per
 * weight), nq (an idle server at once, else as sed). Ties go to the first in the list.
 */
final class LeastConnectionSchedulers {
    private LeastConnectionSchedulers() {}

    /** A scheduler over the kernel-ordered list whose choice needs no state of its own. */
    abstract static class Stateless implements Scheduler {
        List<Backend> list = List.of();

        @Override
        public void update(List<Backend> backends) {
            list = KernelOrder.of(backends);
        }
    }

    static final class Lc extends Stateless {
        @Override
        public String name() {
            return "lc";
        }

        /** ip_vs_lc_schedule: weight 0 and overloaded are skipped; strictly fewer wins. */
        @Override
        public Backend pick(FlowRequest flow) {
            Backend least = null;
            int loh = 0;
            for (Backend b : list) {
                if (!KernelOrder.usable(b)) {
                    continue;
                }
                int doh = b.overhead();
                if (least == null || doh < loh) {
                    least = b;
                    loh = doh;
                }
            }
            return least;
        }
    }

    /** wlc and sed differ only in the overhead they weigh. */
    abstract static class Weighted extends Stateless {
        abstract long overhead(Backend b);

        @Override
        public Backend pick(FlowRequest flow) {
            Backend least = null;
            long loh = 0;
            for (Backend b : list) {
                if (!KernelOrder.usable(b)) {
                    continue;
                }
                long doh = overhead(b);
                if (least == null || loh * b.weight() > doh * least.weight()) {
                    least = b;
                    loh = doh;
                }
            }
            return least;
        }
    }

    static final class Wlc extends Weighted {
        @Override
        public String name() {
            return "wlc";
        }

        @Override
        long overhead(Backend b) {
            return b.overhead();
        }
    }

    static final class Sed extends Weighted {
        @Override
        public String name() {
            return "sed";
        }

        /** ip_vs_sed_dest_overhead: active connections + 1. */
        @Override
        long overhead(Backend b) {
            return b.activeConnections() + 1L;
        }
    }

    static final class Nq extends Stateless {
        @Override
        public String name() {
            return "nq";
        }

        /** ip_vs_nq_schedule: the first idle server wins outright. */
        @Override
        public Backend pick(FlowRequest flow) {
            Backend least = null;
            long loh = 0;
            for (Backend b : list) {
                if (!KernelOrder.usable(b)) {
                    continue;
                }
                long doh = b.activeConnections() + 1L;
                if (b.activeConnections() == 0) {
                    return b;
                }
                if (least == null || loh * b.weight() > doh * least.weight()) {
                    least = b;
                    loh = doh;
                }
            }
            return least;
        }
    }

    /** fo: the first usable server of the highest weight. */
    static final class Fo extends Stateless {
        @Override
        public String name() {
            return "fo";
        }

        @Override
        public Backend pick(FlowRequest flow) {
            Backend h = null;
            for (Backend b : list) {
                if (KernelOrder.usable(b) && (h == null || b.weight() > h.weight())) {
                    h = b;
                }
            }
            return h;
        }
    }

    /** ovf: the highest-weight usable server whose active connections are below its weight. */
    static final class Ovf extends Stateless {
        @Override
        public String name() {
            return "ovf";
        }

        @Override
        public Backend pick(FlowRequest flow) {
            Backend h = null;
            for (Backend b : list) {
                if (KernelOrder.usable(b)
                        && b.activeConnections() < b.weight()
                        && (h == null || b.weight() > h.weight())) {
                    h = b;
                }
            }
            return h;
        }
    }
}
