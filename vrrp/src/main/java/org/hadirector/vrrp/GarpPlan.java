package org.hadirector.vrrp;

/**
 * When to send gratuitous ARPs, keepalived's way: on becoming master a burst of
 * {@code masterRepeat}, a second burst {@code masterDelay} later (none when 0), then a burst of
 * {@code refreshRepeat} every {@code refresh} (never when 0); on hearing a lower-priority master,
 * a burst of {@code lowerPrioRepeat} after {@code lowerPrioDelay}. Pure: time is passed in.
 */
public final class GarpPlan {
    /**
     * GARP timing in nanoseconds and counts.
     *
     * @param garpIntervalNanos vrrp_garp_interval (or its garp_group's): the least time between two
     *     GARPs on the instance's interface (0: none)
     * @param gnaIntervalNanos vrrp_gna_interval: the same for unsolicited neighbour advertisements
     * @param vipInterfaces the same pair for each other interface a VIP or excluded VIP names with
     *     {@code dev}: keepalived paces a VIP's GARPs on its own interface
     */
    public record Timing(
            long masterDelayNanos,
            int masterRepeat,
            long lowerPrioDelayNanos,
            int lowerPrioRepeat,
            long refreshNanos,
            int refreshRepeat,
            long garpIntervalNanos,
            long gnaIntervalNanos,
            java.util.Map<String, Pacing> vipInterfaces) {
        /** keepalived's defaults: 5 at once, 5 more after 5 s, no refresh. */
        public static final Timing DEFAULTS = new Timing(5_000_000_000L, 5, 5_000_000_000L, 5, 0, 1);

        public Timing {
            vipInterfaces = java.util.Map.copyOf(vipInterfaces);
        }

        /** Paced on the instance's interface only (no VIP on another dev, or none paced there). */
        public Timing(
                long masterDelayNanos,
                int masterRepeat,
                long lowerPrioDelayNanos,
                int lowerPrioRepeat,
                long refreshNanos,
                int refreshRepeat,
                long garpIntervalNanos,
                long gnaIntervalNanos) {
            this(
                    masterDelayNanos,
                    masterRepeat,
                    lowerPrioDelayNanos,
                    lowerPrioRepeat,
                    refreshNanos,
                    refreshRepeat,
                    garpIntervalNanos,
                    gnaIntervalNanos,
                    java.util.Map.of());
        }

        /** Without pacing between the GARPs of a burst. */
        public Timing(
                long masterDelayNanos,
                int masterRepeat,
                long lowerPrioDelayNanos,
                int lowerPrioRepeat,
                long refreshNanos,
                int refreshRepeat) {
            this(
                    masterDelayNanos,
                    masterRepeat,
                    lowerPrioDelayNanos,
                    lowerPrioRepeat,
                    refreshNanos,
                    refreshRepeat,
                    0,
                    0);
        }

        /**
         * The pacing of interface {@code name}: the instance's own ({@code instanceInterface}) from
         * the intervals above, another from {@link #vipInterfaces} (none when it is not there).
         */
        public Pacing pacing(String name, String instanceInterface) {
            if (name.equals(instanceInterface)) {
                return new Pacing(garpIntervalNanos, gnaIntervalNanos);
            }
            return vipInterfaces.getOrDefault(name, Pacing.NONE);
        }
    }

    /** The least time between two GARPs, and between two NAs, on one interface, in nanoseconds (0: none). */
    public record Pacing(long garpIntervalNanos, long gnaIntervalNanos) {
        public static final Pacing NONE = new Pacing(0, 0);
    }

    private final Timing timing;
    private boolean active;
    private long secondBurstAt;
    private boolean secondBurstPending;
    private long lowerPrioAt;
    private boolean lowerPrioPending;
    private long refreshAt;

    public GarpPlan(Timing timing) {
        this.timing = timing;
    }

    /** Became master: returns how many GARPs to send now. */
    public int becameMaster(long now) {
        active = true;
        secondBurstPending = timing.masterDelayNanos() > 0;
        secondBurstAt = now + timing.masterDelayNanos();
        lowerPrioPending = false;
        refreshAt = now + timing.refreshNanos();
        return timing.masterRepeat();
    }

    public void leftMaster() {
        active = false;
        secondBurstPending = false;
        lowerPrioPending = false;
    }

    /** A lower-priority master was heard: a burst after lowerPrioDelay (now, if 0: returned). */
    public int lowerPriorityMasterSeen(long now) {
        if (!active) {
            return 0;
        }
        if (timing.lowerPrioDelayNanos() <= 0) {
            return timing.lowerPrioRepeat();
        }
        if (!lowerPrioPending) {
            lowerPrioPending = true;
            lowerPrioAt = now + timing.lowerPrioDelayNanos();
        }
        return 0;
    }

    /** How many GARPs are due at {@code now}; advances the plan. */
    public int due(long now) {
        if (!active) {
            return 0;
        }
        int n = 0;
        if (secondBurstPending && secondBurstAt - now <= 0) {
            secondBurstPending = false;
            n += timing.masterRepeat();
        }
        if (lowerPrioPending && lowerPrioAt - now <= 0) {
            lowerPrioPending = false;
            n += timing.lowerPrioRepeat();
        }
        if (timing.refreshNanos() > 0 && refreshAt - now <= 0) {
            refreshAt = now + timing.refreshNanos();
            n += timing.refreshRepeat();
        }
        return n;
    }

    /** The next time {@link #due} has something; {@link Long#MAX_VALUE} when nothing is planned. */
    public long nextDeadlineNanos(long now) {
        if (!active) {
            return Long.MAX_VALUE;
        }
        long next = Long.MAX_VALUE;
        if (secondBurstPending) {
            next = secondBurstAt;
        }
        if (lowerPrioPending && (next == Long.MAX_VALUE || lowerPrioAt - next < 0)) {
            next = lowerPrioAt;
        }
        if (timing.refreshNanos() > 0 && (next == Long.MAX_VALUE || refreshAt - next < 0)) {
            next = refreshAt;
        }
        return next;
    }
}
