package org.hadirector.director;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.hadirector.conf.model.LvsFlushOnStop;
import org.hadirector.healthcheck.HealthEvent;
import org.hadirector.ipvs.Dataplane;
import org.hadirector.ipvs.DataplaneException;
import org.hadirector.ipvs.PersistentTable;
import org.hadirector.ipvs.Reconciler;
import org.hadirector.ipvs.ServiceKey;
import org.hadirector.ipvs.ServiceTable;
import org.hadirector.ipvs.TableDump;
import org.hadirector.ipvs.TableOp;
import org.hadirector.sys.Mailbox;
import org.hadirector.sys.ServiceId;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the dataplane's table equal to the {@link DesiredTable}, on one thread ("table") that
 * alone talks to the dataplane. Health events and operator actions change the desired table; a
 * reconcile follows, coalesced so that a burst of events (the initial table of thousands of
 * servers) costs one diff. Only services this director owns are compared, so an operator's own
 * services in the kernel's table are left alone. A failed operation, an unreadable table or a
 * failure of the keeper's own work is reported as the part's fault and the reconcile runs again
 * with a backoff (100 ms doubling to 5 s) until it succeeds, which clears the fault.
 */
final class TableKeeper implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(TableKeeper.class);

    private final Dataplane dataplane;
    private DesiredTable desired;
    private final Set<ServiceKey> owned = new HashSet<>();
    private final ScheduledExecutorService thread;
    /** Why each destination last changed, for the log line of its operation. */
    private final Map<DestinationId, String> reasons = new HashMap<>();

    private boolean reconcileQueued;
    /** Work waiting for the next reconcile to end ({@link #whenApplied}); on the thread. */
    private final List<Runnable> afterReconcile = new java.util.ArrayList<>();
    /** Between the two steps of a reload: events change the desired table, nothing is applied yet. */
    private boolean holding;

    private volatile long opsApplied;
    private volatile long opsFailed;
    private volatile long unknownEvents;
    private static final long BACKOFF_MIN_MS = 100;
    private static final long BACKOFF_MAX_MS = 5_000;
    /** Why the table is not as desired now; null when the last reconcile succeeded. On the thread. */
    private String fault;

    private long backoffMs = BACKOFF_MIN_MS;
    private boolean retryQueued;
    private volatile java.util.function.Consumer<String> onFault = f -> {};

    TableKeeper(Dataplane dataplane, DesiredTable desired) {
        this.dataplane = dataplane;
        this.desired = desired;
        this.thread = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "table");
            t.setDaemon(true);
            return t;
        });
    }

    Dataplane dataplane() {
        return dataplane;
    }

    /** Programs the configured services (no real server yet: the checks decide); errors are fatal. */
    void start() throws DataplaneException {
        start(false);
    }

    /**
     * As {@link #start()}; with {@code flushFirst} (lvs_flush) the whole table is flushed first,
     * everyone's services included, as keepalived does at start. Without it, services this
     * director does not configure are left alone. A dataplane that starts empty (the userspace
     * forwarder) has nothing to flush.
     */
    void start(boolean flushFirst) throws DataplaneException {
        call(() -> {
            if (flushFirst) {
                PersistentTable lasting = dataplane.persistentTable().orElse(null);
                if (lasting != null) {
                    lasting.flush();
                    LOG.info("table: flushed at start (lvs_flush)");
                }
            }
            owned.addAll(desired.keys());
            List<TableOp> ops = diff("configuration");
            // one call: the userspace forwarder then updates its filters once for every service
            dataplane.applyAll(ops);
            opsApplied += ops.size();
            logApplied(ops);
            return null;
        });
    }

    /** A health event, from the checks' loop: never blocks it. */
    void onHealth(HealthEvent e) {
        execute(() -> guarded("health event " + e, () -> {
            String error = desired.apply(e);
            if (error != null) {
                unknownEvents++;
                LOG.warn("table: ignored health event {}: {}", e, error);
                return;
            }
            reasons.put(new DestinationId(e.service(), e.server()), e.reason());
            reconcileSoon();
        }));
    }

    /**
     * Runs {@code work} on the table thread once what was handed to the keeper before it has been
     * applied: at once when no reconcile is pending, else when the next one ends (after a reload's
     * held step, at {@link #reconcileNow}). The health events of the checks' loop reach this
     * thread as tasks whose reconcile is queued only when they run, so work posted from that loop
     * after its events runs after their reconcile. The announcer waits so: a VIP announced while
     * its table is still filling draws flows to it that, with mh, a partial table sends to
     * another real server than the other directors' full one (lab/ecmp's scale-out saw it).
     */
    void whenApplied(Runnable work) {
        execute(() -> {
            if (reconcileQueued || holding) {
                afterReconcile.add(work);
            } else {
                runWaiting(work);
            }
        });
    }

    /** Another part's work (the announcer's): its bug is logged there, never the table's fault. */
    private static void runWaiting(Runnable work) {
        try {
            work.run();
        } catch (RuntimeException e) {
            LOG.error("table: work waiting for the table failed: {}", e.toString(), e);
        } catch (Error e) {
            throw org.hadirector.sys.Escalate.error(e);
        }
    }

    /** Told of the table's fault (a reason) and its end (null), on the table thread. */
    void onFault(java.util.function.Consumer<String> listener) {
        onFault = listener;
    }

    /** Does the table thread answer within {@code millis}? (A hung dataplane call would stop it.) */
    boolean answers(long millis) {
        try {
            Mailbox.call(thread, () -> null, millis);
            return true;
        } catch (Mailbox.NoAnswer e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** The part-death drill's lever: the keeper's next piece of work fails, as a bug would. */
    void injectFailure() {
        execute(() -> guarded("reconcile", () -> {
            throw new IllegalStateException("injected failure (fault-inject table)");
        }));
    }

    /**
     * Runs a piece of the keeper's work: an exception is the part's fault and the table is
     * reconciled again after the backoff (the desired table is whole, so a full reconcile is the
     * restart); an Error goes to the process's handler, which the executor would not call.
     */
    private void guarded(String what, Runnable work) {
        try {
            work.run();
        } catch (RuntimeException e) {
            failed(what + " failed: " + e);
        } catch (Error e) {
            throw org.hadirector.sys.Escalate.error(e);
        }
    }

    private void failed(String why) {
        boolean first = fault == null;
        fault = why;
        LOG.error("table: {}; reconciling again in {} ms", why, backoffMs);
        if (first) {
            onFault.accept(why);
        }
        if (!retryQueued) {
            retryQueued = true;
            try {
                thread.schedule(
                        () -> {
                            retryQueued = false;
                            guarded("reconcile", this::reconcileSoon);
                        },
                        backoffMs,
                        TimeUnit.MILLISECONDS);
            } catch (java.util.concurrent.RejectedExecutionException e) {
                // stopping
            }
            backoffMs = Math.min(BACKOFF_MAX_MS, backoffMs * 2);
        }
    }

    private void succeeded() {
        backoffMs = BACKOFF_MIN_MS;
        if (fault != null) {
            fault = null;
            LOG.info("table: reconciled again; the table is as desired");
            onFault.accept(null);
        }
    }

    /**
     * Reload, first step: the new desired table (see {@link DesiredTable#reloaded}); nothing is
     * applied until {@link #reconcileNow}, so that restarted services' initial tables arrive first.
     */
    void reload(List<TableConfigMapper.ServicePlan> plans, Set<ServiceId> restarted) throws DataplaneException {
        call(() -> {
            desired = desired.reloaded(plans, restarted);
            owned.addAll(desired.keys());
            holding = true;
            return null;
        });
    }

    /** Reconciles now (after what is queued); returns how many operations were applied. */
    long reconcileNow() throws DataplaneException {
        return call(() -> {
            holding = false;
            long before = opsApplied;
            reconcile();
            return opsApplied - before;
        });
    }

    /** Drains or enables a real server; the answer is for the operator. */
    CompletableFuture<String> drain(String service, String server, boolean drain) {
        return CompletableFuture.supplyAsync(
                () -> {
                    DesiredTable.Drained d = desired.drain(service, server, drain);
                    if (d.error() != null) {
                        return "error: " + d.error() + "\n";
                    }
                    reasons.put(d.destination(), "operator: real-server " + (drain ? "drain" : "enable"));
                    reconcile();
                    return "ok: " + d.destination().server() + " in "
                            + d.destination().service()
                            + (drain
                                    ? " drained (weight 0: keeps its connections, gets no new ones)"
                                    : " enabled (the weight its checks give)")
                            + "\n";
                },
                thread);
    }

    /** Runs {@code work} on the table thread (the sync role, listings), waiting for it. */
    <T> T call(Callable<T> work) throws DataplaneException {
        try {
            return Mailbox.call(thread, work, 30_000);
        } catch (Mailbox.NoAnswer e) {
            if (e.getCause() instanceof DataplaneException d) {
                throw d;
            }
            if (e.getCause() instanceof java.util.concurrent.TimeoutException) {
                throw new DataplaneException("the table thread did not answer in 30 s");
            }
            if (e.getCause() instanceof java.util.concurrent.RejectedExecutionException) {
                throw new DataplaneException("the table is stopped");
            }
            throw new DataplaneException(String.valueOf(e.getCause()), e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new DataplaneException("interrupted");
        }
    }

    /** Runs {@code work} on the table thread every {@code millis}, until the table stops. */
    void every(long millis, Runnable work) {
        try {
            thread.scheduleWithFixedDelay(
                    () -> {
                        try {
                            work.run();
                        } catch (RuntimeException e) {
                            LOG.warn("table: periodic task: {}", e.toString());
                        }
                    },
                    millis,
                    millis,
                    TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.RejectedExecutionException e) {
            LOG.debug("table stopped; periodic task not scheduled");
        }
    }

    /** Runs {@code work} on the table thread without waiting. */
    void execute(Runnable work) {
        try {
            thread.execute(work);
        } catch (java.util.concurrent.RejectedExecutionException e) {
            LOG.debug("table stopped; dropped a task");
        }
    }

    TableDump dump() throws DataplaneException {
        return call(dataplane::dump);
    }

    long opsApplied() {
        return opsApplied;
    }

    long opsFailed() {
        return opsFailed;
    }

    private void reconcileSoon() {
        if (!reconcileQueued && !holding) {
            reconcileQueued = true;
            execute(() -> {
                reconcileQueued = false;
                guarded("reconcile", this::reconcile);
            });
        }
    }

    /** The operations, each with the reason of the event that asked for it, else {@code reason}. */
    private List<TableOp> diff(String reason) throws DataplaneException {
        ServiceTable actual = ServiceTable.EMPTY;
        for (ServiceTable.Entry e : dataplane.table().entries().values()) {
            if (owned.contains(e.service().key())) {
                actual = actual.withService(e.service(), e.destinationList());
            }
        }
        return Reconciler.diff(desired.table(), actual, (service, destination) -> {
            String why = destination == null ? null : reasons.get(desired.checkIdentity(service, destination));
            return why != null ? why : reason;
        });
    }

    /** One line per operation, or per service for a large pass (see {@link TableOpLog}). */
    private static void logApplied(List<TableOp> applied) {
        List<String> lines = TableOpLog.lines(applied);
        lines.forEach(l -> LOG.info("table: {}", l));
        if (lines.size() < applied.size() && LOG.isDebugEnabled()) {
            applied.forEach(op -> LOG.debug("table: {}", op.describe()));
        }
    }

    private void reconcile() {
        List<TableOp> ops;
        try {
            ops = diff("configuration");
        } catch (DataplaneException e) {
            failed("cannot read the " + dataplane.name() + " table: " + e.getMessage());
            return;
        }
        int failed = 0;
        String firstError = null;
        List<TableOp> applied = new ArrayList<>(ops.size());
        for (TableOp op : ops) {
            try {
                dataplane.apply(op);
                opsApplied++;
                applied.add(op);
            } catch (DataplaneException e) {
                opsFailed++;
                failed++;
                LOG.error("table: {} failed: {}", op.describe(), e.getMessage());
                if (firstError == null) {
                    firstError = op.describe() + ": " + e.getMessage();
                }
            }
        }
        logApplied(applied);
        reasons.clear();
        if (failed > 0) {
            failed(failed + " of " + ops.size() + " operation(s) failed, the first " + firstError);
        } else {
            succeeded();
        }
        // what waited for this table (a failed operation is the table's fault, reported above;
        // the rest is applied, and the retry runs on its own)
        if (!afterReconcile.isEmpty()) {
            List<Runnable> due = List.copyOf(afterReconcile);
            afterReconcile.clear();
            due.forEach(TableKeeper::runWaiting);
        }
    }

    /**
     * Stops the thread after removing what this director put in the table, as lvs_flush_on_stop
     * says: NONE and VS remove our services (with their connections), ALL flushes the kernel's
     * whole table (a {@link PersistentTable}'s). The userspace forwarder's table goes with the
     * forwarder either way.
     */
    void stop(LvsFlushOnStop mode) {
        try {
            call(() -> {
                PersistentTable lasting =
                        mode == LvsFlushOnStop.ALL ? dataplane.persistentTable().orElse(null) : null;
                if (lasting != null) {
                    lasting.flush();
                    LOG.info("table: flushed ({} ALL)", "lvs_flush_on_stop");
                    return null;
                }
                List<ServiceKey> ours = new ArrayList<>();
                for (ServiceKey k : dataplane.table().entries().keySet()) {
                    if (owned.contains(k)) {
                        ours.add(k);
                    }
                }
                for (ServiceKey k : ours) {
                    dataplane.apply(new TableOp.DeleteService(k, "stopping"));
                }
                LOG.info("table: removed {} service(s) on stop", ours.size());
                return null;
            });
        } catch (DataplaneException e) {
            LOG.warn("table: cannot clean up on stop: {}", e.getMessage());
        }
    }

    @Override
    public void close() {
        thread.shutdownNow();
        try {
            thread.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        dataplane.close();
    }
}
