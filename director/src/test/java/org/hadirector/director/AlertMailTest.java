package org.hadirector.director;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.List;
import org.hadirector.sys.Addresses;
import org.hadirector.sys.RealServerId;
import org.hadirector.sys.ServiceId;
import org.hadirector.vrrp.VrrpState;
import org.junit.jupiter.api.Test;

/** smtp_alert's subjects, bodies and DATA section, word for word keepalived 2.2.7's. */
class AlertMailTest {
    private static final ServiceId WEB = ServiceId.of(ServiceId.TCP, Addresses.parse("198.18.0.100"), 80);
    private static final RealServerId RS = new RealServerId(Addresses.parse("198.18.0.21"), 8080);

    @Test
    void instanceAndGroupTexts() {
        assertEquals(
                new AlertMail(
                        "[lb1] VRRP Instance VI_1 - Entering MASTER state",
                        "=> VRRP Instance is now owning VRRP VIPs <="),
                AlertMail.instance("lb1", "VI_1", VrrpState.MASTER));
        assertEquals(
                new AlertMail(
                        "[lb1] VRRP Instance VI_1 - Entering BACKUP state",
                        "=> VRRP Instance is no longer owning VRRP VIPs <="),
                AlertMail.instance("lb1", "VI_1", VrrpState.BACKUP));
        assertEquals(
                "=> VRRP Instance is no longer owning VRRP VIPs <=",
                AlertMail.instance("lb1", "VI_1", VrrpState.FAULT).body());
        assertEquals(
                new AlertMail("[lb1] VRRP Instance VI_1 - Stopping", "=> VRRP Instance stopping <="),
                AlertMail.instance("lb1", "VI_1", VrrpState.STOP));
        assertNull(AlertMail.instance("lb1", "VI_1", VrrpState.INIT));
        assertEquals(
                new AlertMail(
                        "[lb1] VRRP Group G1 - Entering FAULT state",
                        "=> All VRRP group instances are now in FAULT state <="),
                AlertMail.group("lb1", "G1", VrrpState.FAULT));
        assertEquals(
                "=> All VRRP group instances are now stopping <=",
                AlertMail.group("lb1", "G1", VrrpState.STOP).body());
    }

    @Test
    void checkerTextsNameTheRealServerAsNotifyFifoLinesDo() {
        assertEquals(
                new AlertMail(
                        "[lb1] Realserver [198.18.0.21]:tcp:8080 of virtual server [198.18.0.100]:tcp:80 - DOWN",
                        "=> TCP CHECK failed on service <="),
                AlertMail.checker("lb1", WEB, ServiceId.TCP, RS, "TCP_CHECK", false, false, "refused"));
        // another checker of a server still down comes back: the subject says the server's state
        assertEquals(
                new AlertMail(
                        "[lb1] Realserver [198.18.0.21]:tcp:8080 of virtual server [198.18.0.100]:tcp:80 - DOWN",
                        "=> CHECK succeed on service <="),
                AlertMail.checker("lb1", WEB, ServiceId.TCP, RS, "HTTP_GET", true, false, "200"));
        ServiceId fwm = ServiceId.fwmark(7, false);
        assertEquals(
                "[lb1] Realserver [198.18.0.21]:none:8080 of virtual server FWM 7 - UP",
                AlertMail.checker("lb1", fwm, 0, RS, "PING_CHECK", true, true, "echo")
                        .subject());
        assertEquals("=> CHECK failed on service : HTTP request failed <=", body("SSL_GET", false, "x"));
        assertEquals("=> CHECK failed on service : greeting 554 <=", body("SMTP_CHECK", false, "greeting 554"));
        assertEquals("=> MISC CHECK succeeded on service <=", body("MISC_CHECK", true, "exit 0"));
        assertEquals("=> MISC CHECK failed on service <=", body("MISC_CHECK", false, "exit 1"));
        assertEquals("=> MISC CHECK timed out on service <=", body("MISC_CHECK", false, "timed out after 5000 ms"));
        assertEquals("=> DNS_CHECK: failed on service <=", body("DNS_CHECK", false, "x"));
        assertEquals("=> UDP CHECK succeed on service <=", body("UDP_CHECK", true, "x"));
        assertEquals("=> ICMP CHECK failed on service <=", body("PING_CHECK", false, "x"));
        assertNull(body("FILE_CHECK", false, "x"));
    }

    private static String body(String kind, boolean up, String reason) {
        return AlertMail.checkerBody(kind, up, reason);
    }

    @Test
    void quorumTextsGiveTheThresholdCrossedAndTheAliveWeight() {
        assertEquals(
                new AlertMail("[lb1] Virtualserver [198.18.0.100]:tcp:80 - DOWN", "=> Lost quorum 3+1=2 <= 1 <="),
                AlertMail.quorum("lb1", WEB, false, 3, 1, 1));
        assertEquals(
                new AlertMail("[lb1] Virtualserver FWM 7 - UP", "=> Gained quorum 3+1=4 <= 4 <="),
                AlertMail.quorum("lb1", ServiceId.fwmark(7, false), true, 3, 1, 4));
        // ipwrapper.c's update_quorum_state(init): the threshold to gain, quorum + hysteresis
        assertEquals(
                new AlertMail(
                        "[lb1] Virtualserver [198.18.0.100]:tcp:80 - DOWN",
                        "=> Starting with quorum down 3+1=4 <= 0 <="),
                AlertMail.startingWithoutQuorum("lb1", NotifyLines.service(WEB), 3, 1, 0));
        assertEquals(
                new AlertMail("[lb1] VRRP Instance VI_1 - Deleted", "=> VRRP Deleted at reload <="),
                AlertMail.deleted("lb1", "VI_1"));
    }

    @Test
    void theDataSectionHeadersInKeepalivedsOrder() {
        ZonedDateTime at = ZonedDateTime.of(2026, 3, 1, 9, 44, 8, 0, ZoneOffset.ofHours(1));
        String data = SmtpMessage.data(
                at,
                "hd@lb1.example.test",
                List.of("ops@example.test", "oncall@example.test"),
                AlertMail.instance("lb1", "VI_1", VrrpState.MASTER));
        assertEquals(
                "Date: Sun, 01 Mar 2026 09:44:08 +0100\r\n"
                        + "From: hd@lb1.example.test\r\n"
                        + "Subject: [lb1] VRRP Instance VI_1 - Entering MASTER state\r\n"
                        + "X-Mailer: Keepalived (hadirector)\r\n"
                        + "To: ops@example.test, oncall@example.test\r\n"
                        + "\r\n"
                        + "=> VRRP Instance is now owning VRRP VIPs <=\r\n"
                        + "\r\n",
                data);
    }

    @Test
    void aLineStartingWithADotIsDoubledAndHeadersKeepToOneLine() {
        String data = SmtpMessage.data(
                ZonedDateTime.of(2026, 3, 1, 9, 44, 8, 0, ZoneOffset.UTC),
                "a@b",
                List.of("c@d"),
                new AlertMail("two\r\nlines", ".hidden"));
        assertEquals(true, data.contains("Subject: twolines\r\n"), data);
        assertEquals(true, data.contains("\r\n\r\n..hidden\r\n"), data);
    }
}
