package org.hadirector.healthcheck;

import io.netty.channel.EventLoop;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.hadirector.sys.RealServerId;
import org.hadirector.sys.ScriptProcess;
import org.hadirector.sys.Scripts;
import org.hadirector.sys.ServiceId;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs every checker of every pool on one event loop: no thread per check, no locks. When each
 * checker runs is the {@link CheckSchedule}'s to say (pure: due times rounded up to a 1 ms tick
 * so that the checks of a tick start together, at most {@code maxInFlight} in flight, the others
 * waiting in the order they fell due); this class keeps one timer on the loop for its next
 * wake-up and starts what it hands out. The first run waits a random part of warmup, which
 * spreads the checks; lateness is measured. Results move the checker's {@link CheckerState},
 * then its {@link ServicePool}; table changes go to the listener (on the loop) and are logged
 * with their reason. A watchdog restarts a checker whose probe hangs or whose schedule was lost.
 * {@link #close} stops the timer and aborts the checks in flight.
 *
 * <p>Identical checks share one probe ({@link ProbeSharing}): what is scheduled is a
 * {@link Runner}, one per distinct checker spec in the whole configuration, and each result it
 * gets goes to every checker sharing it ({@link Job}), each with its own state and pool. A
 * FILE_CHECK is not scheduled at all: its file's changes drive it.
 */
public final class HealthCheckService implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(HealthCheckService.class);
    /**
     * The scheduler's resolution: a check runs up to this late, and a result is taken in up to this
     * late (its end time is taken when it arrives). 10 ms, not 1: the loop and the TCP connector
     * then wake 100 times a second each, not 1,000, which cost 3 points of a core at 11,000 checks
     * a second (docs/benchmarks.md); 10 ms is 1% of the shortest delay_loop.
     */
    static final long TICK_NANOS = TimeUnit.MILLISECONDS.toNanos(10);

    private final EventLoop loop;
    private final List<ServicePool> pools = new ArrayList<>();
    private final List<Job> jobs = new ArrayList<>();
    /** The probes that run, by the spec their sharers have in common (FILE_CHECKs have none). */
    private final java.util.Map<CheckSpec, Runner> runners = new java.util.LinkedHashMap<>();

    private final Consumer<HealthEvent> listener;
    private final int maxInFlight;
    /** Which checks start when (pure); this class runs what it decides on the loop. */
    private final CheckSchedule<Runner> schedule;
    /** The loop's one timer: the schedule's next wake-up, and when it is set for. */
    private ScheduledFuture<?> wake;

    private long wakeAt;
    /** Results that came from other threads (the TCP connector's), run on the loop in one go. */
    private final java.util.concurrent.ConcurrentLinkedQueue<Runnable> results =
            new java.util.concurrent.ConcurrentLinkedQueue<>();

    private final java.util.concurrent.atomic.AtomicBoolean resultsQueued =
            new java.util.concurrent.atomic.AtomicBoolean();
    /** Runs a piece of work that starts checks so that the I/O threads are woken once for all of them. */
    private final Consumer<Runnable> batch;

    private final java.util.function.Function<CheckSettings, Probe> probes;
    private final Lateness lateness = new Lateness();
    private final SplittableRandom random = new SplittableRandom();
    private long runs;
    private boolean closed;
    /** Checkers restarted by supervision: an exception in their result handling, a hung probe, a lost timer. */
    private volatile long restarts;

    private volatile Consumer<String> onRestart = why -> {};

    /**
     * Told, on the loop, of each real server and quorum transition, where notify_up / notify_down
     * and quorum_up / quorum_down run (keepalived's do_rs_notifies / do_vs_notifies, whose notify
     * FIFO lines the director writes); must not block.
     */
    public interface Transitions {
        default void realServer(
                org.hadirector.sys.ServiceId service, org.hadirector.sys.RealServerId server, boolean up) {}

        default void quorum(org.hadirector.sys.ServiceId service, boolean up) {}

        /**
         * A virtual server with a sorry server starts without quorum: keepalived's
         * update_quorum_state(init) "Starting with quorum down" (quorum_down ran before this).
         */
        default void startedWithoutQuorum(org.hadirector.sys.ServiceId service, long aliveWeight) {}

        /**
         * At stop with omega, after the notifies: a live real server ({@code server}) or the
         * virtual server ({@code server} null) shuts down (keepalived's "=> Shutting down <=" mail).
         */
        default void shuttingDown(org.hadirector.sys.ServiceId service, org.hadirector.sys.RealServerId server) {}

        /**
         * Every checker of the pool has had a verdict from its own probes (a success, or down
         * after its retries): its quorum is now what its real servers do, not the start's
         * assumption that they are up (keepalived's, without alpha). Told once per pool, after
         * that result's transitions; again for a pool a reload restarted, once its new checkers
         * have theirs. A pool without checkers is settled from the start.
         */
        default void settled(org.hadirector.sys.ServiceId service) {}

        /** As {@link #quorum(org.hadirector.sys.ServiceId, boolean)}, told instead, with the alive weight after it. */
        default void quorum(org.hadirector.sys.ServiceId service, boolean up, long aliveWeight) {
            quorum(service, up);
        }

        /**
         * A checker went up or down (keepalived's checkers each send their own smtp_alert there):
         * its keyword ({@code TCP_CHECK}), the reason of the result that moved it, and its real
         * server's state after it, which it may or may not have changed. Told after the real
         * server's and the quorum's transitions it causes, as keepalived's checkers send their
         * mail after update_svr_checker_state has run those notifies.
         */
        default void checker(
                org.hadirector.sys.ServiceId service,
                org.hadirector.sys.RealServerId server,
                String checker,
                boolean up,
                String reason,
                boolean serverAlive,
                boolean serverChanged) {}

        /**
         * A real server alive until a reload removed it (from its pool, or with its pool):
         * keepalived's clear_service_rs, whose smtp_alert says "Removing". Told on the loop,
         * before the reloaded pools run.
         */
        default void removed(org.hadirector.sys.ServiceId service, org.hadirector.sys.RealServerId server) {}
    }

    private volatile Transitions transitions = new Transitions() {};
    /** Each pool's checkers without a verdict yet ({@link Transitions#settled}); on the loop. */
    private final java.util.Map<ServicePool, Integer> unsettled = new java.util.IdentityHashMap<>();
    /** fault-inject checks: the next result handled throws, as a bug in a checker's rules would. */
    private volatile boolean failNext;

    private long watchdogPeriodNanos = TimeUnit.SECONDS.toNanos(1);
    /** A probe still in flight this long after its connect_timeout is hung (every probe bounds itself by it). */
    private long hungGraceNanos = TimeUnit.SECONDS.toNanos(10);

    private ScheduledFuture<?> watchdog;

    /** One checker of one server of one pool, and its state; its probe runs in its {@link Runner}. */
    private final class Job {
        final ServicePool pool;
        final int server;
        final int index;
        final CheckSpec spec;
        final CheckTiming timing;
        final CheckerState state;
        final String who;
        /** The FILE_CHECK's own checker; else its runner's probe, set when grouped. */
        Probe probe;
        /** The probe this checker takes its results from (null for a FILE_CHECK). */
        Runner runner;
        /** Its state came from the running configuration (a reload): its schedule is carried too. */
        boolean carried;
        /** A result was handled (keepalived's has_run): MISC_CHECK reports its first one whatever it is. */
        boolean hasRun;
        /** Its probes gave it a verdict once: a success, or down after its retries ({@link Transitions#settled}). */
        boolean settled;

        long endedAt;
        long lastDuration;
        ProbeResult last;
        long runs;
        boolean suspended;
        /** Stopped for good (reload, close): a result or a change of its file already queued is ignored. */
        boolean cancelled;

        Job(ServicePool pool, int server, int index, Probe probe, CheckSpec spec, CheckerState state) {
            this.pool = pool;
            this.server = server;
            this.index = index;
            this.probe = probe;
            this.spec = spec;
            this.timing = spec.timing();
            this.state = state;
            this.who =
                    pool.spec().id() + ": " + pool.spec().servers().get(server).id();
        }

        /** A FILE_CHECK: not scheduled, it follows its file's changes. */
        boolean followsFile() {
            return probe instanceof FileChecker;
        }
    }

    /**
     * One probe and its schedule, shared by every checker with its spec ({@link ProbeSharing}).
     * {@code pace} takes every result as each of them does, so that the runs come when their own
     * rules (delay_loop, retries delay_before_retry apart) would have run them.
     */
    private static final class Runner {
        final Probe probe;
        final CheckTiming timing;
        final CheckerState pace;
        List<Job> sharers = List.of();
        AutoCloseable running;
        int generation;
        long startedAt;

        Runner(Probe probe, CheckTiming timing, CheckerState pace) {
            this.probe = probe;
            this.timing = timing;
            this.pace = pace;
        }

        /** For logs: the first sharer, and how many more. */
        String who() {
            String first = sharers.isEmpty() ? "(no checker)" : sharers.get(0).who;
            return sharers.size() > 1 ? first + " and " + (sharers.size() - 1) + " more sharing its probe" : first;
        }

        /** Its run is skipped only when every sharer's pool is suspended (ha_suspend). */
        boolean suspended() {
            for (Job j : sharers) {
                if (!j.suspended) {
                    return false;
                }
            }
            return true;
        }
    }

    /**
     * @param listener gets every table change, on the loop, in order
     * @param maxInFlight how many checks may run at once
     */
    public HealthCheckService(List<ServiceSpec> services, ProbeIo io, Consumer<HealthEvent> listener, int maxInFlight) {
        this(services, io.group().next(), io::probe, io::batch, listener, maxInFlight);
    }

    /** With probes made by {@code probes} (tests use scripted ones) on {@code loop}. */
    HealthCheckService(
            List<ServiceSpec> services,
            EventLoop loop,
            java.util.function.Function<CheckSettings, Probe> probes,
            Consumer<HealthEvent> listener,
            int maxInFlight) {
        this(services, loop, probes, Runnable::run, listener, maxInFlight);
    }

    private HealthCheckService(
            List<ServiceSpec> services,
            EventLoop loop,
            java.util.function.Function<CheckSettings, Probe> probes,
            Consumer<Runnable> batch,
            Consumer<HealthEvent> listener,
            int maxInFlight) {
        if (maxInFlight < 1) {
            throw new IllegalArgumentException("maxInFlight " + maxInFlight);
        }
        this.loop = loop;
        this.listener = listener;
        this.maxInFlight = maxInFlight;
        this.schedule = new CheckSchedule<>(maxInFlight, TICK_NANOS);
        this.probes = probes;
        this.batch = batch;
        for (ServiceSpec s : services) {
            Probe[][] made = probesOf(s);
            CheckerState[][] states = new CheckerState[s.servers().size()][];
            ServicePool pool = startingPool(s, made, states);
            pools.add(pool);
            for (int r = 0; r < s.servers().size(); r++) {
                List<CheckSpec> checks = s.servers().get(r).checks();
                for (int c = 0; c < checks.size(); c++) {
                    CheckTiming t = checks.get(c).timing();
                    jobs.add(new Job(
                            pool, r, c, made[r][c], checks.get(c), states[r][c] != null ? states[r][c] : t.newState()));
                }
            }
        }
        share(System.nanoTime(), false);
        countUnsettled();
    }

    /** Recounts each pool's checkers without a verdict (the pools or checkers were made anew). */
    private void countUnsettled() {
        unsettled.clear();
        pools.forEach(p -> unsettled.put(p, 0));
        for (Job j : jobs) {
            if (!j.settled) {
                unsettled.merge(j.pool, 1, Integer::sum);
            }
        }
    }

    /**
     * Groups every checker but the FILE_CHECKs by its spec ({@link ProbeSharing}): a probe that
     * runs already keeps running (its schedule and any check in flight) with its new sharers; a
     * new one is made, and with {@code schedule} (a reload) scheduled at once: when its first
     * sharer's carried schedule says, else after a random part of warmup; one left without
     * sharers stops.
     */
    private void share(long now, boolean schedule) {
        ProbeSharing.Plan<Job> plan = ProbeSharing.plan(
                runners.keySet(), jobs.stream().filter(j -> !j.followsFile()).toList(), j -> j.spec);
        java.util.Map<CheckSpec, Runner> next = new java.util.LinkedHashMap<>();
        for (java.util.Map.Entry<CheckSpec, List<Job>> e : plan.probes().entrySet()) {
            Runner r = runners.get(e.getKey());
            List<Job> sharers = e.getValue();
            Job first = sharers.get(0);
            boolean made = r == null;
            if (made) {
                CheckTiming t = first.timing;
                r = new Runner(
                        probes.apply(first.spec.settings()),
                        t,
                        new CheckerState(!first.state.up(), t.retry(), t.delayLoopNanos(), t.delayBeforeRetryNanos()));
            }
            r.sharers = List.copyOf(sharers);
            for (Job j : sharers) {
                j.runner = r;
                j.probe = r.probe;
            }
            next.put(e.getKey(), r);
            if (made && schedule) {
                r.pace.start(now, first.carried ? first.state.nextRunAt() - now : warmup(r.timing));
                schedule(r, now);
            }
        }
        for (CheckSpec k : plan.stopped()) {
            cancel(runners.get(k));
        }
        runners.clear();
        runners.putAll(next);
    }

    private long warmup(CheckTiming t) {
        return t.warmupNanos() > 0 ? random.nextLong(t.warmupNanos()) : 0;
    }

    /** FILE_CHECK's checkers, made here (they need no I/O threads): the others' entries are null. */
    private Probe[][] probesOf(ServiceSpec s) {
        Probe[][] out = new Probe[s.servers().size()][];
        for (int r = 0; r < out.length; r++) {
            List<CheckSpec> checks = s.servers().get(r).checks();
            out[r] = new Probe[checks.size()];
            for (int c = 0; c < checks.size(); c++) {
                CheckSettings cs = checks.get(c).settings();
                // the others' probes are made once per distinct spec, when grouped
                out[r][c] = cs instanceof CheckSettings.File f ? new FileChecker(f) : null;
            }
        }
        return out;
    }

    /**
     * The pool {@code s} starts as: its checkers as {@code states} has them (a reload's carried
     * states; null rows and entries start as alpha says), except that a FILE_CHECK is what its
     * file says now, as keepalived reads its track files before the first table (its state is
     * written into {@code states}).
     */
    private static ServicePool startingPool(ServiceSpec s, Probe[][] made, CheckerState[][] states) {
        int n = s.servers().size();
        boolean[][] up = new boolean[n][];
        long[][] added = new long[n][];
        for (int r = 0; r < n; r++) {
            List<CheckSpec> checks = s.servers().get(r).checks();
            up[r] = new boolean[checks.size()];
            added[r] = new long[checks.size()];
            if (states[r] == null) {
                states[r] = new CheckerState[checks.size()];
            }
            for (int c = 0; c < checks.size(); c++) {
                CheckTiming t = checks.get(c).timing();
                if (made[r][c] instanceof FileChecker f) {
                    ProbeResult now = f.current();
                    states[r][c] =
                            new CheckerState(!now.success(), t.retry(), t.delayLoopNanos(), t.delayBeforeRetryNanos());
                    added[r][c] = now.addedWeight() != null ? now.addedWeight() : 0;
                }
                up[r][c] = states[r][c] != null ? states[r][c].up() : !t.alpha();
            }
        }
        return new ServicePool(s, up, added);
    }

    /**
     * Reload, as {@link PoolMigration} decides: unchanged pools keep running untouched, removed
     * ones stop, new or changed ones start (announcing their initial table to the listener) with
     * the state and schedule of the checkers carried over. Completes, on the loop, with the pools
     * that were started or restarted.
     */
    public CompletableFuture<List<ServiceId>> reconfigure(List<ServiceSpec> services) {
        return reconfigure(null, services);
    }

    /**
     * Reload as the director's diff planned it ({@code plan}, taken between the plan that runs and
     * the new one); taken again from what runs if the pools are not those it was taken from.
     */
    public CompletableFuture<List<ServiceId>> reconfigure(PoolMigration.Plan plan) {
        return reconfigure(plan, plan.to());
    }

    private CompletableFuture<List<ServiceId>> reconfigure(PoolMigration.Plan planned, List<ServiceSpec> services) {
        CompletableFuture<List<ServiceId>> f = new CompletableFuture<>();
        loop.execute(() -> {
            try {
                f.complete(doReconfigure(planned, services));
            } catch (RuntimeException e) {
                f.completeExceptionally(e);
            }
        });
        return f;
    }

    private List<ServiceId> doReconfigure(PoolMigration.Plan planned, List<ServiceSpec> services) {
        long now = System.nanoTime();
        List<ServiceSpec> running = pools.stream().map(ServicePool::spec).toList();
        PoolMigration.Plan plan = planned;
        if (plan == null || !plan.from().equals(running)) {
            if (plan != null) {
                LOG.warn("checks: the reload was planned against other pools than those running; "
                        + "taking the migration again from what runs");
            }
            plan = PoolMigration.of(running, services);
        }
        java.util.Map<ServiceId, ServicePool> oldPools = new java.util.HashMap<>();
        java.util.Map<ServicePool, List<Job>> oldJobs = new java.util.HashMap<>();
        for (ServicePool p : pools) {
            oldPools.put(p.spec().id(), p);
            oldJobs.put(p, new ArrayList<>());
        }
        for (Job j : jobs) {
            oldJobs.get(j.pool).add(j);
        }
        List<ServicePool> newPools = new ArrayList<>();
        List<Job> newJobs = new ArrayList<>();
        java.util.Set<Job> kept = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
        for (PoolMigration.Pool m : plan.pools()) {
            ServiceSpec spec = m.spec();
            ServicePool old = m.was() == null ? null : oldPools.get(spec.id());
            if (m.unchanged()) {
                newPools.add(old);
                newJobs.addAll(oldJobs.get(old));
                kept.addAll(oldJobs.get(old));
                continue;
            }
            // The old pool's checkers by server, in order; a suspended pool stays suspended.
            List<List<Job>> byServer = new ArrayList<>();
            boolean suspended = false;
            if (old != null) {
                old.spec().servers().forEach(r -> byServer.add(new ArrayList<>()));
                for (Job j : oldJobs.get(old)) {
                    byServer.get(j.server).add(j);
                    suspended |= j.suspended;
                }
            }
            CheckerState[][] states = new CheckerState[spec.servers().size()][];
            boolean[] carried = new boolean[spec.servers().size()];
            for (int r = 0; r < spec.servers().size(); r++) {
                int from = m.carriedFrom().get(r);
                if (from >= 0) {
                    List<Job> was = byServer.get(from);
                    carried[r] = true;
                    states[r] = new CheckerState[was.size()];
                    for (int c = 0; c < was.size(); c++) {
                        states[r][c] = was.get(c).state;
                    }
                }
            }
            Probe[][] made = probesOf(spec);
            ServicePool pool = startingPool(spec, made, states);
            newPools.add(pool);
            List<Job> files = new ArrayList<>();
            for (int r = 0; r < spec.servers().size(); r++) {
                List<CheckSpec> checks = spec.servers().get(r).checks();
                for (int c = 0; c < checks.size(); c++) {
                    CheckSpec cs = checks.get(c);
                    Job j = new Job(
                            pool,
                            r,
                            c,
                            made[r][c],
                            cs,
                            states[r][c] != null ? states[r][c] : cs.timing().newState());
                    j.suspended = suspended;
                    j.carried = carried[r];
                    newJobs.add(j);
                    if (j.followsFile()) {
                        files.add(j);
                    }
                }
            }
            for (HealthEvent e : pool.initialTable()) {
                listener.accept(e);
            }
            files.forEach(this::follow);
            if (old == null) {
                // a virtual server the reload adds starts as one does at start (keepalived's
                // init_service_vs runs for it too)
                startingWithoutQuorum(pool);
            }
            LOG.info("{}: {} by reload", spec.id(), old == null ? "started" : "restarted (its configuration changed)");
        }
        for (Job j : jobs) {
            if (!kept.contains(j)) {
                cancel(j);
            }
        }
        List<ScriptProcess> untracked = new ArrayList<>(); // a reload's notifies are not waited for
        for (PoolMigration.Pool m : plan.pools()) {
            ServicePool old = oldPools.get(m.spec().id());
            if (!m.unchanged() && m.was() != null && old != null) {
                java.util.Set<RealServerId> staying = new java.util.HashSet<>();
                m.spec().servers().forEach(r -> staying.add(r.id()));
                clearServiceRealServers(old, staying, false, untracked);
            }
        }
        for (ServiceId id : plan.stopped()) {
            LOG.info("{}: stopped by reload (no longer configured)", id);
            ServicePool old = oldPools.get(id);
            if (old != null) {
                clearServiceVirtualServer(old, false, true, untracked);
            }
        }
        pools.clear();
        pools.addAll(newPools);
        jobs.clear();
        jobs.addAll(newJobs);
        share(now, true);
        countUnsettled();
        return plan.restarted();
    }

    /** keepalived's init_service_vs: with a sorry server and no quorum, quorum_down, the VS DOWN line, "Starting with quorum down". */
    private void startingWithoutQuorum(ServicePool p) {
        if (p.spec().sorryServer() != null && !p.hasQuorum()) {
            if (p.spec().quorumDown() != null) {
                Scripts.launch(p.spec().id().toString(), p.spec().quorumDown());
            }
            transitions.startedWithoutQuorum(p.spec().id(), p.aliveWeight());
        }
    }

    /** Stops one checker for good: a result or a file change that comes later is ignored. */
    private void cancel(Job j) {
        j.cancelled = true;
        if (j.probe instanceof FileChecker f) {
            f.close();
        }
    }

    /** Stops one probe for good: its place in the schedule, its check in flight (a late answer is ignored). */
    private void cancel(Runner r) {
        r.generation++;
        List<Runner> next = schedule.remove(r);
        if (r.running != null) {
            try {
                r.running.close();
            } catch (Exception e) {
                LOG.debug("{}: abort: {}", r.who(), e.toString());
            }
            r.running = null;
        }
        if (!closed) {
            next.forEach(this::launch);
        }
    }

    /** Announces each pool's initial table and schedules every checker's first run. */
    public void start() {
        loop.execute(() -> {
            for (ServicePool p : pools) {
                List<HealthEvent> initial = p.initialTable();
                for (HealthEvent e : initial) {
                    LOG.debug("{}: add {} weight {} (initial table)", e.service(), e.server(), e.weight());
                    listener.accept(e);
                }
                LOG.info(
                        "{}: initial table of {} real server(s) of {}{}",
                        p.spec().id(),
                        initial.size(),
                        p.spec().servers().size(),
                        p.spec().sorryServer() != null && !p.hasQuorum() ? " (sorry server)" : "");
                startingWithoutQuorum(p);
            }
            long now = System.nanoTime();
            for (Job j : jobs) {
                if (j.followsFile()) {
                    follow(j);
                }
            }
            int shared = 0;
            for (Runner r : runners.values()) {
                r.pace.start(now, warmup(r.timing));
                schedule(r, now);
                shared += r.sharers.size() > 1 ? r.sharers.size() : 0;
            }
            LOG.info(
                    "{} checker(s) on {} virtual server(s) started: {} probe(s) run, {} checker(s) share one with "
                            + "identical checkers; at most {} run at once",
                    jobs.size(),
                    pools.size(),
                    runners.size(),
                    shared,
                    maxInFlight);
            watchdog = loop.scheduleWithFixedDelay(
                    this::watch, watchdogPeriodNanos, watchdogPeriodNanos, TimeUnit.NANOSECONDS);
        });
    }

    /**
     * ha_suspend: while a pool is suspended its checks do not run (their schedule goes on), and
     * the table is left as it is.
     */
    public void suspend(ServiceId service, boolean suspended) {
        loop.execute(() -> {
            for (Job j : jobs) {
                if (j.pool.spec().id().equals(service)) {
                    j.suspended = suspended;
                    if (!suspended && j.followsFile()) {
                        fileChanged(j); // what changed while suspended
                    }
                }
            }
            LOG.info("{}: checks {}", service, suspended ? "suspended (ha_suspend)" : "resumed");
        });
    }

    /** Puts an idle probe in the schedule at its next run. */
    private void schedule(Runner r, long now) {
        if (closed) {
            return;
        }
        schedule.add(r, r.pace.nextRunAt());
        arm(now);
    }

    /** Sets the loop's timer for the schedule's next wake-up, unless it is already set for then or earlier. */
    private void arm(long now) {
        long at = schedule.nextWakeAt();
        if (at == Long.MAX_VALUE || (wake != null && !wake.isDone() && wakeAt - at <= 0)) {
            return;
        }
        if (wake != null) {
            wake.cancel(false);
        }
        wakeAt = at;
        wake = loop.schedule(this::wake, Math.max(0, at - now), TimeUnit.NANOSECONDS);
    }

    /**
     * How long from {@code now} until the first tick at or after {@code at}: due times are rounded up
     * to ticks so that checks falling due within one tick wake the loop (and the I/O threads after
     * it) once, not once each.
     */
    private static long untilTick(long at, long now) {
        long tick = Math.floorDiv(at + TICK_NANOS - 1, TICK_NANOS) * TICK_NANOS;
        return Math.max(0, tick - now);
    }

    /** The timer fired: starts what is due (a suspended pool's checks are skipped, their schedule goes on). */
    private void wake() {
        wake = null;
        if (closed) {
            return;
        }
        long now = System.nanoTime();
        CheckSchedule.Due<Runner> due = schedule.due(now, r -> !r.suspended());
        for (Runner r : due.skipped()) {
            r.pace.onSkipped(now);
            r.sharers.forEach(j -> j.state.onSkipped(now));
            schedule.add(r, r.pace.nextRunAt());
        }
        if (!due.start().isEmpty()) {
            batch.accept(() -> due.start().forEach(this::launch));
        }
        arm(now);
    }

    /** Runs the results queued by other threads, and the launches they allow, as one batch. */
    private void drainResults() {
        batch.accept(() -> {
            do {
                resultsQueued.set(false);
                for (Runnable r; (r = results.poll()) != null; ) {
                    r.run();
                }
            } while (!results.isEmpty() && resultsQueued.compareAndSet(false, true));
        });
    }

    private void launch(Runner j) {
        long now = System.nanoTime();
        lateness.record(now - j.pace.nextRunAt());
        runs++;
        j.startedAt = now;
        int generation = ++j.generation;
        try {
            AutoCloseable handle = j.probe.run(r -> {
                if (loop.inEventLoop()) {
                    finished(j, generation, r, System.nanoTime());
                } else {
                    long at = System.nanoTime();
                    results.add(() -> finished(j, generation, r, at));
                    if (resultsQueued.compareAndSet(false, true)) {
                        // Picked up at the next tick, when the loop wakes for the timers anyway:
                        // waking it for each result would cost a write and a context switch each.
                        loop.schedule(this::drainResults, untilTick(at, at), TimeUnit.NANOSECONDS);
                    }
                }
            });
            if (j.generation == generation) { // not already answered
                j.running = handle;
            }
        } catch (RuntimeException e) {
            LOG.error("{}: {} could not start: {}", j.who(), j.probe.describe(), e.toString());
            finished(j, generation, ProbeResult.fail("could not start: " + e.getMessage()), System.nanoTime());
        }
    }

    /** A probe's result: it paces the probe's next run and goes to each sharer whose pool is not suspended. */
    private void finished(Runner run, int generation, ProbeResult r, long now) {
        if (closed || generation != run.generation) {
            return;
        }
        run.generation++; // a second answer from the same run is ignored
        run.running = null;
        List<Runner> next = schedule.finished(run);
        run.pace.onResult(r.success(), now);
        for (Job j : run.sharers) {
            if (j.suspended) {
                continue;
            }
            j.endedAt = now;
            j.lastDuration = now - run.startedAt;
            j.last = r;
            j.runs++;
            try {
                onResult(j, r, now);
            } catch (RuntimeException e) {
                // One checker's failure must not stop its probe's schedule (it would never run again) nor the others.
                restarted(j.who, j.probe.describe(), "its result could not be handled: " + e);
            } catch (Error e) {
                throw org.hadirector.sys.Escalate.error(e); // the loop would log it and go on
            }
        }
        schedule(run, now);
        next.forEach(this::launch);
    }

    private void onResult(Job j, ProbeResult r, long now) {
        if (failNext) {
            failNext = false;
            throw new IllegalStateException("injected failure (fault-inject checks)");
        }
        boolean wasUp = j.state.up();
        CheckerState.Change change = j.state.onResult(r.success(), now);
        if (change == CheckerState.Change.NONE
                && r.success()
                && j.settled
                && r.weight() == null
                && r.addedWeight() == null) {
            return; // the steady case: nothing to log, apply or announce
        }
        onNotableResult(j, r, wasUp, change);
    }

    /**
     * A result that changes, logs or settles something. Kept out of {@link #onResult}, whose steady
     * case runs 11,000 times a second: the start-up work here (every checker settles once, in the
     * first seconds) made C2 compile it all into that method with the loggers inlined (a 47 KB
     * compile, 0.4 s of CPU and a 30 MB spike of the compiler's memory at 7 s, lab/bench-checks).
     * Below the C2 threshold it stays interpreted or C1-compiled, as start-up code should.
     */
    private void onNotableResult(Job j, ProbeResult r, boolean wasUp, CheckerState.Change change) {
        if (!r.success() && change == CheckerState.Change.NONE && (wasUp || j.timing.logAllFailures())) {
            if (wasUp) {
                LOG.info(
                        "{}: {} failed ({}), retry {} of {} in {} ms",
                        j.who,
                        j.probe.describe(),
                        r.reason(),
                        j.state.failures(),
                        j.timing.retry(),
                        TimeUnit.NANOSECONDS.toMillis(j.timing.delayBeforeRetryNanos()));
            } else {
                LOG.info("{}: {} still failing: {}", j.who, j.probe.describe(), r.reason());
            }
        }
        boolean first = !j.hasRun;
        j.hasRun = true;
        if (change != CheckerState.Change.NONE || r.weight() != null || r.addedWeight() != null) {
            if (change != CheckerState.Change.NONE) {
                LOG.info(
                        "{}: {} {}: {}",
                        j.who,
                        j.probe.describe(),
                        change == CheckerState.Change.UP ? "up" : "down",
                        r.reason());
            }
            apply(j, r, change);
        }
        if (!j.settled && (!j.state.up() || j.state.failures() == 0)) {
            j.settled = true;
            Integer left = unsettled.computeIfPresent(j.pool, (p, n) -> n - 1);
            if (left != null && left == 0) {
                LOG.info(
                        "{}: every checker has its first verdict", j.pool.spec().id());
                transitions.settled(j.pool.spec().id());
            }
        }
        if (first
                && change == CheckerState.Change.NONE
                && j.probe.reportsFirstResult() // not kind(j), a string built for every checker at start
                && (r.success() || j.timing.retry() == 0)) {
            // check_misc.c reports its first result even when it changes nothing (!has_run), and so
            // mails it; a first failure with retries left is a retry there too
            transitions.checker(
                    j.pool.spec().id(),
                    j.pool.spec().servers().get(j.server).id(),
                    "MISC_CHECK",
                    r.success(),
                    r.reason(),
                    j.pool.alive(j.server),
                    false);
        }
    }

    /** The checker's keyword, the first word of its description. */
    private static String kind(Job j) {
        String describe = j.probe.describe();
        int space = describe.indexOf(' ');
        return space < 0 ? describe : describe.substring(0, space);
    }

    /**
     * Starts following a FILE_CHECK's file (on the loop, once its pool's table is announced): each
     * change is taken on the loop; one that landed since the pool was made is taken now.
     */
    private void follow(Job j) {
        FileChecker f = (FileChecker) j.probe;
        f.onChange(() -> loop.execute(() -> fileChanged(j)));
        fileChanged(j);
    }

    /** A FILE_CHECK's file changed (or may have): its verdict moves the checker as a result would, at once. */
    private void fileChanged(Job j) {
        if (closed || j.cancelled || j.suspended) {
            return;
        }
        long now = System.nanoTime();
        ProbeResult r = ((FileChecker) j.probe).current();
        j.endedAt = now;
        j.lastDuration = 0;
        j.last = r;
        j.runs++;
        try {
            onResult(j, r, now);
        } catch (RuntimeException e) {
            restarted(j.who, j.probe.describe(), "its result could not be handled: " + e);
        } catch (Error e) {
            throw org.hadirector.sys.Escalate.error(e);
        }
    }

    private void restarted(String who, String what, String why) {
        restarts++;
        LOG.error("{}: {} failed and was restarted: {}", who, what, why);
        onRestart.accept(who + ": " + what + ": " + why);
    }

    /**
     * Supervision of every checker, once a second on the loop: a probe in flight long after its own
     * timeout is aborted and counted as a failed check; a checker that is neither running, queued
     * nor timed (its schedule lost) is scheduled again. Both are logged as restarts.
     */
    private void watch() {
        if (closed) {
            return;
        }
        long now = System.nanoTime();
        for (Runner j : List.copyOf(runners.values())) {
            if (schedule.inFlight(j)) {
                long bound = j.timing.connectTimeoutNanos() + hungGraceNanos;
                if (now - j.startedAt > bound) {
                    AutoCloseable handle = j.running;
                    if (handle != null) {
                        try {
                            handle.close();
                        } catch (Exception e) {
                            LOG.debug("{}: abort: {}", j.who(), e.toString());
                        }
                    }
                    restarted(
                            j.who(),
                            j.probe.describe(),
                            "no answer " + TimeUnit.NANOSECONDS.toMillis(now - j.startedAt) + " ms after it started");
                    finished(
                            j,
                            j.generation,
                            ProbeResult.fail(
                                    "no answer within " + TimeUnit.NANOSECONDS.toMillis(bound) + " ms (aborted)"),
                            now);
                }
            } else if (schedule.idle(j)) {
                restarted(j.who(), j.probe.describe(), "its schedule was lost");
                schedule(j, now);
            }
        }
    }

    /** How many checkers are due, waiting or in flight (tests: after close or a pool's removal, none). */
    CompletableFuture<Integer> scheduled() {
        CompletableFuture<Integer> f = new CompletableFuture<>();
        loop.execute(() -> f.complete(schedule.size()));
        return f;
    }

    /** How many checkers supervision restarted. */
    public long restarts() {
        return restarts;
    }

    /** Told (on the loop) of each restart, with the checker and the reason. */
    public void onRestart(Consumer<String> listener) {
        onRestart = listener;
    }

    /** Told of each real server and quorum transition; call before {@link #start()}. */
    public void onTransitions(Transitions t) {
        transitions = t;
    }

    /** Makes the next result handled fail, as a bug would (the part-death drill's lever). */
    public void injectFailure() {
        failNext = true;
    }

    /** Tests: a faster watchdog and a shorter grace for hung probes. */
    void watchdog(long periodNanos, long graceNanos) {
        watchdogPeriodNanos = periodNanos;
        hungGraceNanos = graceNanos;
    }

    private void apply(Job j, ProbeResult r, CheckerState.Change change) {
        String reason = j.probe.describe() + ": " + r.reason();
        ServicePool.Update u = j.pool.onChecker(j.server, j.index, j.state.up(), r.weight(), r.addedWeight(), reason);
        RealServerSpec rs = j.pool.spec().servers().get(j.server);
        if (u.serverUp() != null) {
            LOG.info("{}: real server {} {}", j.pool.spec().id(), rs.id(), u.serverUp() ? "up" : "down");
            List<String> script = u.serverUp() ? rs.notifyUp() : rs.notifyDown();
            if (script != null) {
                Scripts.launch(j.who, script);
            }
            transitions.realServer(j.pool.spec().id(), rs.id(), u.serverUp());
        }
        if (u.quorumUp() != null) {
            ServiceSpec s = j.pool.spec();
            LOG.info(
                    "{}: quorum {} ({} required, hysteresis {})",
                    s.id(),
                    u.quorumUp() ? "gained" : "lost",
                    s.quorum(),
                    s.hysteresis());
            List<String> script = u.quorumUp() ? s.quorumUp() : s.quorumDown();
            if (script != null) {
                Scripts.launch(s.id().toString(), script);
            }
            transitions.quorum(s.id(), u.quorumUp(), j.pool.aliveWeight());
        }
        if (change != CheckerState.Change.NONE) {
            transitions.checker(
                    j.pool.spec().id(),
                    rs.id(),
                    kind(j),
                    change == CheckerState.Change.UP,
                    r.reason(),
                    j.pool.alive(j.server),
                    u.serverUp() != null);
        }
        for (HealthEvent e : u.ops()) {
            switch (e.kind()) {
                case ADD -> LOG.info("{}: add {} weight {}: {}", e.service(), e.server(), e.weight(), e.reason());
                case REMOVE -> LOG.info("{}: remove {}: {}", e.service(), e.server(), e.reason());
                case WEIGHT -> LOG.info("{}: set {} weight {}: {}", e.service(), e.server(), e.weight(), e.reason());
            }
            listener.accept(e);
        }
    }

    /** Every pool and checker as they are now; taken on the loop. */
    public CompletableFuture<HealthStatus> status() {
        CompletableFuture<HealthStatus> f = new CompletableFuture<>();
        loop.execute(() -> {
            try {
                f.complete(snapshot(System.nanoTime()));
            } catch (RuntimeException e) {
                f.completeExceptionally(e);
            }
        });
        return f;
    }

    /** Lateness so far, then reset (benchmarks read it once per interval). */
    public CompletableFuture<HealthStatus.Scheduler> takeSchedulerStats() {
        CompletableFuture<HealthStatus.Scheduler> f = new CompletableFuture<>();
        loop.execute(() -> {
            f.complete(schedulerStats());
            lateness.reset();
        });
        return f;
    }

    private HealthStatus.Scheduler schedulerStats() {
        return new HealthStatus.Scheduler(
                runs,
                schedule.inFlight(),
                schedule.waiting(),
                maxInFlight,
                lateness.percentileMillis(0.5),
                lateness.percentileMillis(0.99),
                lateness.maxMillis());
    }

    private HealthStatus snapshot(long now) {
        List<HealthStatus.Service> out = new ArrayList<>();
        int next = 0;
        for (ServicePool p : pools) {
            List<HealthStatus.Server> servers = new ArrayList<>();
            for (int s = 0; s < p.spec().servers().size(); s++) {
                List<HealthStatus.Checker> checkers = new ArrayList<>();
                for (int c = 0; c < p.spec().servers().get(s).checks().size(); c++) {
                    Job j = jobs.get(next++);
                    checkers.add(new HealthStatus.Checker(
                            j.probe.describe(),
                            j.state.up(),
                            j.state.failures(),
                            j.last == null ? null : j.last.success(),
                            j.last == null ? null : j.last.reason(),
                            j.last == null ? -1 : TimeUnit.NANOSECONDS.toMillis(now - j.endedAt),
                            TimeUnit.NANOSECONDS.toMicros(j.lastDuration),
                            j.runs));
                }
                servers.add(new HealthStatus.Server(p.spec().servers().get(s).id(), p.alive(s), p.weight(s), checkers));
            }
            List<HealthStatus.TableEntry> table = new ArrayList<>();
            p.desired().forEach((n, w) -> table.add(new HealthStatus.TableEntry(n, w)));
            out.add(new HealthStatus.Service(
                    p.spec().id(), p.hasQuorum(), unsettled.getOrDefault(p, 0) == 0, servers, table));
        }
        return new HealthStatus(out, schedulerStats());
    }

    /**
     * keepalived's clear_service_rs for each live real server of {@code p} not in {@code staying}:
     * its notify_down, then the transitions listener told: at a stop ({@code stopping}) that it
     * went down and shuts down, at a reload that it is removed ("Removing", its FIFO's DOWN line).
     * The scripts started are added to {@code started}.
     */
    private void clearServiceRealServers(
            ServicePool p, java.util.Set<RealServerId> staying, boolean stopping, List<ScriptProcess> started) {
        ServiceSpec s = p.spec();
        for (int i = 0; i < s.servers().size(); i++) {
            RealServerSpec rs = s.servers().get(i);
            if (staying.contains(rs.id()) || !p.alive(i)) {
                continue;
            }
            if (stopping) {
                LOG.info("{}: real server {} down (shutting down)", s.id(), rs.id());
            } else {
                LOG.info("{}: real server {} removed while up", s.id(), rs.id());
            }
            if (rs.notifyDown() != null) {
                add(started, Scripts.launch(s.id() + " " + rs.id(), rs.notifyDown()));
            }
            if (stopping) {
                transitions.realServer(s.id(), rs.id(), false);
                transitions.shuttingDown(s.id(), rs.id());
            } else {
                transitions.removed(s.id(), rs.id());
            }
        }
    }

    /**
     * keepalived's clear_service_vs for a pool that goes: its live real servers (with {@code
     * realServers}, see {@link #clearServiceRealServers}) and then its quorum_down, told to the
     * transitions listener too. A pool a reload removed ({@code stopping} false) runs them
     * whatever its omega says, and quorum_down only if it had quorum; at a stop only a pool with
     * omega runs them, and its quorum_down always. The scripts started are added to {@code started}.
     */
    private void clearServiceVirtualServer(
            ServicePool p, boolean stopping, boolean realServers, List<ScriptProcess> started) {
        ServiceSpec s = p.spec();
        if (stopping && !s.omega()) {
            return;
        }
        if (realServers) {
            clearServiceRealServers(p, java.util.Set.of(), stopping, started);
        }
        if (stopping || p.hasQuorum()) {
            LOG.info("{}: quorum lost ({})", s.id(), stopping ? "shutting down" : "removed by reload");
            if (s.quorumDown() != null) {
                add(started, Scripts.launch(s.id().toString(), s.quorumDown()));
            }
            transitions.quorum(s.id(), false);
            if (stopping) {
                transitions.shuttingDown(s.id(), null);
            }
        }
    }

    private static void add(List<ScriptProcess> to, ScriptProcess p) {
        if (p != null) {
            to.add(p);
        }
    }

    /**
     * keepalived's clear_services at shutdown, before {@link #close}: the pools with omega run
     * their live real servers' notify_down ({@code realServers}: keepalived does when it removes
     * the servers one by one, not when lvs_flush_on_stop flushes the table) and their
     * quorum_down. The scripts get {@code graceMillis} (keepalived's shutdown backstop is one
     * second), then their process groups are killed, as keepalived does.
     */
    public void notifyShutdown(boolean realServers, long graceMillis) {
        CompletableFuture<List<ScriptProcess>> f = new CompletableFuture<>();
        loop.execute(() -> {
            List<ScriptProcess> started = new ArrayList<>();
            try {
                for (ServicePool p : pools) {
                    clearServiceVirtualServer(p, true, realServers, started);
                }
            } finally {
                f.complete(started);
            }
        });
        List<ScriptProcess> started;
        try {
            started = f.get(5, TimeUnit.SECONDS);
        } catch (Exception e) {
            LOG.warn("shutdown notifies not run: {}", e.toString());
            return;
        }
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(graceMillis);
        for (ScriptProcess p : started) {
            try {
                p.onExit().get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            } catch (java.util.concurrent.TimeoutException e) {
                LOG.warn("shutdown notify script (pid {}) still running after {} ms: killed", p.pid(), graceMillis);
                p.killGroup();
            } catch (Exception e) {
                p.killGroup();
            }
        }
    }

    /** Cancels every timer and aborts the checks in flight; returns when done (or after 5 s). */
    @Override
    public void close() {
        CompletableFuture<Void> done = new CompletableFuture<>();
        loop.execute(() -> {
            closed = true;
            if (watchdog != null) {
                watchdog.cancel(false);
            }
            if (wake != null) {
                wake.cancel(false);
            }
            for (Job j : jobs) {
                cancel(j);
            }
            for (Runner r : runners.values()) {
                cancel(r);
            }
            done.complete(null);
        });
        try {
            done.get(5, TimeUnit.SECONDS);
        } catch (Exception e) {
            LOG.warn("checkers did not stop within 5 s: {}", e.toString());
        }
    }
}
