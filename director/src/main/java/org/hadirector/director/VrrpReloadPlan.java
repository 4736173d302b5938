package org.hadirector.director;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.hadirector.conf.model.GlobalDefs;
import org.hadirector.conf.model.KeepalivedConfig;
import org.hadirector.conf.model.TrackFile;
import org.hadirector.conf.model.VrrpInstance;
import org.hadirector.conf.model.VrrpScript;
import org.hadirector.conf.model.VrrpSyncGroup;

/**
 * Which vrrp_instances a reload keeps, restarts, starts and stops. The diff is taken against
 * what runs (each instance with what it was started with), never against the last file read:
 * an instance that is not running, whatever the reason, is started by the next reload even when
 * the file names it exactly as before.
 */
record VrrpReloadPlan(List<String> keep, List<String> restart, List<String> start, List<String> stop) {

    static final VrrpReloadPlan NONE = new VrrpReloadPlan(List.of(), List.of(), List.of(), List.of());

    /**
     * What an instance's runtime was built from: its block and the VRRP parts it depends on
     * (vrrp_scripts, track files, tracked processes, sync groups, global_defs, and the GARP / NA
     * pacing of its interface, which a garp_group elsewhere in the file may set); equal bases,
     * same runtime.
     */
    record Basis(
            VrrpInstance block,
            List<VrrpScript> scripts,
            List<TrackFile> trackFiles,
            List<org.hadirector.conf.model.TrackProcess> trackProcesses,
            List<VrrpSyncGroup> syncGroups,
            GlobalDefs globalDefs,
            Pacing pacing) {
        static Basis of(VrrpInstance i, KeepalivedConfig c) {
            return new Basis(
                    i,
                    c.vrrpScripts(),
                    c.trackFiles(),
                    c.trackProcesses(),
                    c.vrrpSyncGroups(),
                    c.globalDefs(),
                    new Pacing(
                            VrrpConfigMapper.garpInterval(i, c, false),
                            VrrpConfigMapper.garpInterval(i, c, true),
                            VrrpConfigMapper.vipInterfacePacing(i, c)));
        }
    }

    /**
     * The intervals between GARPs and between NAs on the instance's interface, in nanoseconds, and
     * on each other interface a VIP names with dev (its GARPs are paced there).
     */
    record Pacing(long garpNanos, long gnaNanos, Map<String, org.hadirector.vrrp.GarpPlan.Pacing> vipInterfaces) {}

    /** {@code running}: the instances that run now, by name, each with its basis. */
    static VrrpReloadPlan of(Map<String, Basis> running, KeepalivedConfig n) {
        Set<String> keep = new LinkedHashSet<>();
        Set<String> restart = new LinkedHashSet<>();
        List<String> start = new ArrayList<>();
        List<String> names = new ArrayList<>();
        for (VrrpInstance i : n.vrrpInstances()) {
            names.add(i.name());
            Basis now = running.get(i.name());
            if (now == null) {
                start.add(i.name());
            } else if (now.equals(Basis.of(i, n))) {
                keep.add(i.name());
            } else {
                restart.add(i.name());
            }
        }
        // Sync group members share one group object: a member that restarts (or joins) takes
        // the running members of its group with it.
        for (VrrpSyncGroup g : n.vrrpSyncGroups()) {
            if (g.members().stream().anyMatch(m -> restart.contains(m) || start.contains(m))) {
                for (String m : g.members()) {
                    if (keep.remove(m)) {
                        restart.add(m);
                    }
                }
            }
        }
        List<String> stop =
                running.keySet().stream().filter(r -> !names.contains(r)).toList();
        List<String> restartInOrder = names.stream().filter(restart::contains).toList();
        return new VrrpReloadPlan(List.copyOf(keep), restartInOrder, List.copyOf(start), stop);
    }

    /** The instances whose new runtime is opened before anything stops. */
    List<String> toOpen() {
        List<String> out = new ArrayList<>(restart);
        out.addAll(start);
        return out;
    }

    boolean changesNothing() {
        return restart.isEmpty() && start.isEmpty() && stop.isEmpty();
    }
}
