package org.hadirector.ipvs.sched;

/**
 * The schedulers by their ipvsadm names: rr, wrr, lc, wlc, sed, nq, fo, ovf, sh, dh, mh, lblc and
 * lblcr, each with the kernel's choices. twos (newer kernels' "power of two choices", random by
 * design) is refused.
 */
public final class Schedulers {
    private Schedulers() {}

    /** A new scheduler for one service; throws IllegalArgumentException naming what is missing. */
    public static Scheduler create(String name, int serviceFlags) {
        switch (name) {
            case "rr":
                return new RoundRobinScheduler();
            case "wrr":
                return new WeightedRoundRobinScheduler();
            case "lc":
                return new LeastConnectionSchedulers.Lc();
            case "wlc":
                return new LeastConnectionSchedulers.Wlc();
            case "sed":
                return new LeastConnectionSchedulers.Sed();
            case "nq":
                return new LeastConnectionSchedulers.Nq();
            case "fo":
                return new LeastConnectionSchedulers.Fo();
            case "ovf":
                return new LeastConnectionSchedulers.Ovf();
            case "sh":
                return new HashSchedulers.Sh(serviceFlags);
            case "dh":
                return new HashSchedulers.Dh();
            case "mh":
                return new MaglevScheduler(serviceFlags);
            case "lblc":
                return new LocalitySchedulers.Lblc(LocalitySchedulers.DEFAULT_EXPIRATION);
            case "lblcr":
                return new LocalitySchedulers.Lblcr(LocalitySchedulers.DEFAULT_EXPIRATION);
            case "twos":
                throw new IllegalArgumentException("scheduler twos is not built in the userspace forwarder; "
                        + "use the kernel IPVS backend or another scheduler");
            default:
                throw new IllegalArgumentException("unknown scheduler " + name);
        }
    }
}
