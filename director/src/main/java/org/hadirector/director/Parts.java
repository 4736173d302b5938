package org.hadirector.director;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentSkipListMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The long-lived parts of the daemon and whether each runs: every VRRP instance, the dataplane,
 * the checks. A part reports its own fault (null when it runs); `status` and /metrics list every
 * part, a part that is down included, so a failure is never shown by an omission.
 */
final class Parts {
    private static final Logger LOG = LoggerFactory.getLogger(Parts.class);

    /** One part: its name, why it is down (null while it runs), and how often it went down. */
    record Part(String name, boolean up, String fault, long failures) {}

    private final Map<String, Part> parts = new ConcurrentSkipListMap<>();
    /** Parts that do not report themselves: asked whether they run when the parts are listed. */
    private final Map<String, java.util.function.BooleanSupplier> probes = new ConcurrentSkipListMap<>();

    /** A part that is asked (a server: does it still listen?) instead of reporting. */
    void probe(String name, java.util.function.BooleanSupplier runs) {
        add(name);
        probes.put(name, runs);
    }

    /** Registers a part that runs. */
    void add(String name) {
        parts.putIfAbsent(name, new Part(name, true, null, 0));
    }

    void remove(String name) {
        parts.remove(name);
    }

    /** The part's fault now: a reason while it is down, null once it runs again. */
    void report(String name, String fault) {
        Part before = parts.get(name);
        long failures = before == null ? 0 : before.failures();
        boolean wasUp = before == null || before.up();
        if (fault != null && wasUp) {
            failures++;
            LOG.warn("part {} is down: {}", name, fault);
        } else if (fault == null && !wasUp) {
            LOG.info("part {} runs again", name);
        }
        parts.put(name, new Part(name, fault == null, fault, failures));
    }

    /**
     * The part failed and was restarted at once (a checker whose result handling threw): counted
     * and logged, never shown down.
     */
    void restarted(String name, String why) {
        Part before = parts.get(name);
        if (before == null) {
            return;
        }
        LOG.warn("part {} failed and was restarted: {}", name, why);
        parts.put(name, new Part(name, before.up(), before.fault(), before.failures() + 1));
    }

    List<Part> all() {
        probes.forEach((name, runs) -> {
            boolean up = runs.getAsBoolean();
            Part p = parts.get(name);
            if (p != null && p.up() != up) {
                report(name, up ? null : "no longer listens");
            }
        });
        return new ArrayList<>(parts.values());
    }

    /** "name: reason" of each part that is down. */
    List<String> down() {
        List<String> out = new ArrayList<>();
        for (Part p : parts.values()) {
            if (!p.up()) {
                out.add(p.name() + ": " + p.fault());
            }
        }
        return out;
    }
}
