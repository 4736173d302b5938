package org.hadirector.vrrp.track;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.hadirector.sys.Mailbox;
import org.hadirector.sys.NativeException;
import org.hadirector.sys.Poller;
import org.hadirector.sys.ProcEvents;
import org.hadirector.sys.RateLimitedLog;
import org.hadirector.sys.SmallFiles;
import org.hadirector.sys.WakeUp;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The edge of track_process: one thread ("process-events") for the whole daemon reads the
 * kernel's process events, reads /proc where an event needs it, and keeps the one
 * {@link TrackedProcesses} (pure) that every instance's tracked processes share. Instances
 * {@link #watch} a tracked process and are told of its changes on this thread (they post them to
 * their own loop). /proc is scanned when a tracked process is first watched, and again one second
 * after the kernel reports lost events (ENOBUFS), as keepalived does; the receive buffer is then
 * doubled. The thread and its socket exist only while something is watched.
 *
 * <p>The kernel sends process events to the initial network namespace only: a daemon started in
 * another one opens the socket in the namespace named by HADIRECTOR_PROC_EVENTS_NETNS (default
 * /proc/1/ns/net) instead; see {@link ProcEvents}.
 */
public final class ProcessMonitor {
    private static final Logger LOG = LoggerFactory.getLogger(ProcessMonitor.class);
    private static final long NONE = Long.MAX_VALUE;
    private static final long RESCAN_AFTER_NANOS = 1_000_000_000L;
    /** keepalived's default for a socket of process events is the system's; this is what a busy host needs. */
    private static final int RECEIVE_BUFFER = 1 << 20;

    private static ProcessMonitor shared;

    /** Told on the monitor's thread; must not block. */
    @FunctionalInterface
    public interface Listener {
        void changed(boolean up, int count, String reason);
    }

    /** A tracked process as one instance watches it: its state when the watch began. */
    public final class Watch implements AutoCloseable {
        private final ProcessMatch match;
        private final Listener listener;
        private final boolean up;
        private final int count;

        private Watch(ProcessMatch match, Listener listener, boolean up, int count) {
            this.match = match;
            this.listener = listener;
            this.up = up;
            this.count = count;
        }

        public boolean up() {
            return up;
        }

        public int count() {
            return count;
        }

        @Override
        public void close() {
            mailbox.post(() -> unwatch(this));
        }
    }

    private final Path proc;
    private final Path initialNamespace;
    private final Mailbox mailbox = new Mailbox(this::signal);
    // The monitor thread's own state:
    private final TrackedProcesses table = new TrackedProcesses();
    private final Map<ProcessMatch, List<Watch>> watches = new HashMap<>();
    private final RateLimitedLog badMessages = RateLimitedLog.everyPeriod();
    private long rescanAt = NONE;
    private long malformedSeen;
    private long foreignSeen;
    private int receiveBuffer = RECEIVE_BUFFER;
    // Started and stopped under the lock of this object:
    private WakeUp wake;
    private ProcEvents events;
    private Thread thread;

    ProcessMonitor(Path proc, Path initialNamespace) {
        this.proc = proc;
        this.initialNamespace = initialNamespace;
    }

    /** The daemon's one monitor. */
    public static synchronized ProcessMonitor shared() {
        if (shared == null) {
            String ns = System.getenv("HADIRECTOR_PROC_EVENTS_NETNS");
            shared = new ProcessMonitor(Path.of("/proc"), Path.of(ns != null && !ns.isEmpty() ? ns : "/proc/1/ns/net"));
        }
        return shared;
    }

    /**
     * Watches {@code m} for {@code listener}: the first watch of a tracked process scans /proc for
     * it. Throws when the kernel's process events cannot be received (no CONFIG_PROC_EVENTS, no
     * privilege, a namespace that cannot be left).
     */
    public Watch watch(ProcessMatch m, Listener listener) throws IOException {
        java.util.concurrent.CompletableFuture<Watch> answer = new java.util.concurrent.CompletableFuture<>();
        // Started and posted under the lock that the thread's idle stop takes: the work is never
        // left in the mailbox of a thread that has just ended.
        synchronized (this) {
            start();
            mailbox.post(() -> {
                try {
                    answer.complete(register(m, listener));
                } catch (RuntimeException e) {
                    answer.completeExceptionally(e);
                }
            });
        }
        try {
            return answer.get(10, java.util.concurrent.TimeUnit.SECONDS);
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
            throw new IOException("track_process " + m.name() + ": the process monitor did not answer", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("track_process " + m.name() + ": interrupted", e);
        }
    }

    private Watch register(ProcessMatch m, Listener listener) {
        if (!table.contains(m)) {
            table.add(m, scan(List.of(m)));
            LOG.info("{}: {} at start ({} matching)", m.describe(), table.up(m) ? "up" : "down", table.count(m));
        }
        Watch w = new Watch(m, listener, table.up(m), table.count(m));
        watches.computeIfAbsent(m, k -> new ArrayList<>()).add(w);
        return w;
    }

    private synchronized void start() throws IOException {
        if (thread != null) {
            return;
        }
        try {
            wake = new WakeUp();
            events = ProcEvents.open(initialNamespace, receiveBuffer);
        } catch (NativeException e) {
            if (wake != null) {
                wake.close();
                wake = null;
            }
            throw new IOException(
                    "track_process: cannot receive the kernel's process events (" + e.getMessage()
                            + "); the kernel needs CONFIG_PROC_EVENTS, the daemon CAP_NET_ADMIN, and, inside a"
                            + " network namespace, the initial one's file in HADIRECTOR_PROC_EVENTS_NETNS",
                    e);
        }
        thread = new Thread(this::loop, "process-events");
        thread.setDaemon(true);
        thread.start();
    }

    private void signal() {
        WakeUp w = wake;
        if (w != null) {
            w.signal();
        }
    }

    private void loop() {
        ProcEvents ev;
        WakeUp w;
        synchronized (this) {
            ev = events;
            w = wake;
        }
        Poller poller = new Poller(ev.fd(), w.fd());
        try {
            while (true) {
                long now = System.nanoTime();
                long deadline = Math.min(table.nextDeadline(), rescanAt);
                int timeout = deadline == NONE || deadline == Long.MAX_VALUE
                        ? 1000
                        : (int) Math.max(0, Math.min(1000, (deadline - now + 999_999) / 1_000_000));
                long ready = poller.await(timeout);
                if ((ready & 1) != 0 && !ev.readEvents(this::onEvent)) {
                    overrun(System.nanoTime());
                }
                if ((ready & 2) != 0) {
                    w.clear();
                }
                mailbox.drain();
                now = System.nanoTime();
                if (rescanAt != NONE && now - rescanAt >= 0) {
                    rescanAt = NONE;
                    report(table.rescan(scan(watches.keySet()), now));
                }
                report(table.onTimer(now));
                countBadMessages(ev, now);
                if (stopIfIdle()) {
                    return;
                }
            }
        } catch (NativeException | RuntimeException e) {
            // Every watching instance must learn that its tracked processes are no longer seen:
            // they are reported down, which is what keepalived's instances see of a dead monitor.
            LOG.error("process-events: the monitor failed ({}); tracked processes are reported down", e.toString(), e);
            failAll("the process monitor failed: " + e);
        }
    }

    /** Ends the thread and closes the socket once nothing is watched; true when it did. */
    private boolean stopIfIdle() {
        synchronized (this) {
            if (!table.isEmpty() || !mailbox.isEmpty()) {
                return false;
            }
            events.close();
            events = null;
            wake.close();
            wake = null;
            thread = null;
            rescanAt = NONE;
            return true;
        }
    }

    private void failAll(String reason) {
        synchronized (this) {
            for (Map.Entry<ProcessMatch, List<Watch>> e : watches.entrySet()) {
                table.remove(e.getKey());
                for (Watch x : e.getValue()) {
                    tell(x, false, 0, reason);
                }
            }
            watches.clear();
            if (events != null) {
                events.close();
                events = null;
            }
            if (wake != null) {
                wake.close();
                wake = null;
            }
            thread = null;
        }
    }

    private void unwatch(Watch w) {
        List<Watch> list = watches.get(w.match);
        if (list != null && list.remove(w) && list.isEmpty()) {
            watches.remove(w.match);
            table.remove(w.match);
        }
    }

    private void onEvent(ProcEvents.Event e) {
        long now = System.nanoTime();
        switch (e.kind()) {
            case FORK -> {
                if (table.counts(e.parent())) {
                    report(table.fork(e.parent(), e.pid(), now));
                }
            }
            case EXEC -> report(table.exec(e.pid(), seen(e.pid()), now));
            case COMM -> report(table.comm(e.pid(), e.comm(), now));
            case EXIT -> {
                if (table.counts(e.pid())) {
                    report(table.exit(e.pid(), now));
                }
            }
        }
    }

    private void overrun(long now) {
        if (rescanAt == NONE) {
            rescanAt = now + RESCAN_AFTER_NANOS;
            receiveBuffer = Math.min(receiveBuffer * 2, 64 << 20);
            LOG.warn(
                    "process-events: the kernel dropped process events (receive buffer full); reading /proc again in 1 s"
                            + " and raising the buffer to {} bytes",
                    receiveBuffer);
            try {
                events.receiveBuffer(receiveBuffer);
            } catch (NativeException ex) {
                LOG.warn("process-events: cannot raise the receive buffer: {}", ex.getMessage());
            }
        }
    }

    private void countBadMessages(ProcEvents ev, long now) {
        long bad = ev.malformed() + ev.foreign();
        if (bad != malformedSeen + foreignSeen) {
            long newOnes = bad - malformedSeen - foreignSeen;
            malformedSeen = ev.malformed();
            foreignSeen = ev.foreign();
            for (long i = 0; i < newOnes; i++) {
                long n = badMessages.admit(now);
                if (n > 0) {
                    LOG.warn(
                            "process-events: ignored a message that is not a process event of the kernel ({} malformed,"
                                    + " {} not from the kernel so far){}",
                            malformedSeen,
                            foreignSeen,
                            RateLimitedLog.notLogged(n - 1, badMessages.total()));
                }
            }
        }
    }

    private void report(List<TrackedProcesses.Change> changes) {
        for (TrackedProcesses.Change c : changes) {
            LOG.info("{}: quorum {} ({})", c.match().describe(), c.up() ? "gained" : "lost", c.reason());
            for (Watch w : watches.getOrDefault(c.match(), List.of())) {
                tell(w, c.up(), c.count(), c.reason());
            }
        }
    }

    private static void tell(Watch w, boolean up, int count, String reason) {
        try {
            w.listener.changed(up, count, reason);
        } catch (RuntimeException e) {
            LOG.warn("{}: a watcher failed: {}", w.match.describe(), e.toString());
        }
    }

    /** What an exec needs read of the process; null when it is gone or unreadable. */
    private TrackedProcesses.Seen seen(int pid) {
        Path dir = proc.resolve(Integer.toString(pid));
        String comm = null;
        byte[] cmdline = null;
        if (table.needsCmdline()) {
            cmdline = SmallFiles.readAtMost(dir.resolve("cmdline"), table.cmdlineBytes());
            if (cmdline == null) {
                return null;
            }
        }
        if (table.needsComm()) {
            byte[] c = SmallFiles.readAtMost(dir.resolve("comm"), 17);
            if (c == null) {
                return null;
            }
            int n = c.length > 0 && c[c.length - 1] == '\n' ? c.length - 1 : c.length;
            comm = new String(c, 0, n, StandardCharsets.ISO_8859_1);
        }
        return new TrackedProcesses.Seen(comm, cmdline);
    }

    /**
     * Every process of /proc, with what {@code matches} need: comm from /proc/PID/stat (zombies
     * left out) and / or the start of /proc/PID/cmdline.
     */
    private Map<Integer, TrackedProcesses.Seen> scan(Iterable<ProcessMatch> matches) {
        boolean comm = false;
        boolean cmd = false;
        int cmdBytes = 0;
        for (ProcessMatch m : matches) {
            comm |= !m.fullCommand();
            cmd |= m.fullCommand();
            cmdBytes = Math.max(cmdBytes, m.cmdlineBytes());
        }
        Map<Integer, TrackedProcesses.Seen> out = new HashMap<>();
        try (DirectoryStream<Path> dir = Files.newDirectoryStream(proc)) {
            for (Path p : dir) {
                int pid = pidOf(p.getFileName().toString());
                if (pid <= 0) {
                    continue;
                }
                byte[] cmdline = cmd ? SmallFiles.readAtMost(p.resolve("cmdline"), cmdBytes) : null;
                if (cmd && cmdline == null) {
                    continue;
                }
                String name = null;
                if (comm) {
                    name = commOfStat(SmallFiles.readAtMost(p.resolve("stat"), 128));
                    if (name == null && !cmd) {
                        continue;
                    }
                }
                out.put(pid, new TrackedProcesses.Seen(name, cmdline));
            }
        } catch (IOException | RuntimeException e) {
            LOG.warn("process-events: cannot read {}: {}", proc, e.toString());
        }
        return out;
    }

    private static int pidOf(String s) {
        if (s.isEmpty() || s.length() > 10) {
            return -1;
        }
        long v = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < '0' || c > '9') {
                return -1;
            }
            v = v * 10 + (c - '0');
        }
        return v > Integer.MAX_VALUE ? -1 : (int) v;
    }

    /** The comm field of /proc/PID/stat ("PID (COMM) STATE ..."); null for a zombie or what does not parse. */
    static String commOfStat(byte[] stat) {
        if (stat == null) {
            return null;
        }
        String s = new String(stat, StandardCharsets.ISO_8859_1);
        int open = s.indexOf('(');
        int close = s.lastIndexOf(')');
        if (open < 0 || close < open || close + 2 >= s.length() || s.charAt(close + 2) == 'Z') {
            return null;
        }
        return s.substring(open + 1, close);
    }
}
