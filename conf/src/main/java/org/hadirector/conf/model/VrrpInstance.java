package org.hadirector.conf.model;

import java.net.InetAddress;
import java.time.Duration;
import java.util.List;

/** vrrp_instance, with global defaults applied (version, GARP timing, strict mode...). */
public record VrrpInstance(
        String name,
        InitialState state,
        String interfaceName,
        boolean useVmac,
        String vmacInterface,
        boolean vmacXmitBase,
        String vmacAddress,
        boolean useVmacAddr,
        boolean dontTrackPrimary,
        List<TrackedInterface> trackInterfaces,
        List<TrackedRef> trackScripts,
        List<TrackedRef> trackFiles,
        List<TrackedRef> trackProcesses,
        InetAddress mcastSrcIp,
        InetAddress mcastDstIp,
        List<UnicastPeer> unicastPeers,
        Integer unicastTtl,
        boolean checkUnicastSrc,
        boolean unicastFaultNoPeer,
        boolean trackSrcIp,
        int version,
        boolean v3ChecksumAsV2,
        int virtualRouterId,
        int priority,
        Duration advertInt,
        AuthType authType,
        String authPass,
        List<VirtualIpAddress> virtualIpaddresses,
        List<VirtualIpAddress> virtualIpaddressesExcluded,
        List<String> virtualRoutes,
        List<String> virtualRules,
        boolean accept,
        boolean nopreempt,
        Duration preemptDelay,
        GarpSettings garp,
        int downTimerAdverts,
        boolean lowerPrioNoAdvert,
        boolean higherPrioSendAdvert,
        boolean skipCheckAdvAddr,
        boolean strictMode,
        boolean promoteSecondaries,
        Notifies notifies,
        Boolean smtpAlert,
        String lvsSyncDaemonInterface) {

    /** True when every VIP is IPv6; the instance then runs VRRPv3 over IPv6. */
    public boolean isIpv6() {
        return !virtualIpaddresses.isEmpty() && virtualIpaddresses.get(0).isIpv6();
    }
}
