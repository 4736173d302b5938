package org.hadirector.conf;

import java.net.InetAddress;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.hadirector.conf.model.VirtualIpAddress;
import org.hadirector.conf.parse.Statement;
import org.hadirector.conf.parse.Token;

/** One address line: ADDR[/MASK] [brd ADDR] [dev IF] [scope S] [label L] ... as ip-address(8) takes. */
final class AddressLineReader {
    private static final Set<String> SCOPES = Set.of("site", "link", "host", "nowhere", "global");

    private final ValueReader v;

    AddressLineReader(ValueReader v) {
        this.v = v;
    }

    VirtualIpAddress read(Statement line) {
        Token first = line.keyword();
        String text = first.text();
        String addrText = text;
        Integer prefix = null;
        int slash = text.indexOf('/');
        if (slash >= 0) {
            addrText = text.substring(0, slash);
        }
        InetAddress addr = IpLiteral.parse(addrText);
        if (addr == null) {
            v.error(first, "'" + text + "' is not an IPv4 or IPv6 address (with an optional /prefix)");
            return null;
        }
        int max = IpLiteral.maxPrefix(addr);
        if (slash >= 0) {
            String p = text.substring(slash + 1);
            if (!p.matches("\\d{1,3}") || Integer.parseInt(p) > max) {
                v.error(first, "bad prefix length '/" + p + "' in " + text + "; it must be 0.." + max);
                return null;
            }
            prefix = Integer.parseInt(p);
        }
        RecordBuilder<VirtualIpAddress> b = new RecordBuilder<>(VirtualIpAddress.class);
        b.set("address", addr).set("prefixLength", prefix == null ? max : prefix);
        List<Token> a = line.args();
        for (int i = 0; i < a.size(); i++) {
            Token opt = a.get(i);
            String o = opt.text();
            Token value = i + 1 < a.size() ? a.get(i + 1) : null;
            switch (o) {
                case "brd", "dev", "scope", "label", "peer", "preferred_lft", "track_group" -> {
                    if (value == null) {
                        v.error(opt, "'" + o + "' needs a value after " + text);
                        return null;
                    }
                    i++;
                    switch (o) {
                        case "brd" -> {
                            InetAddress brd = v.address(value, "brd");
                            if (brd != null && brd.getClass() != addr.getClass()) {
                                v.error(value, "broadcast " + value.text() + " is not of the family of " + text);
                                return null;
                            }
                            b.set("broadcast", brd);
                        }
                        case "dev" -> {
                            b.set("dev", value.text());
                            v.interfaceExists(value, "address " + text);
                        }
                        case "scope" -> {
                            String sc = value.text().toLowerCase(Locale.ROOT);
                            if (!SCOPES.contains(sc) && !sc.matches("\\d{1,3}")) {
                                v.error(
                                        value,
                                        "scope must be site, link, host, nowhere, global or a number; got '"
                                                + value.text() + "'");
                            }
                            b.set("scope", sc);
                        }
                        case "label" -> b.set("label", value.text());
                        case "peer" -> b.set("peer", v.address(value, "peer"));
                        case "preferred_lft" -> b.set("preferredLft", value.text());
                        default ->
                            v.warning(
                                    opt,
                                    "'track_group' applies to static addresses only in keepalived "
                                            + "and is not supported by hadirector; ignored");
                    }
                }
                case "home" -> b.set("home", true);
                case "-nodad" -> b.set("nodad", true);
                case "mngtmpaddr" -> b.set("mngtmpaddr", true);
                case "noprefixroute" -> b.set("noprefixroute", true);
                case "autojoin" -> b.set("autojoin", true);
                case "no_track" -> b.set("noTrack", true);
                case "use_vmac" -> b.set("useVmac", true);
                default ->
                    v.warning(
                            opt, "unknown option '" + o + "' for address " + text + "; ignored (one address per line)");
            }
        }
        b.setDefault("scope", "global");
        return b.build();
    }
}
