package org.hadirector.director;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.Set;
import org.hadirector.conf.model.KeepalivedConfig;
import org.hadirector.sys.ServiceId;
import org.junit.jupiter.api.Test;

/**
 * The plan compiled from a file, and the difference a reload applies: pure, so each rule is
 * shown here in milliseconds rather than by the reload drill alone.
 */
class DirectorPlanTest {
    /** Two instances, a sync group, the sync role on VI_2, ha_suspend on the first VIP's service. */
    static String file(String vi1Priority, String rs1Weight, String timeouts) {
        return """
                global_defs {
                    lvs_sync_daemon e0 VI_2 id 7
                    %3$s
                }
                vrrp_sync_group G {
                    group {
                        VI_1
                        VI_3
                    }
                }
                vrrp_instance VI_1 {
                    interface e0
                    virtual_router_id 51
                    priority %1$s
                    virtual_ipaddress {
                        198.18.0.100
                    }
                }
                vrrp_instance VI_2 {
                    interface e0
                    virtual_router_id 52
                    virtual_ipaddress {
                        198.18.0.101
                    }
                    virtual_ipaddress_excluded {
                        2001:db8::100
                    }
                }
                vrrp_instance VI_3 {
                    interface e0
                    virtual_router_id 53
                    virtual_ipaddress {
                        198.18.0.103
                    }
                }
                virtual_server 198.18.0.100 80 {
                    lvs_sched rr
                    lvs_method DR
                    protocol TCP
                    ha_suspend
                    real_server 198.18.0.21 80 {
                        weight %2$s
                        TCP_CHECK {
                            connect_timeout 1
                        }
                    }
                }
                virtual_server 2001:db8:0::100 443 {
                    lvs_sched rr
                    lvs_method DR
                    protocol TCP
                    real_server 2001:db8::21 443 {
                        TCP_CHECK {
                            connect_timeout 1
                        }
                    }
                }
                virtual_server 198.18.0.200 80 {
                    lvs_sched rr
                    lvs_method DR
                    protocol TCP
                    ha_suspend
                    real_server 198.18.0.22 80 {
                    }
                }
                """.formatted(vi1Priority, rs1Weight, timeouts);
    }

    static KeepalivedConfig config(String text) throws Exception {
        return DirectorReloadTest.config(text);
    }

    static DirectorPlan plan(String text) throws Exception {
        return DirectorPlan.compile(config(text), true, true);
    }

    @Test
    void thePlanSaysWhoDrivesSyncWhoseTransitionsSuspendWhichChecksAndWhoDependsOnTheDataplane() throws Exception {
        DirectorPlan p = plan(file("100", "1", ""));
        assertEquals(
                List.of("VI_1", "VI_2", "VI_3"),
                p.instances().stream().map(DirectorPlan.InstancePlan::name).toList());
        assertEquals("G", p.instance("VI_1").syncGroup());
        assertNull(p.instance("VI_2").syncGroup());
        assertEquals("VI_2", p.sync().instance(), "lvs_sync_daemon ... VI_2 follows VI_2");
        assertEquals(7, p.sync().settings().syncId());
        assertEquals(
                Map.of(ServiceId.parse("TCP 198.18.0.100:80"), "VI_1"),
                p.haSuspendOwner(),
                "198.18.0.200 is nobody's VIP: its ha_suspend has no owner");
        assertEquals(List.of(ServiceId.parse("TCP 198.18.0.100:80")), p.suspendedBy("VI_1"));
        assertEquals(List.of(), p.suspendedBy("VI_2"));
        assertEquals(
                Set.of("VI_1", "VI_2"),
                p.tableInstances(),
                "an excluded VIP counts: VI_2 holds the IPv6 service's address");
        assertTrue(
                p.warnings().stream().anyMatch(w -> w.startsWith("TCP 198.18.0.200:80: ha_suspend has no effect")),
                p.warnings().toString());
        assertEquals(
                List.of("TCP 198.18.0.100:80", "TCP [2001:db8::100]:443", "TCP 198.18.0.200:80"),
                p.checks().stream().map(s -> s.id().toString()).toList(),
                "one RFC 5952 name per service");
        assertEquals(
                p.checks().stream().map(s -> s.id()).toList(),
                p.table().stream().map(t -> t.id()).toList());
        assertEquals(
                Map.of(ServiceId.parse("TCP 198.18.0.100:80"), "e0", ServiceId.parse("TCP [2001:db8::100]:443"), "e0"),
                p.vipInterfaces(),
                "where the forwarder listens: a VIP's instance interface; 198.18.0.200 is asked of the host");
        assertEquals(List.of("VI_1", "VI_3"), p.syncGroups().get(0).members());
    }

    @Test
    void theModeDecidesWhatIsPlanned() throws Exception {
        DirectorPlan vrrpOnly = DirectorPlan.compile(config(file("100", "1", "")), true, false);
        assertEquals(3, vrrpOnly.instances().size());
        assertEquals(List.of(), vrrpOnly.checks());
        assertNull(vrrpOnly.sync(), "the sync role meets the table, which -P does not run");
        DirectorPlan checkersOnly = DirectorPlan.compile(config(file("100", "1", "")), false, true);
        assertEquals(List.of(), checkersOnly.instances());
        assertEquals(3, checkersOnly.checks().size());
        assertNull(checkersOnly.sync());
        assertTrue(
                checkersOnly
                        .warnings()
                        .contains(
                                "lvs_sync_daemon: not started with -C: the sync role follows a VRRP instance, which -C does not run"));
    }

    @Test
    void aSyncDaemonThatNamesNoInstanceCannotRun() throws Exception {
        String twoInstances = file("100", "1", "").replace("lvs_sync_daemon e0 VI_2 id 7", "lvs_sync_daemon e0");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> plan(twoInstances));
        assertEquals("lvs_sync_daemon e0: name the vrrp_instance it follows (inst NAME): there are 3", e.getMessage());
    }

    @Test
    void refusalsAreOneListAndOnlyForThePartsTheModeRuns() throws Exception {
        String f = file("100", "1", "")
                .replace("virtual_router_id 53", "virtual_router_id 53\n use_vmac 02:00:00:00:00:01")
                .replaceFirst(
                        "ha_suspend\n", "ha_suspend\n real_server 198.18.0.29 80 {\n BFD_CHECK {\n name b\n }\n }\n");
        KeepalivedConfig c = config(f);
        assertEquals(
                List.of(
                        "vrrp_instance VI_3: use_vmac with a MAC address is not built yet (use_vmac with VRRP's own "
                                + "00:00:5e:00:01:VRID / 00:00:5e:00:02:VRID is)",
                        "TCP 198.18.0.100:80, real_server 198.18.0.29:80: BFD_CHECK is not supported: hadirector has "
                                + "no BFD"),
                DirectorPlan.refusals(c, true, true));
        assertEquals(List.of(DirectorPlan.refusals(c, true, true).get(0)), DirectorPlan.refusals(c, true, false));
        assertEquals(1, DirectorPlan.refusals(c, false, true).size(), "-C: the checker only");
        DirectorPlan.Refused e = assertThrows(DirectorPlan.Refused.class, () -> DirectorPlan.compile(c, true, true));
        assertEquals(DirectorPlan.refusals(c, true, true), e.reasons());
    }

    /**
     * PING_CHECK pings connect_ip, else the real server, and needs no port (a fwmark service's
     * real servers have none); bind_if and fwmark on it are refused as on every checker.
     */
    @Test
    void aPingCheckNeedsNoPortAndPingsConnectIp() throws Exception {
        String text = """
                virtual_server fwmark 7 {
                    lvs_method DR
                    real_server 198.18.0.21 {
                        PING_CHECK {
                            connect_ip 198.18.0.31
                            connect_timeout 2
                        }
                    }
                    real_server 198.18.0.22 {
                        PING_CHECK {
                        }
                    }
                }
                """;
        KeepalivedConfig c = config(text);
        assertEquals(List.of(), DirectorPlan.refusals(c, false, true));
        List<org.hadirector.healthcheck.RealServerSpec> servers =
                CheckerConfigMapper.map(c).get(0).servers();
        assertEquals(
                new org.hadirector.healthcheck.CheckSettings.Ping(
                        java.net.InetAddress.getByName("198.18.0.31"), 2_000_000_000L),
                servers.get(0).checks().get(0).settings());
        assertEquals(
                "PING_CHECK 198.18.0.22",
                servers.get(1).checks().get(0).settings().describe());
        KeepalivedConfig bound = config(text.replace("connect_timeout 2", "bind_if e0\n fwmark 3"));
        assertEquals(
                List.of(
                        "FWM 7, real_server 198.18.0.21, PING_CHECK: bind_if on checker sockets is not supported",
                        "FWM 7, real_server 198.18.0.21, PING_CHECK: fwmark on checker sockets is not supported"),
                DirectorPlan.refusals(bound, false, true));
    }

    /**
     * FILE_CHECK takes its own weight W [reverse], else its track_file's (keepalived's
     * file_end_handler); it runs with -C, and its track_file's init_file is written then too.
     */
    @Test
    void aFileCheckTakesItsOwnWeightElseItsTrackFiles() throws Exception {
        String text = """
                track_file drain {
                    file /run/hd-test/drain
                    weight 5 reverse
                    init_file 0
                }
                virtual_server 198.18.0.100 80 {
                    protocol TCP
                    real_server 198.18.0.21 80 {
                        FILE_CHECK {
                            track_file drain
                        }
                        FILE_CHECK {
                            track_file drain
                            weight -2
                        }
                    }
                }
                """;
        KeepalivedConfig c = config(text);
        assertEquals(List.of(), DirectorPlan.refusals(c, false, true));
        List<org.hadirector.healthcheck.CheckSpec> checks =
                CheckerConfigMapper.map(c).get(0).servers().get(0).checks();
        java.nio.file.Path p = java.nio.file.Path.of("/run/hd-test/drain");
        assertEquals(
                new org.hadirector.healthcheck.CheckSettings.File("drain", p, 5, true),
                checks.get(0).settings());
        assertEquals(
                new org.hadirector.healthcheck.CheckSettings.File("drain", p, -2, false),
                checks.get(1).settings());
        assertEquals(0, checks.get(0).timing().retry(), "a change applies at once");
        assertEquals(1, DirectorPlan.compile(c, false, true).initFiles().size(), "-C writes init_file too");
    }

    @Test
    void checkerLogAllFailuresMakesEveryCheckerLogEachFailure() throws Exception {
        DirectorPlan quiet = plan(file("100", "1", ""));
        DirectorPlan loud = plan(file("100", "1", "checker_log_all_failures"));
        assertTrue(quiet.checks().stream()
                .flatMap(s -> s.servers().stream())
                .flatMap(r -> r.checks().stream())
                .noneMatch(k -> k.timing().logAllFailures()));
        assertTrue(loud.checks().stream()
                .flatMap(s -> s.servers().stream())
                .flatMap(r -> r.checks().stream())
                .allMatch(k -> k.timing().logAllFailures()));
    }

    @Test
    void keepalived1sLvsSyncDaemonInterfaceInAnInstanceStartsTheSyncRoleOnIt() throws Exception {
        String legacy = file("100", "1", "")
                .replace("lvs_sync_daemon e0 VI_2 id 7", "")
                .replace("virtual_router_id 52", "virtual_router_id 52\n lvs_sync_daemon_interface e0");
        DirectorPlan p = plan(legacy);
        assertEquals("VI_2", p.sync().instance());
        assertEquals("e0", p.sync().daemon().interfaceName());
        assertEquals(52, p.sync().settings().syncId(), "the instance's VRID, as lvs_sync_daemon without id");
    }

    @Test
    void theSameFileChangesNothing() throws Exception {
        DirectorPlan a = plan(file("100", "1", ""));
        KeepalivedConfig c = config(file("100", "1", ""));
        DirectorPlan b = DirectorPlan.compile(c, true, true);
        PlanDiff d = PlanDiff.between(a, b, running(a), c);
        assertTrue(d.changesNothing(), d.toString());
        assertEquals(List.of("VI_1", "VI_2", "VI_3"), d.vrrp().keep());
    }

    @Test
    void aWeightChangeRestartsThatServicesChecksOnly() throws Exception {
        DirectorPlan a = plan(file("100", "1", ""));
        KeepalivedConfig c = config(file("100", "5", ""));
        PlanDiff d = PlanDiff.between(a, DirectorPlan.compile(c, true, true), running(a), c);
        assertEquals(List.of(ServiceId.parse("TCP 198.18.0.100:80")), d.servicesChanged());
        assertEquals(List.of(), d.servicesAdded());
        assertTrue(d.vrrp().changesNothing());
        assertTrue(!d.timeoutsChanged() && !d.syncChanged());
    }

    @Test
    void aPriorityChangeRestartsTheInstanceAndItsSyncGroupOnly() throws Exception {
        DirectorPlan a = plan(file("100", "1", ""));
        KeepalivedConfig c = config(file("120", "1", ""));
        PlanDiff d = PlanDiff.between(a, DirectorPlan.compile(c, true, true), running(a), c);
        assertEquals(List.of("VI_1", "VI_3"), d.vrrp().restart(), "VI_3 shares VI_1's sync group");
        assertEquals(List.of("VI_2"), d.vrrp().keep());
        assertEquals(List.of(), d.servicesChanged());
    }

    @Test
    void anInstanceThatDoesNotRunIsStartedAgainByAnUnchangedFile() throws Exception {
        DirectorPlan a = plan(file("100", "1", ""));
        Map<String, VrrpReloadPlan.Basis> running = new java.util.LinkedHashMap<>(running(a));
        running.remove("VI_2");
        KeepalivedConfig c = config(file("100", "1", ""));
        PlanDiff d = PlanDiff.between(a, DirectorPlan.compile(c, true, true), running, c);
        assertEquals(List.of("VI_2"), d.vrrp().start());
    }

    @Test
    void timeoutsAndServicesAddedAndRemovedAreSeen() throws Exception {
        DirectorPlan a = plan(file("100", "1", ""));
        String text = file("100", "1", "lvs_timeouts tcp 900")
                .replaceFirst(
                        "(?s)virtual_server 198\\.18\\.0\\.200 80 \\{.*",
                        "virtual_server 198.18.0.101 8080 {\n lvs_sched rr\n lvs_method DR\n protocol TCP\n real_server 198.18.0.23 8080 {\n }\n}\n");
        KeepalivedConfig c = config(text);
        PlanDiff d = PlanDiff.between(a, DirectorPlan.compile(c, true, true), running(a), c);
        assertTrue(d.timeoutsChanged());
        assertEquals(List.of(ServiceId.parse("TCP 198.18.0.101:8080")), d.servicesAdded());
        assertEquals(
                List.of(ServiceId.parse("TCP 198.18.0.101:8080")),
                d.servicesChanged(),
                "a new service starts its checks");
        assertEquals(List.of(ServiceId.parse("TCP 198.18.0.200:80")), d.servicesRemoved());
    }

    static Map<String, VrrpReloadPlan.Basis> running(DirectorPlan p) {
        Map<String, VrrpReloadPlan.Basis> out = new java.util.LinkedHashMap<>();
        p.instances().forEach(i -> out.put(i.name(), i.basis()));
        return out;
    }

    static String announced(String sched, String inhibit) {
        return """
                virtual_server 198.18.0.100 80 {
                    lvs_sched %s
                    lvs_method DR
                    protocol TCP
                    @hadirector announce
                    real_server 198.18.0.21 80 {
                        %s
                        TCP_CHECK {
                        }
                    }
                }
                """.formatted(sched, inhibit);
    }

    /**
     * @hadirector announce: the plan carries each announced pool's VIPs, refuses a VIP that VRRP
     * owns too, and warns where the directors would not choose alike.
     */
    @Test
    void announcedVirtualServersArePlannedRefusedOrWarnedAbout() throws Exception {
        DirectorPlan p = DirectorPlan.compile(config(announced("mh", "inhibit_on_failure")), false, true);
        assertEquals("hd-announce", p.announce().interfaceName());
        assertEquals(
                java.util.Map.of(
                        org.hadirector.sys.ServiceId.parse("TCP 198.18.0.100:80"),
                        List.of(java.net.InetAddress.getByName("198.18.0.100"))),
                p.announce().vipsByPool());
        assertEquals(java.nio.file.Path.of("/run/bird/bird.ctl"), p.announce().birdSocket());
        assertTrue(
                p.warnings().stream().anyMatch(w -> w.contains("without mh-fallback")),
                p.warnings().toString());
        assertTrue(DirectorPlan.compile(config(announced("rr", "")), false, true).warnings().stream()
                .anyMatch(w -> w.contains("announced with lb_algo rr")));
        assertTrue(DirectorPlan.compile(config(announced("mh", "")), false, true).warnings().stream()
                .anyMatch(w -> w.contains("without inhibit_on_failure")));
        assertTrue(DirectorPlan.compile(config(announced("mh\n    mh-fallback", "inhibit_on_failure")), false, true)
                .warnings()
                .isEmpty());
        assertNull(
                DirectorPlan.compile(config(announced("mh", "")), true, false).announce(), "-P announces nothing");
        String vrrpOwnsIt = announced("mh", "") + """
                vrrp_instance VI_1 {
                    interface e0
                    virtual_router_id 51
                    priority 100
                    virtual_ipaddress {
                        198.18.0.100
                    }
                }
                """;
        DirectorPlan.Refused e =
                assertThrows(DirectorPlan.Refused.class, () -> DirectorPlan.compile(config(vrrpOwnsIt), true, true));
        assertTrue(e.getMessage().contains("is a virtual_ipaddress of vrrp_instance VI_1"), e.getMessage());
    }
}
