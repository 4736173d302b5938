package org.hadirector.director;

import java.util.List;

import org.hadirector.conf.ConfigJson;
import org.hadirector.vrrp.InstanceStatus;

/** The answer to `status`: human text, or JSON for scripts. */
final class StatusReport {
    /** The status of every instance, for JSON rendering. */
    record Report(List<InstanceStatus> vrrpInstances) {
    }

    private StatusReport() {
    }

    static String text(List<InstanceStatus> all) {
        StringBuilder sb = new StringBuilder();
        for (InstanceStatus s : all) {
            sb.append(String.format("%s  %s  priority %d (configured %d)  master %s  interface %s%n", s.name(), s.state(),
                    s.priority(), s.basePriority(), s.masterAddress() == null ? "-" : s.masterAddress(),
                    s.interfaceName()));
            sb.append("  VIPs: ").append(String.join(", ", s.vips())).append('\n');
            sb.append(String.format("  adverts sent %d, received %d; transitions %d%s%n", s.advertsSent(),
                    s.advertsReceived(), s.transitions(), s.lastTransition().isEmpty() ? "" : ", last " + s.lastTransition()));
            sb.append("  dropped: ").append(s.drops().isEmpty() ? "none" : String.join(", ",
                    s.drops().stream().map(d -> d.reason() + " " + d.count()).toList())).append('\n');
        }
        return sb.toString();
    }

    static String json(List<InstanceStatus> all) {
        return ConfigJson.render(new Report(all)) + "\n";
    }
}
