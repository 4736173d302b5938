package org.hadirector.director;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import org.hadirector.conf.model.KeepalivedConfig;
import org.hadirector.ipvs.DataplaneException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The daemon's life: refuse what cannot run, start the {@link Director} (all of it, or its VRRP
 * part with -P, or its checks and table with -C), the pid file and the control socket, tell
 * systemd it is ready, and on SIGTERM (or SIGINT) stop gracefully: checks stop, a master sends
 * priority 0 and removes its VIPs, the table is cleaned up per lvs_flush_on_stop.
 */
final class Daemon {
    private static final Logger LOG = LoggerFactory.getLogger(Daemon.class);

    private Daemon() {}

    /** Loads the configuration file again, for a reload; throws with the file's errors. */
    @FunctionalInterface
    interface ConfigSource {
        KeepalivedConfig load() throws Exception;
    }

    /** What keeps {@code c} from running in this mode: unsupported features, then insecure scripts. */
    static List<String> unsupported(CommandLine cl, KeepalivedConfig c) {
        List<String> unsupported = new ArrayList<>(DirectorPlan.refusals(c, !cl.checkersOnly(), !cl.vrrpOnly()));
        unsupported.addAll(ScriptSecurity.unknownUsers(c, !cl.checkersOnly(), !cl.vrrpOnly()));
        if ((cl.dataplane() == org.hadirector.ipvs.Dataplanes.Choice.USERSPACE
                        || cl.dataplane() == org.hadirector.ipvs.Dataplanes.Choice.XDP)
                && !cl.vrrpOnly()) {
            unsupported.addAll(userspaceRefusals(c));
        }
        return unsupported;
    }

    /**
     * What --dataplane userspace cannot serve that the file alone tells (so --config-test says it
     * too): fwmark services, a virtual_server's or a group entry's. The rest is checked at start.
     */
    static List<String> userspaceRefusals(KeepalivedConfig c) {
        List<String> out = new ArrayList<>();
        for (var vs : c.virtualServers()) {
            for (var s : TableConfigMapper.services(vs, c)) {
                if (s.key().isFwmark()) {
                    out.add(s.key().id() + " (" + vs.displayName() + "): " + FWMARK_NEEDS_KERNEL);
                }
            }
        }
        return out;
    }

    static final String FWMARK_NEEDS_KERNEL = "the userspace forwarder serves address:port services only "
            + "(it sees frames before netfilter marks them): a fwmark service needs kernel IPVS (--dataplane kernel)";

    static List<String> insecure(CommandLine cl, KeepalivedConfig c) {
        List<String> insecure = new ArrayList<>();
        if (!cl.checkersOnly()) {
            insecure.addAll(ScriptSecurity.vrrpScriptProblems(c));
        }
        if (!cl.vrrpOnly()) {
            insecure.addAll(ScriptSecurity.checkerScriptProblems(c));
        }
        // notify_fifo_script is both parts' script: said once
        return List.copyOf(new java.util.LinkedHashSet<>(insecure));
    }

    static int run(CommandLine cl, KeepalivedConfig c, PrintStream err, ConfigSource source) {
        FatalErrors.install();
        boolean checkers = !cl.vrrpOnly();
        boolean vrrp = !cl.checkersOnly();
        List<String> unsupported = unsupported(cl, c);
        if (!unsupported.isEmpty()) {
            unsupported.forEach(u -> err.println("hadirector: " + u));
            return Main.EXIT_USAGE;
        }
        ScriptSecurity.ignoredNotifyScripts(c, vrrp, checkers).forEach(w -> LOG.warn("{}", w));
        List<String> insecure = insecure(cl, c);
        if (!insecure.isEmpty()) {
            if (c.globalDefs().enableScriptSecurity()) {
                insecure.forEach(u -> err.println("hadirector: script security: " + u));
                return Main.EXIT_SCRIPT_SECURITY;
            }
            insecure.forEach(u -> LOG.warn("script security (enable_script_security would refuse this): {}", u));
        }
        if (cl.checkersOnly() && c.virtualServers().isEmpty()) {
            err.println("hadirector: no virtual_server to check");
            return Main.EXIT_USAGE;
        }
        if (cl.vrrpOnly() && c.vrrpInstances().isEmpty()) {
            err.println("hadirector: no vrrp_instance to run");
            return Main.EXIT_USAGE;
        }
        if (c.vrrpInstances().isEmpty() && c.virtualServers().isEmpty()) {
            err.println("hadirector: nothing to run: no vrrp_instance and no virtual_server");
            return Main.EXIT_USAGE;
        }
        String other = otherDaemon(Path.of(cl.pidFile()));
        if (other != null) {
            err.println("hadirector: " + other);
            return Main.EXIT_FATAL;
        }
        Director director;
        try {
            director = Director.start(c, vrrp, checkers, cl.dataplane());
            director.keepTableOnStop(cl.keepTable());
        } catch (IOException | DataplaneException | RuntimeException e) {
            LOG.error("cannot start: {}", e.getMessage());
            err.println("hadirector: cannot start: " + e.getMessage());
            return Main.EXIT_FATAL;
        }
        Path pid = Path.of(cl.pidFile());
        writePid(pid);
        ControlCommands commands = new ControlCommands(director);
        ControlServer control;
        try {
            control = new ControlServer(Path.of(cl.controlSocket()), commands::answer);
            ControlServer c0 = control;
            director.parts.probe("control", c0::serving);
        } catch (IOException e) {
            LOG.error("cannot open the control socket {}: {}", cl.controlSocket(), e.toString());
            director.close();
            return Main.EXIT_FATAL;
        }
        HttpEndpoint http = null;
        if (cl.metrics() != null) {
            try {
                http = HttpEndpoint.start(
                        HttpEndpoint.parse(cl.metrics()), commands, () -> java.util.List.of(control.stats()));
                HttpEndpoint h0 = http;
                director.parts.probe("http", h0::serving);
            } catch (IOException | IllegalArgumentException e) {
                LOG.error("cannot serve metrics at {}: {}", cl.metrics(), e.toString());
                control.close();
                director.close();
                return Main.EXIT_FATAL;
            }
        }
        HttpEndpoint metrics = http;
        CountDownLatch done = new CountDownLatch(1);
        Thread hook = new Thread(
                () -> {
                    LOG.info("stopping");
                    notifySystemd("STOPPING=1");
                    if (metrics != null) {
                        metrics.close();
                    }
                    control.close();
                    director.close();
                    try {
                        Files.deleteIfExists(pid);
                    } catch (IOException ignored) {
                        // best effort
                    }
                    // the JVM ends once the hooks have run: the queued log lines (the transitions to
                    // STOP, "stopped") are written now or never
                    Main.flushLogs();
                    done.countDown();
                },
                "shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        java.util.concurrent.ExecutorService reloads = java.util.concurrent.Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "reload");
            t.setDaemon(true);
            return t;
        });
        try {
            handleHup(sig -> reloads.execute(() -> reload(cl, director, source)));
            // keepalived: SIGUSR1 dumps its data (and its JSON signal, SIGRTMIN+2, which the JVM cannot
            // catch, the JSON); SIGUSR2 its statistics.
            Path dumps = Path.of(cl.dumpDir());
            sun.misc.Signal.handle(
                    new sun.misc.Signal("USR1"),
                    sig -> reloads.execute(() -> {
                        ControlCommands.Snapshot snap = commands.snapshot();
                        dump(
                                dumps.resolve("hadirector.data"),
                                StatusReport.text(snap.vrrp(), snap.health(), snap.table(), snap.parts())
                                        + commands.answer("ipvs -L -n"));
                        dump(
                                dumps.resolve("hadirector.json"),
                                StatusReport.json(snap.vrrp(), snap.health(), snap.table(), snap.parts()));
                    }));
            sun.misc.Signal.handle(
                    new sun.misc.Signal("USR2"),
                    sig -> reloads.execute(() -> dump(dumps.resolve("hadirector.stats"), commands.metrics())));
        } catch (IllegalArgumentException e) {
            LOG.warn("signal handling is not available here ({}); reload needs a restart", e.getMessage());
        }
        LOG.info(
                "started: {} vrrp_instance(s), {} virtual_server(s){}, router_id {}",
                director.runtimes.size(),
                director.runsChecks() ? c.virtualServers().size() : 0,
                director.table() != null ? " on " + director.table().dataplane().name() : "",
                c.globalDefs().routerId());
        notifySystemd(
                "READY=1\nSTATUS=running\nMAINPID=" + ProcessHandle.current().pid());
        markClassArchiveWorthKeeping();
        try {
            done.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return Main.EXIT_OK;
    }

    /**
     * The launcher asks the JVM to write a class-data archive when this run ends (bin/hadirector,
     * JDK 17's dynamic AppCDS) and names a marker file: written once the daemon has started, it
     * says the archive holds the running daemon's classes, not those of a start that failed, and
     * the launcher uses an archive only beside its marker.
     */
    private static void markClassArchiveWorthKeeping() {
        String marker = System.getProperty("hadirector.cds.marker");
        if (marker == null) {
            return;
        }
        try {
            java.nio.file.Files.writeString(java.nio.file.Path.of(marker), "started\n");
        } catch (IOException | RuntimeException e) {
            LOG.warn("class archive: cannot write {}: {}; the next start makes a new one", marker, e.toString());
        }
    }

    /**
     * SIGHUP: the file is read and checked first; a file with errors, unsupported features or
     * (with enable_script_security) insecure scripts is rejected and the running configuration
     * stays. Otherwise the director checks the new configuration against the host and opens
     * what it (re)starts before anything stops (see {@link Director#reload}), then applies only
     * the differences from what runs.
     */
    static void reload(CommandLine cl, Director director, ConfigSource source) {
        LOG.info("reload: reading {}", cl.configFile());
        notifySystemd("RELOADING=1");
        try {
            KeepalivedConfig n;
            try {
                n = source.load();
            } catch (Exception e) {
                LOG.error("reload rejected, the running configuration stays: {}", e.getMessage());
                return;
            }
            List<String> problems = unsupported(cl, n);
            ScriptSecurity.ignoredNotifyScripts(n, !cl.checkersOnly(), !cl.vrrpOnly())
                    .forEach(w -> LOG.warn("reload: {}", w));
            List<String> insecure = insecure(cl, n);
            if (n.globalDefs().enableScriptSecurity()) {
                insecure.forEach(u -> problems.add("script security: " + u));
            } else {
                insecure.forEach(u -> LOG.warn("script security (enable_script_security would refuse this): {}", u));
            }
            if (!problems.isEmpty()) {
                LOG.error("reload rejected, the running configuration stays: {}", String.join("; ", problems));
                return;
            }
            try {
                LOG.info("reload done: {}", director.reload(n));
            } catch (IllegalArgumentException e) {
                LOG.error("reload rejected, the running configuration stays: {}", e.getMessage());
            } catch (IOException e) {
                // What failed was rolled back where it could be; the message says what runs. The next
                // reload diffs against what runs, so it retries what did not take.
                LOG.error("reload incomplete: {}", e.getMessage());
            } catch (DataplaneException | RuntimeException e) {
                LOG.error("reload failed part way: {}", e.toString(), e);
            }
        } finally {
            notifySystemd("READY=1");
        }
    }

    /**
     * Writes a dump file whole, mode 0600: a new file with a random name in the same directory,
     * renamed in place; a symbolic link at the final name is refused (logged).
     */
    static void dump(Path to, String text) {
        try {
            org.hadirector.sys.SmallFiles.writeReplacing(to, text, "rw-------");
            LOG.info("dumped {}", to);
        } catch (IOException | RuntimeException e) {
            LOG.warn("cannot write {}: {}", to, e.toString());
        }
    }

    /**
     * One daemon per network namespace, decided before anything is touched: first the namespace's
     * lock ({@link org.hadirector.sys.NamespaceLock}: an abstract socket, whatever the pid file),
     * kept for the life of the process; then, for a daemon that predates the lock, a pid file naming
     * a live hadirector in this namespace (same /proc/PID/ns/net). Null when this one may run.
     */
    static String otherDaemon(Path pidFile) {
        String busy = org.hadirector.sys.NamespaceLock.acquire();
        if (busy != null) {
            String pid = pidFileOwner(pidFile);
            return pid == null ? busy : busy + "; pid file " + pidFile + " names pid " + pid;
        }
        try {
            byte[] text = org.hadirector.sys.SmallFiles.readAtMostNoFollow(pidFile, 32);
            if (text == null) {
                return null;
            }
            long pid = Long.parseLong(new String(text, java.nio.charset.StandardCharsets.US_ASCII).strip());
            if (pid == ProcessHandle.current().pid()) {
                return null;
            }
            Path proc = Path.of("/proc", Long.toString(pid));
            if (!Files.exists(proc)) {
                return null;
            }
            String cmdline = Files.readString(proc.resolve("cmdline")).replace('\0', ' ');
            if (!cmdline.contains("hadirector")) {
                return null;
            }
            Object ours = Files.readSymbolicLink(Path.of("/proc/self/ns/net"));
            Object theirs = Files.readSymbolicLink(proc.resolve("ns/net"));
            return ours.equals(theirs)
                    ? "another hadirector (pid " + pid + ") runs in this network namespace (pid file " + pidFile + ")"
                    : null;
        } catch (IOException | NumberFormatException | SecurityException e) {
            return null;
        }
    }

    /** The pid a pid file names, read without following a link, when that process lives; else null. */
    private static String pidFileOwner(Path pidFile) {
        byte[] text = org.hadirector.sys.SmallFiles.readAtMostNoFollow(pidFile, 32);
        if (text == null) {
            return null;
        }
        String pid = new String(text, java.nio.charset.StandardCharsets.US_ASCII).strip();
        return pid.matches("[0-9]{1,10}") && Files.exists(Path.of("/proc", pid)) ? pid : null;
    }

    /**
     * SIGHUP reloads. Under nohup SIGHUP starts ignored, and the JVM then refuses a handler
     * (Signal.handle answers SIG_IGN and installs nothing), which would silently disable reload:
     * keepalived installs its handlers whatever it inherited, so the default is put back, the
     * handler installed, and a warning says so. (A SIGHUP in the microseconds between the two
     * would end the process, as it would a daemon started without nohup before its handler.)
     */
    private static void handleHup(sun.misc.SignalHandler handler) {
        sun.misc.Signal hup = new sun.misc.Signal("HUP");
        sun.misc.SignalHandler before = sun.misc.Signal.handle(hup, handler);
        if (before == sun.misc.SignalHandler.SIG_IGN) {
            LOG.warn("SIGHUP was ignored when hadirector started (nohup?); installing the reload handler anyway, "
                    + "as keepalived does: SIGHUP reloads");
            if (!org.hadirector.sys.SignalDisposition.reset(hup.getNumber())) {
                LOG.error("cannot reset SIGHUP to its default; SIGHUP will not reload, restart to reload");
                return;
            }
            sun.misc.SignalHandler again = sun.misc.Signal.handle(hup, handler);
            if (again == sun.misc.SignalHandler.SIG_IGN) {
                LOG.error("SIGHUP stays ignored; SIGHUP will not reload, restart to reload");
            }
        }
    }

    /** Type=notify: systemd waits for READY=1; without NOTIFY_SOCKET this does nothing. */
    private static void notifySystemd(String state) {
        try {
            org.hadirector.sys.SystemdNotify.send(state);
        } catch (IOException e) {
            LOG.warn("cannot notify systemd: {}", e.getMessage());
        }
    }

    /** The pid file, written whole and never through a symbolic link (refused, with a log line). */
    private static void writePid(Path pid) {
        try {
            if (pid.getParent() != null) {
                Files.createDirectories(pid.getParent());
            }
            org.hadirector.sys.SmallFiles.writeReplacing(
                    pid, ProcessHandle.current().pid() + "\n", "rw-r--r--");
        } catch (IOException e) {
            LOG.warn("cannot write pid file {}: {}", pid, e.getMessage());
        }
    }
}
