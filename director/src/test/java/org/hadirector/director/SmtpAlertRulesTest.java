package org.hadirector.director;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Set;
import org.hadirector.sys.Addresses;
import org.hadirector.sys.RealServerId;
import org.hadirector.sys.ServiceId;
import org.hadirector.vrrp.VrrpState;
import org.junit.jupiter.api.Test;

/** Who sends smtp_alert mail (keepalived's inheritance), and when (last_email_state, no_email_faults, no_checker_emails). */
class SmtpAlertRulesTest {
    private static final String BLOCKS = """
            vrrp_instance VI_OWN_OFF {
                interface e0
                virtual_router_id 1
                smtp_alert off
                virtual_ipaddress {
                    198.18.0.1
                }
            }
            vrrp_instance VI_DEFAULT {
                interface e0
                virtual_router_id 2
                virtual_ipaddress {
                    198.18.0.2
                }
            }
            vrrp_sync_group G_DEFAULT {
                group {
                    VI_DEFAULT
                }
            }
            virtual_server 198.18.0.100 80 {
                protocol TCP
                quorum 2
                hysteresis 1
                real_server 198.18.0.21 80 {
                    TCP_CHECK {
                    }
                }
                real_server 198.18.0.22 80 {
                    smtp_alert no
                    TCP_CHECK {
                    }
                }
            }
            """;

    private static final ServiceId WEB = ServiceId.of(ServiceId.TCP, Addresses.parse("198.18.0.100"), 80);
    private static final RealServerId RS21 = new RealServerId(Addresses.parse("198.18.0.21"), 80);
    private static final RealServerId RS22 = new RealServerId(Addresses.parse("198.18.0.22"), 80);

    private static SmtpAlertPlan plan(String global) throws Exception {
        return DirectorPlan.compile(DirectorPlanTest.config("global_defs {\n" + global + "\n}\n" + BLOCKS), true, true)
                .smtpAlerts();
    }

    private static final String MAIL = """
            router_id lb1
            notification_email {
                ops@example.test
                oncall@example.test
            }
            notification_email_from hd@example.test
            smtp_server 198.18.0.25 2525
            smtp_connect_timeout 7
            """;

    @Test
    void withoutAnyGlobalFlagRealServersAlertAndNothingElse() throws Exception {
        SmtpAlertPlan p = plan(MAIL);
        assertEquals(
                new SmtpAlertPlan.Server(
                        "198.18.0.25",
                        2525,
                        null,
                        "hd@example.test",
                        List.of("ops@example.test", "oncall@example.test"),
                        Duration.ofSeconds(7),
                        "lb1"),
                p.server());
        assertEquals(Set.of(), p.instances());
        assertEquals(Set.of(), p.groups());
        assertEquals(Set.of(), p.services().keySet());
        // keepalived's backward-compatible default: a real server alerts unless told not to
        assertEquals(Set.of(new SmtpAlertPlan.ServerKey(WEB, RS21)), p.servers());
    }

    @Test
    void globalSmtpAlertIsEveryonesDefaultAndThePartsOwnWins() throws Exception {
        SmtpAlertPlan p = plan(MAIL + "smtp_alert\n");
        assertEquals(Set.of("VI_DEFAULT"), p.instances());
        assertEquals(Set.of("G_DEFAULT"), p.groups());
        assertEquals(new SmtpAlertPlan.Quorum(2, 1), p.services().get(WEB));

        SmtpAlertPlan vrrpOff = plan(MAIL + "smtp_alert\nsmtp_alert_vrrp off\n");
        assertEquals(Set.of(), vrrpOff.instances());
        assertEquals(Set.of(), vrrpOff.groups());
        assertEquals(Set.of(WEB), vrrpOff.services().keySet());

        SmtpAlertPlan checkerOff = plan(MAIL + "smtp_alert yes\nsmtp_alert_checker false\n");
        assertEquals(Set.of("VI_DEFAULT"), checkerOff.instances());
        assertEquals(Set.of(), checkerOff.services().keySet());
        assertEquals(Set.of(), checkerOff.servers());

        SmtpAlertPlan onlyVrrp = plan(MAIL + "smtp_alert off\nsmtp_alert_vrrp\n");
        assertEquals(Set.of("VI_DEFAULT"), onlyVrrp.instances());
        assertEquals(Set.of(), onlyVrrp.servers());
    }

    @Test
    void noServerOrNoAddressNoMailAndAWarningWhenAsked() throws Exception {
        assertEquals(SmtpAlertPlan.NONE, plan("smtp_alert\nnotification_email {\n a@b\n}\n"));
        assertEquals(SmtpAlertPlan.NONE, plan("smtp_alert\nsmtp_server 198.18.0.25\n"));
        DirectorPlan d = DirectorPlanTest.plan("global_defs {\nsmtp_alert\n}\n" + BLOCKS);
        assertTrue(
                d.warnings()
                        .contains(
                                "smtp_alert: no e-mail is sent without smtp_server in global_defs (keepalived sends none either)"),
                d.warnings().toString());
        // the real servers' default alone warns of nothing
        assertTrue(DirectorPlanTest.plan(BLOCKS).warnings().stream().noneMatch(w -> w.startsWith("smtp_alert")));
    }

    @Test
    void anInstanceMailsEachStateOnceAndNoEmailFaultsSkipsFaultWithoutForgettingTheLast() throws Exception {
        SmtpAlertRules r = new SmtpAlertRules(plan(MAIL + "smtp_alert\nno_email_faults\n"));
        assertEquals(
                "[lb1] VRRP Instance VI_DEFAULT - Entering BACKUP state",
                r.instance("VI_DEFAULT", VrrpState.BACKUP).subject());
        assertNull(r.instance("VI_DEFAULT", VrrpState.BACKUP));
        assertNotNull(r.instance("VI_DEFAULT", VrrpState.MASTER));
        assertNull(r.instance("VI_DEFAULT", VrrpState.FAULT));
        // MASTER, FAULT (not mailed), MASTER: keepalived's last_email_state is still MASTER
        assertNull(r.instance("VI_DEFAULT", VrrpState.MASTER));
        assertNull(r.instance("VI_OWN_OFF", VrrpState.MASTER));
        assertNull(r.instance("VI_DEFAULT", VrrpState.INIT));
        assertEquals(
                "[lb1] VRRP Instance VI_DEFAULT - Stopping",
                r.instance("VI_DEFAULT", VrrpState.STOP).subject());
        assertEquals(
                "[lb1] VRRP Group G_DEFAULT - Entering MASTER state",
                r.group("G_DEFAULT", VrrpState.MASTER).subject());

        SmtpAlertRules faults = new SmtpAlertRules(plan(MAIL + "smtp_alert\n"));
        assertNotNull(faults.instance("VI_DEFAULT", VrrpState.FAULT));
        // a reload keeps what was mailed last
        SmtpAlertRules reloaded = faults.reload(plan(MAIL + "smtp_alert\n"));
        assertNull(reloaded.instance("VI_DEFAULT", VrrpState.FAULT));
    }

    @Test
    void anInstanceAReloadRemovesMailsAsItsOldBlockSaidFaultOrDeleted() throws Exception {
        SmtpAlertRules r = new SmtpAlertRules(plan(MAIL + "smtp_alert\n"));
        assertNotNull(r.instance("VI_DEFAULT", VrrpState.MASTER));
        // the reload's new file has no VI_DEFAULT: its FAULT (clear_diff_vrrp) mails as the old block said
        SmtpAlertPlan without = DirectorPlan.compile(
                        DirectorPlanTest.config("global_defs {\n" + MAIL + "smtp_alert\n}\n"), true, true)
                .smtpAlerts();
        SmtpAlertRules removed = r.reload(without, java.util.Set.of("VI_DEFAULT", "VI_OWN_OFF"));
        assertEquals(
                "[lb1] VRRP Instance VI_DEFAULT - Entering FAULT state",
                removed.instance("VI_DEFAULT", VrrpState.FAULT).subject());
        assertNull(removed.instance("VI_OWN_OFF", VrrpState.FAULT), "its block said smtp_alert off");
        AlertMail deleted = r.reload(without, java.util.Set.of("VI_DEFAULT")).deleted("VI_DEFAULT");
        assertEquals("[lb1] VRRP Instance VI_DEFAULT - Deleted", deleted.subject());
        assertEquals("=> VRRP Deleted at reload <=", deleted.body());
        assertNull(r.reload(without).instance("VI_DEFAULT", VrrpState.FAULT), "not told it was removed: no mail");
    }

    @Test
    void aGroupsMailNamesTheGroupAsKeepalivedsFormatVsDoes() throws Exception {
        String file = "global_defs {\n" + MAIL + "smtp_alert\n}\n" + """
                virtual_server_group WEB {
                    198.18.0.100-102 80
                }
                virtual_server group WEB {
                    protocol TCP
                    lb_kind DR
                    quorum 1
                    real_server 198.18.0.21 80 {
                        TCP_CHECK {
                        }
                    }
                }
                """;
        SmtpAlertRules r = new SmtpAlertRules(
                DirectorPlan.compile(DirectorPlanTest.config(file), true, true).smtpAlerts());
        // the group's one check pool is named by its first service
        assertEquals(
                "[lb1] Realserver [198.18.0.21]:tcp:80 of virtual server [WEB]:0 - DOWN",
                r.checker(WEB, RS21, "TCP_CHECK", false, "refused", false, true).subject());
        assertEquals(
                "[lb1] Virtualserver [WEB]:0 - DOWN", r.quorum(WEB, false, 0).subject());
        // omega at stop: keepalived's clear_service_rs and do_vs_notifies mail "Shutting down"
        assertEquals(
                new AlertMail(
                        "[lb1] Realserver [198.18.0.21]:tcp:80 of virtual server [WEB]:0 - DOWN",
                        "=> Shutting down <="),
                r.shuttingDown(WEB, RS21));
        assertEquals(
                new AlertMail("[lb1] Virtualserver [WEB]:0 - DOWN", "=> Shutting down <="), r.shuttingDown(WEB, null));
    }

    @Test
    void checkersMailEachFlipUnlessNoCheckerEmailsAndTheServerStayedPut() throws Exception {
        SmtpAlertRules r = new SmtpAlertRules(plan(MAIL));
        assertEquals(
                "[lb1] Realserver [198.18.0.21]:tcp:80 of virtual server [198.18.0.100]:tcp:80 - DOWN",
                r.checker(WEB, RS21, "TCP_CHECK", false, "refused", false, true).subject());
        assertNotNull(r.checker(WEB, RS21, "TCP_CHECK", false, "refused", false, false));
        assertNull(r.checker(WEB, RS22, "TCP_CHECK", false, "refused", false, true));
        assertNull(r.quorum(WEB, false, 1));

        // a reload that removes 198.18.0.21: "Removing" as its old block said, with the new router_id
        SmtpAlertRules reloaded = r.reload(plan(MAIL.replace("router_id lb1", "router_id lb2")));
        AlertMail removing = reloaded.removed(WEB, RS21);
        assertEquals(
                new AlertMail(
                        "[lb2] Realserver [198.18.0.21]:tcp:80 of virtual server [198.18.0.100]:tcp:80 - DOWN",
                        "=> Removing <="),
                removing);
        assertNull(reloaded.removed(WEB, RS22), "smtp_alert no");

        SmtpAlertRules quiet = new SmtpAlertRules(plan(MAIL + "no_checker_emails\nsmtp_alert_checker\n"));
        assertNull(quiet.checker(WEB, RS21, "TCP_CHECK", false, "refused", false, false));
        assertNotNull(quiet.checker(WEB, RS21, "TCP_CHECK", false, "refused", false, true));
        assertEquals("=> Lost quorum 2+1=1 <= 0 <=", quiet.quorum(WEB, false, 0).body());
    }
}
