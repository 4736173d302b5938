package org.hadirector.vrrp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import org.hadirector.vrrp.codec.Advertisement;
import org.junit.jupiter.api.Test;

/**
 * RFC 5798 section 6.4 transition by transition, with a fake clock: the test owns time, the
 * state machine only reads it from its arguments.
 */
class VrrpStateMachineTest {
    static final long MS = 1_000_000L;
    static final long S = 1_000_000_000L;

    /** Records every side effect as a line, in order. */
    static final class Recorder implements VrrpActions {
        final List<String> log = new ArrayList<>();

        @Override
        public void sendAdvertisement(int priority) {
            log.add("advert " + priority);
        }

        @Override
        public void stateChanged(VrrpState from, VrrpState to, String reason) {
            log.add(from + "->" + to + ": " + reason);
        }

        @Override
        public void lowerPriorityMasterSeen(InetAddress source, int priority, boolean reassert) {
            log.add("lower master " + source.getHostAddress() + " " + priority + (reassert ? "" : " (counted)"));
        }

        List<String> take() {
            List<String> out = List.copyOf(log);
            log.clear();
            return out;
        }
    }

    static InetAddress ip(String s) {
        try {
            return InetAddress.getByName(s);
        } catch (java.net.UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }

    static final InetAddress US = ip("198.18.0.11");
    static final InetAddress PEER = ip("198.18.0.12");
    static final InetAddress VIP = ip("198.18.0.100");

    final Recorder actions = new Recorder();

    VrrpStateMachine machine(VrrpSettings s) {
        return new VrrpStateMachine(s, actions);
    }

    static VrrpSettings v3(int priority, int intervalCentis) {
        return VrrpSettings.of("VI_1", 51, 3, priority, intervalCentis, US);
    }

    static Advertisement advert(int priority, int intervalCentis) {
        return Advertisement.v3(51, priority, intervalCentis, List.of(VIP));
    }

    /** Runs the timer at every deadline up to and including {@code until}. */
    static void runUntil(VrrpStateMachine m, long until) {
        for (int i = 0; i < 100_000 && m.hasDeadline() && m.nextDeadlineNanos() - until <= 0; i++) {
            m.onTimer(m.nextDeadlineNanos());
        }
    }

    @Test
    void backupBecomesMasterAfterMasterDownIntervalAndAdvertisesEveryInterval() {
        VrrpStateMachine m = machine(v3(100, 100));
        m.start(0);
        assertEquals(VrrpState.BACKUP, m.state());
        assertEquals(List.of("INIT->BACKUP: start-up, waiting Master_Down_Interval for a master"), actions.take());
        // 3 x 1 s + (256 - 100) x 1 s / 256 = 3.609375 s
        assertEquals(3_609_375 * 1000L, m.masterDownIntervalNanos());
        assertEquals(3_609_375_000L, m.nextDeadlineNanos());
        m.onTimer(3_609_374_999L);
        assertEquals(VrrpState.BACKUP, m.state(), "not a nanosecond early");
        m.onTimer(3_609_375_000L);
        assertEquals(VrrpState.MASTER, m.state());
        assertEquals(
                List.of("advert 100", "BACKUP->MASTER: no master heard for Master_Down_Interval (3609 ms)"),
                actions.take());
        runUntil(m, 3_609_375_000L + 3 * S);
        assertEquals(List.of("advert 100", "advert 100", "advert 100"), actions.take());
    }

    @Test
    void addressOwnerWithStateMasterStartsAsMasterAtOnce() {
        VrrpStateMachine m = machine(v3(255, 100).withInitialMaster(true));
        m.start(0);
        assertEquals(VrrpState.MASTER, m.state());
        assertEquals(
                List.of("advert 255", "INIT->MASTER: priority 255: the address owner starts as master"),
                actions.take());
        assertEquals(S, m.nextDeadlineNanos());
    }

    @Test
    void stateMasterBelow255StillWaitsAsBackup() {
        VrrpStateMachine m = machine(v3(150, 100).withInitialMaster(true));
        m.start(0);
        assertEquals(VrrpState.BACKUP, m.state());
        VrrpStateMachine owner = machine(v3(255, 100));
        owner.start(0);
        assertEquals(VrrpState.BACKUP, owner.state(), "priority 255 without state MASTER waits too, as keepalived");
    }

    @Test
    void backupFollowsAHigherMasterAndLearnsItsIntervalInV3() {
        VrrpStateMachine m = machine(v3(100, 100));
        m.start(0);
        actions.take();
        m.onAdvertisement(advert(150, 50), PEER, 1 * S);
        // Master_Adver_Interval is now 0.5 s: 3 x 0.5 s + 156 x 0.5 s / 256
        assertEquals(1_500 * MS + 304_687_500L, m.masterDownIntervalNanos());
        assertEquals(S + m.masterDownIntervalNanos(), m.nextDeadlineNanos());
        assertEquals(PEER, m.masterAddress());
        assertEquals(150, m.masterPriority());
        for (long t = 1 * S; t < 60 * S; t += 500 * MS) {
            m.onAdvertisement(advert(150, 50), PEER, t);
            m.onTimer(t);
        }
        assertEquals(VrrpState.BACKUP, m.state());
        assertEquals(List.of(), actions.take(), "a backup that hears its master says nothing");
    }

    @Test
    void backupTakesOverAfterSkewTimeWhenTheMasterSaysPriorityZero() {
        VrrpStateMachine m = machine(v3(100, 100));
        m.start(0);
        m.onAdvertisement(advert(150, 100), PEER, 1 * S);
        actions.take();
        m.onAdvertisement(advert(0, 100), PEER, 2 * S);
        assertEquals(2 * S + 609_375_000L, m.nextDeadlineNanos(), "Skew_Time = 156/256 s");
        runUntil(m, 2 * S + 609_375_000L);
        assertEquals(VrrpState.MASTER, m.state());
        assertEquals(
                List.of("advert 100", "BACKUP->MASTER: master 198.18.0.12 released the virtual router (priority 0)"),
                actions.take());
    }

    @Test
    void demotedMasterReleasesStaysBackupBehindALowerPeerAndPromoteTakesBack() {
        VrrpStateMachine m = machine(v3(150, 100));
        m.start(0);
        runUntil(m, m.masterDownIntervalNanos());
        assertEquals(VrrpState.MASTER, m.state());
        actions.take();
        m.demote(10 * S, "operator: vrrp demote");
        assertEquals(VrrpState.BACKUP, m.state());
        assertEquals(List.of("advert 0", "MASTER->BACKUP: operator: vrrp demote"), actions.take());
        assertEquals(1, m.effectivePriority(), "a demoted instance counts as priority 1");
        // The peer (priority 100) takes over; we follow it and do not preempt back.
        for (long t = 11 * S; t < 60 * S; t += S) {
            m.onAdvertisement(advert(100, 100), PEER, t);
            m.onTimer(t);
        }
        assertEquals(VrrpState.BACKUP, m.state());
        assertEquals(List.of(), actions.take());
        m.promote(60 * S, "operator: vrrp promote");
        assertEquals(VrrpState.MASTER, m.state());
        assertEquals(List.of("advert 150", "BACKUP->MASTER: operator: vrrp promote"), actions.take());
        assertEquals(150, m.effectivePriority());
    }

    @Test
    void demotedBackupStillTakesOverWhenNoPeerDoes() {
        VrrpStateMachine m = machine(v3(150, 100));
        m.start(0);
        m.demote(0, "operator: vrrp demote");
        assertEquals(VrrpState.BACKUP, m.state());
        runUntil(m, 10 * S);
        assertEquals(VrrpState.MASTER, m.state(), "without a live peer the demoted instance is still the last resort");
        assertEquals(1, m.effectivePriority());
    }

    @Test
    void preemptingBackupIgnoresALowerMasterAndTakesOver() {
        VrrpStateMachine m = machine(v3(150, 100));
        m.start(0);
        long down = m.masterDownIntervalNanos();
        for (long t = 0; t < down; t += S) {
            m.onAdvertisement(advert(100, 100), PEER, t);
        }
        assertEquals(down, m.nextDeadlineNanos(), "lower-priority adverts do not reset the timer");
        runUntil(m, down);
        assertEquals(VrrpState.MASTER, m.state());
    }

    @Test
    void nopreemptBackupStaysBehindALowerMaster() {
        VrrpStateMachine m = machine(v3(150, 100).withPreempt(false, 0));
        m.start(0);
        for (long t = 0; t < 30 * S; t += S) {
            m.onAdvertisement(advert(100, 100), PEER, t);
            m.onTimer(t);
        }
        assertEquals(VrrpState.BACKUP, m.state());
        assertEquals(PEER, m.masterAddress());
    }

    @Test
    void preemptDelayDefersTakeoverFromALowerMaster() {
        VrrpStateMachine m = machine(v3(150, 100).withPreempt(true, 10 * S));
        m.start(0);
        for (long t = 0; t <= 12 * S; t += S) {
            m.onAdvertisement(advert(100, 100), PEER, t);
            runUntil(m, t);
        }
        // The window opens with the first lower advert at 0 and closes at 10 s; the last advert
        // accepted (at 9 s) armed Master_Down_Interval (3 x 1 s + 106/256 s): takeover at 12.414 s.
        assertEquals(VrrpState.BACKUP, m.state());
        assertEquals(9 * S + 3 * S + 106 * S / 256, m.nextDeadlineNanos());
        runUntil(m, 13 * S);
        assertEquals(VrrpState.MASTER, m.state());
    }

    @Test
    void masterStepsDownForAHigherPriority() {
        VrrpStateMachine m = machine(v3(100, 100));
        m.start(0);
        runUntil(m, 4 * S);
        actions.take();
        m.onAdvertisement(advert(200, 100), PEER, 5 * S);
        assertEquals(VrrpState.BACKUP, m.state());
        assertEquals(List.of("MASTER->BACKUP: higher priority 200 (ours 100) from 198.18.0.12"), actions.take());
        assertEquals(5 * S + m.masterDownIntervalNanos(), m.nextDeadlineNanos());
    }

    @Test
    void equalPriorityTieBreakByPrimaryAddressUnsigned() {
        VrrpStateMachine m = machine(v3(100, 100));
        m.start(0);
        runUntil(m, 4 * S);
        actions.take();
        // 198.18.0.12 > 198.18.0.11: we lose.
        m.onAdvertisement(advert(100, 100), PEER, 5 * S);
        assertEquals(List.of("MASTER->BACKUP: equal priority 100 from higher address 198.18.0.12"), actions.take());

        VrrpStateMachine high =
                new VrrpStateMachine(VrrpSettings.of("VI_1", 51, 3, 100, 100, ip("198.18.0.200")), actions);
        high.start(0);
        runUntil(high, 4 * S);
        actions.take();
        // 198.18.0.200 vs 198.18.0.12: 200 > 12 as unsigned bytes (as a signed byte 200 is -56).
        high.onAdvertisement(advert(100, 100), PEER, 5 * S);
        assertEquals(VrrpState.MASTER, high.state());
        assertEquals(List.of("advert 100", "lower master 198.18.0.12 100"), actions.take());
    }

    @Test
    void masterReassertsAgainstALowerMasterUnlessToldNotTo() {
        VrrpStateMachine m = machine(v3(150, 100));
        m.start(0);
        runUntil(m, 4 * S);
        actions.take();
        m.onAdvertisement(advert(100, 100), PEER, 5 * S + 300 * MS);
        assertEquals(List.of("advert 150", "lower master 198.18.0.12 100"), actions.take());
        assertEquals(6 * S + 300 * MS, m.nextDeadlineNanos(), "the advert timer restarts");

        VrrpStateMachine quiet = machine(v3(150, 100).withAdvertFlags(true, false));
        quiet.start(0);
        runUntil(quiet, 4 * S);
        actions.take();
        quiet.onAdvertisement(advert(100, 100), PEER, 5 * S);
        assertEquals(List.of("lower master 198.18.0.12 100"), actions.take(), "lower_prio_no_advert");
    }

    @Test
    void aFloodOfLowerPriorityAdvertsIsAnsweredOnceAnAdvertInterval() {
        VrrpStateMachine m = machine(v3(150, 100));
        m.start(0);
        runUntil(m, 4 * S);
        assertEquals(VrrpState.MASTER, m.state());
        actions.take();
        // 40,000 valid adverts a second for 10 s (the flood measured: 403,000 in 10 s), with our timer run
        long t0 = 5 * S;
        int answers = 0;
        int adverts = 0;
        int counted = 0;
        for (int i = 0; i < 400_000; i++) {
            long now = t0 + i * 25_000L;
            runUntil(m, now);
            m.onAdvertisement(advert(100, 100), PEER, now);
            for (String line : actions.take()) {
                if (line.equals("advert 150")) {
                    adverts++;
                } else if (line.equals("lower master 198.18.0.12 100")) {
                    answers++;
                } else if (line.equals("lower master 198.18.0.12 100 (counted)")) {
                    counted++;
                } else {
                    throw new AssertionError(line);
                }
            }
        }
        assertEquals(VrrpState.MASTER, m.state());
        assertEquals(10, answers, "one re-assertion an interval (1 s) for 10 s");
        assertEquals(400_000 - 10, counted, "the rest counted, not answered");
        // each answer restarts the advert timer, so the periodic adverts fall in between: at most
        // two adverts an interval instead of one for each advert heard
        assertTrue(adverts >= 10 && adverts <= 20, adverts + " adverts sent");
    }

    @Test
    void theFirstLowerPriorityAdvertIsAnsweredAtOnceAndAgainAfterAnInterval() {
        VrrpStateMachine m = machine(v3(150, 100));
        m.start(0);
        runUntil(m, 4 * S);
        actions.take();
        m.onAdvertisement(advert(100, 100), PEER, 5 * S);
        assertEquals(List.of("advert 150", "lower master 198.18.0.12 100"), actions.take());
        m.onAdvertisement(advert(100, 100), PEER, 5 * S + 999 * MS);
        assertEquals(List.of("lower master 198.18.0.12 100 (counted)"), actions.take(), "within the interval");
        m.onAdvertisement(advert(100, 100), PEER, 6 * S);
        assertEquals(List.of("advert 150", "lower master 198.18.0.12 100"), actions.take(), "an interval later");
        // a new mastership answers its first lower-priority advert at once again
        m.onAdvertisement(advert(200, 100), PEER, 6 * S + 10 * MS);
        assertEquals(VrrpState.BACKUP, m.state());
        m.promote(6 * S + 20 * MS, "operator");
        assertEquals(VrrpState.MASTER, m.state());
        actions.take();
        m.onAdvertisement(advert(100, 100), PEER, 6 * S + 30 * MS);
        assertEquals(List.of("advert 150", "lower master 198.18.0.12 100"), actions.take());
    }

    @Test
    void masterAnswersAPriorityZeroWithAnAdvert() {
        VrrpStateMachine m = machine(v3(150, 100));
        m.start(0);
        runUntil(m, 4 * S);
        actions.take();
        m.onAdvertisement(advert(0, 100), PEER, 5 * S + 100 * MS);
        assertEquals(List.of("advert 150"), actions.take());
        assertEquals(6 * S + 100 * MS, m.nextDeadlineNanos());
        assertEquals(VrrpState.MASTER, m.state());
    }

    @Test
    void higherPrioSendAdvertSendsOneBeforeSteppingDown() {
        VrrpStateMachine m = machine(v3(100, 100).withAdvertFlags(false, true));
        m.start(0);
        runUntil(m, 4 * S);
        actions.take();
        m.onAdvertisement(advert(200, 100), PEER, 5 * S);
        assertEquals(
                List.of("advert 100", "MASTER->BACKUP: higher priority 200 (ours 100) from 198.18.0.12"),
                actions.take());
    }

    @Test
    void faultFromMasterSendsPriorityZeroAndRecoveryWaitsAsBackup() {
        VrrpStateMachine m = machine(v3(150, 100));
        m.start(0);
        runUntil(m, 4 * S);
        actions.take();
        m.setFault(true, "interface e0 down", 5 * S);
        assertEquals(List.of("advert 0", "MASTER->FAULT: interface e0 down"), actions.take());
        assertEquals(Long.MAX_VALUE, m.nextDeadlineNanos());
        m.onAdvertisement(advert(200, 100), PEER, 6 * S);
        assertEquals(VrrpState.FAULT, m.state(), "adverts do not move a faulted instance");
        m.setFault(false, "interface e0 up", 7 * S);
        assertEquals(VrrpState.BACKUP, m.state());
        assertEquals(List.of("FAULT->BACKUP: fault cleared (interface e0 up)"), actions.take());
        assertEquals(7 * S + m.masterDownIntervalNanos(), m.nextDeadlineNanos());
    }

    @Test
    void trackSrcIpTheSourceLeavingFaultsAMasterAndItsReturnBringsItBackThroughBackup() {
        // what the runtime does with address events: tracker -> tracked objects -> the machine
        org.hadirector.vrrp.track.InstanceTracking tracking = new org.hadirector.vrrp.track.InstanceTracking();
        org.hadirector.vrrp.track.TrackedSourceAddress src = new org.hadirector.vrrp.track.TrackedSourceAddress(US);
        org.hadirector.sys.RtNetlink.Address onE0 = new org.hadirector.sys.RtNetlink.Address(2, US, 24, 0, null);
        src.resync(List.of(2), List.of(onE0));
        tracking.trackers().add(src.key(), new org.hadirector.vrrp.track.TrackedWeight(0, false), src.present());
        VrrpStateMachine m = machine(v3(150, 100));
        m.setFault(tracking.verdict().fault() != null, tracking.verdict().reason(), 0);
        m.start(0);
        runUntil(m, 4 * S);
        assertEquals(VrrpState.MASTER, m.state());
        actions.take();

        assertTrue(src.removed(onE0));
        assertTrue(tracking.trackers().update(src.key(), src.present()));
        var v = tracking.verdict();
        m.setFault(v.fault() != null, v.reason(), 5 * S);
        assertEquals(
                List.of("advert 0", "MASTER->FAULT: source address 198.18.0.11 (track_src_ip) is down"),
                actions.take());

        assertTrue(src.added(onE0));
        assertTrue(tracking.trackers().update(src.key(), src.present()));
        v = tracking.verdict();
        m.setFault(v.fault() != null, v.reason(), 8 * S);
        assertEquals(List.of("FAULT->BACKUP: fault cleared (tracked objects are up)"), actions.take());
        runUntil(m, 8 * S + m.masterDownIntervalNanos());
        assertEquals(VrrpState.MASTER, m.state(), "no master heard: it takes over again");
    }

    @Test
    void aSourceMissingAtStartIsAFaultToStartIn() {
        org.hadirector.vrrp.track.TrackedSourceAddress src = new org.hadirector.vrrp.track.TrackedSourceAddress(US);
        src.resync(List.of(2), List.of());
        VrrpStateMachine m = machine(v3(150, 100));
        m.setFault(!src.present(), src.key() + " is down", 0);
        m.start(0);
        assertEquals(List.of("INIT->FAULT: source address 198.18.0.11 (track_src_ip) is down"), actions.take());
    }

    @Test
    void faultBeforeStartStartsInFault() {
        VrrpStateMachine m = machine(v3(150, 100));
        m.setFault(true, "interface e0 down", 0);
        m.start(0);
        assertEquals(VrrpState.FAULT, m.state());
        assertEquals(List.of("INIT->FAULT: interface e0 down"), actions.take());
    }

    @Test
    void stopFromMasterSendsPriorityZeroFromBackupNothing() {
        VrrpStateMachine m = machine(v3(150, 100));
        m.start(0);
        runUntil(m, 4 * S);
        actions.take();
        m.stop(5 * S);
        assertEquals(List.of("advert 0", "MASTER->STOP: stopped"), actions.take());
        VrrpStateMachine b = machine(v3(150, 100));
        b.start(0);
        actions.take();
        b.stop(1 * S);
        assertEquals(List.of("BACKUP->STOP: stopped"), actions.take());
        b.onTimer(100 * S);
        assertEquals(List.of(), actions.take());
    }

    @Test
    void effectivePriorityIsClampedAndTheOwnerIsNeverAdjusted() {
        VrrpStateMachine m = machine(v3(100, 100));
        m.setPriorityAdjustment(-150);
        assertEquals(1, m.effectivePriority());
        m.setPriorityAdjustment(200);
        assertEquals(254, m.effectivePriority());
        m.setPriorityAdjustment(-20);
        assertEquals(80, m.effectivePriority());
        assertEquals(3 * S + (256 - 80) * S / 256, m.masterDownIntervalNanos(), "skew follows the effective priority");
        VrrpStateMachine owner = machine(v3(255, 100));
        owner.setPriorityAdjustment(-100);
        assertEquals(255, owner.effectivePriority());
    }

    @Test
    void versionTwoSkewIsAFractionOfOneSecondWhateverTheInterval() {
        VrrpStateMachine m = machine(VrrpSettings.of("VI_1", 51, 2, 100, 200, US));
        m.start(0);
        assertEquals(6 * S + 156 * S / 256, m.masterDownIntervalNanos());
    }

    @Test
    void takeoverAfterMasterLossIsBoundedByMasterDownInterval() {
        // The property the failover drills rely on: from the last advert heard, a backup is
        // master exactly Master_Down_Interval later.
        for (int prio = 1; prio <= 254; prio += 23) {
            for (int cs : new int[] {1, 10, 100, 4095}) {
                Recorder r = new Recorder();
                VrrpStateMachine m = new VrrpStateMachine(v3(prio, cs), r);
                m.start(0);
                m.onAdvertisement(Advertisement.v3(51, 255, cs, List.of(VIP)), PEER, 7 * S);
                long expected = 7 * S + 3L * cs * 10 * MS + (256 - prio) * (cs * 10 * MS) / 256;
                assertEquals(expected, m.nextDeadlineNanos(), "prio " + prio + " interval " + cs);
                runUntil(m, expected);
                assertEquals(VrrpState.MASTER, m.state());
                assertTrue(r.log.contains("advert " + prio));
            }
        }
    }

    // vrrp_startup_delay: keepalived's vrrp_delayed_start_time (vrrp_init_instance_sands)

    @Test
    void startupDelayPushesTheFirstMasterDownIntervalPastTheHold() {
        VrrpStateMachine m = machine(v3(100, 100));
        m.holdUntil(10 * S);
        m.start(0);
        assertEquals(VrrpState.BACKUP, m.state());
        // 3 x 1 s + (256-100)/256 s = 3.609375 s, counted from the end of the hold
        long down = m.masterDownIntervalNanos();
        assertEquals(10 * S + down, m.nextDeadlineNanos());
        runUntil(m, 10 * S + down - 1);
        assertEquals(VrrpState.BACKUP, m.state());
        runUntil(m, 10 * S + down);
        assertEquals(VrrpState.MASTER, m.state());
    }

    @Test
    void anAdvertHeardDuringTheHoldRearmsFromTheHoldsEnd() {
        VrrpStateMachine m = machine(v3(100, 100));
        m.holdUntil(10 * S);
        m.start(0);
        m.onAdvertisement(advert(150, 100), PEER, 2 * S);
        assertEquals(10 * S + m.masterDownIntervalNanos(), m.nextDeadlineNanos());
        assertEquals(PEER, m.masterAddress());
        // past the hold: from now, as without it
        m.onAdvertisement(advert(150, 100), PEER, 11 * S);
        assertEquals(11 * S + m.masterDownIntervalNanos(), m.nextDeadlineNanos());
        // the hold is over for good: a later start-up-like arming counts from now
        m.onAdvertisement(advert(0, 100), PEER, 12 * S);
        assertEquals(12 * S + m.skewNanos(), m.nextDeadlineNanos());
    }

    @Test
    void theAddressOwnerWaitsForTheHoldOnly() {
        VrrpStateMachine m = machine(v3(255, 100).withInitialMaster(true));
        m.holdUntil(5 * S);
        m.start(0);
        assertEquals(List.of("INIT->BACKUP: start-up, vrrp_startup_delay"), actions.take());
        assertEquals(5 * S, m.nextDeadlineNanos());
        runUntil(m, 5 * S);
        assertEquals(VrrpState.MASTER, m.state());
        assertEquals(
                List.of(
                        "advert 255",
                        "BACKUP->MASTER: priority 255: the address owner starts as master after vrrp_startup_delay"),
                actions.take());
    }

    @Test
    void aHoldAlreadyOverChangesNothing() {
        VrrpStateMachine m = machine(v3(100, 100));
        m.holdUntil(1 * S);
        m.start(2 * S);
        assertEquals(2 * S + m.masterDownIntervalNanos(), m.nextDeadlineNanos());
    }
}
