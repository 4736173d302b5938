package org.hadirector.vrrp;

import java.net.InetAddress;
import java.util.List;

/**
 * Everything the runtime of one vrrp_instance needs, resolved by the director from the
 * configuration: the protocol settings, where to talk (interface, multicast group or unicast
 * peers, source), what to own (VIPs), how to announce it (GARP) and whom to tell (notify).
 *
 * @param multicastGroup null for a unicast instance
 * @param sourceAddress  unicast_src_ip / mcast_src_ip; null: the interface's primary address
 * @param authPassword   VRRPv2 PASS, null for none
 * @param vmac           use_vmac, null for none
 * @param trackSourceAddress track_src_ip: FAULT while {@code sourceAddress} is not on the interface
 *     (only with a source address; keepalived clears it without one)
 */
public record InstanceConfig(
        VrrpSettings settings,
        String interfaceName,
        Vmac vmac,
        List<VirtualAddress> vips,
        List<VirtualAddress> excludedVips,
        InetAddress multicastGroup,
        List<InetAddress> unicastPeers,
        InetAddress sourceAddress,
        String authPassword,
        boolean skipAddressCheck,
        boolean checkUnicastSource,
        boolean v3ChecksumAsV2,
        boolean dontTrackPrimary,
        GarpPlan.Timing garp,
        NotifyScripts notifyScripts,
        List<TrackedInterface> trackInterfaces,
        List<org.hadirector.vrrp.track.TrackedScript> trackScripts,
        List<org.hadirector.vrrp.track.TrackedFile> trackFiles,
        List<org.hadirector.vrrp.track.TrackedProcess> trackProcesses,
        int unicastMinTtl,
        int unicastMaxTtl,
        int unicastTtl,
        boolean promoteSecondaries,
        boolean trackSourceAddress) {

    /** A track_interface entry. */
    public record TrackedInterface(String name, org.hadirector.vrrp.track.TrackedWeight weight) {}

    public boolean isIpv6() {
        return !vips.isEmpty() && vips.get(0).isIpv6();
    }

    public String name() {
        return settings.name();
    }
}
