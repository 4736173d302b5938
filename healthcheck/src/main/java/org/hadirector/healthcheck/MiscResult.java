package org.hadirector.healthcheck;

/**
 * A MISC_CHECK exit status as keepalived reads it: 0 success, 1 failure, and with misc_dynamic
 * 2..255 a success that sets the weight to status - 2. Without misc_dynamic every non-zero
 * status is a failure.
 */
public record MiscResult(boolean success, Integer weight) {

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
