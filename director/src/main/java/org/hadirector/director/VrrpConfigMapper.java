package org.hadirector.director;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.hadirector.conf.model.AuthType;
import org.hadirector.conf.model.GarpGroup;
import org.hadirector.conf.model.GarpSettings;
import org.hadirector.conf.model.GlobalDefs;
import org.hadirector.conf.model.KeepalivedConfig;
import org.hadirector.conf.model.NotifyScript;
import org.hadirector.conf.model.TrackFile;
import org.hadirector.conf.model.TrackedRef;
import org.hadirector.conf.model.UnicastPeer;
import org.hadirector.conf.model.VirtualIpAddress;
import org.hadirector.conf.model.VrrpInstance;
import org.hadirector.conf.model.VrrpScript;
import org.hadirector.sys.Addresses;
import org.hadirector.sys.RtNetlink;
import org.hadirector.vrrp.GarpPlan;
import org.hadirector.vrrp.InstanceConfig;
import org.hadirector.vrrp.NotifyScripts;
import org.hadirector.vrrp.VirtualAddress;
import org.hadirector.vrrp.Vmac;
import org.hadirector.vrrp.VrrpSettings;
import org.hadirector.vrrp.track.TrackedFile;
import org.hadirector.vrrp.track.TrackedScript;
import org.hadirector.vrrp.track.TrackedWeight;

/**
 * From the configuration model to what the VRRP runtime takes, refusing clearly what the
 * runtime does not do yet (so that nothing is silently ignored).
 */
final class VrrpConfigMapper {

    private VrrpConfigMapper() {}

    /**
     * What keeps {@code c}'s instances from running that is not a missing feature (those are in
     * {@link org.hadirector.conf.Unbuilt}): one message each, naming the instance.
     */
    static List<String> problems(KeepalivedConfig c) {
        List<String> out = new ArrayList<>();
        for (VrrpInstance i : c.vrrpInstances()) {
            String n = "vrrp_instance " + i.name() + ": ";
            if (i.virtualIpaddresses().isEmpty()) {
                out.add(n + "an instance without virtual_ipaddress has nothing to own");
            }
            strict(i, n, out);
            ttlRange(i, n, out);
            if (i.useVmac() && garpGroupOf(c, vmac(i, c).name()) != null) {
                // keepalived's garp_group_interface(s)_handler: a VMAC's GARPs are paced on its base
                out.add(n + "a garp_group names " + vmac(i, c).name() + ", the instance's VMAC; keepalived refuses"
                        + " that (name the base interface " + i.interfaceName() + ")");
            }
            if (i.unicastTtl() != null && i.unicastTtl() == 0) {
                // keepalived writes its own IPv4 header; through the kernel a TTL is 1..255
                out.add(n + "unicast_ttl 0 cannot be sent (the kernel takes 1..255)");
            }
        }
        return out;
    }

    /**
     * keepalived's strict mode (vrrp_strict, strict_mode): RFC-only VRRP. What it forbids is
     * refused here by name (unicast peers, authentication); lower_prio_no_advert is forced in
     * {@link #map}. Its other half, dropping traffic addressed to the VIPs on a master that is not
     * their owner, is the same as no_accept and is not built (Unbuilt.STRICT_WITHOUT_ACCEPT).
     */
    private static void strict(VrrpInstance i, String n, List<String> out) {
        if (i.strictMode()) {
            if (!i.unicastPeers().isEmpty()) {
                out.add(n + "strict mode (vrrp_strict / strict_mode) forbids unicast_peer, as in keepalived");
            }
            if (i.authType() != AuthType.NONE && i.authType() != null) {
                out.add(n + "strict mode (vrrp_strict / strict_mode) forbids authentication, as in keepalived");
            }
        }
    }

    /**
     * unicast_peer's min_ttl / max_ttl (keepalived: 0 / 255): a unicast advert whose TTL is outside
     * the range is dropped and counted (BAD_TTL). The runtime holds one range per instance
     * (Unbuilt.PEER_TTL_RANGES refuses several); a range that takes nothing is refused here.
     */
    private static void ttlRange(VrrpInstance i, String n, List<String> out) {
        for (UnicastPeer p : i.unicastPeers()) {
            int min = p.minTtl() == null ? 0 : p.minTtl();
            int max = p.maxTtl() == null ? 255 : p.maxTtl();
            if (min > max) {
                out.add(n + "unicast_peer " + Addresses.format(p.address()) + ": min_ttl " + min + " is above max_ttl "
                        + max + ": no advert could be taken");
            }
        }
    }

    /** The instance's unicast TTL range: the peers' one (one: Unbuilt.PEER_TTL_RANGES), else 0..255. */
    private static int[] ttls(VrrpInstance i) {
        for (UnicastPeer p : i.unicastPeers()) {
            return new int[] {p.minTtl() == null ? 0 : p.minTtl(), p.maxTtl() == null ? 255 : p.maxTtl()};
        }
        return new int[] {0, 255};
    }

    /**
     * In a sync group keepalived sets the tracking weights of members to 0 (so that a tracker
     * faults the whole group instead of shifting priorities), unless sync_group_tracking_weight.
     */
    static boolean zeroWeights(VrrpInstance i, KeepalivedConfig c) {
        return c.vrrpSyncGroups().stream()
                .anyMatch(g -> g.members().contains(i.name()) && !g.syncGroupTrackingWeight());
    }

    /**
     * What keeps the instance in FAULT for good, as keepalived's num_config_faults, or null:
     * unicast_fault_no_peer without unicast peers (keepalived would otherwise fall back to
     * multicast, which this keyword exists to forbid).
     */
    static String configFault(VrrpInstance i) {
        if (i.unicastFaultNoPeer() && i.unicastPeers().isEmpty()) {
            return "unicast peer (unicast_fault_no_peer: none configured)";
        }
        return null;
    }

    static InstanceConfig map(VrrpInstance i, KeepalivedConfig c) {
        GlobalDefs g = c.globalDefs();
        boolean zero = zeroWeights(i, c);
        int centis = (int) Math.max(1, i.advertInt().toMillis() / 10);
        VrrpSettings s = new VrrpSettings(
                i.name(),
                i.virtualRouterId(),
                i.version(),
                i.priority(),
                centis,
                !i.nopreempt(),
                i.preemptDelay().toNanos(),
                i.downTimerAdverts(),
                i.state() == org.hadirector.conf.model.InitialState.MASTER,
                i.lowerPrioNoAdvert() || i.strictMode(),
                i.higherPrioSendAdvert(),
                null);
        boolean v6 = i.isIpv6();
        InetAddress group = null;
        if (i.unicastPeers().isEmpty()) {
            group = i.mcastDstIp() != null ? i.mcastDstIp() : v6 ? g.vrrpMcastGroup6() : g.vrrpMcastGroup4();
        }
        GarpSettings gs = i.garp();
        GarpPlan.Timing garp = new GarpPlan.Timing(
                gs.masterDelay().toNanos(),
                gs.masterRepeat(),
                gs.lowerPrioDelay().toNanos(),
                gs.lowerPrioRepeat(),
                gs.masterRefresh().toNanos(),
                gs.masterRefreshRepeat(),
                garpInterval(i, c, false),
                garpInterval(i, c, true),
                vipInterfacePacing(i, c));
        var n = i.notifies();
        String u = g.scriptUser();
        String gr = g.scriptGroup();
        NotifyScripts notify = new NotifyScripts(
                cmd(n.master(), u, gr),
                cmd(n.backup(), u, gr),
                cmd(n.fault(), u, gr),
                cmd(n.stop(), u, gr),
                cmd(n.any(), u, gr),
                cmd(n.deleted(), u, gr));
        return new InstanceConfig(
                s,
                i.interfaceName(),
                vmac(i, c),
                vips(i.virtualIpaddresses()),
                vips(i.virtualIpaddressesExcluded()),
                group,
                i.unicastPeers().stream().map(UnicastPeer::address).toList(),
                i.mcastSrcIp(),
                i.authType() == AuthType.PASS ? i.authPass() : null,
                i.skipCheckAdvAddr(),
                i.checkUnicastSrc(),
                i.v3ChecksumAsV2(),
                i.dontTrackPrimary(),
                garp,
                notify,
                trackedInterfaces(i, zero),
                trackedScripts(i, c, zero),
                trackedFiles(i, c, zero),
                TrackProcessMapper.of(i, c, zero),
                ttls(i)[0],
                ttls(i)[1],
                i.unicastTtl() != null ? i.unicastTtl() : 255,
                i.promoteSecondaries(),
                // keepalived clears track_src_ip without a configured source (the reader warns)
                i.trackSrcIp() && i.mcastSrcIp() != null);
    }

    /**
     * track_interface, and the interfaces of the VIPs and excluded VIPs on another dev than the
     * instance's unless {@code no_track} (keepalived's TRACK_ADDR, weight 0: the dev down, the
     * instance faults); a VIP's dev also in track_interface takes weight 0, as keepalived's
     * add_vrrp_to_interface does. The instance's own interface is tracked apart (dont_track_primary).
     */
    static List<InstanceConfig.TrackedInterface> trackedInterfaces(VrrpInstance i, boolean zero) {
        java.util.Map<String, TrackedWeight> out = new java.util.LinkedHashMap<>();
        i.trackInterfaces().forEach(t -> out.put(t.name(), new TrackedWeight(zero ? 0 : t.weight(), t.reverse())));
        java.util.stream.Stream.concat(i.virtualIpaddresses().stream(), i.virtualIpaddressesExcluded().stream())
                .filter(v -> !v.noTrack() && v.dev() != null && !v.dev().equals(i.interfaceName()))
                // an entry already of weight 0 keeps its reverse, as keepalived leaves it alone
                .forEach(v ->
                        out.merge(v.dev(), new TrackedWeight(0, false), (old, vip) -> old.weight() == 0 ? old : vip));
        return out.entrySet().stream()
                .map(e -> new InstanceConfig.TrackedInterface(e.getKey(), e.getValue()))
                .toList();
    }

    /** use_vmac, with the VMAC's name: the given one, else keepalived's vrrp.VRID (see {@link Vmac#defaultName}). */
    /**
     * The pacing of the instance's (base) interface, as keepalived's set_default_garp_delay leaves
     * it: a garp_group naming the interface replaces the global vrrp_garp_interval /
     * vrrp_gna_interval for both families, so an interval the group does not set is none there.
     */
    static long garpInterval(VrrpInstance i, KeepalivedConfig c, boolean ipv6) {
        return garpInterval(i.interfaceName(), c, ipv6);
    }

    /** The same for any interface: a VIP's {@code dev} is paced by its own group, or the global intervals. */
    static long garpInterval(String interfaceName, KeepalivedConfig c, boolean ipv6) {
        GarpGroup gg = garpGroupOf(c, interfaceName);
        if (gg != null) {
            java.time.Duration d = ipv6 ? gg.gnaInterval() : gg.garpInterval();
            return d == null ? 0 : d.toNanos();
        }
        GlobalDefs g = c.globalDefs();
        return (ipv6 ? g.vrrpGnaInterval() : g.vrrpGarpInterval()).toNanos();
    }

    /**
     * The pacing of each interface other than the instance's that a VIP or excluded VIP names with
     * {@code dev}: keepalived sends and paces those VIPs' GARPs there (see GarpRoute).
     */
    static Map<String, GarpPlan.Pacing> vipInterfacePacing(VrrpInstance i, KeepalivedConfig c) {
        Map<String, GarpPlan.Pacing> out = new java.util.TreeMap<>();
        java.util.stream.Stream.concat(i.virtualIpaddresses().stream(), i.virtualIpaddressesExcluded().stream())
                .map(org.hadirector.conf.model.VirtualIpAddress::dev)
                .filter(d -> d != null && !d.equals(i.interfaceName()))
                .forEach(d -> out.put(d, new GarpPlan.Pacing(garpInterval(d, c, false), garpInterval(d, c, true))));
        return out;
    }

    /** The garp_group naming {@code interfaceName}, or null (the reader lets an interface be in one only). */
    static GarpGroup garpGroupOf(KeepalivedConfig c, String interfaceName) {
        return c.garpGroups().stream()
                .filter(g -> g.interfaces().contains(interfaceName))
                .findFirst()
                .orElse(null);
    }

    static Vmac vmac(VrrpInstance i, KeepalivedConfig c) {
        if (!i.useVmac()) {
            return null;
        }
        // Names given anywhere are taken; instances before this one took theirs in file order.
        java.util.Set<String> taken = new java.util.HashSet<>();
        c.vrrpInstances().stream()
                .filter(x -> x.useVmac() && x.vmacInterface() != null)
                .forEach(x -> taken.add(x.vmacInterface()));
        for (VrrpInstance x : c.vrrpInstances()) {
            if (!x.useVmac()) {
                continue;
            }
            String n = x.vmacInterface() != null
                    ? x.vmacInterface()
                    : Vmac.defaultName(
                            c.globalDefs().vmacPrefix() != null ? c.globalDefs().vmacPrefix() : "vrrp",
                            x.virtualRouterId(),
                            x.isIpv6(),
                            taken);
            taken.add(n);
            if (x.name().equals(i.name())) {
                return new Vmac(n, i.virtualRouterId(), i.isIpv6(), i.vmacXmitBase());
            }
        }
        throw new IllegalArgumentException("vrrp_instance " + i.name() + " is not in the configuration");
    }

    /** track_file entries resolved against the track_file blocks; the entry's weight wins. */
    private static List<TrackedFile> trackedFiles(VrrpInstance i, KeepalivedConfig c, boolean zero) {
        List<TrackedFile> out = new ArrayList<>();
        for (TrackedRef ref : i.trackFiles()) {
            TrackFile f = c.trackFiles().stream()
                    .filter(x -> x.name().equals(ref.name()))
                    .findFirst()
                    .orElseThrow();
            int weight = ref.weight() != null ? ref.weight() : f.weight();
            out.add(new TrackedFile(
                    f.name(),
                    java.nio.file.Path.of(f.file()),
                    new TrackedWeight(zero ? 0 : weight, ref.reverseOr(f.reverse()))));
        }
        return out;
    }

    /** track_script entries resolved against the vrrp_script blocks (unknown ones were dropped by conf). */
    private static List<TrackedScript> trackedScripts(VrrpInstance i, KeepalivedConfig c, boolean zero) {
        List<TrackedScript> out = new ArrayList<>();
        for (TrackedRef ref : i.trackScripts()) {
            VrrpScript s = c.vrrpScripts().stream()
                    .filter(x -> x.name().equals(ref.name()))
                    .findFirst()
                    .orElseThrow();
            int weight = ref.weight() != null ? ref.weight() : s.weight();
            String user = s.user() != null ? s.user() : c.globalDefs().scriptUser();
            String group = s.user() != null ? s.group() : c.globalDefs().scriptGroup();
            out.add(new TrackedScript(
                    s.name(),
                    org.hadirector.sys.Scripts.split(s.script()),
                    s.interval().toNanos(),
                    s.timeout().toNanos(),
                    s.rise(),
                    s.fall(),
                    s.initFail(),
                    new TrackedWeight(zero ? 0 : weight, ref.reverseOr(s.weightReverse())),
                    user,
                    group));
        }
        return out;
    }

    /** A notify script with its user: its own, else global_defs script_user. */
    static NotifyScripts.Script cmd(NotifyScript s, String user, String group) {
        if (s == null) {
            return null;
        }
        return s.user() != null
                ? new NotifyScripts.Script(s.command(), s.user(), s.group())
                : new NotifyScripts.Script(s.command(), user, group);
    }

    private static List<VirtualAddress> vips(List<VirtualIpAddress> list) {
        return list.stream()
                .map(v -> new VirtualAddress(
                        v.address(),
                        v.prefixLength(),
                        v.dev(),
                        v.broadcast(),
                        scope(v.scope()),
                        v.label(),
                        flags(v),
                        v.preferredLft() == null || v.preferredLft().equals("forever")
                                ? -1
                                : Long.parseLong(v.preferredLft()),
                        v.peer()))
                .toList();
    }

    static int scope(String s) {
        return switch (s == null ? "global" : s) {
            case "global" -> 0;
            case "site" -> 200;
            case "link" -> 253;
            case "host" -> 254;
            case "nowhere" -> 255;
            default -> Integer.parseInt(s);
        };
    }

    private static int flags(VirtualIpAddress v) {
        int f = 0;
        if (v.nodad()) {
            f |= RtNetlink.IFA_F_NODAD;
        }
        if (v.noprefixroute()) {
            f |= RtNetlink.IFA_F_NOPREFIXROUTE;
        }
        if (v.home()) {
            f |= RtNetlink.IFA_F_HOMEADDRESS;
        }
        if (v.mngtmpaddr()) {
            f |= RtNetlink.IFA_F_MANAGETEMPADDR;
        }
        if (v.autojoin()) {
            f |= RtNetlink.IFA_F_MCAUTOJOIN;
        }
        return f;
    }
}
