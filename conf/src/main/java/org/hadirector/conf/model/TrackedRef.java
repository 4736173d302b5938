package org.hadirector.conf.model;

/**
 * A track_script / track_file / track_process entry: weight null means the tracked object's own;
 * reverse true ({@code reverse}) or false ({@code noreverse}) overrides the tracked object's own,
 * null keeps it (keepalived's alloc_track_script and alikes).
 */
public record TrackedRef(String name, Integer weight, Boolean reverse) {
    /** The entry's reverse, else the tracked block's. */
    public boolean reverseOr(boolean blockReverse) {
        return reverse != null ? reverse : blockReverse;
    }
}
