package org.hadirector.director;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;

import org.hadirector.conf.model.AuthType;
import org.hadirector.conf.model.GarpSettings;
import org.hadirector.conf.model.GlobalDefs;
import org.hadirector.conf.model.KeepalivedConfig;
import org.hadirector.conf.model.NotifyScript;
import org.hadirector.conf.model.UnicastPeer;
import org.hadirector.conf.model.VirtualIpAddress;
import org.hadirector.conf.model.VrrpInstance;
import org.hadirector.sys.RtNetlink;
import org.hadirector.vrrp.GarpPlan;
import org.hadirector.vrrp.InstanceConfig;
import org.hadirector.vrrp.NotifyScripts;
import org.hadirector.vrrp.VirtualAddress;
import org.hadirector.vrrp.VrrpSettings;

/**
 * From the configuration model to what the VRRP runtime takes, refusing clearly what the
 * runtime does not do yet (so that nothing is silently ignored).
 */
final class VrrpConfigMapper {

    /** A configuration the runtime cannot honour; the message names the instance and the keyword. */
    static final class Unsupported extends Exception {
        private static final long serialVersionUID = 1L;

        Unsupported(String message) {
            super(message);
        }
    }

    private VrrpConfigMapper() {
    }

    static List<String> unsupported(KeepalivedConfig c) {
        List<String> out = new ArrayList<>();
        if (!c.vrrpSyncGroups().isEmpty()) {
            out.add("vrrp_sync_group (sync groups are not built yet)");
        }
        for (VrrpInstance i : c.vrrpInstances()) {
            String n = "vrrp_instance " + i.name() + ": ";
            if (i.authType() == AuthType.AH) {
                out.add(n + "auth_type AH is not implemented; use PASS or none");
            }
            if (i.useVmac()) {
                out.add(n + "use_vmac is not implemented");
            }
            if (!i.trackScripts().isEmpty() || !i.trackFiles().isEmpty() || !i.trackProcesses().isEmpty()) {
                out.add(n + "track_script / track_file / track_process are not built yet");
            }
            if (i.trackInterfaces().stream().anyMatch(t -> !t.name().equals(i.interfaceName()))) {
                out.add(n + "track_interface of other interfaces is not built yet (the instance's own interface is tracked)");
            }
            if (!i.virtualRoutes().isEmpty() || !i.virtualRules().isEmpty()) {
                out.add(n + "virtual_routes / virtual_rules are not built yet");
            }
            if (i.interfaceName() == null) {
                out.add(n + "an instance without 'interface' is not supported yet");
            }
            if (i.virtualIpaddresses().isEmpty()) {
                out.add(n + "an instance without virtual_ipaddress has nothing to own");
            }
        }
        if (!c.staticIpaddress().isEmpty() || !c.staticRoutes().isEmpty() || !c.staticRules().isEmpty()) {
            out.add("static_ipaddress / static_routes / static_rules are not built yet");
        }
        return out;
    }

    static InstanceConfig map(VrrpInstance i, GlobalDefs g) {
        int centis = (int) Math.max(1, i.advertInt().toMillis() / 10);
        VrrpSettings s = new VrrpSettings(i.name(), i.virtualRouterId(), i.version(), i.priority(), centis,
                !i.nopreempt(), i.preemptDelay().toNanos(), i.downTimerAdverts(),
                i.state() == org.hadirector.conf.model.InitialState.MASTER, i.lowerPrioNoAdvert(),
                i.higherPrioSendAdvert(), null);
        boolean v6 = i.isIpv6();
        InetAddress group = null;
        if (i.unicastPeers().isEmpty()) {
            group = i.mcastDstIp() != null ? i.mcastDstIp() : v6 ? g.vrrpMcastGroup6() : g.vrrpMcastGroup4();
        }
        GarpSettings gs = i.garp();
        GarpPlan.Timing garp = new GarpPlan.Timing(gs.masterDelay().toNanos(), gs.masterRepeat(),
                gs.lowerPrioDelay().toNanos(), gs.lowerPrioRepeat(), gs.masterRefresh().toNanos(),
                gs.masterRefreshRepeat());
        var n = i.notifies();
        NotifyScripts notify = new NotifyScripts(cmd(n.master()), cmd(n.backup()), cmd(n.fault()), cmd(n.stop()),
                cmd(n.any()));
        return new InstanceConfig(s, i.interfaceName(), vips(i.virtualIpaddresses()), vips(i.virtualIpaddressesExcluded()),
                group, i.unicastPeers().stream().map(UnicastPeer::address).toList(), i.mcastSrcIp(),
                i.authType() == AuthType.PASS ? i.authPass() : null, i.skipCheckAdvAddr(), i.checkUnicastSrc(),
                i.v3ChecksumAsV2(), i.dontTrackPrimary(), garp, notify);
    }

    private static String cmd(NotifyScript s) {
        return s == null ? null : s.command();
    }

    private static List<VirtualAddress> vips(List<VirtualIpAddress> list) {
        return list.stream().map(v -> new VirtualAddress(v.address(), v.prefixLength(), v.dev(), v.broadcast(),
                scope(v.scope()), v.label(), flags(v))).toList();
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
        return f;
    }
}
