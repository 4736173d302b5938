package org.hadirector.conf;

import java.util.ArrayList;
import java.util.List;
import org.hadirector.conf.model.AuthType;
import org.hadirector.conf.model.BfdCheck;
import org.hadirector.conf.model.Checker;
import org.hadirector.conf.model.CheckerEndpoint;
import org.hadirector.conf.model.DnsCheck;
import org.hadirector.conf.model.HttpGetCheck;
import org.hadirector.conf.model.KeepalivedConfig;
import org.hadirector.conf.model.PingCheck;
import org.hadirector.conf.model.RealServer;
import org.hadirector.conf.model.SmtpCheck;
import org.hadirector.conf.model.TcpCheck;
import org.hadirector.conf.model.UdpCheck;
import org.hadirector.conf.model.VirtualIpAddress;
import org.hadirector.conf.model.VirtualServer;
import org.hadirector.conf.model.VrrpInstance;
import org.hadirector.conf.model.VrrpSyncGroup;
import org.hadirector.sys.Addresses;

/**
 * The one table of what keepalived.conf can say and hadirector does not run: the readers warn
 * with {@link #warning()} where they parse it, and the daemon refuses a file using it, by name,
 * at {@code --config-test}, at start and at reload ({@link #in}). Nothing here is ignored
 * silently: a feature is either built, or in this table, or (process tuning that means nothing
 * to a JVM) accepted with a warning by the readers' ignore lists in {@link Keywords}.
 *
 * <p>docs/keepalived-compat.md lists the same entries (UnbuiltTest keeps the two together).
 */
public enum Unbuilt {
    AUTH_AH(Part.VRRP, "auth_type AH", "is not implemented; use PASS, or no authentication"),
    VMAC_ADDRESS(
            Part.VRRP,
            "use_vmac with a MAC address",
            "is not built yet (use_vmac with VRRP's own 00:00:5e:00:01:VRID / 00:00:5e:00:02:VRID is)"),
    USE_VMAC_ADDR(
            Part.VRRP,
            "use_vmac_addr",
            "is not built yet (use_vmac is, for the VIPs of the instance's family on its interface)"),
    VIP_USE_VMAC(
            Part.VRRP,
            "use_vmac on a virtual_ipaddress",
            "is not built yet (use_vmac in the vrrp_instance is, for the VIPs on its interface)"),
    VIRTUAL_ROUTES(Part.VRRP, "virtual_routes / virtual_rules", "are not built yet"),
    STATIC_ADDRESSES(Part.VRRP, "static_ipaddress / static_routes / static_rules", "are not built yet"),
    SYNC_GROUP_TRACKING(Part.VRRP, "track_* in a vrrp_sync_group", "are not built yet (track in the member instances)"),
    NO_INTERFACE(Part.VRRP, "a vrrp_instance without 'interface'", "is not supported yet"),
    NO_ACCEPT(
            Part.VRRP,
            "no_accept",
            "is not built: hadirector never drops traffic addressed to the VIPs (keepalived's non-accept mode); "
                    + "add 'accept' (keepalived's default without strict mode, and what a director forwarding to "
                    + "its VIPs needs) or remove no_accept"),
    STRICT_WITHOUT_ACCEPT(
            Part.VRRP,
            "strict mode (vrrp_strict / strict_mode) without 'accept'",
            "is not built: hadirector never drops traffic addressed to the VIPs (keepalived's non-accept mode); "
                    + "add 'accept' (keepalived's default without strict mode, and what a director forwarding to "
                    + "its VIPs needs) or remove vrrp_strict / strict_mode"),
    PEER_TTL_RANGES(
            Part.VRRP,
            "unicast_peer: different min_ttl / max_ttl for different peers",
            "are not built yet (one range per instance); give every peer the same"),
    BFD_CHECK(Part.CHECKS, "BFD_CHECK", "is not supported: hadirector has no BFD"),
    CHECKER_BIND_IF(Part.CHECKS, "bind_if", "on checker sockets is not supported"),
    CHECKER_FWMARK(Part.CHECKS, "fwmark", "on checker sockets is not supported");

    /** Which part of the daemon would run it: -P runs only VRRP, -C only the checks and the table. */
    public enum Part {
        VRRP,
        CHECKS,
        TABLE
    }

    private final Part part;
    private final String keyword;
    private final String reason;

    Unbuilt(Part part, String keyword, String reason) {
        this.part = part;
        this.keyword = keyword;
        this.reason = reason;
    }

    public Part part() {
        return part;
    }

    /** How the file says it. */
    public String keyword() {
        return keyword;
    }

    public String reason() {
        return reason;
    }

    /** The readers' warning where they parse it. */
    public String warning() {
        return keyword + " " + reason + "; hadirector refuses to start with it";
    }

    /** One use of an unbuilt feature, and where in the file. */
    public record Use(Unbuilt feature, String where) {
        public String message() {
            return where + ": " + feature.keyword + " " + feature.reason;
        }
    }

    /** Every use of an unbuilt feature in {@code c}, in the file's order. */
    public static List<Use> in(KeepalivedConfig c) {
        List<Use> out = new ArrayList<>();
        for (VrrpSyncGroup g : c.vrrpSyncGroups()) {
            if (!g.trackInterfaces().isEmpty()
                    || !g.trackScripts().isEmpty()
                    || !g.trackFiles().isEmpty()
                    || !g.trackProcesses().isEmpty()) {
                out.add(new Use(SYNC_GROUP_TRACKING, "vrrp_sync_group " + g.name()));
            }
        }
        for (VrrpInstance i : c.vrrpInstances()) {
            String where = "vrrp_instance " + i.name();
            if (i.authType() == AuthType.AH) {
                out.add(new Use(AUTH_AH, where));
            }
            if (i.useVmac() && i.vmacAddress() != null) {
                out.add(new Use(VMAC_ADDRESS, where));
            }
            if (i.useVmacAddr()) {
                out.add(new Use(USE_VMAC_ADDR, where));
            }
            if (i.virtualIpaddresses().stream().anyMatch(VirtualIpAddress::useVmac)
                    || i.virtualIpaddressesExcluded().stream().anyMatch(VirtualIpAddress::useVmac)) {
                out.add(new Use(VIP_USE_VMAC, where));
            }
            if (!i.virtualRoutes().isEmpty() || !i.virtualRules().isEmpty()) {
                out.add(new Use(VIRTUAL_ROUTES, where));
            }
            if (i.interfaceName() == null) {
                out.add(new Use(NO_INTERFACE, where));
            }
            if (!i.accept()) {
                out.add(new Use(i.strictMode() ? STRICT_WITHOUT_ACCEPT : NO_ACCEPT, where));
            }
            if (i.unicastPeers().stream()
                            .map(p ->
                                    List.of(p.minTtl() == null ? 0 : p.minTtl(), p.maxTtl() == null ? 255 : p.maxTtl()))
                            .distinct()
                            .count()
                    > 1) {
                out.add(new Use(PEER_TTL_RANGES, where));
            }
        }
        if (!c.staticIpaddress().isEmpty()
                || !c.staticRoutes().isEmpty()
                || !c.staticRules().isEmpty()) {
            out.add(new Use(STATIC_ADDRESSES, "top level"));
        }
        for (VirtualServer vs : c.virtualServers()) {
            for (RealServer rs : vs.realServers()) {
                for (Checker k : rs.checkers()) {
                    CheckerEndpoint e = endpoint(k);
                    boolean bindIf = e != null && e.bindIf() != null;
                    boolean fwmark = e != null && e.fwmark() != null;
                    if (!(k instanceof BfdCheck) && !bindIf && !fwmark) {
                        continue; // the usual case: no name built (11,000 real servers are read at each start)
                    }
                    String where = vs.displayName() + ", real_server " + Addresses.withPort(rs.address(), rs.port());
                    if (k instanceof BfdCheck) {
                        out.add(new Use(BFD_CHECK, where));
                    }
                    if (bindIf) {
                        out.add(new Use(CHECKER_BIND_IF, where + ", " + k.type()));
                    }
                    if (fwmark) {
                        out.add(new Use(CHECKER_FWMARK, where + ", " + k.type()));
                    }
                }
            }
        }
        return out;
    }

    /** The connection options of a checker that has them (the checkers hadirector runs). */
    public static CheckerEndpoint endpoint(Checker k) {
        if (k instanceof TcpCheck t) {
            return t.endpoint();
        }
        if (k instanceof HttpGetCheck h) {
            return h.endpoint();
        }
        if (k instanceof DnsCheck d) {
            return d.endpoint();
        }
        if (k instanceof SmtpCheck s) {
            return s.endpoint();
        }
        if (k instanceof UdpCheck u) {
            return u.endpoint();
        }
        if (k instanceof PingCheck p) {
            return p.endpoint();
        }
        return null;
    }
}
