package org.hadirector.conf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import org.hadirector.conf.model.AuthType;
import org.hadirector.conf.model.DnsCheck;
import org.hadirector.conf.model.ForwardingMethod;
import org.hadirector.conf.model.GarpGroup;
import org.hadirector.conf.model.HttpGetCheck;
import org.hadirector.conf.model.InitialState;
import org.hadirector.conf.model.KeepalivedConfig;
import org.hadirector.conf.model.LvsFlushOnStop;
import org.hadirector.conf.model.MiscCheck;
import org.hadirector.conf.model.Protocol;
import org.hadirector.conf.model.RealServer;
import org.hadirector.conf.model.SmtpCheck;
import org.hadirector.conf.model.StatusRange;
import org.hadirector.conf.model.TcpCheck;
import org.hadirector.conf.model.TrackedInterface;
import org.hadirector.conf.model.TrackedRef;
import org.hadirector.conf.model.VirtualIpAddress;
import org.hadirector.conf.model.VirtualServer;
import org.hadirector.conf.model.VirtualServerKind;
import org.hadirector.conf.model.VrrpInstance;
import org.hadirector.conf.model.VsgEntry;
import org.hadirector.sys.Addresses;
import org.junit.jupiter.api.Test;

/** What the corpus files mean once read: values, defaults and inheritance as keepalived has them. */
class ModelTest {

    private static KeepalivedConfig load(String file) throws ConfigException {
        return Corpus.load("valid/" + file).config();
    }

    private static List<String> addresses(List<VirtualIpAddress> vips) {
        return vips.stream()
                .map(a -> Addresses.format(a.address()) + "/" + a.prefixLength())
                .toList();
    }

    @Test
    void garpGroupsKeepWhatTheySetAndTheirInterfaces() throws ConfigException {
        KeepalivedConfig c = load("garp-group.conf");
        assertEquals(
                List.of(
                        new GarpGroup(Duration.ofMillis(300), null, List.of("e0")),
                        new GarpGroup(Duration.ZERO, Duration.ofMillis(1500), List.of("e1", "e2", "lo")),
                        new GarpGroup(Duration.ofMillis(1), null, List.of())),
                c.garpGroups());
        assertEquals(List.of(), c.unsupportedBlocks());
    }

    @Test
    void seedConfigurationHasKeepalivedDefaults() throws ConfigException {
        KeepalivedConfig c = load("seed-lvs-dr.conf");
        assertEquals("LVS_DEVEL", c.globalDefs().routerId());
        VrrpInstance vi = c.vrrpInstances().get(0);
        assertEquals("VI_1", vi.name());
        assertEquals(InitialState.MASTER, vi.state());
        assertEquals("eth0", vi.interfaceName());
        assertEquals(51, vi.virtualRouterId());
        assertEquals(100, vi.priority());
        assertEquals(Duration.ofSeconds(1), vi.advertInt());
        assertEquals(2, vi.version());
        assertEquals(AuthType.PASS, vi.authType());
        assertEquals("1111", vi.authPass());
        assertEquals(List.of("192.168.1.100/32"), addresses(vi.virtualIpaddresses()));
        assertFalse(vi.nopreempt());
        assertTrue(vi.accept(), "accept mode is keepalived's default outside strict mode");
        assertEquals(Duration.ofSeconds(5), vi.garp().masterDelay());
        assertEquals(5, vi.garp().masterRepeat());

        VirtualServer vs = c.virtualServers().get(0);
        assertEquals(VirtualServerKind.ADDRESS, vs.kind());
        assertEquals("192.168.1.100", Addresses.format(vs.address()));
        assertEquals(80, vs.port());
        assertEquals(Protocol.TCP, vs.protocol());
        assertEquals("rr", vs.lvsSched(), "lb_algo is lvs_sched");
        assertEquals(ForwardingMethod.DR, vs.lvsMethod(), "lb_kind is lvs_method");
        assertEquals(Duration.ofSeconds(6), vs.delayLoop());
        assertEquals(2, vs.realServers().size());
        RealServer rs = vs.realServers().get(0);
        assertEquals("192.168.1.11", Addresses.format(rs.address()));
        assertEquals(80, rs.port());
        assertEquals(1, rs.weight());
        assertEquals(ForwardingMethod.DR, rs.lvsMethod(), "a real server inherits the forwarding method");
        HttpGetCheck http = (HttpGetCheck) rs.checkers().get(0);
        assertEquals("/", http.urls().get(0).path());
        assertEquals(List.of(new StatusRange(200, 200)), http.urls().get(0).statusCodes());
        assertEquals(Duration.ofSeconds(3), http.timing().connectTimeout());
        assertEquals(3, http.timing().retry(), "nb_get_retry is retry");
        assertEquals(Duration.ofSeconds(3), http.timing().delayBeforeRetry());
        assertEquals(Duration.ofSeconds(6), http.timing().delayLoop(), "delay_loop comes down from the virtual server");
    }

    @Test
    void oneLineBlocksAndGluedBraces() throws ConfigException {
        KeepalivedConfig c = load("one-line-blocks.conf");
        assertEquals("lab1", c.globalDefs().routerId());
        assertEquals(
                List.of("VI_1", "VI_2"),
                c.vrrpInstances().stream().map(VrrpInstance::name).toList());
        assertEquals(
                List.of("198.18.0.100/32"), addresses(c.vrrpInstances().get(0).virtualIpaddresses()));
        assertEquals(
                List.of("198.18.0.101/32"), addresses(c.vrrpInstances().get(1).virtualIpaddresses()));
        VirtualServer vs = c.virtualServers().get(0);
        assertEquals(Protocol.TCP, vs.protocol());
        assertEquals(2, vs.realServers().get(0).weight());
        TcpCheck tcp = (TcpCheck) vs.realServers().get(1).checkers().get(0);
        assertEquals(Duration.ofSeconds(2), tcp.timing().connectTimeout());
        assertEquals(1, tcp.timing().retry());
        assertEquals(Duration.ofSeconds(1), tcp.timing().delayBeforeRetry());
        assertEquals(Duration.ofSeconds(60), tcp.timing().delayLoop());
    }

    @Test
    void quotesEscapesAndComments() throws ConfigException {
        KeepalivedConfig c = load("quoted.conf");
        assertEquals(
                "/usr/bin/test -e '/tmp/a file' # not a comment",
                c.vrrpScripts().get(0).script());
        assertEquals(Duration.ofSeconds(2), c.vrrpScripts().get(0).interval());
        assertEquals("/bin/echo \"x!y\"", c.vrrpScripts().get(1).script());
        assertEquals("/bin/printf a\tbAA", c.vrrpScripts().get(2).script());
        assertEquals("/bin/trueglued part", c.vrrpScripts().get(3).script());
    }

    @Test
    void conditionalLinesFollowTheConfigId() throws ConfigException {
        KeepalivedConfig main = ConfigLoader.load(Corpus.file("valid/conditional.conf"), Corpus.options("main"))
                .config();
        KeepalivedConfig backup = ConfigLoader.load(Corpus.file("valid/conditional.conf"), Corpus.options("backup"))
                .config();
        KeepalivedConfig other = ConfigLoader.load(Corpus.file("valid/conditional.conf"), Corpus.options("other"))
                .config();
        assertEquals("main_router", main.globalDefs().routerId());
        assertEquals("backup_router", backup.globalDefs().routerId());
        assertEquals("testhost", other.globalDefs().routerId(), "router_id defaults to the host name");
        assertEquals(150, main.vrrpInstances().get(0).priority());
        assertEquals(100, backup.vrrpInstances().get(0).priority());
        assertEquals(List.of("198.18.0.12"), peers(main));
        assertEquals(List.of("198.18.0.11"), peers(backup));
        assertEquals(List.of("198.18.0.11", "198.18.0.12"), peers(other));
        assertEquals("198.18.0.11", Addresses.format(main.vrrpInstances().get(0).mcastSrcIp()));
    }

    private static List<String> peers(KeepalivedConfig c) {
        return c.vrrpInstances().get(0).unicastPeers().stream()
                .map(p -> Addresses.format(p.address()))
                .toList();
    }

    @Test
    void definitionsSubstituteLateAndExpandMultiLineValues() throws ConfigException {
        KeepalivedConfig main = load("definitions.conf");
        VrrpInstance vi = main.vrrpInstances().get(0);
        assertEquals(150, vi.priority(), "$IF_MAIN expands to @main, which then applies");
        assertEquals(List.of("198.18.0.100/32"), addresses(vi.virtualIpaddresses()));
        assertEquals(
                "/bin/echo #master ${UNDEFINED_STAYS} $HOME",
                vi.notifies().master().command(),
                "undefined parameters are left alone; ${_HASH} is '#'");
        assertEquals(
                List.of("198.18.0.100", "198.18.0.101"),
                main.virtualServers().stream()
                        .map(v -> Addresses.format(v.address()))
                        .toList());
        for (VirtualServer vs : main.virtualServers()) {
            assertEquals(
                    List.of("198.18.0.21", "198.18.0.22"),
                    vs.realServers().stream()
                            .map(r -> Addresses.format(r.address()))
                            .toList());
            assertEquals(
                    List.of(21, 22),
                    vs.realServers().stream().map(RealServer::weight).toList());
            assertEquals(
                    Duration.ofSeconds(3),
                    ((TcpCheck) vs.realServers().get(0).checkers().get(0))
                            .timing()
                            .connectTimeout());
        }
        KeepalivedConfig other = ConfigLoader.load(Corpus.file("valid/definitions.conf"), Corpus.options("x"))
                .config();
        assertEquals(100, other.vrrpInstances().get(0).priority());
    }

    @Test
    void sequencesAndLists() throws ConfigException {
        KeepalivedConfig c = load("sequences.conf");
        VrrpInstance vi = c.vrrpInstances().get(0);
        assertEquals(
                List.of(
                        "198.18.0.1/32",
                        "198.18.0.2/32",
                        "198.18.0.3/32",
                        "198.18.0.12/32",
                        "198.18.0.8/32",
                        "198.18.0.4/32"),
                addresses(vi.virtualIpaddresses()));
        assertEquals(
                List.of("2001:db8::90/128", "2001:db8::a0/128", "2001:db8::b0/128", "198.18.1.20/32", "198.18.2.30/32"),
                addresses(vi.virtualIpaddressesExcluded()));
        assertEquals(
                List.of(8080, 8081),
                c.virtualServers().stream().map(VirtualServer::port).toList());
    }

    @Test
    void includesWithGlobsBracesAndNestedRelativePaths() throws ConfigException {
        KeepalivedConfig c = Corpus.load("valid/includes/main.conf").config();
        assertEquals("inc", c.globalDefs().routerId());
        assertEquals("VI_1", c.vrrpInstances().get(0).name());
        assertEquals("chk", c.vrrpScripts().get(0).name());
        assertEquals("tf1", c.trackFiles().get(0).name());
        assertEquals(
                List.of("198.18.0.101", "198.18.0.102"),
                c.virtualServers().stream()
                        .map(v -> Addresses.format(v.address()))
                        .toList());
    }

    @Test
    void vrrpKeywords() throws ConfigException {
        KeepalivedConfig c = load("vrrp-full.conf");
        var g = c.globalDefs();
        assertEquals("nobody", g.scriptUser());
        assertEquals("nogroup", g.scriptGroup());
        assertTrue(g.enableScriptSecurity());
        assertEquals(3, g.vrrpVersion());
        assertEquals("e0", g.lvsSyncDaemon().interfaceName());
        assertEquals("VI_WEB", g.lvsSyncDaemon().vrrpInstance());
        assertEquals(7, g.lvsSyncDaemon().syncId());
        assertEquals(1400, g.lvsSyncDaemon().maxlen());
        assertEquals(8848, g.lvsSyncDaemon().port());
        assertEquals("224.0.0.81", Addresses.format(g.lvsSyncDaemon().group()));
        assertEquals(900, g.lvsTimeouts().tcp());
        assertEquals(120, g.lvsTimeouts().tcpFin());
        assertEquals(300, g.lvsTimeouts().udp());
        assertTrue(g.lvsFlush());
        assertFalse(g.sloppyTcp());
        // '@hadirector' lines are read whatever the config id, '@^hadirector' ones never
        assertTrue(load("hadirector-extensions.conf").globalDefs().sloppyTcp());
        assertEquals("ecmp1", load("hadirector-extensions.conf").globalDefs().routerId());
        assertEquals(LvsFlushOnStop.VS, g.lvsFlushOnStop());
        assertEquals("/run/hadirector/fifo", g.notifyFifo().path());

        var script = c.vrrpScripts().get(0);
        assertEquals(Duration.ofMillis(500), script.interval());
        assertEquals(Duration.ofSeconds(2), script.timeout());
        assertEquals(-20, script.weight());
        assertEquals(2, script.rise());
        assertEquals(3, script.fall());
        assertTrue(script.initFail());
        var tf = c.trackFiles().get(0);
        assertEquals(-50, tf.weight());
        assertTrue(tf.reverse());
        assertTrue(tf.initOverwrite());

        var sg = c.vrrpSyncGroups().get(0);
        assertEquals(List.of("VI_WEB", "VI_V6"), sg.members());
        assertEquals("/etc/hadirector/notify.sh master", sg.notifies().master().command());

        VrrpInstance web = c.vrrpInstances().get(0);
        assertEquals(3, web.version(), "global vrrp_version applies");
        assertEquals(Duration.ofMillis(100), web.advertInt());
        assertFalse(web.nopreempt(), "cleared with state MASTER");
        assertEquals(Duration.ZERO, web.preemptDelay(), "cleared with state MASTER");
        assertEquals(
                List.of(
                        new TrackedInterface("e0", 0, false),
                        new TrackedInterface("e1", -30, false),
                        new TrackedInterface("e2", 10, true)),
                web.trackInterfaces());
        assertEquals(
                List.of(new TrackedRef("chk_nginx", null, null), new TrackedRef("chk_nginx", -10, null)),
                web.trackScripts());
        assertEquals(List.of(new TrackedRef("maint", 20, null)), web.trackFiles());
        VirtualIpAddress v0 = web.virtualIpaddresses().get(0);
        assertEquals("e0", v0.dev());
        assertEquals("e0:vip", v0.label());
        assertEquals("global", v0.scope());
        VirtualIpAddress v1 = web.virtualIpaddresses().get(1);
        assertEquals(24, v1.prefixLength());
        assertEquals("198.18.0.255", Addresses.format(v1.broadcast()));
        assertTrue(v1.noTrack());
        assertTrue(web.virtualIpaddressesExcluded().get(0).nodad());
        assertEquals(Duration.ofSeconds(1), web.garp().masterDelay(), "instance garp_master_delay wins");
        assertEquals(3, web.garp().masterRepeat(), "global vrrp_garp_master_repeat applies");
        assertEquals(
                Duration.ofSeconds(2),
                web.garp().lowerPrioDelay(),
                "an instance's lower-prio delay defaults to the global one, which follows the global master delay");
        assertEquals(Duration.ofSeconds(60), web.garp().masterRefresh());
        assertEquals("root", web.notifies().backup().user());
        assertEquals("/etc/hadirector/fault.sh now", web.notifies().fault().command());
        assertEquals("root", web.notifies().fault().group());

        VrrpInstance v6 = c.vrrpInstances().get(1);
        assertTrue(v6.isIpv6());
        assertEquals(3, v6.version());
        assertEquals(InitialState.BACKUP, v6.state());

        VrrpInstance uni = c.vrrpInstances().get(2);
        assertEquals(2, uni.version());
        assertEquals(Duration.ofSeconds(2), uni.advertInt());
        assertEquals("secret12", uni.authPass(), "truncated to 8 characters");
        assertEquals(250, uni.unicastPeers().get(0).minTtl());
        assertEquals(255, uni.unicastPeers().get(0).maxTtl());
        assertNull(uni.unicastPeers().get(1).minTtl());
        assertEquals(InitialState.BACKUP, uni.state(), "BACKUP is the default state");
    }

    @Test
    void lvsKeywordsAndCheckerInheritance() throws ConfigException {
        KeepalivedConfig c = load("lvs-full.conf");
        List<VsgEntry> e = c.virtualServerGroups().get(0).entries();
        assertEquals("198.18.0.103", Addresses.format(e.get(1).first()));
        assertEquals("198.18.0.105", Addresses.format(e.get(1).last()));
        assertEquals("198.18.1.2", Addresses.format(e.get(2).last()));
        assertEquals("198.18.0.8", Addresses.format(e.get(3).first()));
        assertEquals("198.18.0.11", Addresses.format(e.get(3).last()));
        assertEquals("2001:db8::1f", Addresses.format(e.get(4).last()));
        assertEquals(7, e.get(5).fwmark());
        assertEquals("inet6", e.get(6).family());

        VirtualServer group = c.virtualServers().get(0);
        assertEquals(VirtualServerKind.GROUP, group.kind());
        assertEquals("VSG_1", group.group());
        VirtualServer fwm = c.virtualServers().get(1);
        assertEquals(1, fwm.fwmark());
        assertEquals(List.of("sh-port"), fwm.schedFlags());
        assertEquals(360, fwm.persistenceTimeout(), "a bare persistence_timeout is 6 minutes");
        assertEquals(ForwardingMethod.NAT, group.lvsMethod(), "NAT is keepalived's default");
        assertEquals("sh", fwm.lvsSched());
        assertEquals("rr", group.lvsSched());

        VirtualServer vs = c.virtualServers().get(2);
        assertEquals(300, vs.persistenceTimeout());
        assertEquals("255.255.255.0", Addresses.format(vs.persistenceGranularity()));
        assertTrue(vs.haSuspend());
        assertTrue(vs.alpha());
        assertEquals(2, vs.quorum());
        assertEquals(1, vs.hysteresis());
        assertEquals("/bin/echo up", vs.quorumUp().command());
        assertEquals("198.18.0.30", Addresses.format(vs.sorryServer().address()));
        assertTrue(vs.sorryServer().inhibit());
        assertEquals(ForwardingMethod.DR, vs.sorryServer().lvsMethod());

        RealServer rs = vs.realServers().get(0);
        assertEquals(3, rs.weight());
        assertTrue(rs.inhibitOnFailure());
        assertEquals(1000, rs.uthreshold());
        assertEquals("www.example.test", rs.virtualhost());
        HttpGetCheck http = (HttpGetCheck) rs.checkers().get(0);
        assertEquals("HTTP_GET", http.type());
        assertEquals(
                List.of(new StatusRange(200, 200), new StatusRange(301, 302)),
                http.urls().get(0).statusCodes());
        assertEquals("9b3a0c85a887a256d6939da88aabd8cd", http.urls().get(0).digest());
        assertEquals(List.of(new StatusRange(200, 299)), http.urls().get(1).statusCodes());
        assertEquals("other.example.test", http.urls().get(1).virtualhost());
        assertEquals("www.example.test", http.virtualhost());
        assertEquals(8080, http.endpoint().connectPort());
        assertEquals("198.18.0.11", Addresses.format(http.endpoint().bindto()));
        assertEquals(4, http.timing().retry(), "the checker's own retry");
        assertEquals(Duration.ofSeconds(2), http.timing().connectTimeout(), "from the virtual server");
        assertEquals(Duration.ofMillis(500), http.timing().delayBeforeRetry(), "from the virtual server");
        assertEquals(Duration.ofSeconds(2), http.timing().delayLoop());
        assertTrue(http.timing().alpha(), "alpha comes down from the virtual server");
        HttpGetCheck ssl = (HttpGetCheck) rs.checkers().get(1);
        assertEquals("SSL_GET", ssl.type());
        assertTrue(ssl.enableSni());
        assertEquals(2, ssl.timing().retry(), "from the virtual server");
        TcpCheck tcp = (TcpCheck) rs.checkers().get(2);
        assertEquals(Duration.ofSeconds(1), tcp.timing().connectTimeout());
        MiscCheck misc = (MiscCheck) rs.checkers().get(3);
        assertEquals("/usr/local/bin/check 198.18.0.21", misc.miscPath());
        assertEquals(Duration.ofSeconds(4), misc.miscTimeout());
        assertTrue(misc.miscDynamic());
        assertEquals("nobody", misc.user());
        DnsCheck dns = (DnsCheck) rs.checkers().get(4);
        assertEquals("A", dns.queryType());
        assertEquals("www.example.test", dns.name());
        SmtpCheck smtp = (SmtpCheck) rs.checkers().get(5);
        assertEquals("director.example.test", smtp.heloName());
        assertEquals("/etc/ssl/ca.pem", c.ssl().ca());
    }

    @Test
    void checkerTypeDefaultsWithoutInheritance() throws ConfigException {
        String text = """
                virtual_server 198.18.0.100 53 {
                    protocol UDP
                    real_server 198.18.0.21 53 {
                        DNS_CHECK {
                        }
                        MISC_CHECK {
                            misc_path /bin/true
                        }
                        HTTP_GET {
                            url {
                                path /
                            }
                        }
                    }
                }
                """;
        KeepalivedConfig c = ConfigLoader.loadString("t.conf", text, Corpus.root(), Corpus.options("x"))
                .config();
        assertEquals("wlc", c.virtualServers().get(0).lvsSched(), "wlc is keepalived's default scheduler");
        assertEquals(ForwardingMethod.NAT, c.virtualServers().get(0).lvsMethod());
        var checkers = c.virtualServers().get(0).realServers().get(0).checkers();
        DnsCheck dns = (DnsCheck) checkers.get(0);
        assertEquals(3, dns.timing().retry());
        assertEquals(Duration.ofSeconds(60), dns.timing().delayBeforeRetry(), "DNS retries after delay_loop");
        assertEquals("SOA", dns.queryType());
        assertEquals(".", dns.name());
        MiscCheck misc = (MiscCheck) checkers.get(1);
        assertEquals(0, misc.timing().retry());
        assertEquals(Duration.ofSeconds(60), misc.miscTimeout(), "misc_timeout defaults to delay_loop");
        HttpGetCheck http = (HttpGetCheck) checkers.get(2);
        assertEquals(1, http.timing().retry());
        assertEquals(Duration.ofSeconds(3), http.timing().delayBeforeRetry());
        assertEquals(Duration.ofSeconds(5), http.timing().connectTimeout());
        assertFalse(http.timing().alpha());
        assertEquals(Duration.ofSeconds(60), http.timing().warmup(), "warmup is at most delay_loop by default");
    }

    @Test
    void jsonDumpShowsResolvedValues() throws ConfigException {
        String json = ConfigJson.render(load("seed-lvs-dr.conf"));
        com.typesafe.config.Config parsed = com.typesafe.config.ConfigFactory.parseString(json);
        assertEquals("LVS_DEVEL", parsed.getString("globalDefs.routerId"));
        var vs = parsed.getConfigList("virtualServers").get(0);
        assertEquals("192.168.1.100", vs.getString("address"));
        assertEquals("DR", vs.getString("lvsMethod"));
        var checker =
                vs.getConfigList("realServers").get(0).getConfigList("checkers").get(0);
        assertEquals("HTTP_GET", checker.getString("type"));
        assertEquals(3.0, checker.getDouble("timing.connectTimeout"));
    }

    @Test
    void sequenceBoundsMayBeDefinitions() throws ConfigException {
        VrrpInstance vi = load("sequences-definitions.conf").vrrpInstances().get(0);
        assertEquals(
                List.of(
                        "198.18.0.3/32",
                        "198.18.0.4/32",
                        "198.18.0.5/32",
                        "198.18.1.30/32",
                        "198.18.1.32/32",
                        "198.18.1.34/32",
                        "198.18.1.36/32",
                        "198.18.1.38/32",
                        "198.18.1.40/32",
                        "198.18.1.42/32",
                        "198.18.1.44/32",
                        "198.18.1.46/32",
                        "198.18.1.48/32",
                        "198.18.1.50/32",
                        "198.18.2.1/32",
                        "198.18.2.2/32",
                        "198.18.2.3/32",
                        "198.18.2.4/32",
                        "198.18.2.5/32"),
                addresses(vi.virtualIpaddresses()));
    }

    @Test
    void addressLineOptionsAsIproute2TakesThem() throws ConfigException {
        VrrpInstance vi = load("address-options.conf").vrrpInstances().get(0);
        List<VirtualIpAddress> v = vi.virtualIpaddresses();
        assertEquals("198.18.0.255", Addresses.format(v.get(0).broadcast()), "brd + sets the host bits");
        assertEquals("198.18.1.0", Addresses.format(v.get(1).broadcast()), "brd - clears them");
        assertEquals("198.18.3.255", Addresses.format(v.get(2).broadcast()), "broadcast is brd");
        assertEquals("253", v.get(3).scope(), "0xfd as strtoul reads it");
        assertEquals("200", v.get(4).scope());
        assertEquals("link", v.get(5).scope());
        assertEquals("forever", vi.virtualIpaddressesExcluded().get(0).preferredLft());
        assertEquals("0", vi.virtualIpaddressesExcluded().get(1).preferredLft());
    }

    @Test
    void virtualServerKeywordsAsKeepalivedTakesThem() throws ConfigException {
        KeepalivedConfig c = load("virtual-server-arguments.conf");
        VirtualServer vs = c.virtualServers().get(0);
        assertTrue(vs.alpha(), "'alpha 1' sets alpha");
        assertTrue(vs.omega());
        assertTrue(vs.haSuspend());
        assertTrue(vs.inhibitOnFailure());
        assertTrue(vs.sorryServer().inhibit());
        assertEquals(List.of("sh-port"), vs.schedFlags());
        RealServer inheriting = vs.realServers().get(0);
        assertEquals(7, inheriting.weight(), "the virtual server's weight is its real servers' default");
        assertTrue(inheriting.alpha());
        assertTrue(inheriting.inhibitOnFailure());
        assertTrue(
                inheriting.checkers().get(0) instanceof TcpCheck t && t.timing().alpha());
        RealServer own = vs.realServers().get(1);
        assertEquals(2, own.weight());
        assertFalse(own.alpha());
        assertFalse(own.inhibitOnFailure());
        assertNull(vs.persistenceGranularity());

        VirtualServer v6 = c.virtualServers().get(1);
        assertEquals("ffff:ffff:ffff:ffff::", Addresses.format(v6.persistenceGranularity()), "a /64 prefix");
        assertEquals(360, v6.persistenceTimeout(), "a granularity makes the service persistent");
        VirtualServer fwm = c.virtualServers().get(2);
        assertEquals(
                "ffff:ffff:ffff::",
                Addresses.format(fwm.persistenceGranularity()),
                "no family known yet and no '.': an IPv6 prefix, as keepalived decides");
    }

    @Test
    void flagsKeepalivedSetsWhateverFollows() throws ConfigException {
        KeepalivedConfig c = load("flags-without-values.conf");
        assertTrue(c.globalDefs().enableScriptSecurity());
        assertTrue(c.globalDefs().vrrpSkipCheckAdvAddr(), "'vrrp_skip_check_adv_addr no' sets it in keepalived");
        assertEquals(Duration.ofSeconds(2), c.globalDefs().vrrpGarpInterval());
        assertEquals(Duration.ofSeconds(300), c.globalDefs().vrrpStartupDelay());
        VrrpInstance vi = c.vrrpInstances().get(0);
        assertTrue(vi.nopreempt());
        assertTrue(vi.skipCheckAdvAddr(), "2.2.7 sets it for 'off' too");
    }

    @Test
    void checkerValuesAsKeepalivedTakesThem() throws ConfigException {
        RealServer rs = load("checker-values.conf")
                .virtualServers()
                .get(0)
                .realServers()
                .get(0);
        HttpGetCheck ssl = (HttpGetCheck) rs.checkers().get(0);
        assertFalse(ssl.enableSni(), "'enable_sni off' is off");
        MiscCheck misc = (MiscCheck) rs.checkers().get(1);
        assertEquals(Duration.ofSeconds(7), misc.miscTimeout(), "misc_timeout 0: delay_loop");
    }
}
