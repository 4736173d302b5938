package org.hadirector.vrrp.track;

/**
 * A vrrp_track_process as an instance tracks it: what counts ({@link ProcessMatch}) and the
 * weight it carries for this instance ({@code track_process NAME weight W} overrides the block's):
 * up while the number of matching processes is within the quorum.
 */
public record TrackedProcess(ProcessMatch match, TrackedWeight weight) {

    public String name() {
        return match.name();
    }

    public String key() {
        return "track_process " + match.name();
    }
}
