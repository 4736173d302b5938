package org.hadirector.conf;

import java.net.Inet4Address;
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
                case "brd", "broadcast", "dev", "scope", "label", "peer", "preferred_lft", "track_group" -> {
                    if (value == null) {
                        v.error(opt, "'" + o + "' needs a value after " + text);
                        return null;
                    }
                    i++;
                    switch (o) {
                        case "brd", "broadcast" -> {
                            if (!(addr instanceof Inet4Address)) {
                                v.error(opt, "an IPv6 address has no broadcast ('" + o + "' after " + text + ")");
                                return null;
                            }
                            int len = prefix == null ? max : prefix;
                            if (value.text().equals("+") || value.text().equals("-")) {
                                // iproute2's and keepalived's "+": all host bits set; "-": all
                                // clear (the network address), computed from the prefix.
                                if (len > 30) {
                                    v.error(
                                            value,
                                            "'" + o + " " + value.text() + "' needs a prefix of /30 or shorter; " + text
                                                    + " has /" + len);
                                    return null;
                                }
                                b.set(
                                        "broadcast",
                                        broadcast(addr, len, value.text().equals("+")));
                                continue;
                            }
                            InetAddress brd = v.address(value, o);
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
                        case "scope" -> b.set("scope", scope(value));
                        case "label" -> b.set("label", value.text());
                        case "peer" -> b.set("peer", v.address(value, "peer"));
                        case "preferred_lft" -> {
                            // keepalived: "forever" or an unsigned 32-bit number of seconds.
                            String lft = value.text();
                            if (!lft.equals("forever")
                                    && !(lft.matches("\\d{1,10}") && Long.parseLong(lft) <= 0xffffffffL)) {
                                v.error(
                                        value,
                                        "preferred_lft must be 'forever' or a number of seconds 0..4294967295, got '"
                                                + lft + "'");
                                return null;
                            }
                            b.set("preferredLft", lft);
                        }
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
                case "use_vmac" -> {
                    v.warning(opt, Unbuilt.VIP_USE_VMAC.warning());
                    b.set("useVmac", true);
                }
                default ->
                    v.warning(
                            opt, "unknown option '" + o + "' for address " + text + "; ignored (one address per line)");
            }
        }
        if (b.get("broadcast") != null && b.get("peer") != null) {
            v.error(first, "an address with a peer cannot have a broadcast address (" + text + ")");
            return null;
        }
        b.setDefault("scope", "global");
        return b.build();
    }

    private static InetAddress broadcast(InetAddress addr, int prefix, boolean hostBitsSet) {
        byte[] a = addr.getAddress();
        for (int bit = prefix; bit < 32; bit++) {
            int mask = 0x80 >>> (bit % 8);
            if (hostBitsSet) {
                a[bit / 8] |= (byte) mask;
            } else {
                a[bit / 8] &= (byte) ~mask;
            }
        }
        try {
            return InetAddress.getByAddress(a);
        } catch (java.net.UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * A scope as keepalived's find_rttables_scope takes it: a number 0..255 (decimal, 0x hex or
     * leading-0 octal, as strtoul reads it) or a name of iproute2's rt_scopes. The result is a
     * name or a decimal number. Names are matched without case (keepalived matches them exactly).
     */
    private String scope(Token value) {
        String sc = value.text().toLowerCase(Locale.ROOT);
        if (SCOPES.contains(sc)) {
            return sc;
        }
        Long n = null;
        try {
            if (sc.startsWith("0x")) {
                n = Long.parseLong(sc.substring(2), 16);
            } else if (sc.length() > 1 && sc.startsWith("0")) {
                n = Long.parseLong(sc.substring(1), 8);
            } else if (sc.matches("\\d{1,10}")) {
                n = Long.parseLong(sc);
            }
        } catch (NumberFormatException e) {
            n = null;
        }
        if (n == null || n < 0 || n > 255) {
            v.error(
                    value,
                    "scope must be global, site, link, host, nowhere or a number 0..255; got '" + value.text() + "'");
            return null;
        }
        return Long.toString(n);
    }
}
