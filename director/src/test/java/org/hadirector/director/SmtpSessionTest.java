package org.hadirector.director;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The smtp_alert conversation on bytes: keepalived's SMTP_FSM, replies split and joined as TCP delivers them. */
class SmtpSessionTest {
    private static final String MESSAGE = "Subject: x\r\n\r\nbody\r\n\r\n";

    private static SmtpSession session(String... to) {
        return new SmtpSession("director1", "hd@example.test", List.of(to), MESSAGE);
    }

    private static SmtpSession.Step feed(SmtpSession s, String bytes) {
        byte[] b = bytes.getBytes(StandardCharsets.ISO_8859_1);
        return s.received(b, b.length);
    }

    private static String sent(SmtpSession.Step step) {
        return assertInstanceOf(SmtpSession.Send.class, step).wire();
    }

    @Test
    void theWholeDialogueOneCommandAReplyAsKeepalivedSendsIt() {
        SmtpSession s = session("ops@example.test", "oncall@example.test");
        assertEquals("HELO director1\r\n", sent(feed(s, "220 mx.example.test ESMTP\r\n")));
        assertEquals("MAIL FROM:<hd@example.test>\r\n", sent(feed(s, "250 mx.example.test\r\n")));
        assertEquals("RCPT TO:<ops@example.test>\r\n", sent(feed(s, "250 2.1.0 Ok\r\n")));
        assertEquals("RCPT TO:<oncall@example.test>\r\n", sent(feed(s, "250 2.1.5 Ok\r\n")));
        assertEquals("DATA\r\n", sent(feed(s, "250 2.1.5 Ok\r\n")));
        assertEquals(MESSAGE + ".\r\n", sent(feed(s, "354 End data with <CR><LF>.<CR><LF>\r\n")));
        assertEquals("QUIT\r\n", sent(feed(s, "250 2.0.0 Ok: queued\r\n")));
        SmtpSession.Over over = assertInstanceOf(SmtpSession.Over.class, feed(s, "221 2.0.0 Bye\r\n"));
        assertTrue(over.delivered());
        assertNull(over.error());
    }

    @Test
    void aReplySplitAnywhereAndMultiLineRepliesWaitForTheirLastLine() {
        SmtpSession s = session("ops@example.test");
        assertEquals(SmtpSession.Read.MORE, feed(s, "2"));
        assertEquals(SmtpSession.Read.MORE, feed(s, "20-mx.example.test ESMTP\r"));
        assertEquals(SmtpSession.Read.MORE, feed(s, "\n220-second line\r\n"));
        assertEquals("HELO director1\r\n", sent(feed(s, "220 last\r\n")));
        // a bare LF ends a line too
        assertEquals(SmtpSession.Read.MORE, feed(s, "250-mx\n250-PIPELINING\n"));
        assertEquals("MAIL FROM:<hd@example.test>\r\n", sent(feed(s, "250 8BITMIME\n")));
    }

    @Test
    void aRefusedRecipientEndsTheMailWithQuitAndCountsItFailed() {
        SmtpSession s = session("ops@example.test", "nobody@example.test");
        feed(s, "220 mx\r\n");
        feed(s, "250 mx\r\n");
        feed(s, "250 ok\r\n");
        assertEquals("RCPT TO:<nobody@example.test>\r\n", sent(feed(s, "250 ok\r\n")));
        assertEquals("QUIT\r\n", sent(feed(s, "550 5.1.1 no such user\r\n")));
        SmtpSession.Over over = assertInstanceOf(SmtpSession.Over.class, feed(s, "221 bye\r\n"));
        assertFalse(over.delivered());
        assertEquals("error processing RCPT cmd, SMTP status code 550: \"550 5.1.1 no such user\"", over.error());
    }

    @Test
    void aGreetingOtherThan220IsNotAnswered() {
        SmtpSession s = session("ops@example.test");
        assertEquals("QUIT\r\n", sent(feed(s, "554 no service\r\n")));
        SmtpSession.Over over = assertInstanceOf(SmtpSession.Over.class, s.received(new byte[0], 0));
        assertFalse(over.delivered());
        assertTrue(over.error().startsWith("error processing (E)SMTP cmd, SMTP status code 554"), over.error());
    }

    @Test
    void aTimeoutSendsQuitAndASecondEndsIt() {
        SmtpSession s = session("ops@example.test");
        feed(s, "220 mx\r\n");
        assertEquals("QUIT\r\n", sent(s.timedOut()));
        SmtpSession.Over over = assertInstanceOf(SmtpSession.Over.class, s.timedOut());
        assertFalse(over.delivered());
        assertEquals("no reply (waiting for the HELO reply)", over.error());
    }

    @Test
    void theMailIsDeliveredOnceItsReplyCameWhateverQuitGets() {
        SmtpSession s = session("ops@example.test");
        for (String r : List.of("220 a\r\n", "250 b\r\n", "250 c\r\n", "250 d\r\n", "354 e\r\n")) {
            feed(s, r);
        }
        assertEquals("QUIT\r\n", sent(feed(s, "250 queued\r\n")));
        SmtpSession.Over over = assertInstanceOf(SmtpSession.Over.class, s.received(new byte[0], 0));
        assertTrue(over.delivered());
        assertNull(over.error());
    }

    @Test
    void anEarlyCloseALongLineAndAnUnaskedReplyEndTheConversation() {
        SmtpSession closed = session("a@example.test");
        SmtpSession.Over o1 = assertInstanceOf(SmtpSession.Over.class, closed.received(new byte[0], 0));
        assertEquals("the server closed the connection (waiting for the (E)SMTP reply)", o1.error());

        SmtpSession longLine = session("a@example.test");
        byte[] flood = new byte[SmtpSession.MAX_LINE + 1];
        java.util.Arrays.fill(flood, (byte) 'x');
        SmtpSession.Over o2 = assertInstanceOf(SmtpSession.Over.class, longLine.received(flood, flood.length));
        assertTrue(o2.error().startsWith("a reply line over 1024 bytes"), o2.error());

        SmtpSession twice = session("a@example.test");
        SmtpSession.Over o3 = assertInstanceOf(SmtpSession.Over.class, feed(twice, "220 a\r\n250 b\r\n"));
        assertTrue(o3.error().startsWith("the server sent more than one reply"), o3.error());

        SmtpSession many = session("a@example.test");
        SmtpSession.Step last = null;
        for (int i = 0; i < SmtpSession.MAX_REPLY_LINES && !(last instanceof SmtpSession.Over); i++) {
            last = feed(many, "220-more\r\n");
        }
        assertInstanceOf(SmtpSession.Over.class, last);
    }

    @Test
    void anIllegibleCodeIsAWrongCode() {
        SmtpSession s = session("a@example.test");
        assertEquals("QUIT\r\n", sent(feed(s, "hello\r\n")));
        assertEquals(-1, SmtpSession.code("2x0 ok"));
        assertEquals(250, SmtpSession.code("250"));
    }
}
