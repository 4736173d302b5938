package org.hadirector.director;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.hadirector.conf.model.KeepalivedConfig;
import org.hadirector.conf.model.LvsSyncDaemon;
import org.hadirector.conf.model.LvsTimeouts;
import org.hadirector.conf.model.VirtualIpAddress;
import org.hadirector.conf.model.VirtualServer;
import org.hadirector.conf.model.VirtualServerKind;
import org.hadirector.conf.model.VrrpInstance;
import org.hadirector.conf.model.VrrpSyncGroup;
import org.hadirector.healthcheck.ServiceSpec;
import org.hadirector.ipvs.sync.SyncSettings;
import org.hadirector.vrrp.InstanceConfig;

/**
 * Everything the daemon will run, decided once from the configuration and the mode (-P / -C):
 * pure, no host access. The {@link Director} runs a plan and a reload applies the
 * {@link PlanDiff} between two plans; nothing consults the configuration again at run time
 * (which instance drives the sync role, whose transitions suspend which checks, which instances
 * depend on the dataplane are answered here, not by rescanning virtual servers on a VRRP thread).
 *
 * @param instances the vrrp_instances to run, in the file's order (none with -C)
 * @param table the services of the DR table (none with -P, or without virtual servers)
 * @param checks the check pools, one per virtual server, in the same order
 * @param sync the sync role, or null
 * @param haSuspendOwner for each ha_suspend service (by name), the instance whose VIP it is
 * @param tableInstances the instances holding a virtual server's address: FAULT while the dataplane cannot forward
 * @param warnings what the plan ignores, and why, for the log
 */
record DirectorPlan(
        boolean runsVrrp,
        boolean runsCheckers,
        List<InstancePlan> instances,
        List<TableConfigMapper.ServicePlan> table,
        List<ServiceSpec> checks,
        SyncPlan sync,
        Map<String, String> haSuspendOwner,
        Set<String> tableInstances,
        LvsTimeouts timeouts,
        List<String> warnings) {

    /**
     * One vrrp_instance: what its runtime is built from, the sync group it joins (or null), and
     * its basis (what a reload compares to tell an unchanged instance).
     */
    record InstancePlan(
            String name,
            VrrpInstance block,
            InstanceConfig runtime,
            String syncGroup,
            boolean zeroWeights,
            VrrpReloadPlan.Basis basis) {}

    /** lvs_sync_daemon: the instance whose state it follows and the settings it runs with. */
    record SyncPlan(String instance, LvsSyncDaemon daemon, SyncSettings settings) {}

    /** The plan of {@code c} run with VRRP ({@code vrrp}) and checkers ({@code checkers}); throws what cannot run. */
    static DirectorPlan compile(KeepalivedConfig c, boolean vrrp, boolean checkers) {
        List<String> warnings = new ArrayList<>();
        List<InstancePlan> instances = new ArrayList<>();
        if (vrrp) {
            Map<String, String> groupOf = new LinkedHashMap<>();
            for (VrrpSyncGroup g : c.vrrpSyncGroups()) {
                for (String m : g.members()) {
                    groupOf.put(m, g.name());
                }
            }
            for (VrrpInstance i : c.vrrpInstances()) {
                String group = groupOf.get(i.name());
                boolean zero = group != null && VrrpConfigMapper.zeroWeights(i, c);
                if (zero
                        && (!i.trackScripts().isEmpty()
                                || !i.trackInterfaces().isEmpty()
                                || !i.trackFiles().isEmpty())) {
                    warnings.add(i.name() + ": in sync group " + group
                            + ", tracking weights are set to 0, as keepalived does "
                            + "(sync_group_tracking_weight keeps them)");
                }
                instances.add(new InstancePlan(
                        i.name(), i, VrrpConfigMapper.map(i, c), group, zero, VrrpReloadPlan.Basis.of(i, c)));
            }
        }
        boolean table = checkers && !c.virtualServers().isEmpty();
        List<TableConfigMapper.ServicePlan> services = table ? TableConfigMapper.map(c) : List.of();
        List<ServiceSpec> checks = table ? CheckerConfigMapper.map(c) : List.of();
        Map<String, String> haSuspendOwner = new LinkedHashMap<>();
        Set<String> tableInstances = new LinkedHashSet<>();
        SyncPlan sync = null;
        if (table && vrrp) {
            for (VirtualServer vs : c.virtualServers()) {
                VrrpInstance owner = owner(vs, c);
                if (owner != null) {
                    tableInstances.add(owner.name());
                }
                if (vs.haSuspend()) {
                    if (owner == null) {
                        warnings.add(vs.displayName()
                                + ": ha_suspend has no effect: its address is not a VIP of any vrrp_instance");
                    } else {
                        haSuspendOwner.put(vs.displayName(), owner.name());
                    }
                }
            }
            sync = sync(c);
        } else if (table) {
            if (c.globalDefs().lvsSyncDaemon() != null) {
                warnings.add(
                        "lvs_sync_daemon: not started with -C: the sync role follows a VRRP instance, which -C does not run");
            }
            for (VirtualServer vs : c.virtualServers()) {
                if (vs.haSuspend()) {
                    warnings.add(vs.displayName() + ": ha_suspend has no effect with -C (no VRRP instance runs here)");
                }
            }
        }
        return new DirectorPlan(
                vrrp,
                checkers,
                List.copyOf(instances),
                services,
                checks,
                sync,
                Map.copyOf(haSuspendOwner),
                Set.copyOf(tableInstances),
                c.globalDefs().lvsTimeouts(),
                List.copyOf(warnings));
    }

    /** lvs_sync_daemon IF [inst VI]: the role follows VI, or the only instance; anything else cannot run. */
    private static SyncPlan sync(KeepalivedConfig c) {
        LvsSyncDaemon d = c.globalDefs().lvsSyncDaemon();
        if (d == null) {
            return null;
        }
        VrrpInstance inst = null;
        if (d.vrrpInstance() != null) {
            inst = c.vrrpInstances().stream()
                    .filter(i -> i.name().equals(d.vrrpInstance()))
                    .findFirst()
                    .orElse(null);
        } else if (c.vrrpInstances().size() == 1) {
            inst = c.vrrpInstances().get(0);
        }
        if (inst == null) {
            throw new IllegalArgumentException("lvs_sync_daemon " + d.interfaceName() + ": "
                    + (d.vrrpInstance() != null
                            ? "no vrrp_instance " + d.vrrpInstance()
                            : "name the vrrp_instance it follows (inst NAME): there are "
                                    + c.vrrpInstances().size()));
        }
        return new SyncPlan(inst.name(), d, SyncRole.settings(d, inst.virtualRouterId()));
    }

    /** The instance one of whose virtual_ipaddress (or _excluded) lines is the service's address, or null. */
    static VrrpInstance owner(VirtualServer vs, KeepalivedConfig c) {
        if (vs.kind() != VirtualServerKind.ADDRESS) {
            return null;
        }
        for (VrrpInstance i : c.vrrpInstances()) {
            for (List<VirtualIpAddress> list : List.of(i.virtualIpaddresses(), i.virtualIpaddressesExcluded())) {
                for (VirtualIpAddress v : list) {
                    if (v.address().equals(vs.address())) {
                        return i;
                    }
                }
            }
        }
        return null;
    }

    InstancePlan instance(String name) {
        return instances.stream().filter(i -> i.name().equals(name)).findFirst().orElse(null);
    }

    /** The services whose checks {@code instance}'s transitions suspend (ha_suspend), by name. */
    List<String> suspendedBy(String instance) {
        return haSuspendOwner.entrySet().stream()
                .filter(e -> e.getValue().equals(instance))
                .map(Map.Entry::getKey)
                .toList();
    }
}
