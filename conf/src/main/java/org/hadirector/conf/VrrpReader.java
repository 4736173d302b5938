package org.hadirector.conf;

import java.math.BigDecimal;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.hadirector.conf.model.AuthType;
import org.hadirector.conf.model.GarpGroup;
import org.hadirector.conf.model.GarpSettings;
import org.hadirector.conf.model.GlobalDefs;
import org.hadirector.conf.model.InitialState;
import org.hadirector.conf.model.Notifies;
import org.hadirector.conf.model.NotifyScript;
import org.hadirector.conf.model.TrackFile;
import org.hadirector.conf.model.TrackProcess;
import org.hadirector.conf.model.TrackedInterface;
import org.hadirector.conf.model.TrackedRef;
import org.hadirector.conf.model.UnicastPeer;
import org.hadirector.conf.model.VirtualIpAddress;
import org.hadirector.conf.model.VrrpInstance;
import org.hadirector.conf.model.VrrpScript;
import org.hadirector.conf.model.VrrpSyncGroup;
import org.hadirector.conf.parse.Statement;
import org.hadirector.conf.parse.Token;
import org.hadirector.sys.Addresses;

/** vrrp_script, track_file, vrrp_track_process, vrrp_sync_group, vrrp_instance and address lists. */
final class VrrpReader {
    private final ValueReader v;
    private final AddressLineReader addresses;

    /** use_vmac interface names given so far, by instance: keepalived lets the first keep one. */
    private final Map<String, String> vmacNames = new HashMap<>();

    /** Interfaces some garp_group already names: keepalived keeps an interface's first group. */
    private final java.util.Set<String> garpGroupInterfaces = new java.util.HashSet<>();

    VrrpReader(ValueReader v) {
        this.v = v;
        this.addresses = new AddressLineReader(v);
    }

    List<VirtualIpAddress> addressList(Statement s, boolean sameFamily) {
        List<Statement> block = v.block(s);
        List<VirtualIpAddress> out = new ArrayList<>();
        if (block == null) {
            return out;
        }
        for (Statement line : block) {
            VirtualIpAddress a = addresses.read(line);
            if (a == null) {
                continue;
            }
            if (sameFamily && !out.isEmpty() && out.get(0).isIpv6() != a.isIpv6()) {
                v.error(
                        line,
                        "virtual_ipaddress mixes IPv4 and IPv6 ("
                                + Addresses.format(out.get(0).address())
                                + " and " + Addresses.format(a.address())
                                + "); put the other family in virtual_ipaddress_excluded or another vrrp_instance");
                continue;
            }
            out.add(a);
        }
        return out;
    }

    List<String> rawLines(Statement s) {
        List<Statement> block = v.block(s);
        List<String> out = new ArrayList<>();
        if (block != null) {
            for (Statement line : block) {
                out.add(line.toString());
            }
        }
        return out;
    }

    VrrpScript script(Statement s) {
        String name = v.string(s);
        List<Statement> block = v.block(s);
        if (name == null || block == null) {
            return null;
        }
        RecordBuilder<VrrpScript> b = new RecordBuilder<>(VrrpScript.class);
        b.set("name", name);
        for (Statement x : block) {
            switch (x.name()) {
                case "script" -> b.set("script", v.string(x));
                case "interval" -> b.set("interval", v.seconds(x, 0.000001, 86400));
                case "timeout" -> b.set("timeout", v.seconds(x, 0.000001, 86400));
                case "weight" -> {
                    b.set("weight", v.integer(x, -253, 253));
                    reverse(x, 1, b, "weightReverse");
                }
                case "rise" -> b.set("rise", v.integer(x, 1, 1_000_000));
                case "fall" -> b.set("fall", v.integer(x, 1, 1_000_000));
                case "user" -> {
                    b.set("user", v.string(x));
                    if (x.args().size() > 1) {
                        b.set("group", x.args().get(1).text());
                    }
                }
                case "init_fail" -> b.set("initFail", true);
                default -> unknown(x, "vrrp_script");
            }
        }
        if (!b.has("script")) {
            v.warning(
                    s,
                    "vrrp_script " + name + " has no 'script' and is removed, as keepalived does; add: "
                            + "script \"/path/to/check args\"");
            return null;
        }
        b.setDefault("interval", Duration.ofSeconds(1));
        b.setDefault("timeout", b.get("interval"));
        b.setDefault("rise", 1);
        b.setDefault("fall", 1);
        return b.build();
    }

    /**
     * garp_group, as keepalived 2.2.7's garp_group handlers read it (vrrp_parser.c): intervals of 0
     * up to INT_MAX microseconds, a second or more only noted; an interface already in a group
     * stays in its first one; an empty interfaces block, and a group with neither interval
     * (which keepalived drops), are configuration errors. Null when the group paces nothing.
     */
    GarpGroup garpGroup(Statement s) {
        List<Statement> block = v.block(s);
        if (block == null) {
            return null;
        }
        v.extraArgs(s, 0);
        RecordBuilder<GarpGroup> b = new RecordBuilder<>(GarpGroup.class);
        boolean set = false;
        boolean named = false;
        for (Statement x : block) {
            switch (x.name()) {
                case "garp_interval", "gna_interval" -> {
                    Duration d = groupInterval(x);
                    b.set(x.name().equals("garp_interval") ? "garpInterval" : "gnaInterval", d);
                    // keepalived sets an interval from a word that is no number (strtoull's prefix,
                    // after its error), so the group is not empty; a negative or too large one it drops
                    String text = x.args().isEmpty() ? "-" : x.args().get(0).text();
                    set |= d != null || (!text.startsWith("-") && ValueReader.parseMicros(text) < 0);
                }
                case "interface" -> {
                    named = true;
                    Token t = v.arg(x);
                    if (t != null) {
                        v.extraArgs(x, 1);
                        groupInterface(t, b);
                    }
                }
                case "interfaces" -> {
                    named = true;
                    List<Statement> names = v.block(x);
                    if (names == null) {
                        break;
                    }
                    v.extraArgs(x, 0);
                    if (names.isEmpty()) {
                        v.error(x, "garp_group: the interfaces block is empty (keepalived reports it as an error)");
                    }
                    // keepalived reads the block as a list of words, however they are split in lines
                    for (Statement line : names) {
                        groupInterface(line.keyword(), b);
                        line.args().forEach(t -> groupInterface(t, b));
                    }
                }
                default -> unknown(x, "garp_group");
            }
        }
        if (!set) {
            v.error(
                    s,
                    "garp_group sets neither garp_interval nor gna_interval; keepalived reports it as an error"
                            + " and drops the group");
            // dropped at its end, so its interfaces are free for a later group, as in keepalived
            if (b.get("interfaces") instanceof List<?> l) {
                l.forEach(garpGroupInterfaces::remove);
            }
            return null;
        }
        b.setDefault("interfaces", List.of());
        GarpGroup g = b.build();
        if (!named) {
            v.warning(s, "garp_group names no interface; it paces nothing");
        }
        return g;
    }

    /** 0 up to INT_MAX microseconds (keepalived's read_decimal_unsigned_strvec bounds). */
    private Duration groupInterval(Statement x) {
        Duration d = v.seconds(x, 0, 2147.483647);
        if (d != null) {
            v.extraArgs(x, 1);
            if (d.compareTo(Duration.ofSeconds(1)) >= 0) {
                v.warning(
                        x,
                        "garp_group '" + x.name() + "' of " + x.args().get(0).text()
                                + " seconds is very large (keepalived says so too)");
            }
        }
        return d;
    }

    private void groupInterface(Token t, RecordBuilder<GarpGroup> b) {
        String name = t.text();
        if (!garpGroupInterfaces.add(name)) {
            v.error(
                    t,
                    "garp_group: interface " + name + " is already in a garp_group (keepalived reports it as an error"
                            + " and keeps the first)");
            return;
        }
        v.interfaceExists(t, "garp_group");
        b.add("interfaces", name);
    }

    TrackFile trackFile(Statement s) {
        String name = v.string(s);
        List<Statement> block = v.block(s);
        if (name == null || block == null) {
            return null;
        }
        RecordBuilder<TrackFile> b = new RecordBuilder<>(TrackFile.class);
        b.set("name", name).set("weight", 1);
        for (Statement x : block) {
            switch (x.name()) {
                case "file" -> b.set("file", v.string(x));
                case "weight" -> {
                    b.set("weight", v.integer(x, -254, 254));
                    reverse(x, 1, b, "reverse");
                }
                case "init_file" -> {
                    for (Token t : x.args()) {
                        if (t.text().equals("overwrite")) {
                            b.set("initOverwrite", true);
                        } else {
                            b.set("initValue", v.integer(t, "init_file", Integer.MIN_VALUE, Integer.MAX_VALUE));
                        }
                    }
                    b.setDefault("initValue", 0);
                }
                default -> unknown(x, "track_file");
            }
        }
        if (!b.has("file")) {
            v.error(s, "track_file " + name + " has no 'file'");
        }
        return b.build();
    }

    /**
     * vrrp_track_process, keyword by keyword as keepalived 2.2.7's handlers read it, in file order
     * (quorum and quorum_max are checked against each other as they come, as keepalived does).
     */
    TrackProcess trackProcess(Statement s) {
        String name = v.string(s);
        List<Statement> block = v.block(s);
        if (name == null || block == null) {
            return null;
        }
        RecordBuilder<TrackProcess> b = new RecordBuilder<>(TrackProcess.class);
        b.set("name", name).set("paramMatch", TrackProcess.ParamMatch.NONE);
        long quorum = 1;
        long quorumMax = TrackProcess.UNBOUNDED;
        boolean weightSet = false;
        for (Statement x : block) {
            switch (x.name()) {
                case "process" -> {
                    if (b.has("process")) {
                        v.error(x, "vrrp_track_process " + name + ": 'process' is given twice");
                    } else if (v.string(x) != null) {
                        b.set("process", v.string(x));
                        if (x.args().size() > 1) {
                            x.args().subList(1, x.args().size()).forEach(t -> b.add("params", t.text()));
                            if (b.get("paramMatch") == TrackProcess.ParamMatch.NONE) {
                                b.set("paramMatch", TrackProcess.ParamMatch.EXACT);
                            }
                            b.set("fullCommand", true);
                        }
                    }
                }
                case "param_match" -> {
                    String m = x.args().isEmpty() ? "exact" : x.args().get(0).text();
                    switch (m) {
                        case "exact" -> b.set("paramMatch", TrackProcess.ParamMatch.EXACT);
                        case "initial" -> b.set("paramMatch", TrackProcess.ParamMatch.INITIAL);
                        case "partial" -> b.set("paramMatch", TrackProcess.ParamMatch.PARTIAL);
                        default ->
                            v.error(
                                    x.args().get(0),
                                    "'param_match' takes nothing (exact), 'initial' or 'partial', got '" + m + "'");
                    }
                    if (m.equals("exact") && !x.args().isEmpty()) {
                        // keepalived's handler knows only "initial" and "partial" as words
                        v.error(x.args().get(0), "'param_match exact' is written 'param_match' alone in keepalived");
                    }
                    b.set("fullCommand", true);
                }
                case "full_command" -> {
                    v.noValue(x);
                    b.set("fullCommand", true);
                }
                case "weight" -> {
                    if (weightSet) {
                        v.error(x, "vrrp_track_process " + name + ": 'weight' is given twice");
                    } else {
                        Integer w = v.integer(x, -254, 254);
                        if (w != null) {
                            b.set("weight", w);
                            weightSet = w != 0; // keepalived: a weight of 0 may be given again
                            reverse(x, 1, b, "reverse");
                        }
                    }
                }
                case "quorum" -> {
                    Integer q = v.integer(x, 1, 65535);
                    if (q != null && q > quorumMax) {
                        v.error(
                                x,
                                "vrrp_track_process " + name + ": quorum " + q + " is greater than quorum_max "
                                        + quorumMax);
                    } else if (q != null) {
                        quorum = q;
                    }
                }
                case "quorum_max" -> {
                    Integer q = v.integer(x, 0, 65535);
                    if (q != null && (q != 0 || quorum > 1) && q < quorum) {
                        v.error(
                                x,
                                "vrrp_track_process " + name + ": quorum_max " + q + " is less than quorum " + quorum);
                    } else if (q != null) {
                        quorumMax = q;
                        quorum = q == 0 ? 0 : Math.max(quorum, 1);
                    }
                }
                case "delay" -> {
                    Duration d = v.seconds(x, 0.000001, 3600);
                    b.set("forkDelay", d).set("terminateDelay", d);
                }
                case "fork_delay" -> b.set("forkDelay", v.seconds(x, 0.000001, 3600));
                case "terminate_delay" -> b.set("terminateDelay", v.seconds(x, 0.000001, 3600));
                default -> unknown(x, "vrrp_track_process " + name);
            }
        }
        if (!b.has("process")) {
            v.error(s, "vrrp_track_process " + name + " has no 'process'; add: process NAME");
            return null;
        }
        String process = (String) b.get("process");
        if (!Boolean.TRUE.equals(b.get("fullCommand")) && process.length() > 15) {
            v.warning(
                    s,
                    "vrrp_track_process " + name + ": '" + process + "' is compared with the kernel's process name,"
                            + " which has at most 15 characters, so it never matches (as in keepalived);"
                            + " add 'full_command' to compare the command line");
        }
        b.set("quorum", quorum).set("quorumMax", quorumMax);
        b.setDefault("forkDelay", Duration.ZERO);
        b.setDefault("terminateDelay", Duration.ZERO);
        return b.build();
    }

    VrrpSyncGroup syncGroup(Statement s) {
        String name = v.string(s);
        List<Statement> block = v.block(s);
        if (name == null || block == null) {
            return null;
        }
        RecordBuilder<VrrpSyncGroup> b = new RecordBuilder<>(VrrpSyncGroup.class);
        RecordBuilder<Notifies> n = new RecordBuilder<>(Notifies.class);
        b.set("name", name);
        for (Statement x : block) {
            String kw = Keywords.canonical(x.name());
            if (notify(x, kw, n)) {
                continue;
            }
            switch (kw) {
                case "group" -> {
                    List<Statement> members = v.block(x);
                    if (members != null) {
                        for (Statement m : members) {
                            b.add("members", m.name());
                            v.extraArgs(m, 0);
                        }
                    }
                }
                case "track_interface" -> trackInterfaces(x, b);
                case "track_script" -> trackRefs(x, b, "trackScripts", 253);
                case "track_file" -> trackRefs(x, b, "trackFiles", 254);
                case "smtp_alert" -> b.set("smtpAlert", v.flag(x));
                case "global_tracking" -> {
                    // keepalived 2.2.7 reads it as sync_group_tracking_weight, with an error line
                    v.warning(
                            x,
                            "global_tracking is deprecated in keepalived, which reads it as "
                                    + "sync_group_tracking_weight; so does hadirector (use track_interface/script/file "
                                    + "on the sync group, or sync_group_tracking_weight)");
                    b.set("globalTracking", true);
                    b.set("syncGroupTrackingWeight", true);
                }
                case "sync_group_tracking_weight" -> b.set("syncGroupTrackingWeight", true);
                case "track_process" -> trackRefs(x, b, "trackProcesses", 254);
                case "track_bfd" -> v.warning(x, "'" + x.name() + "' is not supported by hadirector; ignored");
                default -> unknown(x, "vrrp_sync_group " + name);
            }
        }
        if (!b.has("members")) {
            v.warning(s, "vrrp_sync_group " + name + " has no 'group { ... }' of instances; it does nothing");
        }
        b.set("notifies", n.build());
        return b.build();
    }

    /** Reads a notify_* keyword into {@code n}; false when {@code kw} is not one. */
    private boolean notify(Statement x, String kw, RecordBuilder<Notifies> n) {
        String field = switch (kw) {
            case "notify_master" -> "master";
            case "notify_backup" -> "backup";
            case "notify_fault" -> "fault";
            case "notify_stop" -> "stop";
            case "notify_deleted" -> "deleted";
            case "notify" -> "any";
            case "notify_master_rx_lower_pri" -> "masterRxLowerPri";
            default -> null;
        };
        if (field != null) {
            if (kw.equals("notify_deleted") && x.args().isEmpty()) {
                // the flag alone (DELETED instead of FAULT for a removed instance): a script without a command
                n.set(field, new NotifyScript(null, null, null));
                return true;
            }
            n.set(field, v.script(x));
            return true;
        }
        if (kw.equals("notify_priority_changes")) {
            n.set("priorityChanges", v.flag(x));
            return true;
        }
        return false;
    }

    private void trackInterfaces(Statement x, RecordBuilder<?> b) {
        List<Statement> block = v.block(x);
        if (block == null) {
            return;
        }
        for (Statement t : block) {
            int weight = 0;
            boolean reverse = false;
            List<Token> a = t.args();
            if (!a.isEmpty()) {
                if (a.get(0).text().equals("weight") && a.size() > 1) {
                    Integer w = v.integer(a.get(1), "track_interface weight", -253, 253);
                    weight = w == null ? 0 : w;
                    reverse = a.size() > 2 && isReverse(a.get(2));
                } else {
                    v.error(a.get(0), "track_interface entry: expected 'IF [weight W [reverse]]', got '" + t + "'");
                }
            }
            v.interfaceExists(t.keyword(), "track_interface");
            b.add("trackInterfaces", new TrackedInterface(t.name(), weight, reverse));
        }
    }

    private void trackRefs(Statement x, RecordBuilder<?> b, String field, int maxWeight) {
        List<Statement> block = v.block(x);
        if (block == null) {
            return;
        }
        for (Statement t : block) {
            Integer weight = null;
            Boolean reverse = null;
            List<Token> a = t.args();
            int i = 0;
            while (i < a.size()) {
                String w = a.get(i).text();
                if (w.equals("weight") && i + 1 < a.size()) {
                    weight = v.integer(a.get(i + 1), x.name() + " weight", -maxWeight, maxWeight);
                    i += 2;
                } else if (isReverse(a.get(i)) || w.equals("noreverse") || w.equals("no_reverse")) {
                    reverse = isReverse(a.get(i));
                    i++;
                } else {
                    v.error(a.get(i), x.name() + " entry: expected 'NAME [weight W] [reverse]', got '" + t + "'");
                    break;
                }
            }
            b.add(field, new TrackedRef(t.name(), weight, reverse));
        }
    }

    private static boolean isReverse(Token t) {
        return t.text().equals("reverse");
    }

    private void reverse(Statement x, int index, RecordBuilder<?> b, String field) {
        if (x.args().size() > index) {
            Token t = x.args().get(index);
            if (isReverse(t)) {
                b.set(field, true);
            } else if (!t.text().equals("noreverse") && !t.text().equals("no_reverse")) {
                v.error(t, "'" + x.name() + "': expected 'reverse' after the weight, got '" + t.text() + "'");
            }
        }
    }

    private void unknown(Statement x, String where) {
        v.warning(x, "unknown keyword '" + x.name() + "' in " + where + "; ignored");
    }

    /** vrrp_instance; {@code g} supplies the global defaults. */
    VrrpInstance instance(Statement s, GlobalDefs g) {
        String name = v.string(s);
        List<Statement> block = v.block(s);
        if (name == null || block == null) {
            return null;
        }
        RecordBuilder<VrrpInstance> b = new RecordBuilder<>(VrrpInstance.class);
        RecordBuilder<GarpSettings> garp = new RecordBuilder<>(GarpSettings.class);
        RecordBuilder<Notifies> n = new RecordBuilder<>(Notifies.class);
        Map<String, Statement> seen = new HashMap<>();
        b.set("name", name);
        String where = "vrrp_instance " + name;
        for (Statement x : block) {
            String kw = Keywords.canonical(x.name());
            seen.put(kw, x);
            if (notify(x, kw, n)) {
                continue;
            }
            switch (kw) {
                case "state" -> {
                    String st = v.string(x);
                    if (st != null) {
                        switch (st.toUpperCase(Locale.ROOT)) {
                            case "MASTER" -> b.set("state", InitialState.MASTER);
                            case "BACKUP" -> b.set("state", InitialState.BACKUP);
                            default -> v.error(x.args().get(0), "state must be MASTER or BACKUP, got '" + st + "'");
                        }
                    }
                }
                case "interface" -> {
                    b.set("interfaceName", v.string(x));
                    v.interfaceExists(x.args().isEmpty() ? null : x.args().get(0), where);
                }
                case "use_vmac" -> useVmac(x, b, where);
                case "use_vmac_addr" -> {
                    v.warning(x, Unbuilt.USE_VMAC_ADDR.warning());
                    b.set("useVmacAddr", true);
                }
                case "vmac_xmit_base" -> b.set("vmacXmitBase", true);
                case "dont_track_primary" -> {
                    v.noValue(x);
                    b.set("dontTrackPrimary", true);
                }
                case "track_interface" -> trackInterfaces(x, b);
                case "track_script" -> trackRefs(x, b, "trackScripts", 253);
                case "track_file" -> trackRefs(x, b, "trackFiles", 254);
                case "track_process" -> trackRefs(x, b, "trackProcesses", 254);
                case "unicast_src_ip" -> b.set("mcastSrcIp", v.address(x));
                case "mcast_dst_ip" -> {
                    InetAddress a = v.address(x);
                    if (a != null && !a.isMulticastAddress()) {
                        v.error(x, "mcast_dst_ip must be a multicast address, got " + Addresses.format(a));
                    } else {
                        b.set("mcastDstIp", a);
                    }
                }
                case "unicast_peer" -> unicastPeers(x, b);
                case "unicast_ttl" -> b.set("unicastTtl", v.integer(x, 0, 255));
                case "check_unicast_src" -> b.set("checkUnicastSrc", true);
                case "unicast_fault_no_peer" -> b.set("unicastFaultNoPeer", true);
                case "track_src_ip" -> b.set("trackSrcIp", true);
                case "version" -> b.set("version", v.integer(x, 2, 3));
                case "old_unicast_checksum", "v3_checksum_as_v2" -> {
                    boolean never =
                            !x.args().isEmpty() && x.args().get(0).text().equals("never");
                    b.set("v3ChecksumAsV2", !never);
                }
                case "virtual_router_id" -> b.set("virtualRouterId", v.integer(x, 1, 255));
                case "priority" -> b.set("priority", v.integer(x, 1, 255));
                case "advert_int" -> b.set("advertInt", v.seconds(x, 0.01, 255));
                case "authentication" -> authentication(x, b);
                case "virtual_ipaddress" -> {
                    for (VirtualIpAddress a : addressList(x, true)) {
                        b.add("virtualIpaddresses", a);
                    }
                }
                case "virtual_ipaddress_excluded" -> {
                    for (VirtualIpAddress a : addressList(x, false)) {
                        b.add("virtualIpaddressesExcluded", a);
                    }
                }
                case "virtual_routes" -> {
                    v.warning(x, Unbuilt.VIRTUAL_ROUTES.warning());
                    rawLines(x).forEach(r -> b.add("virtualRoutes", r));
                }
                case "virtual_rules" -> {
                    v.warning(x, Unbuilt.VIRTUAL_ROUTES.warning());
                    rawLines(x).forEach(r -> b.add("virtualRules", r));
                }
                case "accept" -> b.set("accept", true);
                case "no_accept" -> b.set("accept", false);
                case "nopreempt" -> {
                    v.noValue(x);
                    b.set("nopreempt", true);
                }
                case "preempt" -> {
                    v.noValue(x);
                    b.set("nopreempt", false);
                }
                case "preempt_delay" -> b.set("preemptDelay", v.seconds(x, 0, 1000));
                case "down_timer_adverts" -> b.set("downTimerAdverts", v.integer(x, 1, 100));
                case "lower_prio_no_advert" -> b.set("lowerPrioNoAdvert", v.flag(x));
                case "higher_prio_send_advert" -> b.set("higherPrioSendAdvert", v.flag(x));
                case "skip_check_adv_addr" -> {
                    // keepalived 2.2.7 sets it for any valid on/off word, "off" included.
                    Boolean on = v.flag(x);
                    if (Boolean.FALSE.equals(on)) {
                        v.warning(
                                x.args().get(0),
                                "keepalived 2.2.7 turns skip_check_adv_addr on whatever the value, '"
                                        + x.args().get(0).text() + "' too; so does hadirector (remove the line to check"
                                        + " advert addresses)");
                    }
                    b.set("skipCheckAdvAddr", on == null ? null : true);
                }
                case "strict_mode" -> b.set("strictMode", v.flag(x));
                case "promote_secondaries" -> b.set("promoteSecondaries", true);
                case "smtp_alert" -> b.set("smtpAlert", v.flag(x));
                case "lvs_sync_daemon_interface" -> {
                    b.set("lvsSyncDaemonInterface", v.string(x));
                    v.warning(
                            x,
                            "lvs_sync_daemon_interface in a vrrp_instance is deprecated; use global_defs "
                                    + "lvs_sync_daemon "
                                    + x.argTexts().stream().findFirst().orElse("IF") + " inst " + name);
                }
                default -> {
                    if (GarpReader.read(x, kw, v, garp)) {
                        continue;
                    }
                    if (Keywords.INSTANCE_UNSUPPORTED.contains(kw)) {
                        v.warning(x, "'" + x.name() + "' is not supported by hadirector; ignored");
                    } else {
                        unknown(x, where);
                    }
                }
            }
        }
        finishInstance(s, name, b, garp, seen, g);
        b.set("notifies", n.build());
        return b.build();
    }

    /**
     * use_vmac [NAME] [MAC], as keepalived's vrrp_vmac_handler reads it: an argument with a ':' is
     * the MAC, another the interface name; a name the kernel would not take, or one another
     * instance has, is ignored with a warning (the instance then gets a vrrp.VRID name).
     */
    private void useVmac(Statement x, RecordBuilder<VrrpInstance> b, String where) {
        b.set("useVmac", true);
        for (int i = 0; i < x.args().size(); i++) {
            Token t = x.args().get(i);
            String a = t.text();
            if (i >= 2) {
                v.warning(
                        t,
                        where + ": use_vmac takes at most a name and a MAC address; '" + a
                                + "' ignored, as keepalived does");
            } else if (a.contains(":")) {
                if (b.get("vmacAddress") != null) {
                    v.warning(t, where + ": use_vmac's MAC address is already given; '" + a + "' ignored");
                } else {
                    v.warning(t, Unbuilt.VMAC_ADDRESS.warning());
                    b.set("vmacAddress", a);
                }
            } else if (b.get("vmacInterface") != null) {
                v.warning(t, where + ": use_vmac's interface name is already given; '" + a + "' ignored");
            } else if (!validInterfaceName(a)) {
                v.warning(
                        t,
                        where + ": use_vmac interface name '" + a + "' is too long or has invalid characters; "
                                + "ignored, as keepalived does (the VMAC is named vrrp.VRID)");
            } else if (vmacNames.containsKey(a)) {
                v.warning(
                        t,
                        where + ": vrrp_instance " + vmacNames.get(a) + " already uses " + a
                                + " for its VMAC; name ignored, as keepalived does");
            } else {
                vmacNames.put(a, where.substring("vrrp_instance ".length()));
                b.set("vmacInterface", a);
            }
        }
    }

    /** The kernel's dev_valid_name: 1..15 characters, not . or .., no '/', ':' or white space. */
    static boolean validInterfaceName(String n) {
        return !n.isEmpty()
                && n.length() < 16
                && !n.equals(".")
                && !n.equals("..")
                && n.chars().noneMatch(c -> c == '/' || c == ':' || Character.isWhitespace(c));
    }

    private void unicastPeers(Statement x, RecordBuilder<VrrpInstance> b) {
        List<Statement> block = v.block(x);
        if (block == null) {
            return;
        }
        for (Statement p : block) {
            InetAddress a = v.address(p.keyword(), "unicast_peer");
            Integer min = null;
            Integer max = null;
            List<Token> args = p.args();
            for (int i = 0; i < args.size(); i += 2) {
                String k = args.get(i).text();
                if (i + 1 >= args.size() || !(k.equals("min_ttl") || k.equals("max_ttl"))) {
                    v.error(
                            args.get(i),
                            "unicast_peer entry: expected 'ADDR [min_ttl N] [max_ttl N]', got '" + p + "'");
                    break;
                }
                Integer ttl = v.integer(args.get(i + 1), k, 0, 255);
                if (k.equals("min_ttl")) {
                    min = ttl;
                } else {
                    max = ttl;
                }
            }
            if (a != null) {
                b.add("unicastPeers", new UnicastPeer(a, min, max));
            }
        }
    }

    private void authentication(Statement x, RecordBuilder<VrrpInstance> b) {
        List<Statement> block = v.block(x);
        if (block == null) {
            return;
        }
        for (Statement a : block) {
            switch (a.name()) {
                case "auth_type" -> {
                    String t = v.string(a);
                    if (t == null) {
                        continue;
                    }
                    switch (t.toUpperCase(Locale.ROOT)) {
                        case "PASS" -> b.set("authType", AuthType.PASS);
                        case "AH" -> {
                            b.set("authType", AuthType.AH);
                            v.warning(a, Unbuilt.AUTH_AH.warning());
                        }
                        default -> v.error(a.args().get(0), "auth_type must be PASS or AH, got '" + t + "'");
                    }
                }
                case "auth_pass" -> {
                    String p = v.string(a);
                    if (p != null && p.length() > 8) {
                        v.warning(
                                a,
                                "auth_pass is longer than 8 characters; only the first 8 ('" + p.substring(0, 8)
                                        + "') are used, as in keepalived");
                        p = p.substring(0, 8);
                    }
                    b.set("authPass", p);
                }
                default -> unknown(a, "authentication");
            }
        }
    }

    private void finishInstance(
            Statement s,
            String name,
            RecordBuilder<VrrpInstance> b,
            RecordBuilder<GarpSettings> garp,
            Map<String, Statement> seen,
            GlobalDefs g) {
        String where = "vrrp_instance " + name;
        if (!b.has("virtualRouterId") && !seen.containsKey("virtual_router_id")) {
            v.error(s, where + " has no virtual_router_id; add one (1..255), the same on both directors");
        }
        if (!b.has("interfaceName") && !b.has("unicastPeers")) {
            v.error(s, where + " has no 'interface'; multicast VRRP needs one");
        }
        b.setDefault("state", InitialState.BACKUP);
        b.setDefault("priority", 100);
        @SuppressWarnings("unchecked")
        List<VirtualIpAddress> vips = (List<VirtualIpAddress>) b.get("virtualIpaddresses");
        boolean ipv6 = vips != null && !vips.isEmpty() && vips.get(0).isIpv6();
        if (vips == null || vips.isEmpty()) {
            v.warning(s, where + " has no virtual_ipaddress");
        }
        // The family of the instance follows its VIPs; VRRP over IPv6 exists only in version 3.
        int version = b.has("version") ? (int) b.get("version") : g.vrrpVersion();
        if (ipv6 && version == 2) {
            if (b.has("version")) {
                v.warning(seen.get("version"), where + ": IPv6 instances always use VRRP version 3");
            }
            version = 3;
        }
        b.set("version", version);
        Object src = b.get("mcastSrcIp");
        if (src == null && seen.get("track_src_ip") != null) {
            v.warning(
                    seen.get("track_src_ip"),
                    where + ": track_src_ip without unicast_src_ip / mcast_src_ip does nothing (keepalived clears it)");
        }
        if (src instanceof InetAddress a && (a instanceof Inet6Address) != ipv6 && vips != null && !vips.isEmpty()) {
            v.error(
                    seen.get("unicast_src_ip"),
                    where + ": unicast_src_ip " + Addresses.format(a)
                            + " is not of the family of the virtual addresses");
        }
        Duration advert = (Duration) b.get("advertInt");
        if (advert == null) {
            advert = Duration.ofSeconds(1);
        } else if (version == 2) {
            if (advert.toNanos() % 1_000_000_000L != 0) {
                v.error(
                        seen.get("advert_int"),
                        where + ": advert_int " + secs(advert)
                                + " is not a whole number of seconds, which VRRP version 2 requires; use 'version 3' for "
                                + "sub-second adverts, or a whole number");
            }
        } else {
            if (advert.toMillis() > 40_950) {
                v.error(
                        seen.get("advert_int"),
                        where + ": advert_int " + secs(advert) + " exceeds VRRPv3's maximum of 40.95 seconds");
            } else if (advert.toNanos() % 10_000_000L != 0) {
                Duration rounded = Duration.ofMillis(Math.max(10, Math.round(advert.toNanos() / 10_000_000.0) * 10));
                v.warning(
                        seen.get("advert_int"),
                        where + ": advert_int " + secs(advert) + " is not a whole number of centiseconds; VRRPv3 uses "
                                + secs(rounded));
                advert = rounded;
            }
        }
        b.set("advertInt", advert);
        if (b.get("authType") != null && version == 3) {
            v.warning(seen.get("authentication"), where + ": authentication is not part of VRRP version 3; ignored");
            b.set("authType", AuthType.NONE);
            b.set("authPass", null);
        }
        b.setDefault("authType", AuthType.NONE);
        if (b.get("authType") == AuthType.PASS && b.get("authPass") == null) {
            v.error(seen.get("authentication"), where + ": auth_type PASS needs auth_pass");
        }
        if (b.get("state") == InitialState.MASTER && Boolean.TRUE.equals(b.get("nopreempt"))) {
            v.warning(
                    seen.get("nopreempt"),
                    where + ": nopreempt does not work with 'state MASTER' and is ignored, "
                            + "as in keepalived; use 'state BACKUP' on both directors");
            b.set("nopreempt", false);
        }
        if (b.get("state") == InitialState.MASTER
                && b.get("preemptDelay") != null
                && !((Duration) b.get("preemptDelay")).isZero()) {
            v.warning(
                    seen.get("preempt_delay"),
                    where + ": preempt_delay does not work with 'state MASTER' and is " + "ignored, as in keepalived");
            b.set("preemptDelay", Duration.ZERO);
        }
        b.setDefault("preemptDelay", Duration.ZERO);
        boolean strict = b.has("strictMode") ? (boolean) b.get("strictMode") : g.vrrpStrict();
        b.set("strictMode", strict);
        b.setDefault("accept", !strict);
        b.setDefault("skipCheckAdvAddr", g.vrrpSkipCheckAdvAddr());
        b.setDefault("lowerPrioNoAdvert", g.vrrpLowerPrioNoAdvert());
        b.setDefault("higherPrioSendAdvert", g.vrrpHigherPrioSendAdvert());
        b.setDefault("checkUnicastSrc", g.vrrpCheckUnicastSrc());
        b.setDefault("downTimerAdverts", g.vrrpDownTimerAdverts());
        b.set("garp", GarpReader.resolve(garp, g.garp(), false));
        vmacRules(b, seen, where, strict);
    }

    /** keepalived's rules for vmac_xmit_base and promote_secondaries with use_vmac (vrrp.c, vrrp_parser.c). */
    private void vmacRules(RecordBuilder<VrrpInstance> b, Map<String, Statement> seen, String where, boolean strict) {
        boolean vmac = Boolean.TRUE.equals(b.get("useVmac"));
        if (Boolean.TRUE.equals(b.get("vmacXmitBase"))) {
            if (!vmac) {
                v.warning(
                        seen.get("vmac_xmit_base"),
                        where + ": vmac_xmit_base is only valid with use_vmac; ignored, as in keepalived");
                b.set("vmacXmitBase", false);
            } else if (strict) {
                v.warning(
                        seen.get("vmac_xmit_base"),
                        where + ": vmac_xmit_base is incompatible with strict mode; ignored, as in keepalived");
                b.set("vmacXmitBase", false);
            }
        } else if (vmac && b.has("unicastPeers")) {
            v.warning(
                    seen.get("use_vmac"),
                    where + ": unicast with use_vmac requires vmac_xmit_base; set, as keepalived does");
            b.set("vmacXmitBase", true);
        }
        if (vmac && Boolean.TRUE.equals(b.get("promoteSecondaries"))) {
            v.warning(
                    seen.get("promote_secondaries"),
                    where
                            + ": promote_secondaries is set on the VMAC anyway; ignored on the interface, as in keepalived");
            b.set("promoteSecondaries", false);
        }
    }

    private static String secs(Duration d) {
        return new BigDecimal(d.toNanos()).movePointLeft(9).stripTrailingZeros().toPlainString();
    }
}
