package org.hadirector.director;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Properties;
import org.hadirector.conf.ConfigException;
import org.hadirector.conf.ConfigJson;
import org.hadirector.conf.ConfigLoader;
import org.hadirector.conf.Diagnostic;
import org.hadirector.conf.model.KeepalivedConfig;

/** The {@code hadirector} command. Exit codes follow keepalived: 0 ok, 1 usage/runtime, 4 fatal, 5 config errors. */
public final class Main {
    static final int EXIT_OK = 0;
    static final int EXIT_USAGE = 1;
    /** `status`: the daemon answers, but one of its parts is down. */
    static final int EXIT_DEGRADED = 3;

    static final int EXIT_FATAL = 4;
    static final int EXIT_CONFIG = 5;
    static final int EXIT_SCRIPT_SECURITY = 6;

    private final PrintStream out;
    private final PrintStream err;
    private final Path sysClassNet;

    Main(PrintStream out, PrintStream err, Path sysClassNet) {
        this.out = out;
        this.err = err;
        this.sysClassNet = sysClassNet;
    }

    public static void main(String[] args) {
        int code = new Main(System.out, System.err, Path.of("/sys/class/net")).run(args);
        flushLogs();
        System.exit(code);
    }

    /**
     * Writes out what the log still holds and stops it: DaemonLogging queues events for a writer
     * thread (AsyncAppender) that the JVM does not wait for. Call it last before the process ends.
     */
    static void flushLogs() {
        if (org.slf4j.LoggerFactory.getILoggerFactory() instanceof ch.qos.logback.classic.LoggerContext lc) {
            lc.stop();
        }
    }

    int run(String[] args) {
        CommandLine cl;
        try {
            cl = CommandLine.parse(args);
        } catch (CommandLine.UsageException e) {
            err.println("hadirector: " + e.getMessage());
            err.print(CommandLine.USAGE);
            return EXIT_USAGE;
        }
        return switch (cl.mode()) {
            case HELP -> {
                out.print(CommandLine.USAGE);
                yield EXIT_OK;
            }
            case VERSION -> {
                out.println("hadirector " + version());
                yield EXIT_OK;
            }
            case CONFIG_TEST -> configTest(cl);
            case DUMP_CONFIG -> dumpConfig(cl);
            case DAEMON -> daemon(cl);
            case STATUS -> status(cl);
            case GENHASH -> Genhash.run(cl.rest(), out, err);
            case IPVS -> IpvsCommand.run(cl.rest(), Path.of(cl.controlSocket()), out, err);
            case ACTION -> action(cl);
        };
    }

    private ConfigLoader.Options options(CommandLine cl) {
        ConfigLoader.Options o = ConfigLoader.Options.defaults();
        if (Files.isDirectory(sysClassNet)) {
            o = o.withInterfaceCheck(name -> !name.contains("/") && Files.exists(sysClassNet.resolve(name)));
        }
        return cl.configId() == null ? o : o.withConfigId(cl.configId());
    }

    /**
     * Loads the file; on errors reports them and returns their exit code, otherwise prints the
     * warnings and returns what {@code then} does with the result.
     */
    private int withConfig(CommandLine cl, java.util.function.ToIntFunction<ConfigLoader.Result> then) {
        ConfigLoader.Result r;
        try {
            r = ConfigLoader.load(Path.of(cl.configFile()), options(cl));
        } catch (ConfigException e) {
            return report(e);
        }
        r.warnings().forEach(err::println);
        return then.applyAsInt(r);
    }

    private int configTest(CommandLine cl) {
        return withConfig(cl, r -> configOk(cl, r));
    }

    private int configOk(CommandLine cl, ConfigLoader.Result r) {
        List<Diagnostic> warnings = r.warnings();
        KeepalivedConfig c = r.config();
        // What the daemon would refuse at start (features not built, unknown script users) fails here too.
        List<String> refused = Daemon.unsupported(cl, c);
        if (!refused.isEmpty()) {
            refused.forEach(u -> err.println(cl.configFile() + ": " + u));
            err.println("configuration has " + refused.size() + " error" + (refused.size() == 1 ? "" : "s"));
            return EXIT_CONFIG;
        }
        List<String> ignored =
                new java.util.ArrayList<>(ScriptSecurity.ignoredNotifyScripts(c, !cl.checkersOnly(), !cl.vrrpOnly()));
        ignored.addAll(SmtpAlertPlan.warnings(c));
        if (!cl.vrrpOnly()) {
            ignored.addAll(DirectorPlan.announceWarnings(c));
        }
        ignored.forEach(w -> err.println(cl.configFile() + ": warning: " + w));
        int realServers = c.virtualServers().stream()
                .mapToInt(v -> v.realServers().size())
                .sum();
        out.printf(
                "%s: configuration OK: %d vrrp_instance, %d virtual_server, %d real_server; %d warning%s%n",
                cl.configFile(),
                c.vrrpInstances().size(),
                c.virtualServers().size(),
                realServers,
                warnings.size() + ignored.size(),
                warnings.size() + ignored.size() == 1 ? "" : "s");
        return EXIT_OK;
    }

    private int dumpConfig(CommandLine cl) {
        return withConfig(cl, r -> {
            out.println(ConfigJson.render(r.config()));
            return EXIT_OK;
        });
    }

    private int daemon(CommandLine cl) {
        return withConfig(
                cl,
                r -> Daemon.run(cl, r.config(), err, () -> {
                    try {
                        ConfigLoader.Result again = ConfigLoader.load(Path.of(cl.configFile()), options(cl));
                        again.warnings()
                                .forEach(w -> org.slf4j.LoggerFactory.getLogger(Daemon.class)
                                        .warn("reload: {}", w));
                        return again.config();
                    } catch (ConfigException e) {
                        throw new IllegalArgumentException(String.join(
                                "; ",
                                e.diagnostics().stream().map(Object::toString).toList()));
                    }
                }));
    }

    private int status(CommandLine cl) {
        boolean json = false;
        for (String a : cl.rest()) {
            if (a.equals("--json")) {
                json = true;
            } else {
                err.println("hadirector status: unknown argument '" + a + "' (takes --json and --control S)");
                return EXIT_USAGE;
            }
        }
        try {
            String answer = ControlServer.request(Path.of(cl.controlSocket()), json ? "status json" : "status");
            out.print(answer);
            if (answer.startsWith("error:")) {
                return EXIT_USAGE;
            }
            // A part that is down (a VRRP instance restarting, the forwarder without its link, ...)
            // makes status fail, so that a monitoring check sees it.
            boolean down = json
                    ? StatusReport.jsonHasPartsDown(answer)
                    : answer.contains("\n" + StatusReport.PARTS_DOWN) || answer.startsWith(StatusReport.PARTS_DOWN);
            return down ? EXIT_DEGRADED : EXIT_OK;
        } catch (IOException e) {
            err.println("hadirector status: cannot reach the daemon at " + cl.controlSocket() + ": " + e.getMessage());
            return EXIT_USAGE;
        }
    }

    static final long WITHDRAW_WAIT_NANOS = 60_000_000_000L;

    /**
     * announce withdraw's wait: reads the daemon's status twice a second until BIRD exports none
     * of the VIPs and the forwarder's frames have stopped (the routers moved the flows), at most
     * {@code boundNanos}; exit 0 then, 1 with what remains at the bound.
     */
    private int awaitWithdrawn(Path control, long boundNanos) {
        WithdrawWait w = new WithdrawWait();
        long start = System.nanoTime();
        while (System.nanoTime() - start < boundNanos) {
            try {
                String status = ControlServer.request(control, "status");
                if (w.add(WithdrawWait.read(status, System.nanoTime()))) {
                    out.printf(
                            "announce: traffic moved after %d ms (%s); the director can be stopped%n",
                            (System.nanoTime() - start) / 1_000_000, w.describe());
                    return EXIT_OK;
                }
                Thread.sleep(500);
            } catch (IOException e) {
                err.println("hadirector: cannot read the daemon's status: " + e.getMessage());
                return EXIT_USAGE;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return EXIT_USAGE;
            }
        }
        err.printf("announce: not moved after %d s: %s%n", boundNanos / 1_000_000_000L, w.describe());
        return EXIT_USAGE;
    }

    /** vrrp demote|promote NAME, real-server drain|enable VS RS: the daemon checks and answers. */
    private int action(CommandLine cl) {
        String request = String.join(" ", cl.rest());
        try {
            String answer = ControlServer.request(Path.of(cl.controlSocket()), request);
            (answer.startsWith("error:") ? err : out).print(answer);
            if (answer.startsWith("error:")) {
                return EXIT_USAGE;
            }
            if (request.equals("announce withdraw")) {
                return awaitWithdrawn(Path.of(cl.controlSocket()), WITHDRAW_WAIT_NANOS);
            }
            return EXIT_OK;
        } catch (IOException e) {
            err.println("hadirector: cannot reach the daemon at " + cl.controlSocket() + ": " + e.getMessage());
            return EXIT_USAGE;
        }
    }

    private int report(ConfigException e) {
        for (Diagnostic d : e.diagnostics()) {
            err.println(d);
        }
        if (e.kind() == ConfigException.Kind.FATAL) {
            return EXIT_FATAL;
        }
        long n = e.diagnostics().stream()
                .filter(d -> d.severity() == Diagnostic.Severity.ERROR)
                .count();
        err.println("configuration has " + n + " error" + (n == 1 ? "" : "s"));
        return EXIT_CONFIG;
    }

    static String version() {
        try (InputStream in = Main.class.getResourceAsStream("/hadirector-version.properties")) {
            Properties p = new Properties();
            if (in != null) {
                p.load(in);
            }
            return p.getProperty("version", "unknown");
        } catch (IOException e) {
            return "unknown";
        }
    }
}
