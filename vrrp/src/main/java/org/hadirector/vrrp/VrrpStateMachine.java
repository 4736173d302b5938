package org.hadirector.vrrp;

import java.net.InetAddress;
import java.util.Arrays;
import org.hadirector.sys.Addresses;
import org.hadirector.vrrp.codec.Advertisement;

/**
 * The VRRP protocol state machine of RFC 5798 section 6.4 (and RFC 3768 for version 2), with
 * keepalived's FAULT and STOP states, preempt_delay and tracker-adjusted priority.
 *
 * <p>Pure and single-threaded: time comes in as a nanosecond clock reading, side effects go out
 * through {@link VrrpActions}. The driver calls {@link #onTimer(long)} once
 * {@link #nextDeadlineNanos()} has passed. Advertisements reach it only after
 * {@code AdvertisementFilter} accepted them.
 */
public final class VrrpStateMachine {
    private static final long CENTI = 10_000_000L;
    private static final long SECOND = 1_000_000_000L;

    private final VrrpSettings settings;
    private final VrrpActions actions;

    private VrrpState state = VrrpState.INIT;
    private int priorityAdjustment;
    private boolean faulted;
    private String faultReason = "";
    /** VRRPv3: learned from the master's adverts; VRRPv2: always our own interval. */
    private int masterAdverIntervalCentis;

    private boolean timerArmed;
    private long deadline;
    /** Why the master-down timer will fire: shown as the reason of the takeover. */
    private String downReason = "";

    private long preemptUntil;
    private boolean preemptWindowOpen;
    private InetAddress masterAddress;
    private int masterPriority;
    /** As MASTER: when we last re-asserted against a lower-priority master (answers are one per interval). */
    private boolean lowerPrioAnswered;

    private long lowerPrioAnsweredAt;
    /** An operator handed the router over (`hadirector vrrp demote`): we count as priority 1 until promoted. */
    private boolean demoted;
    /** vrrp_startup_delay: until then a backup's timer runs from this time, not from now. */
    private boolean holding;

    private long holdUntil;

    public VrrpStateMachine(VrrpSettings settings, VrrpActions actions) {
        this.settings = settings;
        this.actions = actions;
        this.masterAdverIntervalCentis = settings.advertIntervalCentis();
    }

    public VrrpState state() {
        return state;
    }

    /** Base priority plus tracker weights, clamped to 1..254; 255 (the address owner) is never adjusted. */
    public int effectivePriority() {
        if (demoted) {
            return 1;
        }
        if (settings.basePriority() == 255) {
            return 255;
        }
        return Math.max(1, Math.min(254, settings.basePriority() + priorityAdjustment));
    }

    /** The master we last accepted adverts from (null: none, or we are master). */
    public InetAddress masterAddress() {
        return state == VrrpState.MASTER ? settings.primaryAddress() : masterAddress;
    }

    public int masterPriority() {
        return state == VrrpState.MASTER ? effectivePriority() : masterPriority;
    }

    public VrrpSettings settings() {
        return settings;
    }

    /** The next time {@link #onTimer} must run; {@link Long#MAX_VALUE} when no timer is armed. */
    public long nextDeadlineNanos() {
        return timerArmed ? deadline : Long.MAX_VALUE;
    }

    public boolean hasDeadline() {
        return timerArmed;
    }

    long skewNanos() {
        long base = settings.version() == 3 ? masterAdverIntervalCentis * CENTI : SECOND;
        return (256 - effectivePriority()) * base / 256;
    }

    /** Master_Down_Interval: down_timer_adverts (3) x Master_Adver_Interval + Skew_Time. */
    public long masterDownIntervalNanos() {
        return settings.downTimerAdverts() * masterAdverIntervalCentis * CENTI + skewNanos();
    }

    private long advertIntervalNanos() {
        return settings.advertIntervalCentis() * CENTI;
    }

    /**
     * vrrp_startup_delay, keepalived's vrrp_delayed_start_time: until {@code at}, every arming of
     * the backup's timer counts from {@code at} instead of from now, so that no instance becomes
     * master before {@code at} plus its Master_Down_Interval (an address owner: before {@code at}),
     * while adverts are heard as usual. Set before {@link #start}.
     */
    public void holdUntil(long at) {
        holding = true;
        holdUntil = at;
    }

    /** The backup's timer, {@code interval} from now, or from the end of the start-up hold. */
    private void armBackup(long now, long interval) {
        if (holding && now - holdUntil < 0) {
            arm(holdUntil + interval);
        } else {
            holding = false;
            arm(now + interval);
        }
    }

    public void start(long now) {
        if (state != VrrpState.INIT) {
            return;
        }
        if (faulted) {
            transition(VrrpState.FAULT, faultReason);
        } else if (holding && now - holdUntil < 0 && settings.basePriority() == 255 && settings.initialMaster()) {
            // keepalived starts the owner as a backup whose timer runs out at once: after the hold
            downReason = "priority 255: the address owner starts as master after vrrp_startup_delay";
            arm(holdUntil);
            transition(VrrpState.BACKUP, "start-up, vrrp_startup_delay");
        } else if (settings.basePriority() == 255 && settings.initialMaster()) {
            becomeMaster(now, "priority 255: the address owner starts as master");
        } else {
            becomeBackup(now, "start-up, waiting Master_Down_Interval for a master");
        }
    }

    public void onTimer(long now) {
        if (!timerArmed || deadline - now > 0) {
            return;
        }
        switch (state) {
            case MASTER -> {
                actions.sendAdvertisement(effectivePriority());
                arm(now + advertIntervalNanos());
            }
            case BACKUP -> becomeMaster(now, downReason);
            default -> timerArmed = false;
        }
    }

    public void onAdvertisement(Advertisement a, InetAddress source, long now) {
        int ours = effectivePriority();
        switch (state) {
            case BACKUP -> {
                if (a.priority() == 0) {
                    // The master is leaving: take over after Skew_Time only (RFC 5798 6.4.2).
                    masterAddress = source;
                    masterPriority = 0;
                    downReason = "master " + Addresses.format(source) + " released the virtual router (priority 0)";
                    armBackup(now, skewNanos());
                    return;
                }
                boolean accept = !settings.preempt() || a.priority() >= ours;
                if (!accept && settings.preemptDelayNanos() > 0) {
                    // preempt_delay: keep deferring to a lower-priority master for a while.
                    if (!preemptWindowOpen) {
                        preemptWindowOpen = true;
                        preemptUntil = now + settings.preemptDelayNanos();
                    }
                    accept = preemptUntil - now > 0;
                }
                if (accept) {
                    if (settings.version() == 3) {
                        masterAdverIntervalCentis = Math.max(1, a.intervalCentis());
                    }
                    masterAddress = source;
                    masterPriority = a.priority();
                    downReason = "no advertisement from master " + Addresses.format(source) + " for "
                            + masterDownIntervalNanos() / 1_000_000 + " ms (Master_Down_Interval)";
                    armBackup(now, masterDownIntervalNanos());
                }
                // Otherwise (preempt, lower priority): ignore it; our timer runs out and we take over.
            }
            case MASTER -> {
                if (a.priority() == 0) {
                    actions.sendAdvertisement(ours);
                    arm(now + advertIntervalNanos());
                    return;
                }
                boolean higher = a.priority() > ours
                        || (a.priority() == ours && compareUnsigned(source, settings.primaryAddress()) > 0);
                if (higher) {
                    if (settings.higherPrioSendAdvert()) {
                        actions.sendAdvertisement(ours);
                    }
                    if (settings.version() == 3) {
                        masterAdverIntervalCentis = Math.max(1, a.intervalCentis());
                    }
                    masterAddress = source;
                    masterPriority = a.priority();
                    String why = a.priority() > ours
                            ? "higher priority " + a.priority() + " (ours " + ours + ") from "
                                    + Addresses.format(source)
                            : "equal priority " + ours + " from higher address " + Addresses.format(source);
                    becomeBackup(now, why);
                } else {
                    // A lower-priority master: re-assert at once (keepalived's answer, so that a
                    // healing split brain ends without waiting for our timer) and let the runtime
                    // re-send GARP; but once per advert interval: anyone on the segment can send
                    // valid lower-priority adverts at line rate, and each answer is a packet out.
                    boolean reassert = !lowerPrioAnswered || now - lowerPrioAnsweredAt >= advertIntervalNanos();
                    if (reassert) {
                        lowerPrioAnswered = true;
                        lowerPrioAnsweredAt = now;
                        if (!settings.lowerPrioNoAdvert()) {
                            actions.sendAdvertisement(ours);
                            arm(now + advertIntervalNanos());
                        }
                    }
                    actions.lowerPriorityMasterSeen(source, a.priority(), reassert);
                }
            }
            default -> {
                // INIT, FAULT, STOP: adverts do not move us.
            }
        }
    }

    /** A tracker's verdict: an interface down, a script failed with weight 0. */
    public void setFault(boolean fault, String reason, long now) {
        if (fault == faulted) {
            return;
        }
        faulted = fault;
        faultReason = reason;
        if (fault) {
            if (state == VrrpState.MASTER) {
                actions.sendAdvertisement(0);
            }
            if (state == VrrpState.MASTER || state == VrrpState.BACKUP) {
                timerArmed = false;
                transition(VrrpState.FAULT, reason);
            }
        } else if (state == VrrpState.FAULT) {
            if (settings.basePriority() == 255) {
                becomeMaster(now, "fault cleared (" + reason + "); priority 255");
            } else {
                becomeBackup(now, "fault cleared (" + reason + ")");
            }
        }
    }

    /** A sync group moves this member with another: BACKUP -> MASTER now. */
    public void forceMaster(long now, String reason) {
        if (state == VrrpState.BACKUP) {
            becomeMaster(now, reason);
        }
    }

    /** A sync group moves this member with another: MASTER -> BACKUP now. */
    public void forceBackup(long now, String reason) {
        if (state == VrrpState.MASTER) {
            becomeBackup(now, reason);
        }
    }

    /**
     * Graceful handover by an operator: a master sends priority 0 (the backup takes over after
     * its Skew_Time, RFC 5798 6.4.2) and becomes backup; until {@link #promote} we count as
     * priority 1, so that we neither preempt back nor win an election against a live peer, yet
     * still take over if no peer does within Master_Down_Interval.
     */
    public void demote(long now, String reason) {
        demoted = true;
        if (state == VrrpState.MASTER) {
            actions.sendAdvertisement(0);
            becomeBackup(now, reason);
        }
    }

    /** Ends a demotion; a backup becomes master at once (a lower-priority master yields to our advert). */
    public void promote(long now, String reason) {
        demoted = false;
        if (state == VrrpState.BACKUP) {
            becomeMaster(now, reason);
        }
    }

    public boolean demoted() {
        return demoted;
    }

    /** Sum of the weights of the trackers; takes effect in the next advert and timer. */
    public void setPriorityAdjustment(int adjustment) {
        priorityAdjustment = adjustment;
    }

    /** Graceful stop: a master says priority 0 so that the backup takes over after Skew_Time. */
    public void stop(long now) {
        if (state == VrrpState.STOP) {
            return;
        }
        if (state == VrrpState.MASTER) {
            actions.sendAdvertisement(0);
        }
        timerArmed = false;
        transition(VrrpState.STOP, "stopped");
    }

    private void becomeMaster(long now, String reason) {
        preemptWindowOpen = false;
        lowerPrioAnswered = false;
        masterAddress = null;
        actions.sendAdvertisement(effectivePriority());
        arm(now + advertIntervalNanos());
        transition(VrrpState.MASTER, reason);
    }

    private void becomeBackup(long now, String reason) {
        if (state != VrrpState.MASTER) {
            // From INIT or FAULT no master is known: wait on our own interval.
            masterAddress = null;
            masterAdverIntervalCentis = settings.advertIntervalCentis();
        }
        downReason = masterAddress != null
                ? "no advertisement from master " + Addresses.format(masterAddress) + " for Master_Down_Interval"
                : "no master heard for Master_Down_Interval (" + masterDownIntervalNanos() / 1_000_000 + " ms)";
        armBackup(now, masterDownIntervalNanos());
        transition(VrrpState.BACKUP, reason);
    }

    private void arm(long at) {
        timerArmed = true;
        deadline = at;
    }

    private void transition(VrrpState to, String reason) {
        VrrpState from = state;
        state = to;
        if (from != to) {
            actions.stateChanged(from, to, reason);
        }
    }

    /** Compares two addresses as unsigned big-endian numbers (RFC 5798 6.4.3 tie-break). */
    static int compareUnsigned(InetAddress a, InetAddress b) {
        return Arrays.compareUnsigned(a.getAddress(), b.getAddress());
    }
}
