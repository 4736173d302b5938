package org.hadirector.conf;

import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.hadirector.conf.model.BfdCheck;
import org.hadirector.conf.model.Checker;
import org.hadirector.conf.model.CheckerEndpoint;
import org.hadirector.conf.model.CheckerTiming;
import org.hadirector.conf.model.DnsCheck;
import org.hadirector.conf.model.FileCheck;
import org.hadirector.conf.model.HttpGetCheck;
import org.hadirector.conf.model.HttpUrl;
import org.hadirector.conf.model.MiscCheck;
import org.hadirector.conf.model.PingCheck;
import org.hadirector.conf.model.SmtpCheck;
import org.hadirector.conf.model.StatusRange;
import org.hadirector.conf.model.TcpCheck;
import org.hadirector.conf.model.UdpCheck;
import org.hadirector.conf.parse.Statement;
import org.hadirector.conf.parse.Token;
import org.hadirector.sys.HexPattern;

/** The checker blocks of a real server, with keepalived's per-type defaults. */
final class CheckerReader {
    static final Set<String> TYPES = Set.of(
            "HTTP_GET",
            "SSL_GET",
            "TCP_CHECK",
            "MISC_CHECK",
            "DNS_CHECK",
            "SMTP_CHECK",
            "UDP_CHECK",
            "PING_CHECK",
            "FILE_CHECK",
            "BFD_CHECK");
    private static final Set<String> DNS_TYPES = Set.of("A", "NS", "CNAME", "SOA", "MX", "TXT", "AAAA");

    /**
     * Values set on a virtual server or real server that are the defaults of the level below:
     * virtual_server -> real_server -> checker. Null means "not said at this level or above".
     */
    static final class Defaults {
        Duration connectTimeout;
        Integer retry;
        Duration delayBeforeRetry;
        Duration warmup;
        Duration delayLoop;
        Boolean alpha;
        Boolean inhibit;
        Boolean logAllFailures;
        String virtualhost;
        // sorry server settings live only on the virtual server
        boolean sorryInhibit;
        org.hadirector.conf.model.ForwardingMethod sorryMethod;
        org.hadirector.conf.model.TunnelSettings sorryTunnel;

        Defaults child() {
            Defaults d = new Defaults();
            d.connectTimeout = connectTimeout;
            d.retry = retry;
            d.delayBeforeRetry = delayBeforeRetry;
            d.warmup = warmup;
            d.delayLoop = delayLoop;
            d.alpha = alpha;
            d.inhibit = inhibit;
            d.logAllFailures = logAllFailures;
            d.virtualhost = virtualhost;
            return d;
        }

        /** Reads an inheritable keyword; false when {@code kw} is not one. */
        boolean read(Statement x, String kw, ValueReader v) {
            switch (kw) {
                case "connect_timeout" -> connectTimeout = v.seconds(x, 0.000001, 86400);
                case "retry" -> retry = v.integer(x, 0, 1_000_000);
                case "delay_before_retry" -> delayBeforeRetry = v.seconds(x, 0, 86400);
                case "warmup" -> warmup = v.seconds(x, 0, 86400);
                case "delay_loop" -> delayLoop = v.seconds(x, 0.000001, 86400 * 365);
                case "alpha" -> alpha = v.flag(x);
                case "inhibit_on_failure" -> inhibit = v.flag(x);
                case "log_all_failures" -> logAllFailures = v.flag(x);
                case "virtualhost" -> virtualhost = v.string(x);
                default -> {
                    return false;
                }
            }
            return true;
        }
    }

    private final ValueReader v;

    CheckerReader(ValueReader v) {
        this.v = v;
    }

    Checker read(Statement s, String type, Defaults rs) {
        List<Statement> block = s.hasBlock() ? s.block() : List.of();
        Defaults d = rs.child();
        return switch (type) {
            case "HTTP_GET", "SSL_GET" -> http(s, type.equals("SSL_GET"), block, d);
            case "TCP_CHECK" -> {
                CheckerEndpoint e = endpoint(block, d, type, Set.of());
                yield new TcpCheck(e, timing(d, type));
            }
            case "SMTP_CHECK" -> smtp(block, d);
            case "DNS_CHECK" -> dns(block, d);
            case "MISC_CHECK" -> misc(s, block, d);
            case "UDP_CHECK" -> udp(s, block, d);
            case "PING_CHECK" -> ping(block, d);
            case "FILE_CHECK" -> file(s, block);
            case "BFD_CHECK" -> {
                v.warning(s, Unbuilt.BFD_CHECK.warning());
                String name = null;
                for (Statement x : block) {
                    if (x.name().equals("name")) {
                        name = v.string(x);
                    }
                }
                yield new BfdCheck(name);
            }
            default -> throw new IllegalArgumentException(type);
        };
    }

    /**
     * Reads the generic connection options and inheritable timing of a checker block into
     * {@code d}; keywords in {@code own} are left to the caller, anything else is warned about.
     */
    private CheckerEndpoint endpoint(List<Statement> block, Defaults d, String type, Set<String> own) {
        RecordBuilder<CheckerEndpoint> e = new RecordBuilder<>(CheckerEndpoint.class);
        for (Statement x : block) {
            String kw = Keywords.canonical(x.name());
            if (own.contains(kw) || d.read(x, kw, v)) {
                continue;
            }
            switch (kw) {
                case "connect_ip" -> e.set("connectIp", v.address(x));
                case "connect_port" -> e.set("connectPort", v.integer(x, 1, 65535));
                case "bindto" -> e.set("bindto", v.address(x));
                case "bind_if" -> e.set("bindIf", v.string(x));
                case "bind_port" -> e.set("bindPort", v.integer(x, 1, 65535));
                case "fwmark" -> e.set("fwmark", v.integer(x, 0, Integer.MAX_VALUE));
                default -> v.warning(x, "unknown keyword '" + x.name() + "' in " + type + "; ignored");
            }
        }
        return e.build();
    }

    /** keepalived's per-type defaults under the inherited values. */
    private static CheckerTiming timing(Defaults d, String type) {
        Duration delayLoop = d.delayLoop != null ? d.delayLoop : Duration.ofSeconds(60);
        int retry = d.retry != null
                ? d.retry
                : switch (type) {
                    case "MISC_CHECK" -> 0;
                    case "DNS_CHECK" -> 3;
                    default -> 1;
                };
        Duration dbr = d.delayBeforeRetry != null
                ? d.delayBeforeRetry
                : switch (type) {
                    case "HTTP_GET", "SSL_GET" -> Duration.ofSeconds(3);
                    case "DNS_CHECK" -> delayLoop;
                    default -> Duration.ofSeconds(1);
                };
        return new CheckerTiming(
                d.connectTimeout != null ? d.connectTimeout : Duration.ofSeconds(5),
                retry,
                dbr,
                delayLoop,
                d.warmup != null ? d.warmup : delayLoop,
                d.alpha != null && d.alpha,
                d.logAllFailures != null && d.logAllFailures);
    }

    private HttpGetCheck http(Statement s, boolean ssl, List<Statement> block, Defaults d) {
        String type = ssl ? "SSL_GET" : "HTTP_GET";
        RecordBuilder<HttpGetCheck> b = new RecordBuilder<>(HttpGetCheck.class);
        b.set("ssl", ssl);
        for (Statement x : block) {
            switch (x.name()) {
                case "url" -> b.add("urls", url(x));
                case "http_protocol" -> {
                    String p = v.string(x);
                    if (p != null && !Set.of("1.0", "1.0C", "1.1").contains(p.toUpperCase(Locale.ROOT))) {
                        v.error(x.args().get(0), "http_protocol must be 1.0, 1.0C or 1.1, got '" + p + "'");
                    } else {
                        b.set("httpProtocol", p == null ? null : p.toUpperCase(Locale.ROOT));
                    }
                }
                case "fast_recovery" -> {
                    b.set("fastRecovery", v.flag(x));
                    v.warning(
                            x,
                            "fast_recovery: hadirector fetches every url in each check and brings a down server up "
                                    + "on one passing check, as keepalived does with fast_recovery; it changes nothing");
                }
                case "enable_sni" -> {
                    // keepalived: an optional on/off word, as for fast_recovery ("enable_sni off").
                    Boolean on = v.flag(x);
                    if (!ssl) {
                        v.warning(x, "enable_sni applies to SSL_GET only; ignored");
                    }
                    b.set("enableSni", ssl && Boolean.TRUE.equals(on));
                }
                default -> {}
            }
        }
        b.set("endpoint", endpoint(block, d, type, Set.of("url", "http_protocol", "fast_recovery", "enable_sni")));
        b.set("timing", timing(d, type));
        b.set("virtualhost", d.virtualhost);
        b.setDefault("httpProtocol", "1.0");
        if (!b.has("urls")) {
            v.error(s, type + " has no url block; add url { path / } (status_code defaults to 200-299)");
        }
        return b.build();
    }

    private HttpUrl url(Statement s) {
        List<Statement> block = v.block(s);
        RecordBuilder<HttpUrl> b = new RecordBuilder<>(HttpUrl.class);
        if (block == null) {
            return null;
        }
        for (Statement x : block) {
            switch (x.name()) {
                case "path" -> {
                    String p = v.string(x);
                    if (p != null && !p.startsWith("/") && !p.startsWith("http")) {
                        v.warning(x, "url path '" + p + "' does not start with '/'");
                    }
                    b.set("path", p);
                    v.extraArgs(x, 1);
                }
                case "digest" -> {
                    String dg = v.string(x);
                    if (dg != null && !dg.matches("[0-9a-fA-F]{32}")) {
                        v.error(
                                x.args().get(0),
                                "digest must be 32 hex digits (the MD5 of the body, as "
                                        + "'hadirector genhash' prints it), got '" + dg + "'");
                    } else if (dg != null) {
                        b.set("digest", dg.toLowerCase(Locale.ROOT));
                    }
                }
                case "status_code" -> {
                    if (x.args().isEmpty()) {
                        v.error(x, "status_code needs codes or ranges, e.g. status_code 200 or 200-299 503");
                    }
                    for (Token t : x.args()) {
                        StatusRange r = statusRange(t);
                        if (r != null) {
                            b.add("statusCodes", r);
                        }
                    }
                }
                case "virtualhost" -> b.set("virtualhost", v.string(x));
                case "regex" -> b.set("regex", v.string(x));
                case "regex_no_match" -> b.set("regexNoMatch", true);
                case "regex_options", "regex_stack", "regex_min_offset", "regex_max_offset" ->
                    v.warning(x, "'" + x.name() + "' is not supported by hadirector; ignored");
                default -> v.warning(x, "unknown keyword '" + x.name() + "' in url; ignored");
            }
        }
        if (!b.has("path")) {
            v.error(s, "url has no path; add: path /");
        }
        b.setDefault("statusCodes", List.of(new StatusRange(200, 299)));
        return b.build();
    }

    private StatusRange statusRange(Token t) {
        String s = t.text();
        String[] p = s.split("-", -1);
        try {
            int from = Integer.parseInt(p[0]);
            int to = p.length == 2 ? Integer.parseInt(p[1]) : from;
            if (p.length <= 2 && from >= 100 && to <= 599 && from <= to) {
                return new StatusRange(from, to);
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        v.error(t, "status_code '" + s + "' is not a code or range within 100-599 (e.g. 200 or 200-299)");
        return null;
    }

    private SmtpCheck smtp(List<Statement> block, Defaults d) {
        String helo = null;
        for (Statement x : block) {
            if (x.name().equals("helo_name")) {
                helo = v.string(x);
            } else if (x.name().equals("host")) {
                v.warning(
                        x,
                        "SMTP_CHECK 'host' sub-blocks are obsolete in keepalived and not supported; use one "
                                + "SMTP_CHECK per host with connect_ip");
            }
        }
        CheckerEndpoint e = endpoint(block, d, "SMTP_CHECK", Set.of("helo_name", "host"));
        return new SmtpCheck(e, timing(d, "SMTP_CHECK"), helo);
    }

    private DnsCheck dns(List<Statement> block, Defaults d) {
        String qtype = "SOA";
        String name = ".";
        for (Statement x : block) {
            if (x.name().equals("type")) {
                String t = v.string(x);
                if (t != null && !DNS_TYPES.contains(t.toUpperCase(Locale.ROOT))) {
                    v.error(
                            x.args().get(0),
                            "DNS_CHECK type must be one of A, NS, CNAME, SOA, MX, TXT, AAAA; got '" + t + "'");
                } else if (t != null) {
                    qtype = t.toUpperCase(Locale.ROOT);
                }
            } else if (x.name().equals("name")) {
                String n = v.string(x);
                if (n != null) {
                    name = n;
                }
            }
        }
        CheckerEndpoint e = endpoint(block, d, "DNS_CHECK", Set.of("type", "name"));
        return new DnsCheck(e, timing(d, "DNS_CHECK"), qtype, name);
    }

    private MiscCheck misc(Statement s, List<Statement> block, Defaults d) {
        RecordBuilder<MiscCheck> b = new RecordBuilder<>(MiscCheck.class);
        for (Statement x : block) {
            String kw = Keywords.canonical(x.name());
            if (d.read(x, kw, v)) {
                continue;
            }
            switch (kw) {
                case "misc_path" -> b.set("miscPath", v.string(x));
                case "misc_timeout" -> {
                    // keepalived takes 0 as "not set": the script then has delay_loop.
                    Duration t = v.seconds(x, 0, 86400);
                    b.set("miscTimeout", t == null || t.isZero() ? null : t);
                }
                case "misc_dynamic" -> b.set("miscDynamic", true);
                case "user" -> {
                    b.set("user", v.string(x));
                    if (x.args().size() > 1) {
                        b.set("group", x.args().get(1).text());
                    }
                }
                default -> v.warning(x, "unknown keyword '" + x.name() + "' in MISC_CHECK; ignored");
            }
        }
        if (!b.has("miscPath")) {
            v.error(s, "MISC_CHECK has no misc_path; add: misc_path \"/path/to/check args\"");
        }
        CheckerTiming t = timing(d, "MISC_CHECK");
        b.setDefault("miscTimeout", t.delayLoop());
        b.set("timing", t);
        return b.build();
    }

    private UdpCheck udp(Statement s, List<Statement> block, Defaults d) {
        String payload = null;
        boolean require = false;
        String reply = null;
        int min = 0;
        int max = 255;
        for (Statement x : block) {
            switch (x.name()) {
                case "payload" -> {
                    // keepalived joins the words with blanks, which separate octets
                    payload = String.join(" ", x.argTexts());
                    if (x.args().isEmpty()) {
                        v.error(x, "UDP_CHECK payload requires a payload");
                    } else if (HexPattern.parse(payload, false) == null) {
                        v.error(x, "invalid hex string for UDP_CHECK payload: " + payload);
                    }
                }
                case "require_reply" -> {
                    require = true;
                    reply = x.args().isEmpty() ? null : String.join(" ", x.argTexts());
                    if (reply != null && HexPattern.parse(reply, true) == null) {
                        v.error(x, "invalid hex string for UDP_CHECK reply: " + reply);
                    }
                }
                case "min_reply_length" -> {
                    Integer i = v.integer(x, 0, 65535);
                    min = i == null ? min : i;
                }
                case "max_reply_length" -> {
                    Integer i = v.integer(x, 0, 65535);
                    max = i == null ? max : i;
                }
                default -> {}
            }
        }
        if (min > max) {
            // keepalived reports it and runs the check, which then always fails
            v.warning(s, "UDP_CHECK min_reply_length " + min + " > max_reply_length " + max + ": it will always fail");
        }
        CheckerEndpoint e = endpoint(
                block, d, "UDP_CHECK", Set.of("payload", "require_reply", "min_reply_length", "max_reply_length"));
        return new UdpCheck(e, timing(d, "UDP_CHECK"), payload, require, reply, min, max);
    }

    /**
     * keepalived 2.2.7 installs every connection keyword in PING_CHECK but its ping neither binds
     * nor has a port: connect_port, bindto and bind_port are taken and do nothing there too.
     */
    private PingCheck ping(List<Statement> block, Defaults d) {
        CheckerEndpoint e = endpoint(block, d, "PING_CHECK", Set.of());
        for (Statement x : block) {
            String kw = Keywords.canonical(x.name());
            if (Set.of("connect_port", "bindto", "bind_port").contains(kw)) {
                v.warning(
                        x, "PING_CHECK " + kw + " does nothing: a ping has no port and is not bound, as in keepalived");
            }
        }
        return new PingCheck(e, timing(d, "PING_CHECK"));
    }

    private FileCheck file(Statement s, List<Statement> block) {
        String track = null;
        Integer weight = null;
        boolean reverse = false;
        for (Statement x : block) {
            switch (x.name()) {
                case "track_file" -> track = v.string(x);
                case "dynamic" ->
                    v.warning(
                            x,
                            "'dynamic' is not a FILE_CHECK keyword in keepalived 2.2.7 (its man page lists it, its parser "
                                    + "does not); ignored: the file's value weighs whenever the weight is not 0");
                case "weight" -> {
                    // keepalived: weight W [reverse|noreverse]; any other option drops the whole line
                    String option = x.args().size() > 1 ? x.args().get(1).text() : null;
                    if (option != null && !option.equals("reverse") && !option.equals("noreverse")) {
                        v.warning(
                                x,
                                "unknown FILE_CHECK weight option '" + option + "'; the line is ignored, "
                                        + "as keepalived ignores it");
                    } else {
                        weight = v.integer(x, Integer.MIN_VALUE + 1, Integer.MAX_VALUE);
                        reverse = "reverse".equals(option);
                    }
                }
                default -> v.warning(x, "unknown keyword '" + x.name() + "' in FILE_CHECK; ignored");
            }
        }
        if (track == null) {
            v.error(s, "FILE_CHECK needs 'track_file NAME'");
        }
        return new FileCheck(track, weight, reverse);
    }
}
