package org.hadirector.conf;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import org.hadirector.conf.model.GarpSettings;
import org.hadirector.conf.model.GlobalDefs;
import org.hadirector.conf.model.LvsFlushOnStop;
import org.hadirector.conf.model.LvsSyncDaemon;
import org.hadirector.conf.model.LvsTimeouts;
import org.hadirector.conf.model.NotifyFifo;
import org.hadirector.conf.parse.Statement;
import org.hadirector.conf.parse.Token;
import org.hadirector.sys.Addresses;

/** global_defs; several blocks accumulate, as in keepalived. */
final class GlobalDefsReader {
    private final ValueReader v;
    private final RecordBuilder<GlobalDefs> b = new RecordBuilder<>(GlobalDefs.class);
    private final RecordBuilder<GarpSettings> garp = new RecordBuilder<>(GarpSettings.class);
    private final String hostName;
    /**
     * The notify FIFOs and their scripts by model field: keepalived's two keywords fill one
     * struct, in either order, so they are joined at {@link #build}.
     */
    private final java.util.Map<String, NotifyFifo> fifos = new java.util.HashMap<>();

    private final java.util.Map<String, org.hadirector.conf.model.NotifyScript> fifoScripts = new java.util.HashMap<>();
    /** Where lvs_sync_daemon was said, for errors found once the instances are known. */
    Location lvsSyncDaemonAt;

    GlobalDefsReader(ValueReader v, String hostName) {
        this.v = v;
        this.hostName = hostName;
    }

    void read(List<Statement> block) {
        for (Statement s : block) {
            String kw = Keywords.canonical(s.name());
            switch (kw) {
                case "router_id" -> b.set("routerId", v.string(s));
                case "notification_email" -> {
                    List<Statement> emails = v.block(s);
                    if (emails != null) {
                        for (Statement e : emails) {
                            b.add("notificationEmail", e.name());
                        }
                    }
                }
                case "notification_email_from" -> b.set("notificationEmailFrom", v.string(s));
                case "smtp_server" -> {
                    b.set("smtpServer", v.string(s));
                    if (s.args().size() > 1) {
                        b.set("smtpServerPort", v.integer(s.args().get(1), "smtp_server port", 1, 65535));
                    }
                }
                case "smtp_helo_name" -> b.set("smtpHeloName", v.string(s));
                case "smtp_connect_timeout" -> b.set("smtpConnectTimeout", v.seconds(s, 1, 4294));
                case "smtp_alert" -> b.set("smtpAlert", v.flag(s));
                case "smtp_alert_vrrp" -> b.set("smtpAlertVrrp", v.flag(s));
                case "smtp_alert_checker" -> b.set("smtpAlertChecker", v.flag(s));
                // keepalived's no_email_faults handler takes no argument; no_checker_emails takes a flag.
                case "no_email_faults" -> b.set("noEmailFaults", set(s));
                case "no_checker_emails" -> b.set("noCheckerEmails", v.flag(s));
                case "checker_log_all_failures" -> b.set("checkerLogAllFailures", v.flag(s));
                case "script_user" -> {
                    b.set("scriptUser", v.string(s));
                    if (s.args().size() > 1) {
                        b.set("scriptGroup", s.args().get(1).text());
                    }
                }
                // keepalived's handlers of these five take no argument and set the option whatever
                // follows ("vrrp_strict off" turns strict mode on): hadirector does the same, and says so.
                case "enable_script_security" -> b.set("enableScriptSecurity", set(s));
                case "vrrp_version" -> b.set("vrrpVersion", v.integer(s, 2, 3));
                case "vrrp_mcast_group4" -> {
                    InetAddress a = v.address(s);
                    if (a != null && !(a instanceof Inet4Address && a.isMulticastAddress())) {
                        v.error(s, "vrrp_mcast_group4 must be an IPv4 multicast address, got " + Addresses.format(a));
                    } else {
                        b.set("vrrpMcastGroup4", a);
                    }
                }
                case "vrrp_mcast_group6" -> {
                    InetAddress a = v.address(s);
                    if (a != null && !(a instanceof Inet6Address && a.isMulticastAddress())) {
                        v.error(s, "vrrp_mcast_group6 must be an IPv6 multicast address, got " + Addresses.format(a));
                    } else {
                        b.set("vrrpMcastGroup6", a);
                    }
                }
                case "default_interface" -> {
                    b.set("defaultInterface", v.string(s));
                    v.warning(
                            s,
                            "default_interface: keepalived 2.2.7 puts only static addresses without 'dev' on it, "
                                    + "and hadirector refuses static addresses; it changes nothing here");
                }
                case "vrrp_garp_interval" -> b.set("vrrpGarpInterval", largeInterval(s));
                case "vrrp_gna_interval" -> b.set("vrrpGnaInterval", largeInterval(s));
                case "vrrp_min_garp" -> b.set("vrrpMinGarp", v.flag(s));
                case "vrrp_strict" -> b.set("vrrpStrict", set(s));
                case "vrrp_skip_check_adv_addr" -> b.set("vrrpSkipCheckAdvAddr", set(s));
                case "vrrp_check_unicast_src" -> b.set("vrrpCheckUnicastSrc", set(s));
                case "vrrp_lower_prio_no_advert" -> b.set("vrrpLowerPrioNoAdvert", v.flag(s));
                case "vrrp_higher_prio_send_advert" -> b.set("vrrpHigherPrioSendAdvert", v.flag(s));
                // keepalived takes up to UINT_MAX microseconds (and logs above 60 s).
                case "vrrp_startup_delay" -> b.set("vrrpStartupDelay", v.seconds(s, 0, KEEPALIVED_MAX_TIMER));
                case "vrrp_down_timer_adverts" -> b.set("vrrpDownTimerAdverts", v.integer(s, 1, 100));
                case "lvs_sync_daemon" -> {
                    lvsSyncDaemonAt = s.location();
                    b.set("lvsSyncDaemon", syncDaemon(s));
                }
                case "lvs_timeouts" -> b.set("lvsTimeouts", timeouts(s));
                case "lvs_flush" -> b.set("lvsFlush", set(s));
                // hadirector's own, written '@hadirector sloppy_tcp': the kernel's
                // net.ipv4.vs.sloppy_tcp, on either dataplane (ECMP directors, docs/ecmp.md)
                case "sloppy_tcp" -> b.set("sloppyTcp", set(s));
                // hadirector's own, for '@hadirector announce' (docs/ecmp.md)
                case "announce_interface" -> b.set("announceInterface", v.string(s));
                case "bird_socket" -> b.set("birdSocket", v.string(s));
                case "bird_protocols" -> {
                    if (s.args().isEmpty()) {
                        v.error(s, "bird_protocols needs the names of BIRD's BGP protocols to report");
                    } else {
                        b.set(
                                "birdProtocols",
                                s.args().stream().map(a -> a.text()).toList());
                    }
                }
                case "lvs_flush_on_stop" -> {
                    if (s.args().isEmpty()) {
                        b.set("lvsFlushOnStop", LvsFlushOnStop.ALL);
                    } else if (s.args().get(0).text().equalsIgnoreCase("VS")) {
                        b.set("lvsFlushOnStop", LvsFlushOnStop.VS);
                    } else {
                        v.error(
                                s.args().get(0),
                                "lvs_flush_on_stop takes no argument or VS, got '"
                                        + s.args().get(0).text() + "'");
                    }
                }
                case "notify_fifo" -> fifos.put("notifyFifo", fifo(s));
                case "vrrp_notify_fifo" -> fifos.put("vrrpNotifyFifo", fifo(s));
                case "lvs_notify_fifo" -> fifos.put("lvsNotifyFifo", fifo(s));
                case "notify_fifo_script" -> fifoScripts.put("notifyFifo", v.script(s));
                case "vrrp_notify_fifo_script" -> fifoScripts.put("vrrpNotifyFifo", v.script(s));
                case "lvs_notify_fifo_script" -> fifoScripts.put("lvsNotifyFifo", v.script(s));
                case "vmac_prefix" -> {
                    if (b.get("vmacPrefix") != null) {
                        v.warning(s, "vmac_prefix is already given; ignored, as keepalived does");
                    } else {
                        b.set("vmacPrefix", v.string(s));
                    }
                }
                case "max_auto_priority" -> {
                    b.set("maxAutoPriority", s.args().isEmpty() ? Integer.valueOf(99) : v.integer(s, -1, 99));
                    v.warning(
                            s,
                            "max_auto_priority: keepalived's realtime scheduling of its own processes; "
                                    + "it means nothing to hadirector's JVM and is ignored");
                }
                default -> {
                    if (kw.startsWith("vrrp_garp_") && GarpReader.read(s, kw.substring(5), v, garp)) {
                        continue;
                    }
                    if (Keywords.GLOBAL_UNSUPPORTED.contains(kw)) {
                        v.warning(s, "'" + s.name() + "' is not supported by hadirector; ignored");
                    } else {
                        v.warning(s, "unknown keyword '" + s.name() + "' in global_defs; ignored");
                    }
                }
            }
        }
    }

    /** A keyword keepalived sets whatever words follow it. */
    private boolean set(Statement s) {
        v.noValue(s);
        return true;
    }

    /**
     * vrrp_garp_interval / vrrp_gna_interval: keepalived takes 1 microsecond up to UINT_MAX
     * microseconds and only logs that a second or more is very large.
     */
    private java.time.Duration largeInterval(Statement s) {
        java.time.Duration d = v.seconds(s, 0, KEEPALIVED_MAX_TIMER);
        if (d != null && d.compareTo(java.time.Duration.ofSeconds(1)) >= 0) {
            v.warning(
                    s,
                    "'" + s.name() + "' of " + s.args().get(0).text()
                            + " seconds is very large (keepalived says so too)");
        }
        return d;
    }

    /** UINT_MAX microseconds, the largest of keepalived's unsigned timers. */
    static final double KEEPALIVED_MAX_TIMER = 4294.967295;

    private LvsSyncDaemon syncDaemon(Statement s) {
        List<Token> a = s.args();
        if (a.isEmpty()) {
            v.error(s, "lvs_sync_daemon needs an interface: lvs_sync_daemon IF [inst VI] [id N]");
            return null;
        }
        RecordBuilder<LvsSyncDaemon> d = new RecordBuilder<>(LvsSyncDaemon.class);
        v.interfaceExists(a.get(0), "lvs_sync_daemon");
        d.set("interfaceName", a.get(0).text())
                .set("maxlen", 1472)
                .set("port", 8848)
                .set("ttl", 1)
                .set("group", IpLiteral.parse("224.0.0.81"));
        int i = 1;
        while (i < a.size()) {
            String key = a.get(i).text();
            boolean hasValue = i + 1 < a.size();
            switch (key) {
                case "inst" -> {
                    if (hasValue) {
                        d.set("vrrpInstance", a.get(i + 1).text());
                    }
                }
                case "id" -> d.set("syncId", hasValue ? v.integer(a.get(i + 1), "lvs_sync_daemon id", 0, 255) : null);
                case "maxlen" ->
                    d.set("maxlen", hasValue ? v.integer(a.get(i + 1), "lvs_sync_daemon maxlen", 1, 65507) : null);
                case "port" ->
                    d.set("port", hasValue ? v.integer(a.get(i + 1), "lvs_sync_daemon port", 1, 65535) : null);
                case "ttl" -> d.set("ttl", hasValue ? v.integer(a.get(i + 1), "lvs_sync_daemon ttl", 1, 255) : null);
                case "group" -> d.set("group", hasValue ? v.address(a.get(i + 1), "lvs_sync_daemon group") : null);
                default -> {
                    if (i == 1) {
                        // Backward compatible form: lvs_sync_daemon IF VI
                        d.set("vrrpInstance", key);
                        i++;
                        continue;
                    }
                    v.error(
                            a.get(i),
                            "lvs_sync_daemon: unknown option '" + key
                                    + "' (expected inst, id, maxlen, port, ttl or group)");
                    return d.build();
                }
            }
            if (!hasValue) {
                v.error(a.get(i), "lvs_sync_daemon: '" + key + "' needs a value");
            }
            i += 2;
        }
        return d.build();
    }

    private LvsTimeouts timeouts(Statement s) {
        List<Token> a = s.args();
        Integer tcp = null;
        Integer fin = null;
        Integer udp = null;
        if (a.isEmpty()) {
            v.error(s, "lvs_timeouts needs at least one of tcp SECS, tcpfin SECS, udp SECS");
        }
        for (int i = 0; i < a.size(); i += 2) {
            if (i + 1 >= a.size()) {
                v.error(a.get(i), "lvs_timeouts: '" + a.get(i).text() + "' needs a number of seconds");
                break;
            }
            Integer secs = v.integer(a.get(i + 1), "lvs_timeouts " + a.get(i).text(), 0, 86400 * 31);
            switch (a.get(i).text().toLowerCase(Locale.ROOT)) {
                case "tcp" -> tcp = secs;
                case "tcpfin" -> fin = secs;
                case "udp" -> udp = secs;
                default ->
                    v.error(
                            a.get(i),
                            "lvs_timeouts: unknown option '" + a.get(i).text() + "' (expected tcp, tcpfin or udp)");
            }
        }
        return new LvsTimeouts(tcp, fin, udp);
    }

    private NotifyFifo fifo(Statement s) {
        String path = v.string(s);
        if (path == null) {
            return null;
        }
        List<Token> a = s.args();
        return new NotifyFifo(
                path,
                a.size() > 1 ? a.get(1).text() : null,
                a.size() > 2 ? a.get(2).text() : null,
                null);
    }

    GlobalDefs build() {
        b.setDefault("routerId", hostName);
        b.setDefault("smtpServerPort", 25);
        b.setDefault("smtpConnectTimeout", Duration.ofSeconds(30));
        b.setDefault("vrrpVersion", 2);
        b.setDefault("vrrpMcastGroup4", IpLiteral.parse("224.0.0.18"));
        b.setDefault("vrrpMcastGroup6", IpLiteral.parse("ff02::12"));
        b.setDefault("defaultInterface", "eth0");
        b.setDefault("vrrpGarpInterval", Duration.ZERO);
        b.setDefault("vrrpGnaInterval", Duration.ZERO);
        b.setDefault("vrrpStartupDelay", Duration.ZERO);
        b.setDefault("vrrpDownTimerAdverts", 3);
        b.setDefault("lvsFlushOnStop", LvsFlushOnStop.NONE);
        b.setDefault("lvsTimeouts", new LvsTimeouts(null, null, null));
        if (Boolean.TRUE.equals(b.get("vrrpMinGarp"))) {
            // vrrp_min_garp: one GARP, no second burst, unless the file says otherwise.
            garp.setDefault("masterRepeat", 1);
            garp.setDefault("masterDelay", Duration.ZERO);
        }
        b.set("garp", GarpReader.resolve(garp, GarpSettings.DEFAULTS, true));
        // A script without its FIFO is kept by keepalived and never run (fifo_open needs a name).
        fifos.forEach((field, f) ->
                b.set(field, f == null ? null : new NotifyFifo(f.path(), f.user(), f.group(), fifoScripts.get(field))));
        return b.build();
    }
}
