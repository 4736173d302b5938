package org.hadirector.vrrp;

import java.net.InetAddress;

/**
 * What the state machine needs of an instance; built from the configuration by the director,
 * directly by tests.
 *
 * @param advertIntervalCentis our Advertisement_Interval in centiseconds (VRRPv2: seconds x 100)
 * @param primaryAddress       our primary address on the interface: the tie-break at equal priority
 * @param downTimerAdverts     keepalived's down_timer_adverts: 3 in the RFCs
 */
public record VrrpSettings(
        String name,
        int vrid,
        int version,
        int basePriority,
        int advertIntervalCentis,
        boolean preempt,
        long preemptDelayNanos,
        int downTimerAdverts,
        boolean initialMaster,
        boolean lowerPrioNoAdvert,
        boolean higherPrioSendAdvert,
        InetAddress primaryAddress) {

    public VrrpSettings {
        if (vrid < 1 || vrid > 255) {
            throw new IllegalArgumentException("vrid " + vrid);
        }
        if (basePriority < 1 || basePriority > 255) {
            throw new IllegalArgumentException("priority " + basePriority);
        }
        if (advertIntervalCentis < 1 || advertIntervalCentis > 4095) {
            throw new IllegalArgumentException("advert interval " + advertIntervalCentis + " cs");
        }
        if (version != 2 && version != 3) {
            throw new IllegalArgumentException("version " + version);
        }
    }

    /** keepalived's defaults around the given essentials: preempt on, 3 adverts, RFC behaviour. */
    public static VrrpSettings of(
            String name, int vrid, int version, int priority, int advertIntervalCentis, InetAddress primaryAddress) {
        return new VrrpSettings(
                name, vrid, version, priority, advertIntervalCentis, true, 0, 3, false, false, false, primaryAddress);
    }

    public VrrpSettings withPreempt(boolean p, long delayNanos) {
        return new VrrpSettings(
                name,
                vrid,
                version,
                basePriority,
                advertIntervalCentis,
                p,
                delayNanos,
                downTimerAdverts,
                initialMaster,
                lowerPrioNoAdvert,
                higherPrioSendAdvert,
                primaryAddress);
    }

    public VrrpSettings withInitialMaster(boolean m) {
        return new VrrpSettings(
                name,
                vrid,
                version,
                basePriority,
                advertIntervalCentis,
                preempt,
                preemptDelayNanos,
                downTimerAdverts,
                m,
                lowerPrioNoAdvert,
                higherPrioSendAdvert,
                primaryAddress);
    }

    public VrrpSettings withPrimaryAddress(InetAddress a) {
        return new VrrpSettings(
                name,
                vrid,
                version,
                basePriority,
                advertIntervalCentis,
                preempt,
                preemptDelayNanos,
                downTimerAdverts,
                initialMaster,
                lowerPrioNoAdvert,
                higherPrioSendAdvert,
                a);
    }

    public VrrpSettings withAdvertFlags(boolean lowerPrioNoAdvert, boolean higherPrioSendAdvert) {
        return new VrrpSettings(
                name,
                vrid,
                version,
                basePriority,
                advertIntervalCentis,
                preempt,
                preemptDelayNanos,
                downTimerAdverts,
                initialMaster,
                lowerPrioNoAdvert,
                higherPrioSendAdvert,
                primaryAddress);
    }
}
