package org.hadirector.director;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.hadirector.conf.model.KeepalivedConfig;
import org.hadirector.conf.model.LvsFlushOnStop;
import org.hadirector.conf.model.LvsSyncDaemon;
import org.hadirector.conf.model.VirtualIpAddress;
import org.hadirector.conf.model.VirtualServer;
import org.hadirector.conf.model.VirtualServerKind;
import org.hadirector.conf.model.VrrpInstance;
import org.hadirector.healthcheck.HealthCheckService;
import org.hadirector.healthcheck.HealthStatus;
import org.hadirector.healthcheck.ProbeIo;
import org.hadirector.ipvs.Dataplane;
import org.hadirector.ipvs.DataplaneException;
import org.hadirector.ipvs.dr.UserspaceDr;
import org.hadirector.ipvs.kernel.KernelIpvs;
import org.hadirector.sys.RtNetlink;
import org.hadirector.vrrp.VrrpInstanceRuntime;
import org.hadirector.vrrp.VrrpState;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One director: its VRRP instances, its health checks and its DR table, wired as keepalived
 * wires its VRRP and checker processes. VRRP state moves the VIPs (in the instance), the sync role
 * of lvs_sync_daemon's instance, and ha_suspend of the virtual servers whose address is that
 * instance's VIP; health events go to the {@link TableKeeper}. Which parts run follows -P / -C.
 */
final class Director implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Director.class);
    /** Checks allowed in flight at once: far above a loaded director's need, far below the fd limit. */
    static final int MAX_IN_FLIGHT = 2048;

    /** Which table runs the services: auto = the kernel's IPVS when loaded, else the userspace forwarder. */
    enum DataplaneChoice { AUTO, KERNEL, USERSPACE }

    final KeepalivedConfig config;
    final List<VrrpInstanceRuntime> runtimes = new ArrayList<>();
    private final List<VrrpInstanceRuntime> started = new ArrayList<>();
    private ProbeIo io;
    private HealthCheckService checks;
    private TableKeeper table;
    private SyncRole sync;

    /** A director with nothing running; {@link #start} starts one. */
    Director(KeepalivedConfig config) {
        this.config = config;
    }

    /** Starts what {@code vrrp} and {@code checkers} ask for; on any failure stops what started and throws. */
    static Director start(KeepalivedConfig c, boolean vrrp, boolean checkers, DataplaneChoice choice)
            throws IOException, DataplaneException {
        Director d = new Director(c);
        try {
            d.startParts(vrrp, checkers && !c.virtualServers().isEmpty(), choice);
            return d;
        } catch (IOException | DataplaneException | RuntimeException e) {
            d.close();
            throw e;
        }
    }

    private void startParts(boolean vrrp, boolean checkers, DataplaneChoice choice) throws IOException, DataplaneException {
        if (checkers) {
            table = new TableKeeper(openDataplane(choice), new DesiredTable(TableConfigMapper.map(config)));
            table.start();
            LOG.info("table: {} runs {} virtual server(s)", table.dataplane().name(), config.virtualServers().size());
            io = new ProbeIo(1, CheckerConfigMapper.clientCertificate(config));
            checks = new HealthCheckService(CheckerConfigMapper.map(config), io, table::onHealth, MAX_IN_FLIGHT);
        }
        if (vrrp) {
            Daemon.initTrackFiles(config);
            Map<String, org.hadirector.vrrp.SyncGroup> groupOf = Daemon.syncGroups(config);
            Path sysClassNet = Path.of("/sys/class/net");
            for (VrrpInstance i : config.vrrpInstances()) {
                VrrpInstanceRuntime r = new VrrpInstanceRuntime(VrrpConfigMapper.map(i, config), sysClassNet);
                if (groupOf.containsKey(i.name())) {
                    if (VrrpConfigMapper.zeroWeights(i, config) && (!i.trackScripts().isEmpty()
                            || !i.trackInterfaces().isEmpty() || !i.trackFiles().isEmpty())) {
                        LOG.warn("{}: in sync group {}, tracking weights are set to 0, as keepalived does "
                                + "(sync_group_tracking_weight keeps them)", i.name(), groupOf.get(i.name()).name());
                    }
                    r.joinSyncGroup(groupOf.get(i.name()));
                }
                runtimes.add(r);
            }
            if (checkers) {
                wireSync();
                wireHaSuspend();
            }
        } else if (checkers) {
            if (config.globalDefs().lvsSyncDaemon() != null) {
                LOG.warn("lvs_sync_daemon: not started with -C: the sync role follows a VRRP instance, which -C does not run");
            }
            for (VirtualServer vs : config.virtualServers()) {
                if (vs.haSuspend()) {
                    LOG.warn("{}: ha_suspend has no effect with -C (no VRRP instance runs here)", vs.displayName());
                }
            }
        }
        for (VrrpInstanceRuntime r : runtimes) {
            r.start();
            started.add(r);
        }
        if (checks != null) {
            checks.start();
        }
    }

    /** lvs_sync_daemon IF [inst VI]: the role follows VI (or the only instance). */
    private void wireSync() {
        LvsSyncDaemon d = config.globalDefs().lvsSyncDaemon();
        if (d == null) {
            return;
        }
        VrrpInstance inst = null;
        if (d.vrrpInstance() != null) {
            inst = config.vrrpInstances().stream().filter(i -> i.name().equals(d.vrrpInstance())).findFirst().orElse(null);
        } else if (config.vrrpInstances().size() == 1) {
            inst = config.vrrpInstances().get(0);
        }
        if (inst == null) {
            throw new IllegalArgumentException("lvs_sync_daemon " + d.interfaceName() + ": "
                    + (d.vrrpInstance() != null ? "no vrrp_instance " + d.vrrpInstance()
                            : "name the vrrp_instance it follows (inst NAME): there are " + config.vrrpInstances().size()));
        }
        sync = new SyncRole(table.dataplane(), SyncRole.settings(d, inst.virtualRouterId()));
        String name = inst.name();
        runtimes.stream().filter(r -> r.name().equals(name)).findFirst().orElseThrow()
                .addStateListener((n, from, to, why) -> table.execute(() -> sync.become(to == VrrpState.MASTER)));
    }

    /** ha_suspend: a virtual server's checks run only while the instance holding its address is master. */
    private void wireHaSuspend() {
        for (VirtualServer vs : config.virtualServers()) {
            if (!vs.haSuspend()) {
                continue;
            }
            VrrpInstance owner = vs.kind() == VirtualServerKind.ADDRESS ? instanceWithVip(vs.address()) : null;
            if (owner == null) {
                LOG.warn("{}: ha_suspend has no effect: its address is not a VIP of any vrrp_instance", vs.displayName());
                continue;
            }
            String service = vs.displayName();
            checks.suspend(service, true);
            runtimes.stream().filter(r -> r.name().equals(owner.name())).findFirst().orElseThrow()
                    .addStateListener((n, from, to, why) -> {
                        if (to == VrrpState.MASTER || from == VrrpState.MASTER) {
                            checks.suspend(service, to != VrrpState.MASTER);
                        }
                    });
        }
    }

    private VrrpInstance instanceWithVip(InetAddress a) {
        for (VrrpInstance i : config.vrrpInstances()) {
            for (VirtualIpAddress v : i.virtualIpaddresses()) {
                if (v.address().equals(a)) {
                    return i;
                }
            }
            for (VirtualIpAddress v : i.virtualIpaddressesExcluded()) {
                if (v.address().equals(a)) {
                    return i;
                }
            }
        }
        return null;
    }

    private Dataplane openDataplane(DataplaneChoice choice) throws DataplaneException {
        boolean kernel = choice == DataplaneChoice.KERNEL || choice == DataplaneChoice.AUTO && KernelIpvs.available();
        if (kernel) {
            return KernelIpvs.open();
        }
        return UserspaceDr.open(UserspaceDr.Settings.of(forwarderInterface()));
    }

    /**
     * The interface the userspace forwarder listens on: where the virtual servers' addresses live
     * (a VIP's dev, else its instance's interface; else an interface that holds the address now).
     */
    String forwarderInterface() throws DataplaneException {
        Set<String> found = new LinkedHashSet<>();
        for (VirtualServer vs : config.virtualServers()) {
            if (vs.kind() != VirtualServerKind.ADDRESS) {
                throw new DataplaneException(vs.displayName() + ": the userspace forwarder serves address:port "
                        + "services only (fwmark and groups need kernel IPVS)");
            }
            String ifname = vipInterface(vs.address());
            if (ifname == null) {
                ifname = interfaceHolding(vs.address());
            }
            if (ifname == null) {
                throw new DataplaneException(vs.displayName() + ": cannot tell which interface receives "
                        + vs.address().getHostAddress() + " (make it a vrrp_instance's virtual_ipaddress)");
            }
            found.add(ifname);
        }
        if (found.size() != 1) {
            throw new DataplaneException("the userspace forwarder runs on one interface; the virtual servers are on "
                    + String.join(", ", found));
        }
        return found.iterator().next();
    }

    private String vipInterface(InetAddress a) {
        for (VrrpInstance i : config.vrrpInstances()) {
            List<VirtualIpAddress> all = new ArrayList<>(i.virtualIpaddresses());
            all.addAll(i.virtualIpaddressesExcluded());
            for (VirtualIpAddress v : all) {
                if (v.address().equals(a)) {
                    return v.dev() != null ? v.dev() : i.interfaceName();
                }
            }
        }
        return null;
    }

    private static String interfaceHolding(InetAddress a) {
        try (RtNetlink nl = RtNetlink.open()) {
            Map<Integer, String> names = new HashMap<>();
            for (RtNetlink.Address x : nl.addresses(0)) {
                if (x.address().equals(a)) {
                    Path net = Path.of("/sys/class/net");
                    try (var dirs = Files.list(net)) {
                        for (Path p : (Iterable<Path>) dirs::iterator) {
                            String idx = Files.readString(p.resolve("ifindex")).strip();
                            names.put(Integer.parseInt(idx), p.getFileName().toString());
                        }
                    }
                    return names.get(x.ifindex());
                }
            }
        } catch (IOException | RuntimeException e) {
            LOG.debug("cannot list addresses: {}", e.toString());
        }
        return null;
    }

    // ---- for the control socket and status

    HealthStatus healthStatus(long timeoutMillis) {
        if (checks == null) {
            return null;
        }
        try {
            return checks.status().get(timeoutMillis, java.util.concurrent.TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        } catch (Exception e) {
            return null;
        }
    }

    boolean runsChecks() {
        return checks != null;
    }

    TableKeeper table() {
        return table;
    }

    SyncRole sync() {
        return sync;
    }

    VrrpInstanceRuntime instance(String name) {
        return runtimes.stream().filter(r -> r.name().equals(name)).findFirst().orElse(null);
    }

    /**
     * Graceful stop, in keepalived's order: checks stop, VRRP instances send priority 0 and drop
     * their VIPs, the sync role ends, the table is cleaned up per lvs_flush_on_stop.
     */
    @Override
    public void close() {
        if (checks != null) {
            checks.close();
        }
        if (io != null) {
            io.close();
        }
        for (VrrpInstanceRuntime r : started) {
            try {
                r.stop(3000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        if (table != null) {
            if (sync != null) {
                try {
                    table.call(() -> {
                        sync.close();
                        return null;
                    });
                } catch (DataplaneException e) {
                    LOG.warn("sync: {}", e.getMessage());
                }
            }
            LvsFlushOnStop mode = config.globalDefs().lvsFlushOnStop();
            table.stop(mode == null ? LvsFlushOnStop.NONE : mode);
            table.close();
        }
    }
}
