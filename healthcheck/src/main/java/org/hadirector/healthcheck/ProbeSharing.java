package org.hadirector.healthcheck;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * Which checkers share one probe (pure): those of the whole configuration whose specs are the
 * same but for log_all_failures, that is the same checker type, target, bind, request
 * parameters (url, digest, status codes, payload, script...) and the same timing
 * (connect_timeout, retry, delay_before_retry, delay_loop, warmup, alpha). Such checkers would
 * send the same probe at the same pace, so one probe runs and every one of them takes its result
 * into its own {@link CheckerState} (its own failure count, up / down, its server's weight and
 * notify scripts, its own pool's quorum). Checkers whose timing differs are not shared: each
 * sees its results when its own schedule says, as keepalived's would.
 */
final class ProbeSharing {
    private ProbeSharing() {}

    /** What identifies a shared probe: the spec without what only changes logging. */
    static CheckSpec key(CheckSpec s) {
        CheckTiming t = s.timing();
        if (!t.logAllFailures()) {
            return s;
        }
        return new CheckSpec(
                s.settings(),
                new CheckTiming(
                        t.connectTimeoutNanos(),
                        t.retry(),
                        t.delayBeforeRetryNanos(),
                        t.delayLoopNanos(),
                        t.warmupNanos(),
                        t.alpha(),
                        false));
    }

    /**
     * The probes {@code checkers} need, each with its sharers in order, and, against the probes
     * {@code running}, which of them run on (their schedule and any check in flight kept, their
     * sharers replaced) and which stop (no sharer left).
     */
    record Plan<T>(Map<CheckSpec, List<T>> probes, Set<CheckSpec> kept, Set<CheckSpec> stopped) {
        int sharedCheckers() {
            int n = 0;
            for (List<T> l : probes.values()) {
                n += l.size() > 1 ? l.size() : 0;
            }
            return n;
        }
    }

    static <T> Plan<T> plan(Set<CheckSpec> running, List<T> checkers, Function<T, CheckSpec> spec) {
        Map<CheckSpec, List<T>> probes = new LinkedHashMap<>();
        for (T c : checkers) {
            probes.computeIfAbsent(key(spec.apply(c)), k -> new ArrayList<>()).add(c);
        }
        Set<CheckSpec> kept = new java.util.LinkedHashSet<>();
        Set<CheckSpec> stopped = new java.util.LinkedHashSet<>();
        for (CheckSpec k : running) {
            (probes.containsKey(k) ? kept : stopped).add(k);
        }
        return new Plan<>(probes, kept, stopped);
    }
}
