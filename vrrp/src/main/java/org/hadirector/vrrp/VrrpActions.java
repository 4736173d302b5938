package org.hadirector.vrrp;

import java.net.InetAddress;

/** The side effects of the state machine; the instance runtime implements them with sockets and netlink. */
public interface VrrpActions {

    /** Send one ADVERTISEMENT with this priority (0 when leaving MASTER). */
    void sendAdvertisement(int priority);

    /** The state changed. MASTER: add the VIPs and send GARP; leaving MASTER: remove them; notify scripts. */
    void stateChanged(VrrpState from, VrrpState to, String reason);

    /**
     * As MASTER we heard a lower-priority master (a split brain healing, or a flood of valid
     * adverts). {@code reassert}: the first such advert of an advert interval, which the machine
     * answered (unless lower_prio_no_advert); keepalived then re-sends its gratuitous ARPs
     * (garp_lower_prio_delay / _repeat) so that the segment learns us again. Otherwise one more
     * of the same interval: to be counted, not answered.
     */
    void lowerPriorityMasterSeen(InetAddress source, int priority, boolean reassert);
}
