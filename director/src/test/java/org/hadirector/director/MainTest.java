package org.hadirector.director;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The command line as operators and scripts see it: output and exit codes. */
class MainTest {
    @TempDir
    Path dir;

    private String out;
    private String err;

    private int run(String... args) throws Exception {
        Path net = dir.resolve("sys-class-net");
        Files.createDirectories(net.resolve("e0"));
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        ByteArrayOutputStream e = new ByteArrayOutputStream();
        int rc = new Main(
                        new PrintStream(o, true, StandardCharsets.UTF_8),
                        new PrintStream(e, true, StandardCharsets.UTF_8),
                        net)
                .run(args);
        out = o.toString(StandardCharsets.UTF_8);
        err = e.toString(StandardCharsets.UTF_8);
        return rc;
    }

    private Path write(String name, String text) throws Exception {
        Path p = dir.resolve(name);
        Files.writeString(p, text);
        return p;
    }

    private static final String GOOD = """
            vrrp_instance VI_1 {
                interface e0
                virtual_router_id 51
                virtual_ipaddress {
                    198.18.0.100 dev e9
                }
            }
            virtual_server 198.18.0.100 80 {
                protocol TCP
                lvs_method DR
                real_server 198.18.0.21 80 {
                    TCP_CHECK {
                    }
                }
            }
            """;

    @Test
    void configTestAcceptsAGoodFileAndWarnsAboutMissingInterfacesWithTheirLine() throws Exception {
        Path f = write("good.conf", GOOD);
        assertEquals(0, run("--config-test", "-f", f.toString()));
        assertEquals(f + ": configuration OK: 1 vrrp_instance, 1 virtual_server, 1 real_server; 1 warning\n", out);
        assertEquals(f + ":5:26: warning: interface e9 (address 198.18.0.100) does not exist on this machine\n", err);
    }

    @Test
    void configTestExitsFiveOnErrorsAndListsThem() throws Exception {
        Path f = write("bad.conf", "vrrp_instance VI_1 {\n interface e0\n virtual_router_id 0\n}\n");
        assertEquals(5, run("-t", "-f", f.toString()));
        assertEquals(
                f + ":1:1: warning: vrrp_instance VI_1 has no virtual_ipaddress\n"
                        + f + ":3:20: error: 'virtual_router_id' must be in 1..255, got 0\n"
                        + "configuration has 1 error\n",
                err,
                "diagnostics in file order, then the count");
        assertEquals("", out);
    }

    @Test
    void configTestExitsFourWhenTheFileIsMissing() throws Exception {
        assertEquals(4, run("--config-test", "-f", dir.resolve("none.conf").toString()));
        assertEquals(dir.resolve("none.conf") + ":0: error: configuration file not found\n", err);
    }

    @Test
    void dumpConfigPrintsTheResolvedModelAsJson() throws Exception {
        Path f = write("good.conf", GOOD);
        assertEquals(0, run("--dump-config", "-f", f.toString()));
        Config c = ConfigFactory.parseString(out);
        assertEquals(51, c.getConfigList("vrrpInstances").get(0).getInt("virtualRouterId"));
        assertEquals(100, c.getConfigList("vrrpInstances").get(0).getInt("priority"));
        assertEquals("wlc", c.getConfigList("virtualServers").get(0).getString("lvsSched"));
        assertEquals(
                5.0,
                c.getConfigList("virtualServers")
                        .get(0)
                        .getConfigList("realServers")
                        .get(0)
                        .getConfigList("checkers")
                        .get(0)
                        .getDouble("timing.connectTimeout"));
    }

    @Test
    void configIdSelectsConditionalLines() throws Exception {
        Path f = write("cond.conf", "global_defs {\n @a router_id A\n @^a router_id notA\n}\n");
        assertEquals(0, run("--dump-config", "-i", "a", "-f", f.toString()));
        assertEquals("A", ConfigFactory.parseString(out).getString("globalDefs.routerId"));
        assertEquals(0, run("--dump-config", "-i", "b", "-f", f.toString()));
        assertEquals("notA", ConfigFactory.parseString(out).getString("globalDefs.routerId"));
    }

    @Test
    void usageErrorsExitOne() throws Exception {
        assertEquals(1, run("--frobnicate"));
        assertTrue(err.startsWith("hadirector: unknown option '--frobnicate'\n"), err);
        assertEquals(1, run("-f"));
        assertTrue(err.startsWith("hadirector: option -f needs a value\n"), err);
        assertEquals(1, run("-P", "-C", "-f", "x"));
        assertEquals(1, run("--config-test", "--dump-config"));
    }

    @Test
    void helpAndVersion() throws Exception {
        assertEquals(0, run("--help"));
        assertTrue(out.contains("hadirector --config-test -f FILE"), out);
        assertEquals(0, run("--version"));
        assertTrue(out.startsWith("hadirector "), out);
    }

    @Test
    void genhashPrintsTheDigestToPaste() throws Exception {
        com.sun.net.httpserver.HttpServer http = com.sun.net.httpserver.HttpServer.create(
                new java.net.InetSocketAddress(java.net.InetAddress.getLoopbackAddress(), 0), 4);
        http.createContext("/", x -> {
            byte[] b = ("host=" + x.getRequestHeaders().getFirst("Host") + "\n").getBytes();
            x.sendResponseHeaders(200, b.length);
            x.getResponseBody().write(b);
            x.close();
        });
        http.start();
        try {
            String port = Integer.toString(http.getAddress().getPort());
            assertEquals(
                    0, run("genhash", "-s", "127.0.0.1", "-p", port, "-u", "/index.html", "-V", "www.example.test"));
            String want = java.util.HexFormat.of()
                    .formatHex(java.security.MessageDigest.getInstance("MD5")
                            .digest("host=www.example.test\n".getBytes()));
            assertEquals("MD5SUM = " + want + "\n", out);
        } finally {
            http.stop(0);
        }
        assertEquals(1, run("genhash", "-s", "127.0.0.1"));
        assertTrue(err.startsWith("hadirector genhash: -s SERVER and -u URL are required\n"), err);
        assertEquals(1, run("genhash", "-s", "127.0.0.1", "-u", "/", "-p", "99999"));
    }

    @Test
    void commandsWithoutADaemonSaySo() throws Exception {
        assertEquals(1, run("status", "--control", dir.resolve("none.sock").toString()));
        assertTrue(err.startsWith("hadirector status: cannot reach the daemon at " + dir.resolve("none.sock")), err);
        if (!Files.exists(Path.of("/proc/net/ip_vs"))) {
            assertEquals(1, run("ipvs", "-L", "-n"));
            assertTrue(err.contains("no daemon at") && err.contains("this kernel has no IPVS"), err);
        }
        assertEquals(
                1,
                run(
                        "vrrp",
                        "demote",
                        "VI_1",
                        "--control",
                        dir.resolve("none.sock").toString()));
        assertTrue(err.startsWith("hadirector: cannot reach the daemon at"), err);
        assertEquals(1, run("ipvs", "-X"));
        assertTrue(err.contains("unknown option '-X'"), err);
    }

    @Test
    void enableScriptSecurityRefusesAnInsecureRootScriptWithExitSix() throws Exception {
        Path script = write("notify.sh", "#!/bin/sh\n");
        java.nio.file.Files.setPosixFilePermissions(
                script, java.nio.file.attribute.PosixFilePermissions.fromString("rwxrwxrwx"));
        Path f = write("sec.conf", """
                global_defs {
                    enable_script_security
                }
                vrrp_instance VI_1 {
                    interface e0
                    virtual_router_id 51
                    notify_master %s
                    virtual_ipaddress {
                        198.18.0.100
                    }
                }
                """.formatted(script));
        assertEquals(6, run("-P", "-f", f.toString()));
        assertTrue(err.contains("hadirector: script security: notify script of VI_1: " + script), err);
    }

    private static final String INSTANCE = """
            vrrp_instance VI_1 {
                interface e0
                virtual_router_id 51
                %s
                virtual_ipaddress {
                    198.18.0.100
                }
            }
            """;

    @Test
    void anUnknownScriptUserIsAConfigErrorNamingTheUser() throws Exception {
        Path f = write(
                "users.conf",
                """
                global_defs {
                    script_user no_such_user_hd
                }
                vrrp_script chk {
                    script /bin/true
                    user also_missing_hd
                }
                """
                        + INSTANCE.formatted(
                                "track_script {\n chk\n }\n notify_master \"/bin/true\" root no_such_group_hd"));
        assertEquals(5, run("--config-test", "-f", f.toString()));
        assertTrue(err.contains("global_defs script_user: user 'no_such_user_hd' does not exist"), err);
        assertTrue(err.contains("vrrp_script chk user: user 'also_missing_hd' does not exist"), err);
        assertEquals(1, run("-P", "-f", f.toString()), "the daemon refuses it before starting anything");
        assertTrue(err.contains("hadirector: global_defs script_user: user 'no_such_user_hd' does not exist"), err);
    }

    /** keepalived logs "Invalid user/group ... - ignoring" for a notify script, and its -t passes. */
    @Test
    void aNotifyScriptOfAnUnknownUserIsAWarningAsInKeepalived() throws Exception {
        Path f = write("notify-user.conf", INSTANCE.formatted("notify_master \"/bin/true\" root no_such_group_hd"));
        assertEquals(0, run("--config-test", "-f", f.toString()), err);
        assertTrue(
                err.contains("warning: vrrp_instance VI_1 notify_master: group 'no_such_group_hd' does not exist: "
                        + "keepalived ignores this script, and it will not run here either"),
                err);
    }

    /** keepalived -t is silent about smtp_alert without smtp_server; we say no mail will go. */
    @Test
    void smtpAlertWithoutAServerIsAWarning() throws Exception {
        Path f = write("smtp.conf", "global_defs {\n smtp_alert\n}\n" + INSTANCE.formatted(""));
        assertEquals(0, run("--config-test", "-f", f.toString()), err);
        assertTrue(
                err.contains(f + ": warning: smtp_alert: no e-mail is sent without smtp_server in global_defs "
                        + "(keepalived sends none either)"),
                err);
        assertTrue(out.contains("; 1 warning\n"), out);
    }

    @Test
    void aMiscCheckUserIsCheckedToo() throws Exception {
        Path f = write(
                "misc.conf", GOOD.replace("TCP_CHECK {", "MISC_CHECK {\n misc_path /bin/true\n user no_such_user_hd"));
        assertEquals(5, run("--config-test", "-f", f.toString()));
        assertTrue(err.contains("MISC_CHECK user: user 'no_such_user_hd' does not exist"), err);
    }

    @Test
    void strictModeNoAcceptAndUnbuiltTtlRangesAreRefusedByName() throws Exception {
        Path strict = write("strict.conf", "global_defs {\n vrrp_strict\n}\n" + INSTANCE.formatted(""));
        assertEquals(5, run("--config-test", "-f", strict.toString()));
        assertTrue(
                err.contains(
                        "vrrp_instance VI_1: strict mode (vrrp_strict / strict_mode) without 'accept' is not built"),
                err);
        Path noAccept = write("noaccept.conf", INSTANCE.formatted("no_accept"));
        assertEquals(5, run("--config-test", "-f", noAccept.toString()));
        assertTrue(err.contains("vrrp_instance VI_1: no_accept is not built"), err);
        Path ttl = write("ttl.conf", INSTANCE.formatted("unicast_peer {\n 198.18.0.12 min_ttl 250\n 198.18.0.13\n }"));
        assertEquals(5, run("--config-test", "-f", ttl.toString()));
        assertTrue(
                err.contains("vrrp_instance VI_1: unicast_peer: different min_ttl / max_ttl for different peers are "
                        + "not built yet"),
                err);
        Path empty =
                write("empty.conf", INSTANCE.formatted("unicast_peer {\n 198.18.0.12 min_ttl 250 max_ttl 200\n }"));
        assertEquals(5, run("--config-test", "-f", empty.toString()));
        assertTrue(err.contains("unicast_peer 198.18.0.12: min_ttl 250 is above max_ttl 200"), err);
        Path strictUnicast =
                write("su.conf", INSTANCE.formatted("strict_mode\n accept\n unicast_peer {\n 198.18.0.12\n }"));
        assertEquals(5, run("--config-test", "-f", strictUnicast.toString()));
        assertTrue(err.contains("strict mode (vrrp_strict / strict_mode) forbids unicast_peer"), err);
    }

    @Test
    void acceptStrictModeWithAcceptAndOneTtlRangePass() throws Exception {
        assertEquals(
                0,
                run(
                        "--config-test",
                        "-f",
                        write("a.conf", INSTANCE.formatted("accept")).toString()),
                err);
        assertEquals(
                0,
                run(
                        "--config-test",
                        "-f",
                        write("sa.conf", INSTANCE.formatted("strict_mode\n accept"))
                                .toString()),
                err);
        assertEquals(
                0,
                run(
                        "--config-test",
                        "-f",
                        write("t.conf", INSTANCE.formatted("unicast_peer {\n 198.18.0.12 min_ttl 0 max_ttl 255\n }"))
                                .toString()),
                err);
        assertEquals(
                0,
                run(
                        "--config-test",
                        "-f",
                        write(
                                        "t2.conf",
                                        INSTANCE.formatted(
                                                "unicast_peer {\n 198.18.0.12 min_ttl 250\n 198.18.0.13 min_ttl 250 max_ttl 255\n }"))
                                .toString()),
                err);
    }
}
