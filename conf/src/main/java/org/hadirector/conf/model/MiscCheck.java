package org.hadirector.conf.model;

import java.time.Duration;

/** MISC_CHECK: a program whose exit code decides; misc_timeout defaults to delay_loop. */
public record MiscCheck(
        String miscPath, Duration miscTimeout, boolean miscDynamic, String user, String group, CheckerTiming timing)
        implements Checker {

    @Override
    public String type() {
        return "MISC_CHECK";
    }
}
