package org.hadirector.healthcheck;

import java.nio.charset.StandardCharsets;

/**
 * SMTP_CHECK's conversation without the I/O, so that it can be tested line by line: fed each
 * reply line the server sends (without its line end), it says what to send next, to wait, or
 * the verdict. It follows keepalived's smtp_engine_thread (keepalived/check/check_smtp.c):
 * <ol>
 * <li>the greeting's code must be exactly 220 (not any 2xx);
 * <li>then {@code HELO <helo_name>} is sent, and its reply's code must be exactly 250;
 * <li>then {@code QUIT} is sent and one more line must arrive; its content is not judged
 * (keepalived reads it and succeeds whatever it says), but without it the check fails.
 * </ol>
 * A code is three digits followed by the end of the line or a space (keepalived's
 * smtp_get_status); anything else is illegible and fails. Where keepalived reads only the
 * first line of a reply, this waits for the whole of a multi-line reply ({@code 220-...}
 * continuation lines, RFC 5321 4.2.1) before it sends the next command, so that the rest of
 * the greeting is not taken for the answer to HELO; a reply whose lines carry different codes
 * fails. The first line decides at once when its code is not the one wanted.
 */
final class SmtpDialog {
    /** keepalived's SMTP_DEFAULT_HELO. */
    static final String DEFAULT_HELO = "smtpchecker.keepalived.org";
    /** RFC 5321 4.5.3.1.5: a reply line is at most 512 bytes with its CRLF. */
    static final int MAX_LINE = 512;
    /** More continuation lines than any real greeting or HELO reply has, to end a flood early. */
    static final int MAX_REPLY_LINES = 100;

    private static final int SHOWN = 60;

    /** What the checker does after a line. */
    sealed interface Step permits Wait, Send, Done {}

    /** The reply goes on; read the next line. */
    enum Wait implements Step {
        WAIT
    }

    /** Send {@code wire} (a whole command with its CRLF), then read the reply. */
    record Send(String wire) implements Step {}

    /** The check is decided; close the connection. */
    record Done(ProbeResult result) implements Step {}

    private enum Phase {
        GREETING("greeting", 220),
        HELO("HELO reply", 250),
        QUIT("QUIT reply", -1),
        OVER("nothing", -1);

        final String what;
        final int wanted;

        Phase(String what, int wanted) {
            this.what = what;
            this.wanted = wanted;
        }
    }

    private final String helo;
    private Phase phase = Phase.GREETING;
    /** The lines of the reply in progress; its first line's code while that is above 0. */
    private int lines;

    private int code;

    /** A missing name is keepalived's default; a name that would break the command line is refused. */
    SmtpDialog(String heloName) {
        this.helo = heloName == null || heloName.isBlank() ? DEFAULT_HELO : heloName;
        for (int i = 0; i < helo.length(); i++) {
            if (helo.charAt(i) < 0x20 || helo.charAt(i) == 0x7F) {
                throw new IllegalArgumentException("SMTP_CHECK: helo_name has a control character");
            }
        }
        if (helo().getBytes(StandardCharsets.UTF_8).length > MAX_LINE) {
            throw new IllegalArgumentException("SMTP_CHECK: helo_name makes a HELO line over " + MAX_LINE + " bytes");
        }
    }

    /** The command sent after the greeting. */
    String helo() {
        return "HELO " + helo + "\r\n";
    }

    /** What the dialogue waits for, for a timeout's or a closed connection's reason: {@code HELO reply}. */
    String waitingFor() {
        return phase.what;
    }

    Step onLine(String raw) {
        String line = raw.endsWith("\r") ? raw.substring(0, raw.length() - 1) : raw;
        switch (phase) {
            case GREETING, HELO:
                return inReply(line);
            case QUIT:
                phase = Phase.OVER;
                return new Done(ProbeResult.ok("HELO accepted, QUIT answered " + quote(line)));
            default:
                throw new IllegalStateException("SMTP dialogue already decided");
        }
    }

    private Step inReply(String line) {
        int c = code(line);
        if (c < 0) {
            return fail("illegible " + phase.what + " " + quote(line));
        }
        if (lines == 0 && c != phase.wanted) {
            return fail(phase.what + " " + c + ", want " + phase.wanted + text(line));
        }
        if (lines > 0 && c != code) {
            return fail(phase.what + " mixes codes " + code + " and " + c);
        }
        code = c;
        lines++;
        if (line.length() > 3 && line.charAt(3) == '-') {
            return lines < MAX_REPLY_LINES ? Wait.WAIT : fail(phase.what + " over " + MAX_REPLY_LINES + " lines");
        }
        lines = 0;
        if (phase == Phase.GREETING) {
            phase = Phase.HELO;
            return new Send(helo());
        }
        phase = Phase.QUIT;
        return new Send("QUIT\r\n");
    }

    private Step fail(String reason) {
        phase = Phase.OVER;
        return new Done(ProbeResult.fail(reason));
    }

    /** The reply code, or -1: three digits, then the end, a space, or '-' on a continuation line. */
    static int code(String line) {
        if (line.length() < 3 || !digit(line.charAt(0)) || !digit(line.charAt(1)) || !digit(line.charAt(2))) {
            return -1;
        }
        if (line.length() > 3 && line.charAt(3) != ' ' && line.charAt(3) != '-') {
            return -1;
        }
        return Integer.parseInt(line.substring(0, 3));
    }

    private static boolean digit(char c) {
        return c >= '0' && c <= '9';
    }

    private static String text(String line) {
        return line.length() > 4 ? ": " + quote(line.substring(4)) : "";
    }

    /** A server's words in a reason: short, printable, quoted. */
    static String quote(String s) {
        StringBuilder b = new StringBuilder("\"");
        for (int i = 0; i < s.length() && i < SHOWN; i++) {
            char ch = s.charAt(i);
            b.append(ch >= 0x20 && ch < 0x7F ? ch : '?');
        }
        return b.append(s.length() > SHOWN ? "...\"" : "\"").toString();
    }
}
