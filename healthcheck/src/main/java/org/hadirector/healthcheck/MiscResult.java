package org.hadirector.healthcheck;

/**
 * A MISC_CHECK exit status as keepalived reads it: 0 success, 1 failure, and with misc_dynamic
 * 2..255 a success that sets the weight to status - 2. Without misc_dynamic every non-zero
 * status is a failure, and so is a death by a signal.
 */
public record MiscResult(boolean success, Integer weight) {

    /**
     * keepalived reads WEXITSTATUS only when WIFEXITED: a script killed by a signal failed,
     * whatever 128 + n would mean as an exit status under misc_dynamic.
     */
    public static MiscResult of(org.hadirector.sys.ScriptProcess.Exit exit, boolean dynamic) {
        return exit.signalled() ? new MiscResult(false, null) : of(exit.code(), dynamic);
    }

    public static MiscResult of(int exitStatus, boolean dynamic) {
        if (exitStatus == 0) {
            return new MiscResult(true, null);
        }
        if (dynamic && exitStatus >= 2 && exitStatus <= 255) {
            return new MiscResult(true, exitStatus - 2);
        }
        return new MiscResult(false, null);
    }
}
