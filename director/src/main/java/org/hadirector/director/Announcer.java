package org.hadirector.director;

import java.io.Closeable;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import org.hadirector.healthcheck.HealthCheckService;
import org.hadirector.healthcheck.HealthStatus;
import org.hadirector.sys.Addresses;
import org.hadirector.sys.NativeException;
import org.hadirector.sys.ServiceId;
import org.hadirector.sys.TunDevice;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Puts the announced VIPs on the announcement interface (a TUN that lives as long as this process)
 * as {@link Announcements} decides, for BIRD's {@code protocol direct} to export them: a VIP there
 * is announced, a VIP taken off is withdrawn, and if the process dies the kernel removes the
 * interface and BIRD withdraws everything. Told the checks' quorum events on the checks' loop.
 */
final class Announcer implements HealthCheckService.Transitions, Closeable {
    private static final Logger LOG = LoggerFactory.getLogger(Announcer.class);

    private final TunDevice tun;
    /**
     * Where an announcement waits for the table (the table keeper's {@link TableKeeper#whenApplied}):
     * a VIP draws the routers' flows the moment it is on the interface, so it goes on only once
     * the dataplane holds the table the quorum came from. A withdrawal never waits.
     */
    private final Consumer<Runnable> afterTable;

    private Announcements state;
    private final Set<InetAddress> on = new LinkedHashSet<>();
    private String fault;
    private boolean closed;

    Announcer(TunDevice tun, Map<ServiceId, List<InetAddress>> vipsByPool, Consumer<Runnable> afterTable) {
        this.tun = tun;
        this.afterTable = afterTable;
        this.state = new Announcements(vipsByPool);
    }

    /** Opens the interface and announces nothing until {@link #snapshot}. */
    static Announcer open(DirectorPlan.AnnouncePlan plan, Consumer<Runnable> afterTable) throws NativeException {
        TunDevice tun = TunDevice.open(plan.interfaceName());
        LOG.info(
                "announce: {} is up (ifindex {}) for {} VIP(s); a VIP is on it while one of its virtual servers has quorum",
                tun.name(),
                tun.ifindex(),
                plan.vipsByPool().values().stream()
                        .flatMap(List::stream)
                        .distinct()
                        .count());
        return new Announcer(tun, plan.vipsByPool(), afterTable);
    }

    /** The pools' quorum now (a status of the checks, taken on their loop). */
    synchronized void snapshot(HealthStatus status) {
        Map<ServiceId, Boolean> quorum = new HashMap<>();
        Set<ServiceId> settled = new java.util.HashSet<>();
        for (HealthStatus.Service s : status.services()) {
            quorum.put(s.name(), s.quorum());
            if (s.settled()) {
                settled.add(s.name());
            }
        }
        state.snapshot(quorum, settled);
        apply("the checks' state");
    }

    @Override
    public synchronized void settled(ServiceId service) {
        state.settled(service);
        apply(service + ": every checker has its first verdict");
    }

    /** A reload's new plan: nothing changes on the interface until its {@link #snapshot}. */
    synchronized void replan(Map<ServiceId, List<InetAddress>> vipsByPool) {
        boolean withdrawn = state.withdrawn();
        Set<ServiceId> settled = state.settledPools();
        state = new Announcements(vipsByPool);
        settled.forEach(state::settled); // a pool kept or restarted by the reload has settled already
        if (withdrawn) {
            state.withdraw(); // an operator's withdraw outlives a reload
        }
        // the VIPs stay as they are until the snapshot says otherwise
    }

    @Override
    public synchronized void quorum(ServiceId service, boolean up) {
        state.quorum(service, up);
        apply(service + (up ? " gained" : " lost") + " quorum");
    }

    /** Withdraws every VIP (graceful stop, or the operator's withdraw) until {@link #resume}. */
    synchronized void withdraw(String why) {
        state.withdraw();
        apply(why);
    }

    /** Takes a withdraw back: what has quorum is announced again. */
    synchronized void resume(String why) {
        state.resume();
        apply(why);
    }

    synchronized boolean withdrawn() {
        return state.withdrawn();
    }

    synchronized Set<InetAddress> announced() {
        return Set.copyOf(on);
    }

    synchronized Map<InetAddress, List<ServiceId>> candidates() {
        return state.pools();
    }

    String interfaceName() {
        return tun.name();
    }

    /** Why the interface does not hold what it should, or null. */
    synchronized String fault() {
        return fault;
    }

    private void apply(String why) {
        if (on.containsAll(state.wanted())) {
            sync(why, true);
            return;
        }
        sync(why, false); // withdrawals now
        afterTable.accept(() -> {
            synchronized (this) {
                if (!closed) {
                    sync(why, true); // what is wanted then, the table applied
                }
            }
        });
    }

    /** Makes the interface hold what is wanted; additions only with {@code announce}. */
    private void sync(String why, boolean announce) {
        Set<InetAddress> wanted = state.wanted();
        if (wanted.equals(on) && fault == null) {
            return;
        }
        List<String> errors = new ArrayList<>();
        for (InetAddress a : List.copyOf(on)) {
            if (!wanted.contains(a)) {
                try {
                    tun.remove(a);
                    on.remove(a);
                    LOG.info("announce: {} withdrawn from {} ({})", Addresses.format(a), tun.name(), why);
                } catch (NativeException e) {
                    errors.add("remove " + Addresses.format(a) + ": " + e.getMessage());
                }
            }
        }
        for (InetAddress a : announce ? wanted : Set.<InetAddress>of()) {
            if (!on.contains(a)) {
                try {
                    tun.add(a);
                    on.add(a);
                    LOG.info("announce: {} announced on {} ({})", Addresses.format(a), tun.name(), why);
                } catch (NativeException e) {
                    errors.add("add " + Addresses.format(a) + ": " + e.getMessage());
                }
            }
        }
        String now = errors.isEmpty() ? null : String.join("; ", errors);
        if (!announce && now == null) {
            return; // the additions to come say whether the interface holds what it should
        }
        if (now != null) {
            LOG.error("announce: {}: {}", tun.name(), now);
        } else if (fault != null) {
            LOG.info("announce: {} holds what it should again", tun.name());
        }
        fault = now;
    }

    /** Withdraws everything and closes the interface (the kernel removes it). */
    @Override
    public synchronized void close() {
        if (!state.withdrawn() || !on.isEmpty()) {
            withdraw("stopping");
        }
        closed = true;
        tun.close();
        LOG.info("announce: {} closed", tun.name());
    }
}
