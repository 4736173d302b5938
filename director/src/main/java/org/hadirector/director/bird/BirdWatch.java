package org.hadirector.director.bird;

import java.io.Closeable;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.hadirector.sys.RateLimitedLog;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * BIRD's view of the announcement, for {@code hadirector status} and /metrics: every
 * {@link #PERIOD} on its own thread, one connection to BIRD's control socket, {@code show
 * protocols} and, for each BGP session watched, {@code show route exported}. Readers take the last
 * {@link State} and its age, never BIRD itself, so a slow or absent BIRD never slows a status
 * request; a failed poll is counted and logged at a bounded rate, and the state says why.
 */
public final class BirdWatch implements Closeable {
    private static final Logger LOG = LoggerFactory.getLogger(BirdWatch.class);
    static final Duration PERIOD = Duration.ofSeconds(2);
    static final Duration TIMEOUT = Duration.ofSeconds(1);

    /** One BGP session as BIRD shows it, and the networks it exports. */
    public record Session(String name, boolean established, String state, String info, List<String> exported) {}

    /**
     * The last poll: when ({@code System.nanoTime()}), why it failed (null when it did not), the
     * sessions; {@code polls} and {@code errors} count since start.
     */
    public record State(Path socket, long takenAtNanos, String error, List<Session> sessions, long polls, long errors) {
        /** The sessions that export {@code network} (ADDR/LEN), established ones only. */
        public List<String> exporting(String network) {
            List<String> out = new ArrayList<>();
            for (Session s : sessions) {
                if (s.established() && s.exported().contains(network)) {
                    out.add(s.name());
                }
            }
            return out;
        }
    }

    private final Path socket;
    private final List<String> protocols;
    private final ScheduledExecutorService thread;
    private final RateLimitedLog errorLog = RateLimitedLog.everyPeriod();
    private volatile State state;
    private long polls;
    private long errors;

    /** Watches the BGP sessions named in {@code protocols}, or every BGP session when it is empty. */
    public BirdWatch(Path socket, List<String> protocols) {
        this.socket = socket;
        this.protocols = List.copyOf(protocols);
        this.state = new State(socket, System.nanoTime(), "not read yet", List.of(), 0, 0);
        this.thread = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "bird");
            t.setDaemon(true);
            return t;
        });
    }

    public void start() {
        thread.scheduleWithFixedDelay(this::poll, 0, PERIOD.toMillis(), TimeUnit.MILLISECONDS);
        LOG.info(
                "bird: reading {} every {} s ({})",
                socket,
                PERIOD.toSeconds(),
                protocols.isEmpty() ? "every BGP session" : "sessions " + String.join(", ", protocols));
    }

    /** Whether this watch reads {@code socket} for {@code protocols} (a reload keeps it then). */
    public boolean watches(Path socket, List<String> protocols) {
        return this.socket.equals(socket) && this.protocols.equals(protocols);
    }

    public State state() {
        return state;
    }

    private void poll() {
        polls++;
        try (BirdControl bird = BirdControl.open(socket, TIMEOUT)) {
            Map<String, BirdProtocol> bgp = new LinkedHashMap<>();
            for (BirdProtocol p : bird.protocols()) {
                if (p.isBgp() && (protocols.isEmpty() || protocols.contains(p.name()))) {
                    bgp.put(p.name(), p);
                }
            }
            List<Session> sessions = new ArrayList<>();
            for (String name : protocols) {
                if (!bgp.containsKey(name)) {
                    sessions.add(
                            new Session(name, false, "missing", "no BGP protocol of that name in BIRD", List.of()));
                }
            }
            for (BirdProtocol p : bgp.values()) {
                List<String> exported = new ArrayList<>();
                if (p.established()) {
                    bird.exported(p.name()).forEach(r -> exported.add(r.network()));
                }
                sessions.add(new Session(p.name(), p.established(), p.state(), p.info(), List.copyOf(exported)));
            }
            if (state.error() != null && state.polls() > 0) {
                LOG.info("bird: {} answers again", socket);
            }
            state = new State(socket, System.nanoTime(), null, List.copyOf(sessions), polls, errors);
        } catch (BirdException | RuntimeException e) {
            errors++;
            long now = System.nanoTime();
            long n = errorLog.admit(now);
            if (n > 0) {
                LOG.warn(
                        "bird: cannot read {}: {}{}",
                        socket,
                        e.getMessage(),
                        n > 1 ? " (" + (n - 1) + " failed polls before it not logged)" : "");
            }
            state = new State(socket, now, e.getMessage(), state.sessions(), polls, errors);
        }
    }

    @Override
    public void close() {
        thread.shutdownNow();
    }
}
