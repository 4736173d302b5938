import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The failover drills of lab/drill, run in the client's namespace of the seed topology (the
 * script builds it and writes both directors' configurations). For each drill: both directors
 * start, director1 becomes master with both real servers in its table; the client keeps steady
 * load on the VIP (keep-alive connections and new connections) and pings it every 5 ms; the
 * failure is injected; then the report line and the drill's assertions.
 *
 * Usage (root): ip netns exec PREFIX-client java -cp director/target/hadirector.jar lab/Drill.java LABDIR PREFIX
 * HADIRECTOR DRILL... (the jar: typesafe-config reads the directors' `status json`). The build compiles
 * this file (module lab) against the modules; lab/drill runs it as a source file.
 */
public class Drill {
    static final String VIP = "198.18.0.100";
    static final int KEEPALIVE = 16;
    static final int NEW_CONN_THREADS = 2;
    static final long FAIL_AT_MS = 4_000;
    static final long RESTORE_AT_MS = 9_000;
    static final long END_AT_MS = 16_000;
    /** A stopped real server leaves the table within delay_loop + connect_timeout + retry x (delay_before_retry + connect_timeout), plus 1 s. */
    static final long DETECTION_BOUND_MS = 1_000 + 1_000 + 1 * (1_000 + 1_000) + 1_000;

    static Path dir;
    static String prefix;
    static String bin;

    record Result(long startNs, long endNs, boolean ok, boolean keepAlive, String error) {}

    /** What a drill found broken: the kind of promise it failed, one per check. */
    enum FailureKind {
        /** The drill threw before it could check anything. */
        DID_NOT_RUN,
        /**
         * The pair never reached the state the measurement must start from (see {@link
         * Drill#settle}, {@link Drill#syncedOnBackup}): nothing was measured, the detail says what
         * did not settle.
         */
        NOT_SETTLED,
        /** Requests failed where none may, or fewer succeeded than promised. */
        REQUESTS_FAILED,
        /** Not one request succeeded. */
        NOTHING_SERVED,
        /** Requests still failed after the drill's bound (detection, recovery, takeover). */
        OUTAGE_TOO_LONG,
        /** Established (keep-alive) connections broke where connection sync should keep them. */
        KEEPALIVE_BROKE,
        /** A director that should hold VI_1 as master does not. */
        NOT_MASTER,
        /** The backup left BACKUP while the master was up. */
        NOT_BACKUP,
        /** VRRP made transitions where none may happen. */
        VRRP_TRANSITION,
        /** The director lists a part that is down. */
        PART_DOWN,
        /** A part made to fail was not restarted. */
        NOT_RESTARTED,
        /** The backup's sync receiver did not follow its re-created interface. */
        SYNC_NOT_FOLLOWED,
        /** The process did not end as promised (part-death's Error: exit 70). */
        WRONG_EXIT,
        /** A director died. */
        DIRECTOR_DIED,
        /** A real server did not leave or rejoin the table, or its weight did not change, as it should. */
        TABLE_NOT_UPDATED,
        /** Memory, table entries or descriptors beyond their bound. */
        OVER_BOUND,
        /** A reload that must change nothing changed something. */
        RELOAD_NOT_NOOP,
        /** A reload that must make one change did not make exactly it. */
        RELOAD_NOT_APPLIED,
        /** A broken file was not rejected with the expected reason. */
        RELOAD_NOT_REJECTED,
        /** /metrics does not show what the drill left. */
        METRICS_WRONG,
        /** Well-formed requests to the endpoints went unanswered. */
        NOT_ANSWERED,
    }

    /** One failed promise of one drill; the report prints "FAILED: drill: detail". */
    record Failure(String drill, FailureKind kind, String detail) {
        @Override
        public String toString() {
            return drill + ": " + detail;
        }
    }

    /** The failures of a run, in the order the checks found them. */
    static final class Failures {
        private final List<Failure> all = new ArrayList<>();

        void add(String drill, FailureKind kind, String detail) {
            all.add(new Failure(drill, kind, detail));
        }

        void addAll(List<Failure> more) {
            all.addAll(more);
        }

        boolean isEmpty() {
            return all.isEmpty();
        }

        List<Failure> all() {
            return all;
        }
    }

    public static void main(String[] args) throws Exception {
        if (args.length > 0 && args[0].equals("--abuse-http")) {
            abuseHttpChild(args);
            return;
        }
        dir = Path.of(args[0]);
        prefix = args[1];
        bin = args[2];
        List<String> drills = List.of(args).subList(3, args.length);
        List<String> lines = new ArrayList<>();
        Failures failures = new Failures();
        for (String d : drills) {
            System.out.println("=== drill: " + d);
            String line;
            try {
                line = drill(d, failures);
            } catch (NotSettled e) {
                failures.add(d, FailureKind.NOT_SETTLED, e.getMessage());
                line = String.format(Locale.ROOT, "| %s | not measured: %s |", d, e.getMessage());
            } catch (Exception e) {
                failures.add(d, FailureKind.DID_NOT_RUN, e.toString());
                line = String.format(Locale.ROOT, "| %s | did not run: %s |", d, e.getMessage());
            }
            System.out.println(line);
            lines.add(line);
        }
        System.out.println();
        System.out.println("| drill | client-visible outage (requests) | VIP ping outage | requests ok / failed "
                + "| keep-alive connections survived / broke | real server left / rejoined the table |");
        System.out.println("|---|---|---|---|---|---|");
        lines.forEach(System.out::println);
        System.out.println();
        if (failures.isEmpty()) {
            System.out.println("DRILLS PASSED: " + String.join(", ", drills));
        } else {
            failures.all().forEach(f -> System.out.println("FAILED: " + f));
            showOnFailure(failures);
            System.exit(1);
        }
    }

    /**
     * Names the failed drills' director logs in LABDIR/show-on-failure, one a line: lab/drill
     * prints their last lines (CI shows only stdout) and keeps a copy of the lab directory, which
     * lab_down deletes.
     */
    static void showOnFailure(Failures failures) throws IOException {
        List<String> logs = new ArrayList<>();
        for (String d : failures.all().stream().map(Failure::drill).distinct().toList()) {
            for (String host : List.of("director1", "director2")) {
                Path log = dir.resolve(host + "-" + d + ".log");
                if (Files.exists(log)) {
                    logs.add(log.toString());
                }
            }
        }
        Files.write(dir.resolve("show-on-failure"), logs);
    }

    static String drill(String name, Failures failures) throws Exception {
        switch (name) {
            case "metrics-abuse" -> {
                return metricsAbuse(failures);
            }
            default -> {}
        }
        cleanUp();
        if (name.equals("sync-flood")) {
            return syncFlood(name, failures);
        }
        Process d1 = director("director1", name);
        Process d2 = director("director2", name);
        try {
            settle(SYNC_DRILLS.contains(name));
            run("ip", "neigh", "flush", "dev", "e0");
            Load load = new Load(name);
            ConcurrentLinkedQueue<Result> results = load.results;
            int[] broke = load.broke;
            long t0 = load.startNs;
            sleepUntil(t0, 1_000);
            long[] cpu0 = cpuTicks("director1");
            long c0 = System.nanoTime();
            long okBefore = results.stream().filter(Result::ok).count();
            sleepUntil(t0, FAIL_AT_MS);
            long[] cpu1 = cpuTicks("director1");
            long c1 = System.nanoTime();
            long okAfter = results.stream().filter(Result::ok).count();
            // the master's cost while it forwards the steady load (the 3 s before the failure)
            System.out.printf(
                    Locale.ROOT,
                    "  steady load %.0f requests/s; director1 CPU %.1f%% of one core (user %.1f%%, "
                            + "kernel %.1f%%), RSS %d MB%n",
                    (okAfter - okBefore) * 1e9 / (c1 - c0),
                    100.0 * (cpu1[0] + cpu1[1] - cpu0[0] - cpu0[1]) / 100 / ((c1 - c0) / 1e9),
                    100.0 * (cpu1[0] - cpu0[0]) / 100 / ((c1 - c0) / 1e9),
                    100.0 * (cpu1[1] - cpu0[1]) / 100 / ((c1 - c0) / 1e9),
                    cpu1[2] / 1024);
            if (SYNC_DRILLS.contains(name)) {
                syncedOnBackup(load);
            }
            long failNs = System.nanoTime();
            inject(name, d1);
            // The drill's timeline from here counts from the fault: a fault the sync check above
            // delayed keeps its restore and end as far after it as the drill promises.
            t0 = failNs - FAIL_AT_MS * 1_000_000L;
            long[] table = {-1, -1};
            boolean restored = false;
            while (System.nanoTime() - t0 < endAt(name) * 1_000_000L) {
                long now = System.nanoTime();
                if (!restored && now - t0 >= restoreAt(name) * 1_000_000L) {
                    restore(name);
                    restored = true;
                }
                during(name, (now - t0) / 1_000_000, d1);
                if (name.equals("rs-stop") || name.equals("rs-drain")) {
                    String t = ipvs("director1");
                    boolean in = name.equals("rs-stop")
                            ? t.contains("198.18.0.22:80")
                            : t.matches("(?s).*198\\.18\\.0\\.22:80\\s+Route\\s+[1-9].*");
                    if (table[0] < 0 && !in) {
                        table[0] = (now - failNs) / 1_000_000;
                    } else if (table[0] >= 0 && table[1] < 0 && restored && in) {
                        table[1] = (now - restoreNs) / 1_000_000;
                    }
                }
                Thread.sleep(50);
            }
            load.stop();
            FaultDrills.ended(name, d1);
            checkMetrics(name, failures);
            return report(name, new ArrayList<>(results), broke[0], failNs, table, failures);
        } finally {
            FaultDrills.stopFlood();
            stopDirector("director1", d1);
            stopDirector("director2", d2);
        }
    }

    static long restoreNs;

    // ---- the start: the pair settled before anything is measured

    /**
     * The drills in which director2 takes over director1's established connections: they rely on
     * connection sync, so the backup's receiver must run and hold the keep-alive connections
     * before the fault.
     */
    static final List<String> SYNC_DRILLS =
            List.of("link-down", "sigkill", "sigterm", "demote", "sync-flood", "sync-recreate", "part-death");
    /**
     * How long the directors may take to settle after they start: JVM start-up, Master_Down_Interval
     * (3.6 s at priority 100), the first passed checks, on a machine busy with other builds.
     */
    static final long SETTLE_MS = 30_000;
    /**
     * Settled means so for this long without a VRRP transition on either director: longer than
     * an advert interval (1 s), so that a backup whose Master_Down_Interval is about to run out
     * without having heard the master (the start-up race: both start as backups, and the one
     * whose process came up first may become master for a moment) is seen doing it.
     */
    static final long SETTLE_HOLD_MS = 1_500;
    /**
     * The keep-alive connections reach the backup within the sync sender's batch (1 s) once
     * they are established; beyond FAIL_AT_MS the fault waits at most this for them (a missed
     * message is sent again at the connection's 53rd packet, about 2 s later).
     */
    static final long SYNC_SETTLE_MS = 6_000;

    /** Thrown when the pair does not reach the state a drill's measurement must start from. */
    static final class NotSettled extends IllegalStateException {
        NotSettled(String message) {
            super(message);
        }
    }

    /**
     * Waits (SETTLE_MS at most) until the pair is where every drill's measurement starts from:
     * director1 MASTER holding the VIP with both real servers in its table, director2 BACKUP
     * having heard director1 and holding no VIP; with {@code sync}, director1 sending
     * connections and director2's sync receiver running with both real servers in its table
     * (a synced connection to a server it does not list is dropped as unknown); all of it for
     * SETTLE_HOLD_MS with no transition. The drill's load starts only after this: connections
     * opened while a start-up race settles may go through the wrong director or never reach the
     * backup's sync. Throws NotSettled naming what was still not so.
     */
    static void settle(boolean sync) throws Exception {
        long start = System.nanoTime();
        long end = start + SETTLE_MS * 1_000_000L;
        long since = -1;
        long[] transitions = null;
        List<String> unsettled = List.of("no check ran");
        while (System.nanoTime() - end < 0) {
            Status s1 = status("director1");
            Status s2 = status("director2");
            unsettled = unsettled(s1, s2, sync);
            long[] now = {s1.transitions("VI_1"), s2.transitions("VI_1")};
            if (!unsettled.isEmpty()) {
                since = -1;
            } else if (since < 0 || !java.util.Arrays.equals(now, transitions)) {
                // settled from now on, unless a transition comes before the hold is over
                since = System.nanoTime();
                transitions = now;
            } else if (System.nanoTime() - since >= SETTLE_HOLD_MS * 1_000_000L) {
                System.out.printf(
                        Locale.ROOT,
                        "  settled after %d ms: director1 %s; director2 %s%s%n",
                        (System.nanoTime() - start) / 1_000_000,
                        s1.vi1Line(),
                        s2.vi1Line(),
                        sync ? "; sync " + s1.syncRole() + " -> " + s2.syncRole() : "");
                return;
            }
            Thread.sleep(100);
        }
        throw new NotSettled("the pair did not settle within " + SETTLE_MS + " ms (held " + SETTLE_HOLD_MS
                + " ms with no VRRP transition): "
                + (unsettled.isEmpty()
                        ? "VRRP transitions kept coming (VI_1 transitions director1, director2: "
                                + java.util.Arrays.toString(transitions) + ")"
                        : String.join("; ", unsettled)));
    }

    /** What is not yet as {@link #settle} wants it, in words; empty when all is. */
    static List<String> unsettled(Status s1, Status s2, boolean sync) throws Exception {
        List<String> not = new ArrayList<>();
        if (!s1.vi1("MASTER")) {
            not.add("director1 is not MASTER (" + s1.vi1Line() + ")");
        }
        if (!holdsVip("director1")) {
            not.add("director1 does not hold the VIP " + VIP + " on e0");
        }
        if (!s2.vi1("BACKUP")) {
            not.add("director2 is not BACKUP (" + s2.vi1Line() + ")");
        } else if (!"198.18.0.11".equals(s2.instance("VI_1").get("masterAddress"))) {
            not.add("director2 has not heard director1's adverts (master "
                    + s2.instance("VI_1").get("masterAddress") + ")");
        }
        if (holdsVip("director2")) {
            not.add("director2 still holds the VIP " + VIP + " on e0");
        }
        List<String> hosts = sync ? List.of("director1", "director2") : List.of("director1");
        for (String host : hosts) {
            String t = ipvs(host);
            for (String rs : List.of("198.18.0.21:80", "198.18.0.22:80")) {
                if (!t.contains(rs)) {
                    not.add(host + "'s table lacks " + rs);
                }
            }
        }
        if (sync && !s1.syncRole().equals("master")) {
            not.add("director1 does not send connections (sync role " + s1.syncRole() + ")");
        }
        if (sync && !s2.syncRole().equals("backup")) {
            not.add("director2's sync receiver does not run (sync role " + s2.syncRole() + ")");
        }
        return not;
    }

    /** Whether the VIP is on the host's e0 (what the client's ARP for it finds). */
    static boolean holdsVip(String host) throws Exception {
        Process p = new ProcessBuilder("ip", "-n", prefix + "-" + host, "-4", "-o", "addr", "show", "dev", "e0")
                .redirectErrorStream(true)
                .start();
        String addrs = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        p.waitFor(10, TimeUnit.SECONDS);
        return addrs.contains(" " + VIP + "/");
    }

    /**
     * Before the fault of a drill that relies on connection sync: waits until director2 lists
     * every keep-alive connection open now (by its client port), at most until SYNC_SETTLE_MS
     * past the fault's planned time. A connection the backup does not hold cannot survive the
     * failover whatever the failover does, so the drill would measure the start, not the fault;
     * throws NotSettled naming the ports missing.
     */
    static void syncedOnBackup(Load load) throws Exception {
        long end = load.startNs + (FAIL_AT_MS + SYNC_SETTLE_MS) * 1_000_000L;
        java.util.Set<Integer> missing;
        boolean waited = false;
        while (true) {
            java.util.Set<Integer> held = new java.util.HashSet<>();
            java.util.regex.Matcher m = java.util.regex.Pattern.compile(
                            "(?m)^TCP\\s+\\S+\\s+\\S+\\s+198\\.18\\.0\\.10:(\\d+)\\s+198\\.18\\.0\\.100:80\\s")
                    .matcher(control("director2", "ipvs -L -n -c"));
            while (m.find()) {
                held.add(Integer.parseInt(m.group(1)));
            }
            missing = new java.util.TreeSet<>(load.keepAlivePorts());
            missing.removeAll(held);
            if (missing.isEmpty() && load.keepAlivePorts().size() == KEEPALIVE) {
                long ms = (System.nanoTime() - load.startNs) / 1_000_000;
                if (waited) {
                    System.out.println("  director2 held the " + KEEPALIVE + " keep-alive connections " + ms
                            + " ms after the load started; the fault waited for it");
                }
                return;
            }
            if (System.nanoTime() - end > 0) {
                break;
            }
            waited = true;
            Thread.sleep(200);
        }
        throw new NotSettled("director2 (the backup) does not hold " + missing.size() + " of the "
                + load.keepAlivePorts().size() + " keep-alive connections open (" + KEEPALIVE + " wanted) "
                + (FAIL_AT_MS + SYNC_SETTLE_MS) + " ms after the load started: client ports " + missing
                + "; director2 " + status("director2").forwarderLine() + "; sync role "
                + status("director2").syncRole());
    }

    /** The master after the drill serves /metrics: VRRP state and real-server counters that moved. */
    static void checkMetrics(String drill, Failures failures) throws Exception {
        String master = List.of("link-down", "sigkill", "sigterm", "demote", "part-death", "sync-recreate")
                        .contains(drill)
                ? "director2"
                : "director1";
        Process p = new ProcessBuilder(
                        "ip",
                        "netns",
                        "exec",
                        prefix + "-" + master,
                        "curl",
                        "-s",
                        "--max-time",
                        "5",
                        "http://127.0.0.1:9650/metrics")
                .redirectErrorStream(true)
                .start();
        String m = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        p.waitFor(10, TimeUnit.SECONDS);
        java.util.regex.Matcher in = java.util.regex.Pattern.compile(
                        "hadirector_real_server_in_packets_total\\{service=\"TCP 198.18.0.100:80\",server=\"198.18.0.21:80\"\\} (\\d+)")
                .matcher(m);
        if (!m.contains("hadirector_vrrp_state{instance=\"VI_1\",state=\"MASTER\"} 1")
                || !in.find()
                || Long.parseLong(in.group(1)) == 0) {
            failures.add(
                    drill,
                    FailureKind.METRICS_WRONG,
                    master + "'s /metrics does not show it master with packets through rs1:\n"
                            + m.lines()
                                    .filter(l -> l.startsWith("hadirector_vrrp_state") || l.contains("in_packets"))
                                    .reduce("", (a, b) -> a + b + "\n"));
        }
    }

    static void inject(String name, Process d1) throws Exception {
        if (FaultDrills.NAMES.contains(name)) {
            FaultDrills.inject(name, d1);
            return;
        }
        switch (name) {
            case "link-down" -> run("ip", "netns", "exec", prefix + "-director1", "ip", "link", "set", "e0", "down");
            case "sigkill" -> run("kill", "-KILL", pid("director1"));
            case "sigterm" -> run("kill", "-TERM", pid("director1"));
            case "demote" -> expectOk(control("director1", "vrrp demote VI_1"));
            case "rs-stop" ->
                run(
                        "kill",
                        "-TERM",
                        Files.readString(dir.resolve("nginx-rs2/nginx.pid")).strip());
            case "rs-drain" -> expectOk(control("director1", "real-server drain 198.18.0.100:80 198.18.0.22:80"));
            case "reload" -> {
                // SIGHUP with the file unchanged: no transition, no table operation.
                long[] before = counters("director1");
                hup("director1", name);
                long[] after = counters("director1");
                if (before[0] != after[0] || before[1] != after[1]) {
                    reloadFailures.add(new Failure(
                            name,
                            FailureKind.RELOAD_NOT_NOOP,
                            "an unchanged reload changed something: transitions "
                                    + before[0] + " -> " + after[0]
                                    + ", table operations " + before[1] + " -> " + after[1]));
                }
                reloadReport =
                        "unchanged: " + (after[1] - before[1]) + " ops, " + (after[0] - before[0]) + " transitions";
            }
            case "reload-bad" -> injectReloadBad(name);
            default ->
                throw new IllegalArgumentException("unknown drill " + name
                        + " (link-down, sigkill, sigterm, demote, rs-stop, rs-drain, reload, reload-bad, sync-flood, "
                        + "metrics-abuse, " + String.join(", ", FaultDrills.NAMES) + ")");
        }
    }

    static void restore(String name) throws Exception {
        restoreNs = System.nanoTime();
        if (FaultDrills.NAMES.contains(name)) {
            FaultDrills.restore(name);
            return;
        }
        switch (name) {
            case "rs-stop" -> {
                Path conf = dir.resolve("nginx-rs2/nginx.conf");
                new ProcessBuilder("ip", "netns", "exec", prefix + "-rs2", "nginx", "-c", conf.toString())
                        .redirectErrorStream(true)
                        .redirectOutput(dir.resolve("nginx-rs2/restart.log").toFile())
                        .start();
            }
            case "rs-drain" -> expectOk(control("director1", "real-server enable 198.18.0.100:80 198.18.0.22:80"));
            case "reload" -> {
                // SIGHUP with rs2's weight changed from 1 to 3: exactly one table operation.
                Path conf = dir.resolve("director1.conf");
                String text = Files.readString(conf);
                Files.writeString(
                        conf,
                        text.replace("real_server 198.18.0.22 80 {", "real_server 198.18.0.22 80 {\n        weight 3"));
                long[] before = counters("director1");
                hup("director1", name);
                long[] after = counters("director1");
                boolean weight3 = ipvs("director1").matches("(?s).*198\\.18\\.0\\.22:80\\s+Route\\s+3\\s.*");
                if (before[0] != after[0] || after[1] - before[1] != 1 || !weight3) {
                    reloadFailures.add(new Failure(
                            name,
                            FailureKind.RELOAD_NOT_APPLIED,
                            "a reload with one weight changed: transitions "
                                    + before[0] + " -> " + after[0]
                                    + ", table operations " + before[1] + " -> " + after[1]
                                    + " (want +1), rs2 weight 3 in the table: "
                                    + weight3));
                }
                reloadReport += "; one weight changed: " + (after[1] - before[1]) + " op, " + (after[0] - before[0])
                        + " transitions";
                // the operations themselves, from the log since the last reload began
                List<String> log = Files.readAllLines(dir.resolve("director1-" + name + ".log"));
                int from = 0;
                for (int i = 0; i < log.size(); i++) {
                    if (log.get(i).contains("reload: reading")) {
                        from = i;
                    }
                }
                log.subList(from, log.size()).stream()
                        .filter(l -> l.contains("table:") || l.contains("reload"))
                        .forEach(l -> System.out.println("  director1: " + l.replaceFirst("^\\S+ \\S+ ", "")));
                Files.writeString(conf, text);
            }
            case "reload-bad" -> restoreReloadBad(name);
            default -> {}
        }
    }

    // ---- reload-bad: a broken file changes nothing; the good file after it is a no-op

    static final List<Failure> reloadBadFailures = new ArrayList<>();
    static final List<String> reloadBadReport = new ArrayList<>();

    /** SIGHUP with a file naming a missing interface, then with a syntax error: both rejected, nothing changed. */
    static void injectReloadBad(String drill) throws Exception {
        Path conf = dir.resolve("director1.conf");
        String good = Files.readString(conf);
        String[][] broken = {
            {
                "missing interface",
                good.replaceFirst("(?m)^    interface e0$", "    interface e9"),
                "interface e9 does not exist"
            },
            {"syntax error", good + "vrrp_instance VI_2 {\n", "unbalanced braces"},
        };
        try {
            for (String[] b : broken) {
                if (b[1].equals(good)) {
                    throw new IllegalStateException("the drill's file has no \"interface e0\" line to break");
                }
                Files.writeString(conf, b[1]);
                long[] before = reloadBadCounters();
                String line = hupExpecting("director1", drill);
                long[] after = reloadBadCounters();
                System.out.println("  director1 (" + b[0] + "): " + line.replaceFirst("^\\S+ \\S+ ", ""));
                if (!line.contains("reload rejected") || !line.contains(b[2])) {
                    reloadBadFailures.add(new Failure(
                            drill,
                            FailureKind.RELOAD_NOT_REJECTED,
                            b[0] + ": want a rejection naming \"" + b[2] + "\", the log says: " + line));
                }
                reloadBadCheck(drill, b[0], before, after);
            }
        } finally {
            Files.writeString(conf, good);
        }
    }

    /** SIGHUP with the good file after the broken ones: a no-op. */
    static void restoreReloadBad(String drill) throws Exception {
        long[] before = reloadBadCounters();
        String line = hupExpecting("director1", drill);
        long[] after = reloadBadCounters();
        System.out.println("  director1 (good file): " + line.replaceFirst("^\\S+ \\S+ ", ""));
        if (!line.contains("reload done: vrrp_instances unchanged; virtual servers unchanged; table operations: 0")) {
            reloadBadFailures.add(new Failure(
                    drill,
                    FailureKind.RELOAD_NOT_NOOP,
                    "the good file after the broken ones: want a no-op, the log says: " + line));
        }
        reloadBadCheck(drill, "good file", before, after);
    }

    /**
     * Transitions of VI_1 on director1 and director2 (-1: VI_1 is not in the status, it does not
     * run), director1's table operations, and whether director1 holds the VIP (1) or not (0).
     */
    static long[] reloadBadCounters() throws Exception {
        Process p = new ProcessBuilder("ip", "-n", prefix + "-director1", "-4", "addr", "show", "dev", "e0")
                .redirectErrorStream(true)
                .start();
        String addrs = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        p.waitFor(10, TimeUnit.SECONDS);
        Status s1 = status("director1");
        return new long[] {
            s1.transitions("VI_1"),
            status("director2").transitions("VI_1"),
            s1.opsApplied(),
            addrs.contains(" " + VIP + "/") ? 1 : 0
        };
    }

    static void reloadBadCheck(String drill, String what, long[] before, long[] after) {
        String seen = what + ": transitions director1 " + before[0] + " -> " + after[0] + ", director2 " + before[1]
                + " -> " + after[1] + " (-1: VI_1 does not run), table operations " + before[2] + " -> " + after[2]
                + ", VIP on director1: " + (after[3] == 1 ? "yes" : "no");
        reloadBadReport.add(what + ": " + (after[2] - before[2]) + " ops, "
                + (after[0] - before[0] + after[1] - before[1]) + " transitions");
        if (before[0] != after[0]
                || before[1] != after[1]
                || before[2] != after[2]
                || before[3] != 1
                || after[3] != 1
                || after[0] < 0
                || after[1] < 0) {
            reloadBadFailures.add(new Failure(drill, FailureKind.RELOAD_NOT_NOOP, "changed something: " + seen));
        }
    }

    static void reportReloadBad(String name, long failed, Failures failures) {
        System.out.println("  " + String.join("; ", reloadBadReport));
        failures.addAll(reloadBadFailures);
        if (failed > 0) {
            failures.add(name, FailureKind.REQUESTS_FAILED, failed + " request(s) failed; none may");
        }
    }

    /** Sends SIGHUP and returns the log line that ends that reload, whatever it says (10 s at most). */
    static String hupExpecting(String host, String drill) throws Exception {
        Path log = dir.resolve(host + "-" + drill + ".log");
        java.util.function.Predicate<String> end = l -> l.contains("reload done")
                || l.contains("reload rejected")
                || l.contains("reload incomplete")
                || l.contains("reload failed");
        long before = Files.readString(log).lines().filter(end).count();
        run("kill", "-HUP", pid(host));
        waitUntil(10_000, () -> Files.readString(log).lines().filter(end).count() > before, host + " ended the reload");
        return Files.readString(log)
                .lines()
                .filter(end)
                .skip(before)
                .findFirst()
                .orElseThrow();
    }

    static final List<Failure> reloadFailures = new ArrayList<>();
    static String reloadReport = "";

    /** Transitions of VI_1 and table operations applied, from the director's status. */
    static long[] counters(String host) {
        Status s = status(host);
        if (s.transitions("VI_1") < 0 || s.opsApplied() < 0) {
            throw new IllegalStateException("no counters in the status of " + host + ": " + s.answer());
        }
        return new long[] {s.transitions("VI_1"), s.opsApplied()};
    }

    /** Sends SIGHUP and waits (10 s at most) for the log's next "reload done" or "reload rejected". */
    static void hup(String host, String drill) throws Exception {
        Path log = dir.resolve(host + "-" + drill + ".log");
        long done = Files.readString(log)
                .lines()
                .filter(l -> l.contains("reload done") || l.contains("reload rejected"))
                .count();
        run("kill", "-HUP", pid(host));
        waitUntil(
                10_000,
                () -> Files.readString(log)
                                .lines()
                                .filter(l -> l.contains("reload done") || l.contains("reload rejected"))
                                .count()
                        > done,
                host + " reloaded");
        if (Files.readString(log).contains("reload rejected")) {
            throw new IllegalStateException(host + " rejected the reload; see " + log);
        }
    }

    static String report(String name, List<Result> results, int broke, long failNs, long[] table, Failures failures)
            throws Exception {
        results.sort((a, b) -> Long.compare(a.endNs, b.endNs));
        long ok = results.stream().filter(Result::ok).count();
        long failed = results.size() - ok;
        long maxGap = 0;
        long last = -1;
        for (Result r : results) {
            if (!r.ok) {
                continue;
            }
            if (last >= 0) {
                maxGap = Math.max(maxGap, r.endNs - last);
            }
            last = r.endNs;
        }
        long lateFailures = results.stream()
                .filter(r -> !r.ok && r.startNs - failNs > DETECTION_BOUND_MS * 1_000_000L)
                .count();
        String pingOutage = pingOutage(dir.resolve("ping-" + name + ".log"));
        String tableText = name.startsWith("rs-")
                ? (table[0] < 0 ? "never left" : table[0] + " ms") + " / "
                        + (table[1] < 0 ? "never rejoined" : table[1] + " ms")
                : "-";
        String line = String.format(
                Locale.ROOT,
                "| %s | %d ms | %s | %d / %d | %d / %d | %s |",
                name,
                maxGap / 1_000_000,
                pingOutage,
                ok,
                failed,
                KEEPALIVE - Math.min(broke, KEEPALIVE),
                Math.min(broke, KEEPALIVE),
                tableText);
        results.stream()
                .filter(r -> !r.ok)
                .limit(5)
                .forEach(r -> System.out.println("  failed at +" + (r.startNs - failNs) / 1_000_000 + " ms ("
                        + (r.keepAlive ? "keep-alive" : "new") + "): " + r.error));
        if (FaultDrills.NAMES.contains(name)) {
            FaultDrills.check(name, results, broke, failures);
        }
        switch (name) {
            case "link-down" -> {
                if (broke > 0) {
                    failures.add(
                            name,
                            FailureKind.KEEPALIVE_BROKE,
                            broke + " established connection(s) broke; connection sync should keep them");
                }
            }
            case "reload" -> {
                failures.addAll(reloadFailures);
                System.out.println("  " + reloadReport);
                if (failed > 0) {
                    failures.add(name, FailureKind.REQUESTS_FAILED, failed + " request(s) failed; none may");
                }
            }
            case "reload-bad" -> reportReloadBad(name, failed, failures);
            case "demote", "rs-drain" -> {
                if (failed > 0) {
                    failures.add(name, FailureKind.REQUESTS_FAILED, failed + " request(s) failed; none may");
                }
            }
            case "rs-stop" -> {
                if (lateFailures > 0) {
                    failures.add(
                            name,
                            FailureKind.OUTAGE_TOO_LONG,
                            lateFailures + " request(s) failed after the detection bound (" + DETECTION_BOUND_MS
                                    + " ms)");
                }
                if (table[0] < 0 || table[1] < 0) {
                    failures.add(
                            name,
                            FailureKind.TABLE_NOT_UPDATED,
                            "the stopped real server did not leave and rejoin the table");
                }
            }
            default -> {}
        }
        if (table[0] < 0 && name.equals("rs-drain")) {
            failures.add(name, FailureKind.TABLE_NOT_UPDATED, "the drained real server's weight never went to 0");
        }
        if (ok == 0) {
            failures.add(name, FailureKind.NOTHING_SERVED, "no request succeeded");
        }
        return line;
    }

    /** The longest time between two echo replies (ping -D stamps each), in ms. */
    static String pingOutage(Path log) throws IOException {
        if (!Files.exists(log)) {
            return "-";
        }
        double prev = -1;
        double worst = 0;
        for (String l : Files.readAllLines(log)) {
            if (!l.startsWith("[") || !l.contains("bytes from")) {
                continue;
            }
            double t = Double.parseDouble(l.substring(1, l.indexOf(']')));
            if (prev >= 0) {
                worst = Math.max(worst, t - prev);
            }
            prev = t;
        }
        return prev < 0 ? "no replies" : Math.round(worst * 1000) + " ms";
    }

    // ---- sync-flood: forged connection-sync multicast at the backup, then a failover

    static final long FLOOD_MS = 30_000;
    static final long FLOOD_AFTER_FAILOVER_MS = 12_000;
    /** The directors' heap in this drill, so that "bounded" has a number: the launcher's options plus -Xmx. */
    static final int FLOOD_HEAP_MB = 256;
    /** Beyond the heap: metaspace, code, thread stacks, netty's buffers, the packet rings (12 MB). */
    static final int FLOOD_NON_HEAP_MB = 192;

    static final int SYNC_ID = 51;
    static final String SYNC_GROUP = "224.0.0.81";
    static final int SYNC_PORT = 8848;

    /**
     * The keep-alive and new-connection load runs; once director2 has installed the keep-alive
     * connections from director1's sync, the client multicasts forged sync messages (valid ones,
     * naming the VIP and both real servers, random clients, a timeout of 2^31 s) as fast as one
     * thread sends for FLOOD_MS, while director2's RSS is sampled; then director1's link goes
     * down. Promises: director2's RSS stays under its heap bound plus FLOOD_NON_HEAP_MB, it stays
     * up and takes over, and every keep-alive connection survives the failover.
     */
    static String syncFlood(String name, Failures failures) throws Exception {
        java.util.Map<String, String> env = java.util.Map.of(
                "HADIRECTOR_JAVA_OPTS",
                "-XX:+UseSerialGC -Xss512k -Xmx" + FLOOD_HEAP_MB + "m -XX:+ExitOnOutOfMemoryError");
        Process d1 = director("director1", name, env);
        Process d2 = director("director2", name, env);
        try {
            settle(true);
            run("ip", "neigh", "flush", "dev", "e0");
            Load load = new Load(name);
            ConcurrentLinkedQueue<Result> results = load.results;
            int[] broke = load.broke;
            long t0 = load.startNs;
            sleepUntil(t0, 2_000);
            syncedOnBackup(load);
            long rss0 = cpuTicks("director2")[2];
            long[] sent = new long[2];
            Thread flood = new Thread(() -> floodSync(FLOOD_MS, sent), "sync-flood");
            long floodNs = System.nanoTime();
            flood.start();
            long rssMax = rss0;
            while (flood.isAlive()) {
                rssMax = Math.max(rssMax, cpuTicks("director2")[2]);
                flood.join(500);
            }
            long floodSeconds = (System.nanoTime() - floodNs) / 1_000_000_000L;
            rssMax = Math.max(rssMax, cpuTicks("director2")[2]);
            Status d2status = status("director2");
            String synced = d2status.forwarderLine();
            System.out.printf(
                    Locale.ROOT,
                    "  flood: %d messages (%d connections) in %d s from the client; director2 RSS %d MB "
                            + "before, at most %d MB during (heap bound %d MB)%n  director2 %s%n",
                    sent[0],
                    sent[1],
                    floodSeconds,
                    rss0 / 1024,
                    rssMax / 1024,
                    FLOOD_HEAP_MB,
                    synced.replaceFirst("^forwarder: ", ""));
            if (!d2.isAlive()) {
                failures.add(
                        name,
                        FailureKind.DIRECTOR_DIED,
                        "director2 died under the flood; see " + dir.resolve("director2-" + name + ".log"));
            }
            // the default sync cap: a quarter of the heap at 128 bytes an entry (SyncLimits)
            long cap = FLOOD_HEAP_MB * 1024L * 1024 / 4 / 128;
            long connections = d2status.forwarder("connections");
            if (connections < 0 || connections > cap) {
                failures.add(
                        name,
                        FailureKind.OVER_BOUND,
                        "director2's table is not within the sync cap (" + cap + "): " + synced);
            }
            if (rssMax / 1024 > FLOOD_HEAP_MB + FLOOD_NON_HEAP_MB) {
                failures.add(
                        name,
                        FailureKind.OVER_BOUND,
                        "director2's RSS reached " + rssMax / 1024 + " MB (bound " + FLOOD_HEAP_MB + " + "
                                + FLOOD_NON_HEAP_MB + " MB)");
            }
            if (!d2status.vi1("BACKUP")) {
                failures.add(
                        name,
                        FailureKind.NOT_BACKUP,
                        "director2 left BACKUP during the flood (master still up): " + d2status.vi1Line());
            }
            long failNs = System.nanoTime();
            run("ip", "netns", "exec", prefix + "-director1", "ip", "link", "set", "e0", "down");
            long end = failNs + FLOOD_AFTER_FAILOVER_MS * 1_000_000L;
            while (System.nanoTime() - end < 0) {
                Thread.sleep(100);
            }
            load.stop();
            if (!status("director2").vi1("MASTER")) {
                failures.add(
                        name, FailureKind.NOT_MASTER, "director2 did not take over after director1's link went down");
            }
            if (broke[0] > 0) {
                failures.add(
                        name,
                        FailureKind.KEEPALIVE_BROKE,
                        broke[0] + " keep-alive connection(s) broke across the failover after the flood");
            }
            String line = report(name, new ArrayList<>(results), broke[0], failNs, new long[] {-1, -1}, failures);
            // director2's warnings and errors, since the flood's drop lines are the ones to read
            Files.readAllLines(dir.resolve("director2-" + name + ".log")).stream()
                    .filter(l -> l.contains(" WARN ") || l.contains(" ERROR ") || l.contains("MASTER"))
                    .limit(20)
                    .forEach(l -> System.out.println("  director2: " + l.replaceFirst("^\\S+ ", "")));
            return line;
        } finally {
            stopDirector("director1", d1);
            stopDirector("director2", d2);
        }
    }

    /** The forwarder's synced connections installed, from the host's status, or -1. */
    static long syncedInstalled(String host) {
        return status(host).forwarder("syncedInstalled");
    }

    /**
     * Sends forged version 1 sync messages (net/netfilter/ipvs/ip_vs_sync.c's layout, built by
     * hand: this file runs alone) to the group out of e0 for {@code millis}, as fast as the
     * socket takes them: 40 IPv4 entries a message, TCP ESTABLISHED, DR, random clients in
     * 198.19.0.0/16 (only data: nothing is sent to them), to the VIP and both real servers.
     * {@code sent} gets messages and connections sent.
     */
    static void floodSync(long millis, long[] sent) {
        int entries = 40;
        int size = 8 + entries * 36;
        java.util.Random random = new java.util.Random(13);
        byte[] vip = {(byte) 198, 18, 0, 100};
        try (java.net.MulticastSocket s = new java.net.MulticastSocket()) {
            s.setNetworkInterface(java.net.NetworkInterface.getByName("e0"));
            s.setTimeToLive(1);
            java.net.InetAddress group = java.net.InetAddress.getByName(SYNC_GROUP);
            ByteBuffer b = ByteBuffer.allocate(size);
            java.net.DatagramPacket p = new java.net.DatagramPacket(b.array(), size, group, SYNC_PORT);
            long end = System.nanoTime() + millis * 1_000_000L;
            while (System.nanoTime() - end < 0) {
                b.clear();
                b.put((byte) 0)
                        .put((byte) SYNC_ID)
                        .putShort((short) size)
                        .put((byte) entries)
                        .put((byte) 1)
                        .putShort((short) 0);
                for (int i = 0; i < entries; i++) {
                    b.put((byte) 0).put((byte) 6).putShort((short) 36); // type IPv4, TCP, version 0 and size
                    b.putInt(3); // IP_VS_CONN_F_DROUTE
                    b.putShort((short) 1); // ESTABLISHED
                    b.putShort((short) (1024 + random.nextInt(64_000)))
                            .putShort((short) 80)
                            .putShort((short) 80);
                    b.putInt(0); // fwmark
                    b.putInt(0x8000_0000); // timeout: 2^31 s
                    b.put((byte) 198)
                            .put((byte) 19)
                            .put((byte) random.nextInt(256))
                            .put((byte) random.nextInt(256));
                    b.put(vip);
                    b.put((byte) 198).put((byte) 18).put((byte) 0).put((byte) (random.nextBoolean() ? 21 : 22));
                }
                s.send(p);
                sent[0]++;
                sent[1] += entries;
            }
        } catch (IOException e) {
            System.out.println("  flood sender stopped: " + e);
        }
    }

    static Process director(String host, String drill, java.util.Map<String, String> env) throws IOException {
        Files.deleteIfExists(dir.resolve(host + ".sock"));
        ProcessBuilder pb = new ProcessBuilder(
                "ip",
                "netns",
                "exec",
                prefix + "-" + host,
                bin,
                "-f",
                dir.resolve(host + ".conf").toString(),
                "-l",
                "--pid-file",
                dir.resolve(host + ".pid").toString(),
                "--control",
                dir.resolve(host + ".sock").toString(),
                "--metrics",
                "9650");
        String dataplane = System.getenv("LAB_DATAPLANE");
        if (dataplane != null && !dataplane.isEmpty()) {
            pb.command().addAll(List.of("--dataplane", dataplane));
        }
        pb.environment().putAll(env);
        return pb.redirectErrorStream(true)
                .redirectOutput(dir.resolve(host + "-" + drill + ".log").toFile())
                .start();
    }

    // ---- metrics-abuse: the master's HTTP endpoint and control socket under slow clients and 10,000 requests each

    static final int ABUSE_REQUESTS = 10_000;
    /** Slow clients held open at once: below the caps (64 HTTP, 128 control) with room for the other clients. */
    static final int ABUSE_SLOW_HTTP = 40;

    static final int ABUSE_SLOW_CONTROL = 100;
    /** The master's descriptors may grow by at most both caps and some slack while abused, and must come back after. */
    static final int ABUSE_FD_BOUND = 64 + 128 + 32;

    static final int ABUSE_FD_AFTER = 8;

    record Abuse(int ok, int refused, int failed, int slow, long ms, String sample) {}

    /**
     * Both directors up, director1 master; then from director1's namespace (its /metrics listens on
     * 127.0.0.1:9650 there) 10,000 HTTP connections (good, malformed, abandoned) beside 40 slow
     * clients, and from here 100 parallel `status` requests and 10,000 control connections beside
     * 100 slow ones. Meanwhile the master's descriptors are counted every 50 ms and /metrics is
     * fetched every 500 ms. Promised: descriptors bounded and back afterwards, /metrics answers
     * throughout, every well-formed request answered, and VRRP undisturbed (no transition).
     */
    static String metricsAbuse(Failures failures) throws Exception {
        String name = "metrics-abuse";
        cleanUp();
        Process d1 = director("director1", name);
        Process d2 = director("director2", name);
        try {
            // The abuse counts VRRP transitions: a start-up race still settling would count as its doing.
            settle(false);
            String pid = pid("director1");
            if (!masterMetrics("director1").startsWith("ok")) {
                throw new IllegalStateException("director1's /metrics does not answer before the abuse");
            }
            long transitions = counters("director1")[0];
            long before = fds(pid);
            AtomicBoolean done = new AtomicBoolean();
            long[] most = {before};
            List<Long> probeMs = java.util.Collections.synchronizedList(new ArrayList<>());
            List<String> probeFailures = java.util.Collections.synchronizedList(new ArrayList<>());
            Thread sampler = new Thread(
                    () -> {
                        while (!done.get()) {
                            try {
                                long n = fds(pid);
                                synchronized (most) {
                                    most[0] = Math.max(most[0], n);
                                }
                            } catch (IOException e) {
                                probeFailures.add("cannot count descriptors: " + e);
                            }
                            sleep(50);
                        }
                    },
                    "fd-sampler");
            Thread prober = new Thread(
                    () -> {
                        while (!done.get()) {
                            long t = System.nanoTime();
                            String m = masterMetrics("director1");
                            probeMs.add((System.nanoTime() - t) / 1_000_000);
                            if (!m.startsWith("ok")) {
                                probeFailures.add(m);
                            }
                            sleep(500);
                        }
                    },
                    "metrics-prober");
            sampler.start();
            prober.start();
            long t0 = System.nanoTime();
            Process http = new ProcessBuilder(
                            "ip",
                            "netns",
                            "exec",
                            prefix + "-director1",
                            "java",
                            "-cp",
                            System.getProperty("java.class.path"),
                            "lab/Drill.java",
                            "--abuse-http",
                            "127.0.0.1",
                            "9650",
                            String.valueOf(ABUSE_REQUESTS),
                            String.valueOf(ABUSE_SLOW_HTTP))
                    .redirectErrorStream(true)
                    .redirectOutput(dir.resolve("abuse-http.log").toFile())
                    .start();
            java.net.SocketAddress sock = UnixDomainSocketAddress.of(dir.resolve("director1.sock"));
            int parallelOk = parallelStatus(sock, 100);
            Abuse control = abuse(
                    sock,
                    ABUSE_REQUESTS,
                    (STATUS + "\n").getBytes(StandardCharsets.US_ASCII),
                    a -> Status.parse(a).vi1("MASTER"),
                    a -> a.startsWith("error: busy"),
                    "x".repeat(5000).getBytes(StandardCharsets.US_ASCII),
                    "stat".getBytes(StandardCharsets.US_ASCII),
                    ABUSE_SLOW_CONTROL);
            if (!http.waitFor(300, TimeUnit.SECONDS)) {
                http.destroyForcibly();
                throw new IllegalStateException(
                        "the HTTP abuse did not end within 300 s; see " + dir.resolve("abuse-http.log"));
            }
            String httpOut = Files.readString(dir.resolve("abuse-http.log"));
            long abuseMs = (System.nanoTime() - t0) / 1_000_000;
            done.set(true);
            sampler.join(5_000);
            prober.join(15_000);
            // closed connections linger at most 2 s, slow ones 5 s (HTTP) or 2 s (control)
            long after = fds(pid);
            for (int i = 0; i < 150 && after > before + ABUSE_FD_AFTER; i++) {
                Thread.sleep(100);
                after = fds(pid);
            }
            String m = masterMetrics("director1");
            long transitionsAfter = counters("director1")[0];
            java.util.regex.Matcher hm = java.util.regex.Pattern.compile(
                            "ABUSE ok=(\\d+) refused=(\\d+) failed=(\\d+) slow=(\\d+) ms=(\\d+)")
                    .matcher(httpOut);
            Abuse h = hm.find()
                    ? new Abuse(
                            Integer.parseInt(hm.group(1)),
                            Integer.parseInt(hm.group(2)),
                            Integer.parseInt(hm.group(3)),
                            Integer.parseInt(hm.group(4)),
                            Long.parseLong(hm.group(5)),
                            "")
                    : null;
            long worst = probeMs.stream().mapToLong(Long::longValue).max().orElse(-1);
            System.out.printf(
                    Locale.ROOT, "  http (from director1's namespace): %s%n", h == null ? httpOut.strip() : h);
            System.out.printf(Locale.ROOT, "  control: 100 parallel status: %d answered; %s%n", parallelOk, control);
            System.out.printf(
                    Locale.ROOT,
                    "  director1 descriptors: %d before, at most %d during, %d after; /metrics fetched %d times "
                            + "during the abuse, %d failed, worst %d ms; VRRP transitions %d -> %d; %d ms in all%n",
                    before,
                    most[0],
                    after,
                    probeMs.size(),
                    probeFailures.size(),
                    worst,
                    transitions,
                    transitionsAfter,
                    abuseMs);
            m.lines()
                    .filter(l -> l.startsWith("hadirector_endpoint_") && !l.contains(" 0")
                            || l.startsWith("hadirector_endpoint_accept"))
                    .forEach(l -> System.out.println("  director1: " + l));
            int goodHttp = ABUSE_REQUESTS * 6 / 10;
            if (h == null) {
                failures.add(name, FailureKind.NOT_ANSWERED, "the HTTP abuse reported nothing: " + httpOut.strip());
            } else if (h.ok() != goodHttp || h.failed() > 0) {
                failures.add(
                        name,
                        FailureKind.NOT_ANSWERED,
                        "HTTP: " + h.ok() + " of " + goodHttp + " good requests answered, "
                                + h.failed() + " failed; "
                                + "see " + dir.resolve("abuse-http.log"));
            }
            if (parallelOk != 100) {
                failures.add(name, FailureKind.NOT_ANSWERED, parallelOk + " of 100 parallel status requests answered");
            }
            if (control.ok() != goodHttp || control.failed() > 0) {
                failures.add(
                        name,
                        FailureKind.NOT_ANSWERED,
                        "control: " + control.ok() + " of " + goodHttp + " good requests answered, "
                                + control.failed()
                                + " failed: " + control.sample());
            }
            if (most[0] > before + ABUSE_FD_BOUND) {
                failures.add(
                        name,
                        FailureKind.OVER_BOUND,
                        "director1's descriptors grew from " + before + " to " + most[0] + " (bound: +" + ABUSE_FD_BOUND
                                + ")");
            }
            if (after > before + ABUSE_FD_AFTER) {
                failures.add(
                        name,
                        FailureKind.OVER_BOUND,
                        "director1 holds " + after + " descriptors after the abuse, " + before + " before");
            }
            if (!probeFailures.isEmpty() || probeMs.isEmpty() || !m.startsWith("ok")) {
                failures.add(
                        name,
                        FailureKind.NOT_ANSWERED,
                        "/metrics did not always answer: "
                                + probeFailures.stream().limit(3).toList()
                                + (m.startsWith("ok")
                                        ? ""
                                        : "; after: " + m.lines().findFirst().orElse("")));
            }
            if (transitionsAfter != transitions) {
                failures.add(
                        name,
                        FailureKind.VRRP_TRANSITION,
                        "VRRP made " + (transitionsAfter - transitions) + " transition(s) under the abuse");
            }
            return String.format(
                    Locale.ROOT,
                    "| %s | /metrics answered throughout (worst %d ms) | - | %d / %d | - | descriptors %d / "
                            + "at most %d / %d (before / during / after) |",
                    name,
                    worst,
                    (h == null ? 0 : h.ok()) + control.ok() + parallelOk,
                    (h == null ? 0 : h.failed()) + control.failed() + (100 - parallelOk),
                    before,
                    most[0],
                    after);
        } finally {
            stopDirector("director1", d1);
            stopDirector("director2", d2);
        }
    }

    static long fds(String pid) throws IOException {
        try (java.util.stream.Stream<Path> s = Files.list(Path.of("/proc", pid, "fd"))) {
            return s.count();
        }
    }

    /** "ok" and the text when the host's /metrics shows it master, else what went wrong. */
    static String masterMetrics(String host) {
        try {
            Process p = new ProcessBuilder(
                            "ip",
                            "netns",
                            "exec",
                            prefix + "-" + host,
                            "curl",
                            "-s",
                            "-S",
                            "--max-time",
                            "5",
                            "http://127.0.0.1:9650/metrics")
                    .redirectErrorStream(true)
                    .start();
            String m = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(10, TimeUnit.SECONDS) || p.exitValue() != 0) {
                return "curl failed: " + m.strip();
            }
            return m.contains("hadirector_vrrp_state{instance=\"VI_1\",state=\"MASTER\"} 1")
                    ? "ok\n" + m
                    : "not master: " + m;
        } catch (Exception e) {
            return "curl: " + e;
        }
    }

    /** {@code n} `status` requests at once on the control socket; how many were answered. */
    static int parallelStatus(java.net.SocketAddress sock, int n) throws InterruptedException {
        java.util.concurrent.CountDownLatch go = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.atomic.AtomicInteger ok = new java.util.concurrent.atomic.AtomicInteger();
        List<Thread> threads = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            Thread t = new Thread(() -> {
                try {
                    go.await();
                    if (Status.parse(exchange(sock, (STATUS + "\n").getBytes(StandardCharsets.US_ASCII), 10_000))
                            .vi1("MASTER")) {
                        ok.incrementAndGet();
                    }
                } catch (Exception e) {
                    // not answered
                }
            });
            t.start();
            threads.add(t);
        }
        go.countDown();
        for (Thread t : threads) {
            t.join(30_000);
        }
        return ok.get();
    }

    /** The HTTP half of metrics-abuse, run by the drill in director1's namespace: prints one ABUSE line. */
    static void abuseHttpChild(String[] args) throws Exception {
        java.net.SocketAddress at = new InetSocketAddress(args[1], Integer.parseInt(args[2]));
        Abuse a = abuse(
                at,
                Integer.parseInt(args[3]),
                "GET /metrics HTTP/1.1\r\nHost: director\r\n\r\n".getBytes(StandardCharsets.US_ASCII),
                r -> r.startsWith("HTTP/1.1 200") && r.contains("hadirector_vrrp_state{"),
                r -> r.startsWith("HTTP/1.1 503"),
                "\u0000\u0001GARBAGE / \r\n\r\n".getBytes(StandardCharsets.ISO_8859_1),
                "GET /metrics HTTP/1.1\r\nHost: director\r\n".getBytes(StandardCharsets.US_ASCII),
                Integer.parseInt(args[4]));
        System.out.printf(
                Locale.ROOT,
                "ABUSE ok=%d refused=%d failed=%d slow=%d ms=%d %s%n",
                a.ok(),
                a.refused(),
                a.failed(),
                a.slow(),
                a.ms(),
                a.sample());
    }

    /**
     * {@code total} connections from 6 threads; of each ten: six good requests (checked by
     * {@code good}; {@code refused} answers counted apart), two malformed, one abandoned after the
     * request without reading, one abandoned before it. Meanwhile {@code slowAtOnce} clients send
     * {@code partial} and wait to be closed, again and again until the rest is done.
     */
    static Abuse abuse(
            java.net.SocketAddress at,
            int total,
            byte[] request,
            java.util.function.Predicate<String> good,
            java.util.function.Predicate<String> refused,
            byte[] malformed,
            byte[] partial,
            int slowAtOnce)
            throws InterruptedException {
        java.util.concurrent.atomic.AtomicInteger next = new java.util.concurrent.atomic.AtomicInteger();
        java.util.concurrent.atomic.AtomicInteger ok = new java.util.concurrent.atomic.AtomicInteger();
        java.util.concurrent.atomic.AtomicInteger busy = new java.util.concurrent.atomic.AtomicInteger();
        java.util.concurrent.atomic.AtomicInteger failed = new java.util.concurrent.atomic.AtomicInteger();
        java.util.concurrent.atomic.AtomicInteger slow = new java.util.concurrent.atomic.AtomicInteger();
        java.util.concurrent.atomic.AtomicReference<String> sample =
                new java.util.concurrent.atomic.AtomicReference<>("");
        AtomicBoolean fastDone = new AtomicBoolean();
        long t0 = System.nanoTime();
        List<Thread> slowThreads = new ArrayList<>();
        for (int t = 0; t < slowAtOnce; t++) {
            slowThreads.add(new Thread(
                    () -> {
                        while (!fastDone.get()) {
                            try (SocketChannel c = SocketChannel.open(at)) {
                                c.write(ByteBuffer.wrap(partial));
                                slow.incrementAndGet();
                                readAll(c, 30_000); // until the server's request deadline closes it
                            } catch (IOException e) {
                                failed.incrementAndGet();
                                sample.compareAndSet("", "slow: " + e);
                                sleep(100);
                            }
                        }
                    },
                    "slow-" + t));
        }
        slowThreads.forEach(Thread::start);
        sleep(200); // the slow clients are in before the rest starts
        List<Thread> fast = new ArrayList<>();
        for (int t = 0; t < 6; t++) {
            fast.add(new Thread(
                    () -> {
                        for (int i = next.getAndIncrement(); i < total; i = next.getAndIncrement()) {
                            try {
                                switch (i % 10) {
                                    case 6, 7 -> exchange(at, malformed, 10_000);
                                    case 8 -> {
                                        try (SocketChannel c = SocketChannel.open(at)) {
                                            c.write(ByteBuffer.wrap(request));
                                        }
                                    }
                                    case 9 -> SocketChannel.open(at).close();
                                    default -> {
                                        String a = exchange(at, request, 10_000);
                                        if (good.test(a)) {
                                            ok.incrementAndGet();
                                        } else if (refused.test(a)) {
                                            busy.incrementAndGet();
                                        } else {
                                            failed.incrementAndGet();
                                            sample.compareAndSet("", a.length() > 200 ? a.substring(0, 200) : a);
                                        }
                                    }
                                }
                            } catch (IOException e) {
                                if (i % 10 < 6) {
                                    failed.incrementAndGet();
                                    sample.compareAndSet("", e.toString());
                                }
                            }
                        }
                    },
                    "abuse-" + t));
        }
        fast.forEach(Thread::start);
        for (Thread t : fast) {
            t.join(600_000);
        }
        fastDone.set(true);
        for (Thread t : slowThreads) {
            t.join(60_000);
        }
        return new Abuse(
                ok.get(), busy.get(), failed.get(), slow.get(), (System.nanoTime() - t0) / 1_000_000, sample.get());
    }

    /** Writes {@code request}, reads until the server closes (or resets); at most {@code timeoutMillis}. */
    static String exchange(java.net.SocketAddress at, byte[] request, long timeoutMillis) throws IOException {
        try (SocketChannel c = SocketChannel.open(at)) {
            c.write(ByteBuffer.wrap(request));
            return readAll(c, timeoutMillis);
        }
    }

    static String readAll(SocketChannel c, long timeoutMillis) throws IOException {
        try (java.nio.channels.Selector sel = java.nio.channels.Selector.open()) {
            c.configureBlocking(false);
            c.register(sel, java.nio.channels.SelectionKey.OP_READ);
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            ByteBuffer b = ByteBuffer.allocate(65536);
            long end = System.nanoTime() + timeoutMillis * 1_000_000L;
            while (true) {
                long left = (end - System.nanoTime()) / 1_000_000;
                if (left <= 0) {
                    throw new IOException("no end of answer within " + timeoutMillis + " ms");
                }
                sel.select(left);
                sel.selectedKeys().clear();
                b.clear();
                int n;
                try {
                    n = c.read(b);
                } catch (IOException e) {
                    break;
                }
                if (n < 0) {
                    break;
                }
                out.write(b.array(), 0, n);
            }
            return out.toString(StandardCharsets.UTF_8);
        }
    }

    // ---- load

    /** A drill's steady load on the VIP: keep-alive connections, new connections, a ping every 5 ms. */
    static final class Load {
        final ConcurrentLinkedQueue<Result> results = new ConcurrentLinkedQueue<>();
        final int[] broke = new int[1];
        final long startNs;
        private final AtomicBoolean stop = new AtomicBoolean();
        private final List<Thread> threads = new ArrayList<>();
        private final Process ping;

        /** Each keep-alive thread's connection's client port (0: none open), for the sync check. */
        final java.util.concurrent.atomic.AtomicIntegerArray ports =
                new java.util.concurrent.atomic.AtomicIntegerArray(KEEPALIVE);

        Load(String name) throws IOException {
            for (int i = 0; i < KEEPALIVE; i++) {
                int slot = i;
                threads.add(new Thread(() -> keepAlive(results, stop, broke, ports, slot), "keepalive-" + i));
            }
            for (int i = 0; i < NEW_CONN_THREADS; i++) {
                threads.add(new Thread(() -> newConnections(results, stop), "new-" + i));
            }
            ping = new ProcessBuilder("ping", "-n", "-D", "-i", "0.005", "-W", "1", VIP)
                    .redirectErrorStream(true)
                    .redirectOutput(dir.resolve("ping-" + name + ".log").toFile())
                    .start();
            startNs = System.nanoTime();
            threads.forEach(Thread::start);
        }

        /** The client ports of the keep-alive connections open now. */
        java.util.Set<Integer> keepAlivePorts() {
            java.util.Set<Integer> open = new java.util.TreeSet<>();
            for (int i = 0; i < ports.length(); i++) {
                if (ports.get(i) != 0) {
                    open.add(ports.get(i));
                }
            }
            return open;
        }

        void stop() throws InterruptedException {
            stop.set(true);
            for (Thread t : threads) {
                t.join(15_000);
            }
            ping.destroy();
            ping.waitFor(5, TimeUnit.SECONDS);
        }
    }

    static void keepAlive(
            ConcurrentLinkedQueue<Result> results,
            AtomicBoolean stop,
            int[] broke,
            java.util.concurrent.atomic.AtomicIntegerArray ports,
            int slot) {
        Socket s = null;
        boolean first = true;
        while (!stop.get()) {
            long start = System.nanoTime();
            try {
                if (s == null) {
                    ports.set(slot, 0);
                    s = connect();
                    ports.set(slot, s.getLocalPort());
                }
                request(s, true);
                results.add(new Result(start, System.nanoTime(), true, true, null));
            } catch (IOException e) {
                results.add(new Result(start, System.nanoTime(), false, true, e.toString()));
                if (first) {
                    synchronized (broke) {
                        broke[0]++;
                    }
                    first = false;
                }
                close(s);
                s = null;
                ports.set(slot, 0);
            }
            sleep(50);
        }
        close(s);
    }

    static void newConnections(ConcurrentLinkedQueue<Result> results, AtomicBoolean stop) {
        while (!stop.get()) {
            long start = System.nanoTime();
            try (Socket s = connect()) {
                request(s, false);
                results.add(new Result(start, System.nanoTime(), true, false, null));
            } catch (IOException e) {
                results.add(new Result(start, System.nanoTime(), false, false, e.toString()));
            }
            sleep(50);
        }
    }

    /** Timeouts well above TCP's retransmissions over a failover, so that a slow request is slow, not failed. */
    static Socket connect() throws IOException {
        return connect(12_000);
    }

    /** A connection to the VIP's port 80, with this connect and read timeout. */
    static Socket connect(int timeoutMs) throws IOException {
        Socket s = new Socket();
        try {
            s.connect(new InetSocketAddress(VIP, 80), timeoutMs);
            s.setSoTimeout(timeoutMs);
            return s;
        } catch (IOException e) {
            s.close();
            throw e;
        }
    }

    static String request(Socket s, boolean keepAlive) throws IOException {
        OutputStream out = s.getOutputStream();
        out.write(("GET / HTTP/1.1\r\nHost: vip\r\n" + (keepAlive ? "" : "Connection: close\r\n") + "\r\n")
                .getBytes(StandardCharsets.US_ASCII));
        InputStream in = s.getInputStream();
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        while (!head.toString(StandardCharsets.US_ASCII).endsWith("\r\n\r\n")) {
            int b = in.read();
            if (b < 0) {
                throw new IOException("closed by the peer after " + head.size() + " bytes");
            }
            head.write(b);
            if (head.size() > 8192) {
                throw new IOException("header too long");
            }
        }
        String h = head.toString(StandardCharsets.US_ASCII);
        if (!h.startsWith("HTTP/1.1 200")) {
            throw new IOException("status " + h.lines().findFirst().orElse(""));
        }
        int i = h.toLowerCase(Locale.ROOT).indexOf("content-length:");
        int len = Integer.parseInt(h.substring(i + 15, h.indexOf("\r\n", i)).strip());
        byte[] body = in.readNBytes(len);
        if (body.length < len) {
            throw new IOException("short body");
        }
        return new String(body, StandardCharsets.US_ASCII).strip();
    }

    // ---- directors

    static Process director(String host, String drill) throws IOException {
        return director(
                host,
                drill,
                drill.equals("part-death") ? java.util.Map.of("HADIRECTOR_FAULT_INJECTION", "1") : java.util.Map.of());
    }

    /** When a drill restores what it broke, and when it ends (ms from its start). */
    static long restoreAt(String name) {
        return FaultDrills.NAMES.contains(name) ? FaultDrills.restoreAt(name) : RESTORE_AT_MS;
    }

    static long endAt(String name) {
        return FaultDrills.NAMES.contains(name) ? FaultDrills.endAt(name) : END_AT_MS;
    }

    /** Steps of a drill between its failure and its restoration (part-death breaks several parts in turn). */
    static void during(String name, long elapsedMs, Process d1) throws Exception {
        if (FaultDrills.NAMES.contains(name)) {
            FaultDrills.during(name, elapsedMs, d1);
        }
    }

    static void stopDirector(String host, Process p) throws Exception {
        if (p.isAlive()) {
            try {
                run("kill", "-TERM", pid(host));
            } catch (Exception e) {
                p.destroy();
            }
            if (!p.waitFor(15, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                p.waitFor(5, TimeUnit.SECONDS);
            }
        }
    }

    /** What a killed director leaves behind, and a downed link: back to the starting point. */
    static void cleanUp() throws Exception {
        FaultDrills.cleanUp();
        for (String h : List.of("director1", "director2")) {
            String ns = prefix + "-" + h;
            quietly("ip", "netns", "exec", ns, "ip", "link", "set", "e0", "up");
            quietly("ip", "netns", "exec", ns, "ip", "addr", "del", VIP + "/32", "dev", "e0");
            quietly("ip", "netns", "exec", ns, "nft", "delete", "table", "netdev", "hadirector_dr_e0");
        }
        Path pid = dir.resolve("nginx-rs2/nginx.pid");
        boolean up = false;
        try {
            up = Files.exists(pid)
                    && ProcessHandle.of(Long.parseLong(Files.readString(pid).strip()))
                            .map(ProcessHandle::isAlive)
                            .orElse(false);
        } catch (NumberFormatException e) {
            up = false;
        }
        if (!up) {
            restoreNs = System.nanoTime();
            new ProcessBuilder(
                            "ip",
                            "netns",
                            "exec",
                            prefix + "-rs2",
                            "nginx",
                            "-c",
                            dir.resolve("nginx-rs2/nginx.conf").toString())
                    .redirectErrorStream(true)
                    .redirectOutput(dir.resolve("nginx-rs2/restart.log").toFile())
                    .start();
            Thread.sleep(500);
        }
    }

    /** utime and stime (clock ticks, 100 a second) and RSS (kB) of the host's director, from /proc. */
    static long[] cpuTicks(String host) throws IOException {
        String pid = pid(host);
        String stat = Files.readString(Path.of("/proc", pid, "stat"));
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        long rss = 0;
        for (String l : Files.readAllLines(Path.of("/proc", pid, "status"))) {
            if (l.startsWith("VmRSS:")) {
                rss = Long.parseLong(l.replaceAll("[^0-9]", ""));
            }
        }
        return new long[] {Long.parseLong(f[11]), Long.parseLong(f[12]), rss};
    }

    static String pid(String host) throws IOException {
        return Files.readString(dir.resolve(host + ".pid")).strip();
    }

    /** The control command the drills read a director's state with: the JSON form of `status`. */
    static final String STATUS = "status json";

    static Status status(String host) {
        return Status.parse(control(host, STATUS));
    }

    /**
     * A director's answer to `status json` (StatusReport.json: vrrpInstances, table with its
     * forwarder, parts and down), read with typesafe-config's JSON parser, which the director's
     * jar on the drill's classpath brings. An answer that is not JSON (none: the director is down
     * or busy) reads as a status with nothing in it: no instance, every counter -1.
     */
    record Status(String answer, java.util.Map<String, Object> json) {
        static Status parse(String answer) {
            try {
                return new Status(
                        answer,
                        com.typesafe.config.ConfigFactory.parseString(
                                        answer,
                                        com.typesafe.config.ConfigParseOptions.defaults()
                                                .setSyntax(com.typesafe.config.ConfigSyntax.JSON))
                                .root()
                                .unwrapped());
            } catch (com.typesafe.config.ConfigException e) {
                return new Status(answer, java.util.Map.of());
            }
        }

        /** The named vrrp_instance's fields, or an empty map when it does not run. */
        java.util.Map<String, Object> instance(String name) {
            for (Object i : list(json.get("vrrpInstances"))) {
                if (i instanceof java.util.Map<?, ?> m && name.equals(m.get("name"))) {
                    return cast(m);
                }
            }
            return java.util.Map.of();
        }

        /** Whether VI_1 runs in {@code state} (MASTER, BACKUP, FAULT, INIT). */
        boolean vi1(String state) {
            return state.equals(instance("VI_1").get("state"));
        }

        /** The instance's transitions, or -1 when it does not run. */
        long transitions(String instance) {
            return number(instance(instance).get("transitions"));
        }

        /** The connection sync's role (master, backup, none), or "?" when the status has no table. */
        String syncRole() {
            Object r = map(json.get("table")).get("syncRole");
            return r == null ? "?" : r.toString();
        }

        /** Table operations applied by the table keeper, or -1 when no table runs. */
        long opsApplied() {
            return number(map(json.get("table")).get("opsApplied"));
        }

        /** A counter of the userspace forwarder (StatusReport.Forwarder's field), or -1 when there is none. */
        long forwarder(String field) {
            return number(map(map(json.get("table")).get("forwarder")).get(field));
        }

        /** Parts are listed and none is down (the text's "parts: all N up"). */
        boolean allPartsUp() {
            return !list(json.get("parts")).isEmpty() && json.get("down") instanceof List<?> d && d.isEmpty();
        }

        /** VI_1 in a line, for reports: "VI_1 MASTER, priority 150, transitions 1", or what was answered instead. */
        String vi1Line() {
            java.util.Map<String, Object> i = instance("VI_1");
            return i.isEmpty()
                    ? "no VI_1 in the status (" + shown() + ")"
                    : "VI_1 " + i.get("state") + ", priority " + i.get("priority") + ", transitions "
                            + i.get("transitions");
        }

        /** The parts in a line, for reports: "parts: all N up (names)", "parts down: ...", or "no parts listed". */
        String partsLine() {
            List<?> parts = list(json.get("parts"));
            if (parts.isEmpty()) {
                return "no parts listed (" + shown() + ")";
            }
            return allPartsUp()
                    ? "parts: all " + parts.size() + " up ("
                            + String.join(
                                    ", ",
                                    parts.stream()
                                            .map(p -> String.valueOf(map(p).get("name")))
                                            .toList()) + ")"
                    : "parts down: " + json.get("down");
        }

        /** The forwarder's counters in a line, for reports. */
        String forwarderLine() {
            java.util.Map<String, Object> f = map(map(json.get("table")).get("forwarder"));
            return f.isEmpty()
                    ? "(no forwarder in the status: " + shown() + ")"
                    : String.format(
                            Locale.ROOT,
                            "forwarder: %s frames forwarded, %s connections; dropped: %s; ring drops %s; synced connections installed %s "
                                    + "(naming no known service or server %s, refused at the sync cap %s, dropped at the hand-off bound %s); "
                                    + "re-attached %s times, link down %s times",
                            f.get("forwarded"),
                            f.get("connections"),
                            f.get("dropped"),
                            f.get("ringDropped"),
                            f.get("syncedInstalled"),
                            f.get("syncedUnknown"),
                            f.get("syncedOverCap"),
                            f.get("syncedShed"),
                            f.get("restarts"),
                            f.get("linkDowns"));
        }

        /** VI_1, the parts and the forwarder's restarts: what a report shows of a director. */
        String summary() {
            long restarts = forwarder("restarts");
            return vi1Line() + " | " + partsLine()
                    + (restarts < 0 ? "" : " | forwarder re-attached " + restarts + " times");
        }

        private String shown() {
            String a = answer.strip();
            return a.isEmpty() ? "no answer" : a.length() > 120 ? a.substring(0, 120) + "..." : a;
        }

        private static long number(Object o) {
            return o instanceof Number n ? n.longValue() : -1;
        }

        private static List<?> list(Object o) {
            return o instanceof List<?> l ? l : List.of();
        }

        private static java.util.Map<String, Object> map(Object o) {
            return o instanceof java.util.Map<?, ?> m ? cast(m) : java.util.Map.of();
        }

        @SuppressWarnings("unchecked")
        private static java.util.Map<String, Object> cast(java.util.Map<?, ?> m) {
            return (java.util.Map<String, Object>) m;
        }
    }

    static String ipvs(String host) {
        return control(host, "ipvs -L -n");
    }

    static void expectOkPlain(String answer) {
        if (!answer.startsWith("ok")) {
            throw new IllegalStateException(answer.strip());
        }
    }

    static void expectOk(String answer) {
        if (!answer.startsWith("ok:")) {
            throw new IllegalStateException(answer.strip());
        }
    }

    /** One request on the director's control socket; "" when it does not answer. */
    static String control(String host, String request) {
        try (SocketChannel c = SocketChannel.open(UnixDomainSocketAddress.of(dir.resolve(host + ".sock")))) {
            c.write(ByteBuffer.wrap((request + "\n").getBytes(StandardCharsets.UTF_8)));
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            ByteBuffer b = ByteBuffer.allocate(8192);
            while (c.read(b) >= 0) {
                out.write(b.array(), 0, b.position());
                b.clear();
            }
            return out.toString(StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "";
        }
    }

    // ---- small helpers

    interface Check {
        boolean ok() throws Exception;
    }

    static void waitUntil(long millis, Check c, String what) throws Exception {
        long end = System.nanoTime() + millis * 1_000_000L;
        while (System.nanoTime() - end < 0) {
            if (c.ok()) {
                return;
            }
            Thread.sleep(100);
        }
        throw new IllegalStateException("not reached within " + millis + " ms: " + what);
    }

    static void run(String... cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IllegalStateException(String.join(" ", cmd) + ": " + out.strip());
        }
    }

    static void quietly(String... cmd) {
        try {
            Process p = new ProcessBuilder(cmd)
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                    .start();
            p.waitFor(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            // best effort
        }
    }

    static void sleepUntil(long t0, long ms) {
        long left = ms - (System.nanoTime() - t0) / 1_000_000;
        if (left > 0) {
            sleep(left);
        }
    }

    static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    static void close(Socket s) {
        if (s != null) {
            try {
                s.close();
            } catch (IOException e) {
                // closing
            }
        }
    }
}

/**
 * The fault drills of the reliability issue: faults of the host and of the daemon's own parts
 * under the same steady load, each with its promise checked.
 * <ul>
 * <li>link-flap: director1's link down for 3 s. Promise: once the link is back, director1
 * serves again (it preempts back) and no request that starts later than {@link #RECOVERY_MS} after
 * the link returns fails.
 * <li>iface-recreate: director1's e0 deleted and made again 2 s later (new ifindex, new MAC).
 * Promise: VRRP and the forwarder follow it by name; the same bound as link-flap.
 * <li>sync-recreate: director2's (the backup's) e0 deleted and made again 2 s later, then, 7 s after,
 * director1's link goes down. Promise: director2's sync receiver follows the new interface (it
 * installs connections again) and every keep-alive connection survives the failover.
 * <li>netlink-burst: 1,000 link events in director1's namespace within a second. Promise: nothing
 * lost: no transition, no failed request, every part up.
 * <li>syn-flood: 60 s of SYNs at the generator's full rate from random sources and ports.
 * Promise: at least 99% of the legitimate requests succeed; the table stays within its limit and
 * the director's RSS below {@link #RSS_BOUND_KB}.
 * <li>part-death: director1's forwarder is made to fail (it re-attaches; its instance is FAULT
 * meanwhile), then its VRRP loop (restarted), a checker's result handling and the table keeper's
 * reconcile (each restarted), then an Error (the process exits 70 and director2
 * takes over). Promise: each part comes back or the process exits; no request fails once
 * director2 has taken over.
 * </ul>
 */
class FaultDrills {
    static final List<String> NAMES =
            List.of("link-flap", "iface-recreate", "sync-recreate", "netlink-burst", "syn-flood", "part-death");
    /** sync-recreate: director1 fails this long after director2's interface came back. */
    static final long SYNC_SETTLE_MS = 7_000;

    static long syncedAtRestore;
    /** A restored link serves within this: link up, then director1's preemption (3 x 1 s + skew) and GARP. */
    static final long RECOVERY_MS = 5_000;

    static final long RSS_BOUND_KB = 600 * 1024;
    static final long FLOOD_MS = 60_000;
    static String note = "";
    static Process flood;
    static long peakRssKb;
    static int partStep;

    static long restoreAt(String name) {
        return switch (name) {
            case "link-flap" -> Drill.FAIL_AT_MS + 3_000;
            case "iface-recreate", "sync-recreate" -> Drill.FAIL_AT_MS + 2_000;
            case "syn-flood" -> Drill.FAIL_AT_MS + FLOOD_MS;
            default -> Drill.RESTORE_AT_MS;
        };
    }

    static long endAt(String name) {
        return switch (name) {
            case "link-flap", "iface-recreate" -> restoreAt(name) + RECOVERY_MS + 6_000;
            case "syn-flood" -> restoreAt(name) + 4_000;
            case "sync-recreate" -> restoreAt(name) + SYNC_SETTLE_MS + 8_000;
            case "part-death" -> 22_000;
            default -> Drill.END_AT_MS;
        };
    }

    static String d1() {
        return Drill.prefix + "-director1";
    }

    static String d2() {
        return Drill.prefix + "-director2";
    }

    /** Deletes a director's veth (its e0 goes with it). */
    static void deleteE0(String host) throws Exception {
        Drill.run("ip", "-n", Drill.prefix + "-sw", "link", "del", "p-" + host);
    }

    /** Makes a director's e0 again (a new ifindex, a new MAC), as iface-recreate's restore does. */
    static void recreateE0(String host, String address) throws Exception {
        String sw = Drill.prefix + "-sw";
        String ns = Drill.prefix + "-" + host;
        Drill.run("ip", "-n", sw, "link", "add", "p-" + host, "type", "veth", "peer", "name", "e0", "netns", ns);
        Drill.run("ip", "-n", sw, "link", "set", "p-" + host, "master", "br0", "up");
        Drill.run("ip", "-n", ns, "addr", "add", address + "/24", "dev", "e0");
        Drill.run("ip", "-n", ns, "link", "set", "e0", "up");
        if ("xdp".equals(System.getenv("LAB_DATAPLANE"))) {
            // the new veth's switch end needs the XDP peer program again, as lab/drill gave the
            // first one (XDP_TX into a veth needs a program on its peer: lab/XdpPeer.java)
            peers.add(java.util.concurrent.CompletableFuture.supplyAsync(
                            () -> {
                                try {
                                    org.hadirector.sys.NetNs.enter(sw);
                                    return org.hadirector.ipvs.xdp.XdpProgram.attach(
                                            "p-" + host, 16, org.hadirector.ipvs.xdp.XdpProgram.Mode.DRIVER);
                                } catch (IOException e) {
                                    throw new java.io.UncheckedIOException(e);
                                }
                            },
                            r -> new Thread(r).start())
                    .get(10, TimeUnit.SECONDS));
        }
    }

    /** The XDP peer programs attached to re-created veths: never closed, as closing detaches. */
    static final List<Object> peers = new ArrayList<>();

    static void inject(String name, Process d1) throws Exception {
        note = "";
        partStep = 0;
        peakRssKb = 0;
        switch (name) {
            case "link-flap" -> Drill.run("ip", "netns", "exec", d1(), "ip", "link", "set", "e0", "down");
            case "iface-recreate" -> deleteE0("director1");
            case "sync-recreate" -> deleteE0("director2");
            case "netlink-burst" -> {
                long[] before = Drill.counters("director1");
                Path batch = Drill.dir.resolve("burst.ip");
                StringBuilder b = new StringBuilder();
                for (int i = 0; i < 125; i++) {
                    b.append("link add hdb")
                            .append(i)
                            .append(" type veth peer name hdc")
                            .append(i)
                            .append('\n');
                }
                for (int i = 0; i < 125; i++) {
                    b.append("link set hdb")
                            .append(i)
                            .append(" up\nlink set hdc")
                            .append(i)
                            .append(" up\n");
                }
                for (int i = 0; i < 125; i++) {
                    b.append("link set hdb").append(i).append(" down\n");
                }
                for (int i = 0; i < 125; i++) {
                    b.append("link del hdb").append(i).append('\n');
                }
                Files.writeString(batch, b.toString());
                long t = System.nanoTime();
                Drill.run("ip", "-n", d1(), "-b", batch.toString());
                note = String.format(
                        Locale.ROOT, "1,000 link operations in %d ms", (System.nanoTime() - t) / 1_000_000);
                Drill.sleep(1_000);
                long[] after = Drill.counters("director1");
                if (after[0] != before[0]) {
                    note += "; TRANSITIONS " + before[0] + " -> " + after[0];
                }
            }
            case "syn-flood" -> startFlood();
            case "part-death" -> {
                Drill.expectOkPlain(Drill.control("director1", "fault-inject dataplane"));
                partStep = 1;
            }
            default -> throw new IllegalArgumentException(name);
        }
    }

    static void during(String name, long elapsedMs, Process d1) throws Exception {
        if (name.equals("syn-flood") && flood != null && flood.isAlive() && elapsedMs % 1000 < 60) {
            peakRssKb = Math.max(peakRssKb, Drill.cpuTicks("director1")[2]);
        }
        if (name.equals("sync-recreate") && partStep == 0 && elapsedMs >= restoreAt(name) + SYNC_SETTLE_MS) {
            // director2's sync receiver must have followed its re-created interface: the master fails now.
            long synced = Drill.syncedInstalled("director2");
            note = "director2 installed " + (synced - syncedAtRestore)
                    + " synced connection(s) after its interface came back";
            Drill.run("ip", "netns", "exec", d1(), "ip", "link", "set", "e0", "down");
            Drill.restoreNs = System.nanoTime();
            partStep = 1;
        }
        if (name.equals("part-death") && partStep == 1 && elapsedMs >= Drill.FAIL_AT_MS + 3_000) {
            Drill.expectOkPlain(Drill.control("director1", "fault-inject vrrp VI_1"));
            partStep = 2;
        }
        if (name.equals("part-death") && partStep == 2 && elapsedMs >= Drill.FAIL_AT_MS + 4_000) {
            // The checks and the table keeper: a failure in their work restarts it, the VIP stays.
            Drill.expectOkPlain(Drill.control("director1", "fault-inject checks"));
            Drill.expectOkPlain(Drill.control("director1", "fault-inject table"));
            partStep = 3;
        }
    }

    static void restore(String name) throws Exception {
        switch (name) {
            case "link-flap" -> Drill.run("ip", "netns", "exec", d1(), "ip", "link", "set", "e0", "up");
            case "iface-recreate" -> recreateE0("director1", "198.18.0.11");
            case "sync-recreate" -> {
                recreateE0("director2", "198.18.0.12");
                syncedAtRestore = Drill.syncedInstalled("director2");
            }
            case "syn-flood" -> stopFlood();
            case "part-death" -> {
                // The last step: an Error. The process must end (exit 70) and director2 take over.
                Drill.expectOkPlain(Drill.control("director1", "fault-inject dataplane error"));
                partStep = 4;
            }
            default -> {}
        }
    }

    /** The drill's promise, checked on the requests it saw. */
    static void check(String name, List<Drill.Result> results, int broke, Drill.Failures failures) throws Exception {
        long ok = results.stream().filter(Drill.Result::ok).count();
        switch (name) {
            case "link-flap", "iface-recreate" -> {
                long late = results.stream()
                        .filter(r -> !r.ok() && r.startNs() - Drill.restoreNs > RECOVERY_MS * 1_000_000L)
                        .count();
                Drill.Result firstOk = results.stream()
                        .filter(r -> r.ok() && !r.keepAlive() && r.startNs() > Drill.restoreNs)
                        .findFirst()
                        .orElse(null);
                Drill.Status st = Drill.status("director1");
                System.out.println("  "
                        + (firstOk == null
                                ? "no new connection succeeded after the restore"
                                : "first new connection after the restore ended +"
                                        + (firstOk.endNs() - Drill.restoreNs) / 1_000_000 + " ms")
                        + "; director1: " + st.summary());
                if (late > 0) {
                    failures.add(
                            name,
                            Drill.FailureKind.OUTAGE_TOO_LONG,
                            late + " request(s) failed more than " + RECOVERY_MS + " ms after the link returned");
                }
                if (!st.vi1("MASTER")) {
                    failures.add(
                            name,
                            Drill.FailureKind.NOT_MASTER,
                            "director1 did not take the VIP back after the link returned");
                }
                if (!st.allPartsUp()) {
                    failures.add(name, Drill.FailureKind.PART_DOWN, "director1 has a part down: " + st.partsLine());
                }
            }
            case "netlink-burst" -> {
                long failed = results.size() - ok;
                Drill.Status st = Drill.status("director1");
                String log = Files.readString(Drill.dir.resolve("director1-" + name + ".log"));
                long overruns = log.lines()
                        .filter(l -> l.contains("overran the netlink socket"))
                        .count();
                System.out.println("  " + note + "; overrun warnings in the log: " + overruns);
                String changed = "the burst changed something: " + note + ", " + failed + " failed request(s), status: "
                        + st.summary();
                if (note.contains("TRANSITIONS")) {
                    failures.add(name, Drill.FailureKind.VRRP_TRANSITION, changed);
                } else if (failed > 0) {
                    failures.add(name, Drill.FailureKind.REQUESTS_FAILED, changed);
                } else if (!st.vi1("MASTER")) {
                    failures.add(name, Drill.FailureKind.NOT_MASTER, changed);
                } else if (!st.allPartsUp()) {
                    failures.add(name, Drill.FailureKind.PART_DOWN, changed);
                }
            }
            case "syn-flood" -> {
                double share = results.isEmpty() ? 0 : 100.0 * ok / results.size();
                String m = metrics("director1");
                long conns = gauge(m, "hadirector_dr_connections");
                long limit = gauge(m, "hadirector_dr_connection_limit");
                long evicted = gauge(m, "hadirector_dr_half_open_evicted_total");
                long ringDrops = gauge(m, "hadirector_dr_ring_dropped_total");
                java.util.regex.Matcher full = java.util.regex.Pattern.compile(
                                "hadirector_dr_dropped_total\\{reason=\"table_full\"\\} (\\d+)")
                        .matcher(m);
                note += "; ring drops " + ringDrops + ", table_full drops " + (full.find() ? full.group(1) : "?");
                // the new connections apart: each needs its SYN through the flood
                long opened = results.stream().filter(r -> !r.keepAlive()).count();
                long[] openMs = results.stream()
                        .filter(r -> !r.keepAlive() && r.ok())
                        .mapToLong(r -> (r.endNs() - r.startNs()) / 1_000_000)
                        .sorted()
                        .toArray();
                long openedOk = openMs.length;
                System.out.printf(
                        Locale.ROOT,
                        "  %s; legitimate requests ok %.2f%% (%d of %d; on new connections %d of %d, median %d ms);"
                                + " table %d of its limit %d (half-open given way %d); director1 peak RSS %d MB%n",
                        note,
                        share,
                        ok,
                        results.size(),
                        openedOk,
                        opened,
                        openMs.length == 0 ? -1 : openMs[openMs.length / 2],
                        conns,
                        limit,
                        evicted,
                        peakRssKb / 1024);
                if (share < 99.0) {
                    failures.add(
                            name,
                            Drill.FailureKind.REQUESTS_FAILED,
                            String.format(Locale.ROOT, "only %.2f%% of the legitimate requests succeeded", share));
                }
                if (limit <= 0 || conns > limit) {
                    failures.add(
                            name,
                            Drill.FailureKind.OVER_BOUND,
                            "the table holds " + conns + " entries, over its limit " + limit);
                }
                if (peakRssKb > RSS_BOUND_KB) {
                    failures.add(
                            name, Drill.FailureKind.OVER_BOUND, "director1's RSS reached " + peakRssKb / 1024 + " MB");
                }
            }
            case "sync-recreate" -> {
                String log = Files.readString(Drill.dir.resolve("director2-" + name + ".log"));
                boolean followed =
                        log.lines().anyMatch(l -> l.matches(".*sync: .* on e0; starting the .* role again.*"));
                System.out.println("  " + note + "; director2's sync role followed the interface: " + followed);
                if (!followed
                        || !note.contains("installed")
                        || note.contains("installed 0 ")
                        || note.contains("installed -")) {
                    failures.add(
                            name,
                            Drill.FailureKind.SYNC_NOT_FOLLOWED,
                            "director2's sync receiver did not follow its re-created " + "interface: " + note);
                }
                if (broke > 0) {
                    failures.add(
                            name,
                            Drill.FailureKind.KEEPALIVE_BROKE,
                            broke + " keep-alive connection(s) broke at the failover after the re-creation");
                }
                if (!Drill.status("director2").vi1("MASTER")) {
                    failures.add(name, Drill.FailureKind.NOT_MASTER, "director2 did not take over");
                }
            }
            case "part-death" -> {
                String log = Files.readString(Drill.dir.resolve("director1-" + name + ".log"));
                boolean reattached = log.contains("re-attached to the interface");
                boolean vrrpRestarted = log.contains("VI_1: restarted on e0");
                boolean checksRestarted = log.contains("part checks failed and was restarted");
                boolean tableRestarted = log.contains("table: reconciled again");
                System.out.println("  forwarder re-attached: " + reattached + "; VRRP loop restarted: " + vrrpRestarted
                        + "; a checker restarted: " + checksRestarted + "; table reconciled again: " + tableRestarted
                        + "; after the Error: " + note);
                if (!reattached || !vrrpRestarted || !checksRestarted || !tableRestarted) {
                    failures.add(
                            name,
                            Drill.FailureKind.NOT_RESTARTED,
                            "a failed part was not restarted (forwarder " + reattached
                                    + ", VRRP " + vrrpRestarted
                                    + ", checks " + checksRestarted + ", table " + tableRestarted + ")");
                }
                if (!note.startsWith("exit 70")) {
                    failures.add(
                            name, Drill.FailureKind.WRONG_EXIT, "the Error did not end the process with 70: " + note);
                }
                long late = results.stream()
                        .filter(r -> !r.ok() && r.startNs() - Drill.restoreNs > 5_000L * 1_000_000L)
                        .count();
                if (late > 0) {
                    failures.add(
                            name,
                            Drill.FailureKind.OUTAGE_TOO_LONG,
                            late + " request(s) failed after director2 should have taken over");
                }
                if (!Drill.status("director2").vi1("MASTER")) {
                    failures.add(name, Drill.FailureKind.NOT_MASTER, "director2 did not take over");
                }
            }
            default -> {}
        }
    }

    /** After the drill's end: how director1 ended in part-death (it must have exited on the Error). */
    static void ended(String name, Process d1) throws Exception {
        if (name.equals("part-death")) {
            note = d1.waitFor(10, TimeUnit.SECONDS) ? "exit " + d1.exitValue() : "still running";
        }
    }

    static void startFlood() throws Exception {
        String dmac = mac(d1());
        String smac = mac(null);
        StringBuilder cfg = new StringBuilder();
        // 100 sources in the lab's range (198.18.0.150-249, no host has them), random source ports:
        // millions of distinct half-open flows for the director's table.
        for (int i = 0; i < 100; i++) {
            cfg.append("{ eth(da=")
                    .append(dmac)
                    .append(", sa=")
                    .append(smac)
                    .append("), ipv4(sa=198.18.0.")
                    .append(150 + i)
                    .append(", da=")
                    .append(Drill.VIP)
                    .append(", ttl=64), tcp(sp=drnd(), dp=80, seq=drnd(), syn) }\n");
        }
        Path conf = Drill.dir.resolve("synflood.cfg");
        Files.writeString(conf, cfg.toString());
        floodTx0 = txPackets();
        flood = new ProcessBuilder("trafgen", "--dev", "e0", "--conf", conf.toString(), "--cpus", "1", "--rand")
                .redirectErrorStream(true)
                .redirectOutput(Drill.dir.resolve("trafgen.log").toFile())
                .start();
        Drill.sleep(500);
        if (!flood.isAlive()) {
            throw new IllegalStateException(
                    "trafgen did not start: " + Files.readString(Drill.dir.resolve("trafgen.log")));
        }
    }

    static long floodTx0 = -1;

    /** Frames sent on the client's e0 (the drill runs in the client's namespace). */
    static long txPackets() {
        try {
            return Long.parseLong(Files.readString(Path.of("/sys/class/net/e0/statistics/tx_packets"))
                    .strip());
        } catch (IOException | NumberFormatException e) {
            return -1;
        }
    }

    static void stopFlood() throws Exception {
        if (flood == null) {
            return;
        }
        // SIGINT: trafgen prints its counts as it ends
        Drill.quietly("kill", "-INT", Long.toString(flood.pid()));
        if (!flood.waitFor(15, TimeUnit.SECONDS)) {
            flood.destroyForcibly();
            flood.waitFor(5, TimeUnit.SECONDS);
        }
        // what left the client's interface meanwhile (the legitimate load is a few hundred a second)
        long sent = floodTx0 < 0 ? -1 : txPackets() - floodTx0;
        String log = Files.readString(Drill.dir.resolve("trafgen.log"));
        note = sent < 0
                ? "frames sent not counted; trafgen: "
                        + log.strip().lines().reduce((a, b) -> b).orElse("(empty log)")
                : String.format(
                        Locale.ROOT,
                        "%d frames sent by the client in %d s (%.0f/s)",
                        sent,
                        FLOOD_MS / 1000,
                        sent * 1000.0 / FLOOD_MS);
        flood = null;
    }

    /** The MAC of e0 in a namespace (null: this one, the client's). */
    static String mac(String ns) throws Exception {
        List<String> cmd = new ArrayList<>(ns == null ? List.of("ip") : List.of("ip", "-n", ns));
        cmd.addAll(List.of("-br", "link", "show", "e0"));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        p.waitFor(10, TimeUnit.SECONDS);
        return out.trim().split("\\s+")[2];
    }

    static String metrics(String host) throws Exception {
        Process p = new ProcessBuilder(
                        "ip",
                        "netns",
                        "exec",
                        Drill.prefix + "-" + host,
                        "curl",
                        "-s",
                        "--max-time",
                        "5",
                        "http://127.0.0.1:9650/metrics")
                .redirectErrorStream(true)
                .start();
        String m = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        p.waitFor(10, TimeUnit.SECONDS);
        return m;
    }

    static long gauge(String metrics, String name) {
        java.util.regex.Matcher m =
                java.util.regex.Pattern.compile("(?m)^" + name + " (\\d+)").matcher(metrics);
        return m.find() ? Long.parseLong(m.group(1)) : -1;
    }

    /** Between drills: no flood left running, director1's e0 present. */
    static void cleanUp() throws Exception {
        if (flood != null) {
            flood.destroyForcibly();
            flood = null;
        }
        Drill.quietly("pkill", "-f", "trafgen --dev e0 --conf " + Drill.dir);
        for (String[] h : new String[][] {{"director1", "198.18.0.11"}, {"director2", "198.18.0.12"}}) {
            Process p = new ProcessBuilder("ip", "-n", Drill.prefix + "-" + h[0], "link", "show", "e0")
                    .redirectErrorStream(true)
                    .start();
            p.getInputStream().readAllBytes();
            if (p.waitFor() != 0) {
                recreateE0(h[0], h[1]);
            }
        }
        Path left = Drill.dir.resolve("burst-cleanup.ip");
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < 125; i++) {
            b.append("link del hdb").append(i).append('\n');
        }
        Files.writeString(left, b.toString());
        // what an interrupted burst left (-force: go on past the ones that are not there)
        Drill.quietly("ip", "-force", "-n", d1(), "-b", left.toString());
    }
}
