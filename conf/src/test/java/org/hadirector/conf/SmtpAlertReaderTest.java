package org.hadirector.conf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import org.hadirector.conf.model.GlobalDefs;
import org.hadirector.conf.model.KeepalivedConfig;
import org.junit.jupiter.api.Test;

/**
 * smtp_alert as keepalived 2.2.7 reads it (global_parser.c, vrrp_parser.c, check_parser.c): every
 * flag is unset (null) until said, so that a block can inherit (an explicit "off" is not "unset");
 * no_email_faults takes no value, no_checker_emails a flag.
 */
class SmtpAlertReaderTest {
    private static ConfigLoader.Result load(String text) throws ConfigException {
        return ConfigLoader.loadString("smtp.conf", text, Corpus.root().resolve("valid"), Corpus.options("main"));
    }

    private static final String BLOCKS = """
            vrrp_instance VI_1 {
                interface e0
                virtual_router_id 61
                smtp_alert true
                virtual_ipaddress {
                    198.18.0.61
                }
            }
            vrrp_instance VI_2 {
                interface e0
                virtual_router_id 62
                virtual_ipaddress {
                    198.18.0.62
                }
            }
            vrrp_sync_group G1 {
                group {
                    VI_1
                }
                smtp_alert
            }
            virtual_server 198.18.0.100 80 {
                protocol TCP
                smtp_alert no
                real_server 198.18.0.21 80 {
                    smtp_alert on
                    TCP_CHECK {
                    }
                }
                real_server 198.18.0.22 80 {
                    TCP_CHECK {
                    }
                }
            }
            """;

    @Test
    void everySettingAndEveryFlagSetOrUnset() throws ConfigException {
        ConfigLoader.Result r = load("""
                global_defs {
                    router_id lb1
                    notification_email {
                        ops@example.test
                        oncall@example.test
                    }
                    notification_email_from hd@example.test
                    smtp_server 198.18.0.25 2525
                    smtp_helo_name lb1.example.test
                    smtp_connect_timeout 10
                    smtp_alert
                    smtp_alert_vrrp off
                    smtp_alert_checker yes
                    no_email_faults
                    no_checker_emails
                }
                """ + BLOCKS);
        assertTrue(r.warnings().isEmpty(), r.warnings().toString());
        KeepalivedConfig c = r.config();
        GlobalDefs g = c.globalDefs();
        assertEquals(List.of("ops@example.test", "oncall@example.test"), g.notificationEmail());
        assertEquals("hd@example.test", g.notificationEmailFrom());
        assertEquals("198.18.0.25", g.smtpServer());
        assertEquals(2525, g.smtpServerPort());
        assertEquals("lb1.example.test", g.smtpHeloName());
        assertEquals(Duration.ofSeconds(10), g.smtpConnectTimeout());
        assertEquals(true, g.smtpAlert());
        assertEquals(false, g.smtpAlertVrrp());
        assertEquals(true, g.smtpAlertChecker());
        assertTrue(g.noEmailFaults());
        assertTrue(g.noCheckerEmails());
        assertEquals(true, c.vrrpInstances().get(0).smtpAlert());
        assertNull(c.vrrpInstances().get(1).smtpAlert());
        assertEquals(true, c.vrrpSyncGroups().get(0).smtpAlert());
        assertEquals(false, c.virtualServers().get(0).smtpAlert());
        assertEquals(true, c.virtualServers().get(0).realServers().get(0).smtpAlert());
        assertNull(c.virtualServers().get(0).realServers().get(1).smtpAlert());
    }

    @Test
    void unsetFlagsAreNullAndTheDefaultsKeepalivedsOwn() throws ConfigException {
        GlobalDefs g =
                load("global_defs {\n router_id lb1\n}\n" + BLOCKS).config().globalDefs();
        assertNull(g.smtpAlert());
        assertNull(g.smtpAlertVrrp());
        assertNull(g.smtpAlertChecker());
        assertFalse(g.noEmailFaults());
        assertFalse(g.noCheckerEmails());
        assertNull(g.smtpServer());
        assertEquals(25, g.smtpServerPort());
        assertEquals(Duration.ofSeconds(30), g.smtpConnectTimeout());
    }

    @Test
    void noEmailFaultsIgnoresAValueAsKeepalivedDoesAndABadFlagIsAnError() throws ConfigException {
        ConfigLoader.Result r = load("global_defs {\n no_email_faults off\n no_checker_emails no\n}\n");
        assertTrue(r.config().globalDefs().noEmailFaults());
        assertFalse(r.config().globalDefs().noCheckerEmails());
        assertEquals(
                List.of(
                        "2:18: warning: 'no_email_faults' takes no value here; keepalived ignores 'off' and sets it, and so does hadirector"),
                r.warnings().stream()
                        .map(Object::toString)
                        .map(w -> w.replaceFirst("^smtp.conf:", ""))
                        .toList());
        try {
            load("global_defs {\n smtp_alert_vrrp maybe\n}\n");
            throw new AssertionError("accepted");
        } catch (ConfigException e) {
            assertTrue(
                    e.getMessage().contains("'smtp_alert_vrrp' takes on|off|true|false|yes|no, got 'maybe'"),
                    e.getMessage());
        }
    }
}
