package org.hadirector.vrrp.track;

import java.util.List;

/**
 * A vrrp_script as an instance tracks it: the command (split into words), how often and how long
 * it may run, rise / fall, and the weight it carries for this instance ({@code track_script}
 * overrides the script's own). {@code user}/{@code group} null: run as the daemon's user.
 */
public record TrackedScript(
        String name,
        List<String> command,
        long intervalNanos,
        long timeoutNanos,
        int rise,
        int fall,
        boolean initFail,
        TrackedWeight weight,
        String user,
        String group) {

    public String key() {
        return "script " + name;
    }
}
