package org.hadirector.director;

import java.util.ArrayList;
import java.util.List;
import org.hadirector.conf.model.KeepalivedConfig;
import org.hadirector.conf.model.TrackProcess;
import org.hadirector.conf.model.TrackedRef;
import org.hadirector.conf.model.VrrpInstance;
import org.hadirector.vrrp.track.ProcessMatch;
import org.hadirector.vrrp.track.TrackedProcess;
import org.hadirector.vrrp.track.TrackedWeight;

/** An instance's track_process entries resolved against the vrrp_track_process blocks (mapping, pure). */
final class TrackProcessMapper {
    private TrackProcessMapper() {}

    /**
     * The entry's weight wins over the block's, as in keepalived; {@code zero}: a sync group
     * member's weights count as 0 (FAULT), as keepalived has them without sync_group_tracking_weight.
     */
    static List<TrackedProcess> of(VrrpInstance i, KeepalivedConfig c, boolean zero) {
        List<TrackedProcess> out = new ArrayList<>();
        for (TrackedRef ref : i.trackProcesses()) {
            TrackProcess p = c.trackProcesses().stream()
                    .filter(x -> x.name().equals(ref.name()))
                    .findFirst()
                    .orElseThrow();
            int weight = ref.weight() != null ? ref.weight() : p.weight();
            out.add(new TrackedProcess(match(p), new TrackedWeight(zero ? 0 : weight, ref.reverseOr(p.reverse()))));
        }
        return out;
    }

    static ProcessMatch match(TrackProcess p) {
        return new ProcessMatch(
                p.name(),
                p.process(),
                p.params(),
                ProcessMatch.ParamMatch.valueOf(p.paramMatch().name()),
                p.fullCommand(),
                p.quorum(),
                p.quorumMax(),
                p.forkDelay().toNanos(),
                p.terminateDelay().toNanos());
    }
}
