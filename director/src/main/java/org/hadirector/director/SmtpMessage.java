package org.hadirector.director;

import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Locale;

/**
 * The DATA section of an smtp_alert as keepalived 2.2.7 writes it (smtp.h's SMTP_HEADERS_CMD and
 * SMTP_BODY_CMD): Date, From, Subject, X-Mailer, To (the recipients joined by ", "), a blank
 * line, the body line, an empty line. X-Mailer says {@code Keepalived (hadirector)}: a filter
 * that looks for keepalived's {@code Keepalived} still finds it, and the mail says who sent it.
 * Header values lose any CR or LF (names come from the configuration, one token each, so none
 * is expected), and a body line starting with a dot is doubled (RFC 5321 4.5.2), which
 * keepalived, whose bodies are fixed texts, does not need. Pure.
 */
final class SmtpMessage {
    private SmtpMessage() {}

    static final String MAILER = "Keepalived (hadirector)";

    /** keepalived's strftime "%a, %d %b %Y %H:%M:%S %z", in the C locale. */
    private static final DateTimeFormatter DATE =
            DateTimeFormatter.ofPattern("EEE, dd MMM yyyy HH:mm:ss xx", Locale.ROOT);

    static String data(ZonedDateTime date, String from, List<String> to, AlertMail mail) {
        StringBuilder b = new StringBuilder(256);
        header(b, "Date", DATE.format(date));
        header(b, "From", from);
        header(b, "Subject", mail.subject());
        header(b, "X-Mailer", MAILER);
        header(b, "To", String.join(", ", to));
        b.append("\r\n");
        for (String line : mail.body().split("\r\n|\r|\n", -1)) {
            if (line.startsWith(".")) {
                b.append('.');
            }
            b.append(line).append("\r\n");
        }
        return b.append("\r\n").toString();
    }

    private static void header(StringBuilder b, String name, String value) {
        b.append(name)
                .append(": ")
                .append(value.replace("\r", "").replace("\n", ""))
                .append("\r\n");
    }
}
