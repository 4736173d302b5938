package org.hadirector.healthcheck;

/**
 * The outcome of one check: success or not, why (for logs and status, e.g.
 * {@code status 503, want 200-299}), for MISC_CHECK with misc_dynamic the weight it asks for,
 * and for FILE_CHECK what it adds to the server's weight (keepalived's cur_weight), else null.
 */
public record ProbeResult(boolean success, String reason, Integer weight, Long addedWeight) {

    public ProbeResult(boolean success, String reason, Integer weight) {
        this(success, reason, weight, null);
    }

    public static ProbeResult ok(String reason) {
        return new ProbeResult(true, reason, null);
    }

    public static ProbeResult fail(String reason) {
        return new ProbeResult(false, reason, null);
    }
}
