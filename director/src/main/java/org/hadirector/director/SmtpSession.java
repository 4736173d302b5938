package org.hadirector.director;

import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * One smtp_alert's SMTP conversation without the I/O, fed the bytes the server sends as they
 * arrive; it says what to send next, to read on, or that the conversation is over. It follows
 * keepalived's SMTP_FSM (core/smtp.c): greeting 220, {@code HELO name} 250, {@code MAIL
 * FROM:<from>} 250, {@code RCPT TO:<to>} 250 for each recipient, {@code DATA} 354, the message
 * then {@code CRLF.CRLF} 250, {@code QUIT} 221. A reply whose code is not the one wanted
 * (a recipient refused too) ends the mail: QUIT is sent and the mail counts as failed, as
 * keepalived does. A reply is read to its last line ({@code 250-} lines continue it), and its
 * code is that line's. The mail is delivered once the message's 250 arrives; the QUIT that
 * follows changes nothing. Bounded: a reply line over {@link #MAX_LINE} bytes, or more than
 * {@link #MAX_REPLY_LINES} lines, or bytes after a reply (the server answering what was not
 * asked), end the conversation. Not thread-safe: one sender thread owns it.
 */
final class SmtpSession {
    /** keepalived reads replies into 1024 bytes; RFC 5321 allows 512 a line. */
    static final int MAX_LINE = 1024;

    static final int MAX_REPLY_LINES = 100;

    /** What the sender does after some bytes. */
    sealed interface Step permits Read, Send, Over {}

    /** The reply is not complete: read more. */
    enum Read implements Step {
        MORE
    }

    /** Send {@code wire}, then read its reply. */
    record Send(String wire) implements Step {}

    /**
     * The conversation is over: close. {@code delivered} when the server took the message;
     * {@code error} says what went wrong, or null.
     */
    record Over(boolean delivered, String error) implements Step {}

    private enum Stage {
        GREETING("(E)SMTP", 220),
        HELO("HELO", 250),
        MAIL("MAIL", 250),
        RCPT("RCPT", 250),
        DATA("DATA", 354),
        BODY("BODY", 250),
        QUIT("QUIT", 221),
        OVER("", -1);

        final String command;
        final int wanted;

        Stage(String command, int wanted) {
            this.command = command;
            this.wanted = wanted;
        }
    }

    private final String helo;
    private final String from;
    private final List<String> to;
    private final String message;
    private Stage stage = Stage.GREETING;
    private int nextRecipient;
    private boolean delivered;
    /** The first thing that went wrong; the QUIT sent after it does not replace it. */
    private String error;

    private final byte[] line = new byte[MAX_LINE];
    private int lineLength;
    private int replyLines;

    /**
     * @param message the DATA section: headers, blank line, body, each line ending CRLF and
     *     dot-stuffed ({@link SmtpMessage}); the final {@code .} line is added here
     */
    SmtpSession(String helo, String from, List<String> to, String message) {
        if (to.isEmpty()) {
            throw new IllegalArgumentException("no recipient");
        }
        this.helo = helo;
        this.from = from;
        this.to = List.copyOf(to);
        this.message = message;
    }

    /** {@code bytes[0, length)} arrived; {@code length} 0 is the end of the stream. */
    Step received(byte[] bytes, int length) {
        if (stage == Stage.OVER) {
            throw new IllegalStateException("SMTP conversation already over");
        }
        if (length == 0) {
            return over("the server closed the connection" + waiting());
        }
        for (int i = 0; i < length; i++) {
            byte b = bytes[i];
            if (b != '\n') {
                if (lineLength == MAX_LINE) {
                    return over("a reply line over " + MAX_LINE + " bytes" + waiting());
                }
                line[lineLength++] = b;
                continue;
            }
            int end = lineLength > 0 && line[lineLength - 1] == '\r' ? lineLength - 1 : lineLength;
            String text = new String(line, 0, end, StandardCharsets.ISO_8859_1);
            lineLength = 0;
            if (text.length() > 3 && text.charAt(3) == '-') {
                if (++replyLines >= MAX_REPLY_LINES) {
                    return over("a reply of over " + MAX_REPLY_LINES + " lines" + waiting());
                }
                continue;
            }
            replyLines = 0;
            if (i + 1 < length) {
                return over("the server sent more than one reply" + waiting());
            }
            return reply(text);
        }
        return Read.MORE;
    }

    /** The read timed out: keepalived sends QUIT (unless QUIT was what timed out). */
    Step timedOut() {
        if (stage == Stage.QUIT || stage == Stage.OVER) {
            return over("no reply to QUIT");
        }
        fail("no reply" + waiting());
        stage = Stage.QUIT;
        return new Send("QUIT\r\n");
    }

    private Step reply(String text) {
        int code = code(text);
        if (code != stage.wanted) {
            if (stage == Stage.QUIT) {
                // the mail's fate is known; a server that answers QUIT oddly changes nothing
                return over(null);
            }
            fail("error processing " + stage.command + " cmd, SMTP status code " + (code < 0 ? "illegible" : code)
                    + ": " + quote(text));
            stage = Stage.QUIT;
            return new Send("QUIT\r\n");
        }
        switch (stage) {
            case GREETING:
                stage = Stage.HELO;
                return new Send("HELO " + helo + "\r\n");
            case HELO:
                stage = Stage.MAIL;
                return new Send("MAIL FROM:<" + from + ">\r\n");
            case MAIL:
                stage = Stage.RCPT;
                return new Send("RCPT TO:<" + to.get(nextRecipient++) + ">\r\n");
            case RCPT:
                if (nextRecipient < to.size()) {
                    return new Send("RCPT TO:<" + to.get(nextRecipient++) + ">\r\n");
                }
                stage = Stage.DATA;
                return new Send("DATA\r\n");
            case DATA:
                stage = Stage.BODY;
                return new Send(message + ".\r\n");
            case BODY:
                delivered = true;
                stage = Stage.QUIT;
                return new Send("QUIT\r\n");
            default:
                return over(null);
        }
    }

    private void fail(String why) {
        if (error == null) {
            error = why;
        }
    }

    private Over over(String why) {
        if (why != null) {
            fail(why);
        }
        stage = Stage.OVER;
        return new Over(delivered, delivered ? null : error);
    }

    private String waiting() {
        return stage == Stage.OVER ? "" : " (waiting for the " + stage.command + " reply)";
    }

    /** The reply code: three digits, else -1 (keepalived computes one from any three bytes). */
    static int code(String line) {
        if (line.length() < 3) {
            return -1;
        }
        for (int i = 0; i < 3; i++) {
            if (line.charAt(i) < '0' || line.charAt(i) > '9') {
                return -1;
            }
        }
        return Integer.parseInt(line.substring(0, 3));
    }

    private static String quote(String s) {
        StringBuilder b = new StringBuilder("\"");
        for (int i = 0; i < s.length() && i < 80; i++) {
            char ch = s.charAt(i);
            b.append(ch >= 0x20 && ch < 0x7F ? ch : '?');
        }
        return b.append(s.length() > 80 ? "...\"" : "\"").toString();
    }
}
