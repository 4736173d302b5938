package org.hadirector.vrrp;

import java.util.ArrayList;
import java.util.List;

/**
 * Where the gratuitous ARP (or unsolicited NA) of one VIP goes and whose pacing holds it back, as
 * keepalived 2.2.7 does: it sends on the VIP's own interface (ipaddress->ifp, from that
 * interface's MAC: vrrp_arp.c's send_arp, vrrp_ndisc.c) and paces on that interface's base
 * (IF_BASE_IFP). A VIP without {@code dev}, or with the instance's interface as {@code dev}, is on
 * the instance's interface, or on its VMAC when it is of the instance's family
 * (vrrp_complete_instance); a VIP with another {@code dev} is on that interface, VMAC or not.
 *
 * @param link    the interface the frame is sent on
 * @param pacedOn the interface whose garp_group / vrrp_garp_interval / vrrp_gna_interval paces it
 * @param vmac    whether {@code link} is the instance's VMAC (the frame carries the VMAC's MAC)
 */
public record GarpRoute(String link, String pacedOn, boolean vmac) {

    /**
     * The route of each VIP of {@code c}, then of each excluded VIP, in the order keepalived's
     * vrrp_send_link_update walks them (both lists get GARPs).
     */
    public static List<GarpRoute> of(InstanceConfig c) {
        List<GarpRoute> out = new ArrayList<>();
        for (VirtualAddress v : garpVips(c)) {
            out.add(of(v, c));
        }
        return out;
    }

    /** The VIPs and excluded VIPs, in that order: the indexes of {@link #of(InstanceConfig)} and the GARP queue. */
    public static List<VirtualAddress> garpVips(InstanceConfig c) {
        List<VirtualAddress> all = new ArrayList<>(c.vips());
        all.addAll(c.excludedVips());
        return List.copyOf(all);
    }

    static GarpRoute of(VirtualAddress v, InstanceConfig c) {
        String own = c.interfaceName();
        if (v.dev() == null || v.dev().equals(own)) {
            if (c.vmac() != null && v.isIpv6() == c.isIpv6()) {
                return new GarpRoute(c.vmac().name(), own, true);
            }
            return new GarpRoute(own, own, false);
        }
        return new GarpRoute(v.dev(), v.dev(), false);
    }

    /** The pacer of this route's interface, shared in the process with whoever else sends there. */
    public GarpPacer pacer(InstanceConfig c) {
        GarpPlan.Pacing p = c.garp().pacing(pacedOn, c.interfaceName());
        return GarpPacer.forInterface(pacedOn, p.garpIntervalNanos(), p.gnaIntervalNanos());
    }
}
