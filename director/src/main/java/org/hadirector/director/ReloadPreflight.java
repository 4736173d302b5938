package org.hadirector.director;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Objects;
import java.util.function.Predicate;
import org.hadirector.conf.model.KeepalivedConfig;
import org.hadirector.conf.model.LvsSyncDaemon;
import org.hadirector.conf.model.TrackedInterface;
import org.hadirector.conf.model.VirtualIpAddress;
import org.hadirector.conf.model.VrrpInstance;

/**
 * What a new configuration needs of the host, checked before a reload stops anything: every
 * interface named by the instances that will be (re)started (their interface, their VIPs'
 * dev, their track_interface entries), the lvs_sync_daemon interface when it changed, and that
 * the instance the running sync role follows stays. Only
 * those: an instance that keeps running is not re-opened, so its interfaces are not the reload's
 * business. keepalived reports a missing tracked interface as a configuration error (without
 * dynamic_interfaces, which hadirector refuses), so it is one here too.
 */
final class ReloadPreflight {
    private ReloadPreflight() {}

    /**
     * @param opening       the instances whose runtimes the reload opens
     * @param syncRunning   the lvs_sync_daemon the running sync role was started with; null when no sync role runs
     * @param syncFollows   the vrrp_instance the running sync role follows
     * @param interfaceExists whether an interface of that name exists in this network namespace
     */
    static List<String> problems(
            KeepalivedConfig n,
            Collection<String> opening,
            LvsSyncDaemon syncRunning,
            String syncFollows,
            Predicate<String> interfaceExists) {
        List<String> out = new ArrayList<>();
        for (VrrpInstance i : n.vrrpInstances()) {
            if (!opening.contains(i.name())) {
                continue;
            }
            String at = "vrrp_instance " + i.name() + ": ";
            if (i.interfaceName() != null && !interfaceExists.test(i.interfaceName())) {
                out.add(at + "interface " + i.interfaceName() + " does not exist");
            }
            for (List<VirtualIpAddress> list : List.of(i.virtualIpaddresses(), i.virtualIpaddressesExcluded())) {
                for (VirtualIpAddress v : list) {
                    if (v.dev() != null && !interfaceExists.test(v.dev())) {
                        out.add(at + "virtual_ipaddress " + v + ": interface " + v.dev() + " does not exist");
                    }
                }
            }
            for (TrackedInterface t : i.trackInterfaces()) {
                if (!interfaceExists.test(t.name())) {
                    out.add(at + "tracked interface " + t.name() + " does not exist");
                }
            }
        }
        if (syncRunning != null) {
            if (n.vrrpInstances().stream().noneMatch(i -> i.name().equals(syncFollows))) {
                out.add("lvs_sync_daemon: the sync role follows vrrp_instance " + syncFollows
                        + ", which the new file removes; it changes only with a restart");
            }
            LvsSyncDaemon d = DirectorPlan.syncDaemon(n);
            // A changed lvs_sync_daemon applies at the next restart: checked now, so that restart works.
            if (d != null && !Objects.equals(d, syncRunning)) {
                if (!interfaceExists.test(d.interfaceName())) {
                    out.add("lvs_sync_daemon: interface " + d.interfaceName() + " does not exist");
                }
                String follows = d.vrrpInstance() != null
                        ? d.vrrpInstance()
                        : n.vrrpInstances().size() == 1
                                ? n.vrrpInstances().get(0).name()
                                : null;
                if (follows == null
                        || n.vrrpInstances().stream().noneMatch(i -> i.name().equals(follows))) {
                    out.add("lvs_sync_daemon " + d.interfaceName() + ": "
                            + (d.vrrpInstance() != null
                                    ? "no vrrp_instance " + d.vrrpInstance()
                                    : "name the vrrp_instance it follows (inst NAME): there are "
                                            + n.vrrpInstances().size()));
                }
            }
        }
        return out;
    }
}
