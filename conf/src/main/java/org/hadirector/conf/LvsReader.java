package org.hadirector.conf;

import java.math.BigInteger;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.hadirector.conf.model.Checker;
import org.hadirector.conf.model.ForwardingMethod;
import org.hadirector.conf.model.Protocol;
import org.hadirector.conf.model.RealServer;
import org.hadirector.conf.model.SorryServer;
import org.hadirector.conf.model.SslSettings;
import org.hadirector.conf.model.TunnelSettings;
import org.hadirector.conf.model.VirtualServer;
import org.hadirector.conf.model.VirtualServerGroup;
import org.hadirector.conf.model.VirtualServerKind;
import org.hadirector.conf.model.VsgEntry;
import org.hadirector.conf.parse.Statement;
import org.hadirector.conf.parse.Token;
import org.hadirector.sys.Addresses;

/** virtual_server_group, virtual_server, real_server and the SSL block. */
final class LvsReader {
    static final Set<String> SCHEDULERS =
            Set.of("rr", "wrr", "lc", "wlc", "lblc", "lblcr", "sh", "mh", "dh", "fo", "ovf", "sed", "nq", "twos");
    private static final Set<String> SCHED_FLAGS =
            Set.of("flag-1", "flag-2", "flag-3", "sh-port", "sh-fallback", "mh-port", "mh-fallback");

    private final ValueReader v;
    private final CheckerReader checkers;

    LvsReader(ValueReader v) {
        this.v = v;
        this.checkers = new CheckerReader(v);
    }

    /** The most services one group may expand to: keepalived has no bound; memory and the table need one. */
    static final long MAX_GROUP_SERVICES = 65_536;

    /**
     * keepalived's alloc_vsg_entry, entry by entry: a bad entry is an error and is skipped; a
     * group left with no entry, or with IPv4, IPv6 and a fwmark without family, is an error (keepalived
     * removes it).
     */
    VirtualServerGroup group(Statement s) {
        String name = v.string(s);
        List<Statement> block = v.block(s);
        if (name == null || block == null) {
            return null;
        }
        v.extraArgs(s, 1);
        List<VsgEntry> entries = new ArrayList<>();
        boolean v4 = false;
        boolean v6 = false;
        boolean markWithoutFamily = false;
        long services = 0;
        for (Statement e : block) {
            VsgEntry r = e.name().equals("fwmark") ? fwmarkEntry(name, e) : range(e);
            if (r == null) {
                continue;
            }
            if (r.isFwmark()) {
                v4 |= "inet".equals(r.family());
                v6 |= "inet6".equals(r.family());
                markWithoutFamily |= r.family() == null;
            } else {
                v4 |= r.first() instanceof Inet4Address;
                v6 |= !(r.first() instanceof Inet4Address);
            }
            services += r.addressCount();
            entries.add(r);
        }
        if (entries.isEmpty()) {
            v.error(s, "virtual_server_group " + name + " has no entries (keepalived removes it)");
            return null;
        }
        if (v4 && v6 && markWithoutFamily) {
            v.error(
                    s,
                    "virtual_server_group " + name + " cannot have IPv4, IPv6 and a fwmark without family "
                            + "(keepalived removes it): write 'fwmark N inet' or 'fwmark N inet6'");
            return null;
        }
        if (services > MAX_GROUP_SERVICES) {
            v.error(
                    s,
                    "virtual_server_group " + name + " expands to " + services + " services; hadirector takes at most "
                            + MAX_GROUP_SERVICES + " per group");
            return null;
        }
        return new VirtualServerGroup(name, entries);
    }

    /** fwmark N [inet|inet6]: keepalived takes 0..4294967295; 0 is no mark IPVS can key a service on. */
    private VsgEntry fwmarkEntry(String group, Statement e) {
        if (e.args().isEmpty()) {
            v.error(e, "virtual_server_group " + group + ": 'fwmark' needs the mark");
            return null;
        }
        Token t = e.args().get(0);
        long mark = -1;
        if (t.text().matches("\\d{1,10}")) {
            mark = Long.parseLong(t.text());
        }
        if (mark < 1 || mark > 0xffffffffL) {
            v.error(
                    t,
                    "virtual_server_group " + group + ": fwmark must be in 1..4294967295, got '" + t.text() + "'"
                            + (mark == 0 ? " (a service cannot be keyed on mark 0)" : ""));
            return null;
        }
        String family = null;
        if (e.args().size() > 1) {
            family = e.args().get(1).text();
            if (!family.equals("inet") && !family.equals("inet6")) {
                v.error(
                        e.args().get(1),
                        "virtual_server_group " + group + ": fwmark " + mark + " family must be inet or inet6, got '"
                                + family + "'");
                return null;
            }
        }
        v.extraArgs(e, 2);
        return new VsgEntry(null, null, null, (int) mark, family);
    }

    /**
     * ADDR, ADDR-END (END the last byte, IPv6 the last 16 bits in hex), ADDR-ADDR, ADDR/PREFIX, each
     * with an optional port, as keepalived reads them: a port of 0 is no port; a short range must
     * end above its start, a full one not below it; a prefix's host bits must be zero.
     */
    private VsgEntry range(Statement e) {
        String text = e.name();
        Integer port = null;
        if (!e.args().isEmpty()) {
            String p = e.args().get(0).text();
            if (!p.matches("0+")) {
                port = v.integer(e.args().get(0), "virtual_server_group port", 1, 65535);
                if (port == null) {
                    return null;
                }
            }
        }
        v.extraArgs(e, 1);
        int dash = text.indexOf('-');
        int slash = text.indexOf('/');
        int cut = dash > 0 ? dash : slash > 0 ? slash : text.length();
        InetAddress first = IpLiteral.parse(text.substring(0, cut));
        if (first == null) {
            v.error(e.keyword(), "'" + text + "' is not an address, address range or subnet");
            return null;
        }
        boolean ipv4 = first instanceof Inet4Address;
        byte[] b = first.getAddress();
        InetAddress last = first;
        if (dash > 0) {
            String end = text.substring(dash + 1);
            if (end.contains(ipv4 ? "." : ":")) {
                last = IpLiteral.parse(end);
                if (last == null) {
                    v.error(e.keyword(), "invalid range end in " + text);
                    return null;
                }
                if (last.getClass() != first.getClass()) {
                    v.error(e.keyword(), "the range " + text + " mixes address families");
                    return null;
                }
                if (new BigInteger(1, last.getAddress()).compareTo(new BigInteger(1, b)) < 0) {
                    v.error(e.keyword(), "address range " + text + " ends before it starts");
                    return null;
                }
            } else {
                if (!end.matches(ipv4 ? "\\d{1,3}" : "[0-9a-fA-F]{1,4}")) {
                    v.error(
                            e.keyword(),
                            "range end '" + end + "' in " + text + " must be "
                                    + (ipv4 ? "0..255" : "0..ffff (hex, the last 16 bits)"));
                    return null;
                }
                int value = Integer.parseInt(end, ipv4 ? 10 : 16);
                int start = ipv4 ? b[3] & 0xff : ((b[14] & 0xff) << 8) | (b[15] & 0xff);
                if (value > (ipv4 ? 255 : 0xffff)) {
                    v.error(e.keyword(), "range end '" + end + "' in " + text + " must be 0..255");
                    return null;
                }
                if (start >= value) {
                    v.error(e.keyword(), "address range " + text + ": the end is not above the start");
                    return null;
                }
                if (ipv4) {
                    b[3] = (byte) value;
                } else {
                    b[14] = (byte) (value >> 8);
                    b[15] = (byte) value;
                }
                last = byAddress(b);
            }
        } else if (slash > 0) {
            String p = text.substring(slash + 1);
            int max = IpLiteral.maxPrefix(first);
            if (!p.matches("\\d{1,3}") || Integer.parseInt(p) == 0 || Integer.parseInt(p) > max) {
                v.error(e.keyword(), "invalid prefix length in " + text + " (1.." + max + ")");
                return null;
            }
            int bits = max - Integer.parseInt(p);
            BigInteger base = new BigInteger(1, b);
            BigInteger host = BigInteger.ONE.shiftLeft(bits).subtract(BigInteger.ONE);
            if (base.and(host).signum() != 0) {
                v.error(e.keyword(), "the host bits of " + text + " are not zero (keepalived skips it)");
                return null;
            }
            last = fromBig(base.or(host), b.length);
        }
        VsgEntry r = new VsgEntry(first, last, port, null, null);
        if (r.ipv6BeyondLastGroup()) {
            v.warning(
                    e.keyword(),
                    text + ": keepalived walks an IPv6 range in its last 16 bits only, and so does hadirector: "
                            + r.addressCount() + " services from " + Addresses.format(first));
        }
        return r;
    }

    private static InetAddress fromBig(BigInteger n, int len) {
        byte[] raw = n.toByteArray();
        byte[] b = new byte[len];
        int copy = Math.min(raw.length, len);
        System.arraycopy(raw, raw.length - copy, b, len - copy, copy);
        return byAddress(b);
    }

    private static InetAddress byAddress(byte[] b) {
        try {
            return InetAddress.getByAddress(b);
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }

    VirtualServer virtualServer(Statement s) {
        List<Token> a = s.args();
        List<Statement> block = v.block(s);
        if (block == null) {
            return null;
        }
        RecordBuilder<VirtualServer> b = new RecordBuilder<>(VirtualServer.class);
        if (a.isEmpty()) {
            v.error(s, "virtual_server needs 'ADDR [PORT]', 'fwmark N' or 'group NAME'");
            return null;
        }
        String what = a.get(0).text();
        if (what.equals("fwmark")) {
            b.set("kind", VirtualServerKind.FWMARK);
            if (a.size() < 2) {
                v.error(s, "virtual_server fwmark needs the mark: virtual_server fwmark 1 { ... }");
                return null;
            }
            b.set("fwmark", v.integer(a.get(1), "fwmark", 1, Integer.MAX_VALUE));
        } else if (what.equals("group")) {
            b.set("kind", VirtualServerKind.GROUP);
            if (a.size() < 2) {
                v.error(s, "virtual_server group needs the group's name");
                return null;
            }
            b.set("group", a.get(1).text());
        } else {
            b.set("kind", VirtualServerKind.ADDRESS);
            InetAddress addr = v.address(a.get(0), "virtual_server");
            if (addr == null) {
                return null;
            }
            b.set("address", addr);
            if (a.size() > 1) {
                b.set("port", v.integer(a.get(1), "virtual_server port", 0, 65535));
            }
        }
        v.extraArgs(s, 2);
        CheckerReader.Defaults inherited = new CheckerReader.Defaults();
        List<Statement> realServers = new ArrayList<>();
        Statement protocolAt = null;
        Statement granularityAt = null;
        Integer defaultWeight = null;
        for (Statement x : block) {
            String kw = Keywords.canonical(x.name());
            // keepalived's virtual_server handlers for these take no argument and ignore any
            // ("alpha 1" is common); on a real_server or a checker they take an optional bool.
            if (kw.equals("alpha") || kw.equals("inhibit_on_failure")) {
                v.noValue(x);
                if (kw.equals("alpha")) {
                    inherited.alpha = true;
                } else {
                    inherited.inhibit = true;
                }
                continue;
            }
            if (inherited.read(x, kw, v)) {
                continue;
            }
            switch (kw) {
                case "lvs_sched" -> {
                    String sched = v.string(x);
                    if (sched != null && !SCHEDULERS.contains(sched)) {
                        v.error(
                                x.args().get(0),
                                "unknown scheduler '" + sched + "'; use one of "
                                        + String.join(
                                                ", ",
                                                SCHEDULERS.stream().sorted().toList()));
                    } else {
                        b.set("lvsSched", sched);
                    }
                }
                case "lvs_method" -> method(x, b, "lvsMethod", "tunnel");
                case "protocol" -> {
                    protocolAt = x;
                    String p = v.string(x);
                    if (p != null) {
                        try {
                            b.set("protocol", Protocol.valueOf(p.toUpperCase(Locale.ROOT)));
                        } catch (IllegalArgumentException e) {
                            v.error(x.args().get(0), "protocol must be TCP, UDP or SCTP, got '" + p + "'");
                        }
                    }
                }
                case "persistence_timeout" ->
                    b.set(
                            "persistenceTimeout",
                            x.args().isEmpty() ? Integer.valueOf(360) : v.integer(x, 1, Integer.MAX_VALUE));
                case "persistence_granularity" -> {
                    granularityAt = x;
                    b.set("persistenceGranularity", granularity(x, b));
                }
                case "persistence_engine" -> b.set("persistenceEngine", v.string(x));
                case "ha_suspend" -> {
                    v.noValue(x);
                    b.set("haSuspend", true);
                }
                // hadirector's own, '@hadirector announce': the VIP announced over BGP by BIRD
                // while the virtual server has quorum (docs/ecmp.md)
                case "announce" -> {
                    v.noValue(x);
                    b.set("announce", true);
                }
                case "omega" -> {
                    v.noValue(x);
                    b.set("omega", true);
                }
                case "weight" -> defaultWeight = v.integer(x, 1, 65535);
                case "quorum" -> b.set("quorum", v.integer(x, 1, Integer.MAX_VALUE));
                case "hysteresis" -> b.set("hysteresis", v.integer(x, 0, Integer.MAX_VALUE));
                case "quorum_up" -> b.set("quorumUp", v.script(x));
                case "quorum_down" -> b.set("quorumDown", v.script(x));
                case "ip_family" -> {
                    String f = v.string(x);
                    if (f != null && !f.equals("inet") && !f.equals("inet6")) {
                        v.error(x.args().get(0), "ip_family must be inet or inet6, got '" + f + "'");
                    } else {
                        b.set("ipFamily", f);
                    }
                }
                case "sorry_server" -> {
                    InetAddress sa = v.address(x);
                    Integer sp = x.args().size() > 1 ? v.integer(x.args().get(1), "sorry_server port", 0, 65535) : null;
                    if (sa != null) {
                        b.set("sorryServer", new SorryServer(sa, sp, null, null, false));
                    }
                }
                case "sorry_server_inhibit" -> {
                    v.noValue(x);
                    inherited.sorryInhibit = true;
                }
                case "sorry_server_lvs_method" -> {
                    RecordBuilder<VirtualServer> tmp = new RecordBuilder<>(VirtualServer.class);
                    method(x, tmp, "lvsMethod", "tunnel");
                    inherited.sorryMethod = (ForwardingMethod) tmp.get("lvsMethod");
                    inherited.sorryTunnel = (TunnelSettings) tmp.get("tunnel");
                }
                case "smtp_alert" -> b.set("smtpAlert", v.flag(x));
                case "ops" -> {
                    v.noValue(x);
                    b.set("ops", true);
                }
                case "hashed" -> {
                    // keepalived installs 'hashed' as a scheduler flag but sets nothing for it; it
                    // refuses it (like sh-port) unless lvs_sched sh or mh came first.
                    Object sched = b.get("lvsSched");
                    if ("sh".equals(sched) || "mh".equals(sched)) {
                        v.warning(x, "'hashed' sets nothing in keepalived; ignored");
                    } else {
                        v.error(x, "'hashed' only applies to the sh and mh schedulers (give lvs_sched before it)");
                    }
                }
                case "real_server" -> realServers.add(x);
                case "snmp_name" -> {}
                default -> {
                    if (SCHED_FLAGS.contains(kw)) {
                        v.noValue(x);
                        b.add("schedFlags", kw);
                    } else {
                        v.warning(x, "unknown keyword '" + x.name() + "' in virtual_server; ignored");
                    }
                }
            }
        }
        String name = displayName(b);
        b.setDefault("lvsSched", "wlc");
        b.setDefault("lvsMethod", ForwardingMethod.NAT);
        if (b.get("kind") == VirtualServerKind.FWMARK) {
            if (protocolAt != null) {
                v.warning(protocolAt, "virtual server " + name + ": protocol is ignored for a fwmark service");
            }
        } else if (!b.has("protocol")) {
            // keepalived's own default: the kernel takes protocol 0 as UDP, so keepalived says so.
            v.warning(
                    s,
                    "virtual server " + name + ": no protocol set, defaulting to UDP as keepalived does; "
                            + "add 'protocol TCP' for a web service");
            b.set("protocol", Protocol.UDP);
        }
        if (granularityAt != null && b.get("persistenceGranularity") != null && !b.has("persistenceTimeout")) {
            // keepalived: a granularity makes the service persistent, for the default 6 minutes.
            b.set("persistenceTimeout", 360);
        }
        if (b.get("kind") == VirtualServerKind.ADDRESS && !b.has("port") && !b.has("persistenceTimeout")) {
            v.warning(
                    s,
                    "virtual server " + name + ": a service without a port must be persistent; "
                            + "persistence_timeout 360 set, as keepalived does");
            b.set("persistenceTimeout", 360);
        }
        if (Boolean.TRUE.equals(b.get("ops"))
                && b.get("protocol") != Protocol.UDP
                && b.get("kind") != VirtualServerKind.FWMARK) {
            v.warning(s, "virtual server " + name + ": one-packet scheduling (ops) needs UDP; ignored");
            b.set("ops", false);
        }
        b.setDefault("quorum", 1);
        b.setDefault("hysteresis", 0);
        int quorum = (int) b.get("quorum");
        int hysteresis = (int) b.get("hysteresis");
        if (hysteresis >= quorum) {
            v.warning(
                    s,
                    "virtual server " + name + ": hysteresis " + hysteresis + " >= quorum " + quorum
                            + "; hysteresis set to " + (quorum - 1) + ", as keepalived does");
            b.set("hysteresis", quorum - 1);
        }
        b.set("alpha", inherited.alpha != null && inherited.alpha);
        b.set("virtualhost", inherited.virtualhost);
        b.set("inhibitOnFailure", inherited.inhibit != null && inherited.inhibit);
        b.set("delayLoop", inherited.delayLoop != null ? inherited.delayLoop : Duration.ofSeconds(60));
        if (b.get("sorryServer") instanceof SorryServer ss) {
            ForwardingMethod m =
                    inherited.sorryMethod != null ? inherited.sorryMethod : (ForwardingMethod) b.get("lvsMethod");
            b.set(
                    "sorryServer",
                    new SorryServer(
                            ss.address(),
                            ss.port() != null ? ss.port() : (Integer) b.get("port"),
                            m,
                            inherited.sorryTunnel,
                            inherited.sorryInhibit));
        }
        Set<String> seenRs = new HashSet<>();
        for (Statement rs : realServers) {
            RealServer r = realServer(rs, b, inherited, name, defaultWeight == null ? 1 : defaultWeight);
            if (r == null) {
                continue;
            }
            String key = Addresses.format(r.address()) + ":" + r.port();
            if (!seenRs.add(key)) {
                v.warning(
                        rs,
                        "virtual server " + name + ": real server " + key + " is listed twice; the second is ignored");
                continue;
            }
            b.add("realServers", r);
        }
        if (!b.has("realServers")) {
            v.warning(s, "virtual server " + name + " has no real_server");
        }
        return b.build();
    }

    /**
     * persistence_granularity as keepalived's pgr_handler reads it: for an IPv6 service (or one
     * whose family is not known yet and whose value has no '.'), a prefix length 1..128; for an
     * IPv4 service a netmask. A prefix is kept as the equivalent IPv6 mask, so the model has one
     * form and {@code --dump-config} shows what the kernel gets.
     */
    private InetAddress granularity(Statement x, RecordBuilder<VirtualServer> b) {
        Token t = v.arg(x);
        if (t == null) {
            return null;
        }
        String text = t.text();
        Boolean ipv6 = null;
        if (b.get("address") instanceof InetAddress a) {
            ipv6 = !(a instanceof Inet4Address);
        } else if (b.get("ipFamily") instanceof String f) {
            ipv6 = f.equals("inet6");
        }
        if (ipv6 == null) {
            ipv6 = text.indexOf('.') < 0;
        }
        if (ipv6) {
            if (text.matches("\\d{1,3}")) {
                Integer prefix = v.integer(t, "persistence_granularity", 1, 128);
                return prefix == null ? null : ipv6Mask(prefix);
            }
            InetAddress mask = IpLiteral.parse(text);
            if (mask == null || mask instanceof Inet4Address) {
                v.error(t, "persistence_granularity of an IPv6 service is a prefix length 1..128, got '" + text + "'");
                return null;
            }
            return mask;
        }
        InetAddress mask = IpLiteral.parse(text);
        if (mask instanceof Inet4Address) {
            return mask;
        }
        if (text.matches("\\d{1,2}")) {
            // keepalived hands "24" to getaddrinfo, which reads it as the address 0.0.0.24, and
            // sets that as the netmask: surely not what was meant, so refuse rather than guess.
            v.error(
                    t,
                    "persistence_granularity of an IPv4 service is a netmask (e.g. 255.255.255.0); keepalived would "
                            + "take '" + text + "' as the mask 0.0.0." + text + ", not a prefix length");
            return null;
        }
        v.error(t, "persistence_granularity of an IPv4 service is a netmask (e.g. 255.255.255.0), got '" + text + "'");
        return null;
    }

    static InetAddress ipv6Mask(int prefix) {
        byte[] m = new byte[16];
        for (int i = 0; i < prefix; i++) {
            m[i / 8] |= (byte) (0x80 >>> (i % 8));
        }
        return byAddress(m);
    }

    private static String displayName(RecordBuilder<VirtualServer> b) {
        Object kind = b.get("kind");
        if (kind == VirtualServerKind.FWMARK) {
            return "FWM " + b.get("fwmark");
        }
        if (kind == VirtualServerKind.GROUP) {
            return "group " + b.get("group");
        }
        return Addresses.withPort((InetAddress) b.get("address"), (Integer) b.get("port"));
    }

    private RealServer realServer(
            Statement s,
            RecordBuilder<VirtualServer> vs,
            CheckerReader.Defaults vsDefaults,
            String vsName,
            int defaultWeight) {
        List<Statement> block = v.block(s);
        if (s.args().isEmpty()) {
            v.error(s, "real_server needs an address: real_server ADDR [PORT] { ... }");
            return null;
        }
        InetAddress addr = v.address(s.args().get(0), "real_server");
        if (addr == null || block == null) {
            return null;
        }
        Integer port = s.args().size() > 1
                ? v.integer(s.args().get(1), "real_server port", 0, 65535)
                : (Integer) vs.get("port");
        v.extraArgs(s, 2);
        InetAddress vsAddr = (InetAddress) vs.get("address");
        if (vsAddr != null && vsAddr.getClass() != addr.getClass()) {
            v.error(
                    s,
                    "real server " + Addresses.format(addr) + " is not of the family of virtual server " + vsName
                            + " (only tunnelled real servers may differ)");
        }
        RecordBuilder<RealServer> b = new RecordBuilder<>(RealServer.class);
        b.set("address", addr).set("port", port);
        CheckerReader.Defaults d = vsDefaults.child();
        List<Checker> list = new ArrayList<>();
        List<Statement> checkerStatements = new ArrayList<>();
        for (Statement x : block) {
            String kw = Keywords.canonical(x.name());
            if (d.read(x, kw, v)) {
                continue;
            }
            if (CheckerReader.TYPES.contains(kw)) {
                checkerStatements.add(x);
                continue;
            }
            switch (kw) {
                case "weight" -> b.set("weight", v.integer(x, 0, 65535));
                case "lvs_method" -> method(x, b, "lvsMethod", "tunnel");
                case "notify_up" -> b.set("notifyUp", v.script(x));
                case "notify_down" -> b.set("notifyDown", v.script(x));
                case "uthreshold" -> b.set("uthreshold", v.integer(x, 0, Integer.MAX_VALUE));
                case "lthreshold" -> b.set("lthreshold", v.integer(x, 0, Integer.MAX_VALUE));
                case "smtp_alert" -> b.set("smtpAlert", v.flag(x));
                case "snmp_name" -> {}
                default -> v.warning(x, "unknown keyword '" + x.name() + "' in real_server; ignored");
            }
        }
        for (Statement x : checkerStatements) {
            Checker c = checkers.read(x, Keywords.canonical(x.name()), d);
            if (c != null) {
                list.add(c);
            }
        }
        b.setDefault("weight", defaultWeight);
        b.setDefault("lvsMethod", vs.get("lvsMethod"));
        b.setDefault("tunnel", vs.get("tunnel"));
        b.set("virtualhost", d.virtualhost);
        b.set("alpha", d.alpha != null && d.alpha);
        b.set("inhibitOnFailure", d.inhibit != null && d.inhibit);
        b.set("delayLoop", d.delayLoop != null ? d.delayLoop : Duration.ofSeconds(60));
        b.set("checkers", list);
        if (b.get("lvsMethod") == ForwardingMethod.DR
                && vs.get("port") != null
                && port != null
                && !port.equals(vs.get("port"))
                && port != 0) {
            v.warning(
                    s,
                    "real server " + Addresses.format(addr) + ":" + port + " of " + vsName
                            + ": direct routing cannot map ports (the packet keeps the virtual port " + vs.get("port")
                            + "); the real server port is ignored by IPVS");
        }
        return b.build();
    }

    /** NAT | DR | TUN [type ipip|gue port N|gre] [nocsum|csum|remcsum]. */
    private <T extends Record> void method(Statement x, RecordBuilder<T> b, String field, String tunnelField) {
        String m = v.string(x);
        if (m == null) {
            return;
        }
        switch (m.toUpperCase(Locale.ROOT)) {
            case "NAT" -> b.set(field, ForwardingMethod.NAT);
            case "DR" -> b.set(field, ForwardingMethod.DR);
            case "TUN" -> {
                b.set(field, ForwardingMethod.TUN);
                String type = "ipip";
                Integer port = null;
                String csum = null;
                List<Token> a = x.args();
                for (int i = 1; i < a.size(); i++) {
                    String w = a.get(i).text();
                    if (w.equals("type") && i + 1 < a.size()) {
                        type = a.get(++i).text();
                        if (!Set.of("ipip", "gue", "gre").contains(type)) {
                            v.error(a.get(i), "tunnel type must be ipip, gue or gre, got '" + type + "'");
                        }
                    } else if (w.equals("port") && i + 1 < a.size()) {
                        port = v.integer(a.get(++i), "tunnel port", 1, 65535);
                    } else if (Set.of("nocsum", "csum", "remcsum").contains(w)) {
                        csum = w;
                    } else {
                        v.error(a.get(i), "unexpected '" + w + "' in lvs_method TUN");
                    }
                }
                // keepalived's forwarding_handler refuses each of these (check_parser.c)
                if (type.equals("gue") && port == null) {
                    v.error(x, "lvs_method TUN type gue needs 'port N'");
                } else if (!type.equals("gue") && port != null) {
                    v.error(x, "lvs_method TUN: only gue tunnels take a port, not " + type);
                }
                if (type.equals("ipip") && csum != null && !csum.equals("nocsum")) {
                    v.error(x, "lvs_method TUN: ipip tunnels do not support the checksum option " + csum);
                }
                if (type.equals("gre") && "remcsum".equals(csum)) {
                    v.error(x, "lvs_method TUN: gre tunnels do not support remcsum");
                }
                b.set(tunnelField, new TunnelSettings(type, port, csum));
            }
            default -> v.error(x.args().get(0), "lvs_method must be NAT, DR or TUN, got '" + m + "'");
        }
    }

    SslSettings ssl(Statement s) {
        List<Statement> block = v.block(s);
        RecordBuilder<SslSettings> b = new RecordBuilder<>(SslSettings.class);
        if (block != null) {
            for (Statement x : block) {
                switch (x.name()) {
                    case "password" -> b.set("password", v.string(x));
                    case "ca" -> b.set("ca", v.string(x));
                    case "certificate" -> b.set("certificate", v.string(x));
                    case "key" -> b.set("key", v.string(x));
                    default -> v.warning(x, "unknown keyword '" + x.name() + "' in SSL; ignored");
                }
            }
        }
        return b.build();
    }
}
