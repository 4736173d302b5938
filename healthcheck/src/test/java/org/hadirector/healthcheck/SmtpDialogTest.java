package org.hadirector.healthcheck;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.hadirector.healthcheck.SmtpDialog.Done;
import org.hadirector.healthcheck.SmtpDialog.Send;
import org.hadirector.healthcheck.SmtpDialog.Wait;
import org.junit.jupiter.api.Test;

/** SMTP_CHECK's conversation, line by line, without sockets. */
class SmtpDialogTest {

    static Send send(String wire) {
        return new Send(wire);
    }

    static Done ok(String reason) {
        return new Done(ProbeResult.ok(reason));
    }

    static Done fail(String reason) {
        return new Done(ProbeResult.fail(reason));
    }

    @Test
    void theWholeDialogue() {
        SmtpDialog d = new SmtpDialog("checker.example.test");
        assertEquals("greeting", d.waitingFor());
        assertEquals(send("HELO checker.example.test\r\n"), d.onLine("220 mail.example.test ESMTP"));
        assertEquals("HELO reply", d.waitingFor());
        assertEquals(send("QUIT\r\n"), d.onLine("250 mail.example.test"));
        assertEquals("QUIT reply", d.waitingFor());
        assertEquals(ok("HELO accepted, QUIT answered \"221 2.0.0 Bye\""), d.onLine("221 2.0.0 Bye"));
    }

    @Test
    void aBareCodeIsAWholeReplyAndACarriageReturnIsDropped() {
        SmtpDialog d = new SmtpDialog("h");
        assertEquals(send("HELO h\r\n"), d.onLine("220\r"));
        assertEquals(send("QUIT\r\n"), d.onLine("250"));
    }

    @Test
    void multiLineRepliesAreReadToTheirLastLine() {
        SmtpDialog d = new SmtpDialog("h");
        assertEquals(Wait.WAIT, d.onLine("220-mail.example.test ESMTP"));
        assertEquals(Wait.WAIT, d.onLine("220-no UCE"));
        assertEquals(send("HELO h\r\n"), d.onLine("220 ready"));
        assertEquals(Wait.WAIT, d.onLine("250-mail.example.test"));
        assertEquals(Wait.WAIT, d.onLine("250-"));
        assertEquals(send("QUIT\r\n"), d.onLine("250 ok"));
        assertEquals(
                ok("HELO accepted, QUIT answered \"221-bye\""),
                d.onLine("221-bye"),
                "keepalived takes the first line after QUIT, whatever it is");
    }

    @Test
    void theGreetingMustBe220() {
        assertEquals(
                fail("greeting 554, want 220: \"no SMTP service here\""),
                new SmtpDialog("h").onLine("554 no SMTP service here"));
        assertEquals(
                fail("greeting 250, want 220: \"hello\""),
                new SmtpDialog("h").onLine("250 hello"),
                "another 2xx is not enough, as in keepalived");
        assertEquals(fail("greeting 421, want 220"), new SmtpDialog("h").onLine("421"));
        assertEquals(
                fail("greeting 554, want 220: \"busy\""),
                new SmtpDialog("h").onLine("554-busy"),
                "the first line decides at once");
    }

    @Test
    void helloMustBeAnswered250() {
        SmtpDialog d = new SmtpDialog("h");
        d.onLine("220 ok");
        assertEquals(fail("HELO reply 501, want 250: \"5.5.4 Syntax error\""), d.onLine("501 5.5.4 Syntax error"));
        assertEquals("nothing", d.waitingFor());
        assertThrows(IllegalStateException.class, () -> d.onLine("250 ok"));
        SmtpDialog d2 = new SmtpDialog("h");
        d2.onLine("220 ok");
        assertEquals(fail("HELO reply 220, want 250: \"again\""), d2.onLine("220 again"));
    }

    @Test
    void illegibleLinesFail() {
        assertEquals(
                fail("illegible greeting \"SSH-2.0-OpenSSH_9.6\""), new SmtpDialog("h").onLine("SSH-2.0-OpenSSH_9.6"));
        assertEquals(fail("illegible greeting \"2200 x\""), new SmtpDialog("h").onLine("2200 x"));
        assertEquals(fail("illegible greeting \"22\""), new SmtpDialog("h").onLine("22"));
        assertEquals(fail("illegible greeting \"\""), new SmtpDialog("h").onLine(""));
        assertEquals(fail("illegible greeting \"220?x\""), new SmtpDialog("h").onLine("220\tx"));
        SmtpDialog d = new SmtpDialog("h");
        d.onLine("220-first");
        assertEquals(fail("illegible greeting \"second\""), d.onLine("second"));
    }

    @Test
    void aReplyMustKeepItsCode() {
        SmtpDialog d = new SmtpDialog("h");
        d.onLine("220-first");
        assertEquals(fail("greeting mixes codes 220 and 250"), d.onLine("250 second"));
    }

    @Test
    void endlessContinuationsEnd() {
        SmtpDialog d = new SmtpDialog("h");
        for (int i = 1; i < SmtpDialog.MAX_REPLY_LINES; i++) {
            assertEquals(Wait.WAIT, d.onLine("220-line " + i));
        }
        assertEquals(fail("greeting over 100 lines"), d.onLine("220-one more"));
    }

    @Test
    void reasonsShowServerTextShortAndPrintable() {
        String reason = ((Done) new SmtpDialog("h").onLine("554 " + "\u0007x".repeat(50)))
                .result()
                .reason();
        assertEquals("greeting 554, want 220: \"" + "?x".repeat(30) + "...\"", reason);
    }

    @Test
    void heloNameDefaultsAndIsChecked() {
        assertEquals(send("HELO smtpchecker.keepalived.org\r\n"), new SmtpDialog(null).onLine("220 ok"));
        assertEquals(send("HELO smtpchecker.keepalived.org\r\n"), new SmtpDialog(" ").onLine("220 ok"));
        assertThrows(IllegalArgumentException.class, () -> new SmtpDialog("a\r\nMAIL FROM:<x@y>"));
        assertThrows(IllegalArgumentException.class, () -> new SmtpDialog("a\nb"));
        assertThrows(IllegalArgumentException.class, () -> new SmtpDialog("x".repeat(600)));
    }

    @Test
    void codesAreThreeDigitsThenSpaceDashOrEnd() {
        assertEquals(220, SmtpDialog.code("220"));
        assertEquals(220, SmtpDialog.code("220 x"));
        assertEquals(220, SmtpDialog.code("220-x"));
        assertEquals(-1, SmtpDialog.code("22O x"));
        assertEquals(-1, SmtpDialog.code(" 220 x"));
        assertEquals(-1, SmtpDialog.code("2201"));
    }
}
