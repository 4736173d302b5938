package org.hadirector.vrrp.track;

/**
 * keepalived's rise / fall for a vrrp_script: a passing script fails after {@code fall}
 * consecutive failures, a failing one passes after {@code rise} consecutive successes. It starts
 * passing, or failing with {@code init_fail}. A script that timed out counts as a failure.
 */
public final class ScriptState {
    private final int rise;
    private final int fall;
    private boolean up;
    private int streak;

    public ScriptState(int rise, int fall, boolean initFail) {
        if (rise < 1 || fall < 1) {
            throw new IllegalArgumentException("rise " + rise + ", fall " + fall);
        }
        this.rise = rise;
        this.fall = fall;
        this.up = !initFail;
    }

    public boolean up() {
        return up;
    }

    /** Records one run; true when the state changed. */
    public boolean onResult(boolean success) {
        if (success == up) {
            streak = 0;
            return false;
        }
        streak++;
        if (streak >= (up ? fall : rise)) {
            up = !up;
            streak = 0;
            return true;
        }
        return false;
    }
}
