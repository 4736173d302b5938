package org.hadirector.conf.model;

/** SMTP_CHECK: the server must greet, accept HELO, and QUIT. */
public record SmtpCheck(CheckerEndpoint endpoint, CheckerTiming timing, String heloName) implements Checker {

    @Override
    public String type() {
        return "SMTP_CHECK";
    }
}
