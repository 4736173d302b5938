package org.hadirector.director;

import java.util.ArrayList;
import java.util.List;
import org.hadirector.ipvs.Dataplanes;

/** The command line of hadirector (docs/operations.md). Parsing only; no side effects. */
record CommandLine(
        Mode mode,
        String configFile,
        boolean logConsole,
        boolean dontFork,
        boolean vrrpOnly,
        boolean checkersOnly,
        String configId,
        String pidFile,
        String controlSocket,
        Dataplanes.Choice dataplane,
        String metrics,
        String dumpDir,
        boolean keepTable,
        List<String> rest) {

    static final String DEFAULT_CONFIG = "/etc/hadirector/hadirector.conf";
    static final String DEFAULT_PID_FILE = "/run/hadirector/hadirector.pid";
    static final String DEFAULT_CONTROL = "/run/hadirector/control.sock";

    enum Mode {
        DAEMON,
        CONFIG_TEST,
        DUMP_CONFIG,
        HELP,
        VERSION,
        STATUS,
        IPVS,
        GENHASH,
        ACTION
    }

    static final class UsageException extends Exception {
        private static final long serialVersionUID = 1L;

        UsageException(String message) {
            super(message);
        }
    }

    static CommandLine parse(String[] args) throws UsageException {
        Mode mode = Mode.DAEMON;
        String file = DEFAULT_CONFIG;
        boolean l = false;
        boolean dd = false;
        boolean p = false;
        boolean c = false;
        String id = null;
        String pid = DEFAULT_PID_FILE;
        String control = DEFAULT_CONTROL;
        Dataplanes.Choice dataplane = Dataplanes.Choice.AUTO;
        String metrics = null;
        String dumpDir = "/tmp";
        boolean keepTable = false;
        List<String> rest = new ArrayList<>();
        int i = 0;
        if (args.length > 0) {
            switch (args[0]) {
                case "status" -> {
                    mode = Mode.STATUS;
                    i = 1;
                }
                case "ipvs" -> {
                    mode = Mode.IPVS;
                    i = 1;
                }
                case "genhash" -> {
                    mode = Mode.GENHASH;
                    i = 1;
                }
                case "vrrp", "real-server", "announce" -> {
                    mode = Mode.ACTION;
                    i = 0;
                }
                default -> {}
            }
        }
        if (mode == Mode.GENHASH) {
            // genhash has keepalived's genhash options (-s -p -u -S -V -t -v -h), which clash with the daemon's
            return new CommandLine(
                    mode,
                    file,
                    false,
                    false,
                    false,
                    false,
                    null,
                    pid,
                    control,
                    dataplane,
                    null,
                    dumpDir,
                    false,
                    List.of(args).subList(1, args.length));
        }
        for (; i < args.length; i++) {
            String a = args[i];
            switch (a) {
                case "-f", "--use-file" -> file = value(args, ++i, a);
                case "-l", "--log-console" -> l = true;
                case "-D", "--log-detail", "-n", "--dont-fork" -> dd = true;
                case "-P", "--vrrp" -> p = true;
                case "-C", "--check" -> c = true;
                case "-i", "--config-id" -> id = value(args, ++i, a);
                case "--pid-file" -> pid = value(args, ++i, a);
                case "--control" -> control = value(args, ++i, a);
                case "--dataplane" -> dataplane = dataplane(value(args, ++i, a));
                case "--dump-dir" -> dumpDir = value(args, ++i, a);
                case "-I", "--dont-release-ipvs" -> keepTable = true;
                case "--metrics" -> {
                    metrics = value(args, ++i, a);
                    try {
                        HttpEndpoint.parse(metrics);
                    } catch (IllegalArgumentException e) {
                        throw new UsageException(e.getMessage());
                    }
                }
                case "-t", "--config-test" -> mode = only(mode, Mode.CONFIG_TEST);
                case "--dump-config" -> mode = only(mode, Mode.DUMP_CONFIG);
                case "-h", "--help" -> mode = Mode.HELP;
                case "-v", "--version" -> mode = Mode.VERSION;
                default -> {
                    if (a.startsWith("--use-file=")) {
                        file = a.substring("--use-file=".length());
                    } else if (mode == Mode.STATUS
                            || mode == Mode.IPVS
                            || mode == Mode.GENHASH
                            || mode == Mode.ACTION) {
                        rest.add(a);
                    } else {
                        throw new UsageException("unknown option '" + a + "'");
                    }
                }
            }
        }
        if (p && c) {
            throw new UsageException("-P (VRRP only) and -C (checkers only) exclude each other");
        }
        return new CommandLine(
                mode, file, l, dd, p, c, id, pid, control, dataplane, metrics, dumpDir, keepTable, List.copyOf(rest));
    }

    private static Mode only(Mode current, Mode wanted) throws UsageException {
        if (current != Mode.DAEMON && current != wanted) {
            throw new UsageException("--config-test and --dump-config exclude each other");
        }
        return wanted;
    }

    private static Dataplanes.Choice dataplane(String v) throws UsageException {
        return switch (v) {
            case "auto" -> Dataplanes.Choice.AUTO;
            case "kernel" -> Dataplanes.Choice.KERNEL;
            case "userspace" -> Dataplanes.Choice.USERSPACE;
            case "xdp" -> Dataplanes.Choice.XDP;
            default -> throw new UsageException("--dataplane takes auto, kernel, userspace or xdp, not '" + v + "'");
        };
    }

    private static String value(String[] args, int i, String option) throws UsageException {
        if (i >= args.length || args[i].isEmpty()) {
            throw new UsageException("option " + option + " needs a value");
        }
        return args[i];
    }

    static final String USAGE = """
            Usage:
              hadirector -f FILE [-l] [-D] [-P|-C] [-i ID] [--pid-file P] [--control S] [--dataplane D]
                  [--metrics [ADDR:]PORT] [--dump-dir DIR]
                                                run the director in the foreground
              hadirector --config-test -f FILE  check a configuration (exit 0 ok, 4 fatal, 5 errors)
              hadirector --dump-config -f FILE  print the configuration as understood, in JSON
              hadirector status [--json] [--control S]
              hadirector ipvs -L -n [--stats|--rate|-c] [--control S]
              hadirector vrrp demote|promote NAME [--control S]
                                                hand the master role over gracefully, or take it back
              hadirector real-server drain|enable VS RS [--control S]
                                                weight 0 (keeps connections, no new ones), or back
              hadirector announce withdraw|resume [--control S]
                                                withdraw the announced VIPs and wait (at most 60 s)
                                                until BIRD exports none and no frame comes in; or back
              hadirector genhash -s HOST -p PORT -u PATH [-S|--ssl] [-V VHOST] [--sni] [-t SECONDS] [-v]
                                                the MD5 digest of a page, for HTTP_GET / SSL_GET digest
              hadirector --help | --version

            Options:
              -f, --use-file FILE   configuration file (default %s); any keepalived.conf works
              -i, --config-id ID    keep @ID lines, drop @^ID lines (default: the host name)
              -l, --log-console     log to the console
              -D, --log-detail      detailed logging (also -n, --dont-fork: we never fork)
              -P, --vrrp            run only VRRP
              -C, --check           run only the health checkers
              --pid-file P          default %s
              --control S           control socket, default %s
              --dataplane D         auto (kernel IPVS when loaded, else the userspace forwarder,
                                    with XDP where the driver has it and the interface is no
                                    veth), kernel, userspace, or xdp (the userspace forwarder
                                    with the XDP program forwarding established connections)
              --metrics [ADDR:]PORT  serve GET /metrics (Prometheus) and /status (JSON) over HTTP;
                                    off unless given; ADDR defaults to 127.0.0.1
              -I, --dont-release-ipvs  on stop, leave the kernel's IPVS table as it is (keepalived's -I)
              --dump-dir DIR        where SIGUSR1 writes hadirector.data and hadirector.json, and
                                    SIGUSR2 hadirector.stats (default /tmp, as keepalived's files)
            """.formatted(DEFAULT_CONFIG, DEFAULT_PID_FILE, DEFAULT_CONTROL);
}
