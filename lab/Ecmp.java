import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The ECMP lab's drills (lab/ecmp builds the namespaces; this runs in the client's): per drill it
 * starts BIRD on the router and on each director, hadirector on each director, waits until the
 * router's multipath route has every director and every director's table every real server,
 * puts load on the VIP (keep-alive connections and new connections), injects the drill's change
 * and prints one report line; it asserts what docs/ecmp.md promises. Every wait is bounded.
 * It uses lab/Drill.java's helpers (the HTTP request, the control socket, waits, commands), so
 * lab/ecmp compiles the two together.
 */
public class Ecmp {
    static final String VIP = "198.18.0.100";
    static final String ROUTER = "198.18.0.1";
    static final String CLIENT = "198.18.0.194";
    static final String TUN = "hd-announce";
    static final List<String> DIRECTORS = List.of("d1", "d2", "d3", "d4");
    static final List<String> SERVERS = List.of("rs1", "rs2", "rs3", "rs4");
    /** Keep-alive connections, each a request every KEEPALIVE_EVERY_MS: some on every director. */
    static final int KEEPALIVE = 32;

    static final long KEEPALIVE_EVERY_MS = 100;
    static final int NEW_CONN_THREADS = 2;
    static final long FAULT_AT_MS = 5_000;
    /**
     * Timeouts far above TCP's retransmissions over the slowest change here (a silent link-down
     * without BFD: the router's hold timer, about 6 s, then the next retransmission), so that a
     * stalled request is counted slow, not failed.
     */
    static final int TIMEOUT_MS = 30_000;
    /** The consistency check's source ports, one range below the client's ephemeral ones. */
    static final int PROBE_PORT = 30_000;

    static final int PROBES = 400;
    /** A stopped real server's checks' bound: delay_loop 1 + connect_timeout 1, and a second of slack. */
    static final long DETECTION_MS = 3_000;

    // the lab's directory, namespace prefix and hadirector launcher are Drill's fields (Drill.dir,
    // ...), which its helpers used here (control, pid, ...) read
    static final List<String> failures = new ArrayList<>();
    static final List<String> failedDrills = new ArrayList<>();

    public static void main(String[] args) throws Exception {
        Drill.dir = Path.of(args[0]);
        Drill.prefix = args[1];
        Drill.bin = args[2];
        List<String> drills = List.of(args).subList(3, args.length);
        List<String> lines = new ArrayList<>();
        for (String d : drills) {
            System.out.println("=== ecmp drill: " + d);
            int before = failures.size();
            String line;
            try {
                line = drill(d);
            } catch (Exception e) {
                failures.add(d + ": did not run: " + e.getMessage());
                line = String.format(Locale.ROOT, "| %s | did not run: %s |", d, e.getMessage());
            }
            if (failures.size() > before) {
                failedDrills.add(d);
            }
            System.out.println(line);
            lines.add(line);
        }
        System.out.println();
        System.out.println("| drill | what changed | requests ok / failed | keep-alive connections broke "
                + "| longest request | figures |");
        System.out.println("|---|---|---|---|---|---|");
        lines.forEach(System.out::println);
        System.out.println();
        if (failures.isEmpty()) {
            System.out.println("ECMP DRILLS PASSED: " + String.join(", ", drills));
        } else {
            failures.forEach(f -> System.out.println("FAILED: " + f));
            List<String> logs = new ArrayList<>();
            for (String d : failedDrills) {
                for (String h : DIRECTORS) {
                    Path log = Drill.dir.resolve(h + "-" + d + ".log");
                    if (Files.exists(log)) {
                        logs.add(log.toString());
                    }
                }
            }
            Files.write(Drill.dir.resolve("show-on-failure"), logs);
            System.exit(1);
        }
    }

    static String drill(String name) throws Exception {
        boolean bfd = name.equals("link-down-bfd");
        List<String> first =
                name.equals("scale-out") || name.equals("rs-fail-scale-out") ? DIRECTORS.subList(0, 3) : DIRECTORS;
        try (Fleet fleet = new Fleet(name, bfd)) {
            for (String d : first) {
                fleet.start(d);
            }
            fleet.settle(first);
            if (System.getenv("ECMP_PAUSE") != null) { // debugging: look at the settled lab by hand
                System.out.println("settled; pausing " + System.getenv("ECMP_PAUSE") + " s");
                Drill.sleep(1000L * Long.parseLong(System.getenv("ECMP_PAUSE")));
            }
            return switch (name) {
                case "spread" -> spread(fleet);
                case "consistency" -> consistency(fleet);
                case "scale-out", "rs-fail-scale-out" -> scaleOut(fleet, name.equals("rs-fail-scale-out"));
                case "scale-in" -> scaleIn(fleet);
                case "sigkill", "link-down", "link-down-bfd" -> loss(fleet, name);
                default -> throw new IllegalArgumentException("no drill " + name);
            };
        } finally {
            restore();
        }
    }

    // ---- the drills

    /** Steady load on four directors: every director takes a share of the new connections. */
    static String spread(Fleet fleet) throws Exception {
        Load load = new Load("spread");
        Drill.sleep(2_000);
        Map<String, Long> before = fleet.connections();
        Drill.sleep(12_000);
        Map<String, Long> after = fleet.connections();
        Map<String, Integer> keepAlive = fleet.keepAliveDirectors(load);
        load.stop();
        long total = 0;
        for (String d : DIRECTORS) {
            total += after.get(d) - before.get(d);
        }
        StringBuilder shares = new StringBuilder("new connections per director:");
        for (String d : DIRECTORS) {
            long n = after.get(d) - before.get(d);
            double share = total == 0 ? 0 : 100.0 * n / total;
            shares.append(String.format(Locale.ROOT, " %s %.0f%%", d, share));
            if (share < 10) {
                failures.add("spread: " + d + " took " + n + " of " + total + " new connections (expect about 1/4)");
            }
        }
        shares.append("; keep-alive connections per director: ").append(keepAlive);
        shares.append("; per real server: ").append(load.serverShares());
        expectNoLoss("spread", load, Set.of());
        return load.line("spread", "none (steady load)", shares.toString());
    }

    /**
     * The same 5-tuples through each director in turn (the router's policy rule sends the probe
     * ports to one director at a time) must reach the same real server: 0 mismatches.
     */
    static String consistency(Fleet fleet) throws Exception {
        Map<Integer, Map<String, String>> seen = new TreeMap<>();
        int failed = 0;
        for (String d : DIRECTORS) {
            Drill.run("ip", "-n", ns("router"), "route", "replace", VIP + "/32", "via", address(d), "table", "100");
            Drill.run(
                    "ip",
                    "-n",
                    ns("router"),
                    "rule",
                    "add",
                    "pref",
                    "100",
                    "iif",
                    "e1",
                    "ipproto",
                    "tcp",
                    "sport",
                    PROBE_PORT + "-" + (PROBE_PORT + PROBES - 1),
                    "lookup",
                    "100");
            Map<String, Long> before = fleet.connections();
            try {
                for (int i = 0; i < PROBES; i++) {
                    int port = PROBE_PORT + i;
                    try {
                        seen.computeIfAbsent(port, p -> new TreeMap<>()).put(d, probe(port));
                    } catch (IOException e) {
                        failed++;
                        if (failed <= 3) {
                            System.out.println("consistency: port " + port + " through " + d + ": " + e);
                        }
                    }
                }
            } finally {
                Drill.quietly("ip", "-n", ns("router"), "rule", "del", "pref", "100");
                Drill.quietly("ip", "-n", ns("router"), "route", "flush", "table", "100");
            }
            // the probes went through d, and only d: else the check compared nothing
            Map<String, Long> after = fleet.connections();
            for (String other : DIRECTORS) {
                long n = after.get(other) - before.get(other);
                if (other.equals(d) ? n < PROBES - failed : n != 0) {
                    failures.add("consistency: the probes meant for " + d + " made " + n + " connections on " + other);
                }
            }
        }
        int mismatches = 0;
        Map<String, Integer> perServer = new TreeMap<>();
        for (Map.Entry<Integer, Map<String, String>> e : seen.entrySet()) {
            Set<String> servers = new TreeSet<>(e.getValue().values());
            if (servers.size() > 1) {
                mismatches++;
                if (mismatches <= 5) {
                    System.out.println("consistency: mismatch for source port " + e.getKey() + ": " + e.getValue());
                }
            }
            servers.forEach(s -> perServer.merge(s, 1, Integer::sum));
        }
        if (mismatches > 0) {
            failures.add(
                    "consistency: " + mismatches + " of " + seen.size() + " 5-tuples reached different real servers");
        }
        // and what the kernel's mh would choose: the model SchedulerVmTest matches against the
        // kernel's ip_vs_mh choice for choice, with these flags and servers added in this order
        org.hadirector.ipvs.sched.Scheduler kernel = org.hadirector.ipvs.sched.Schedulers.create(
                "mh", org.hadirector.ipvs.VirtualService.F_SCHED1 | org.hadirector.ipvs.VirtualService.F_SCHED2);
        List<org.hadirector.ipvs.sched.Backend> backends = new ArrayList<>();
        for (String rs : SERVERS) {
            backends.add(new org.hadirector.ipvs.sched.Backend(
                    org.hadirector.ipvs.Destination.route(java.net.InetAddress.getByName(rsAddress(rs)), 80, 1)));
            kernel.update(List.copyOf(backends));
        }
        int kernelMismatches = 0;
        org.hadirector.ipvs.sched.FlowRequest f = new org.hadirector.ipvs.sched.FlowRequest();
        byte[] client = java.net.InetAddress.getByName(CLIENT).getAddress();
        byte[] vip = java.net.InetAddress.getByName(VIP).getAddress();
        for (Map.Entry<Integer, Map<String, String>> e : seen.entrySet()) {
            org.hadirector.ipvs.sched.Backend b = kernel.pick(f.set(client, e.getKey(), vip, 80, 6, 0));
            String want = b == null ? "none" : "rs" + (b.destination().address().getAddress()[3] - 20);
            if (e.getValue().values().stream().anyMatch(got -> !got.equals(want))) {
                kernelMismatches++;
                if (kernelMismatches <= 5) {
                    System.out.println("consistency: source port " + e.getKey() + ": the kernel's mh would choose "
                            + want + ", the directors chose " + e.getValue());
                }
            }
        }
        if (kernelMismatches > 0) {
            failures.add("consistency: " + kernelMismatches + " of " + seen.size()
                    + " 5-tuples differ from the kernel's mh choice");
        }
        if (failed > 0) {
            failures.add("consistency: " + failed + " probes failed");
        }
        return String.format(
                Locale.ROOT,
                "| consistency | %d 5-tuples through each of %d directors | %d / %d | - | - | %d mismatches; "
                        + "%d against the kernel's mh (its model); 5-tuples per real server %s |",
                PROBES,
                DIRECTORS.size(),
                PROBES * DIRECTORS.size() - failed,
                failed,
                mismatches,
                kernelMismatches,
                perServer);
    }

    /** One connection from the client's port {@code port}: the server's name, then a reset (no TIME_WAIT). */
    static String probe(int port) throws IOException {
        try (Socket s = new Socket()) {
            s.setReuseAddress(true);
            s.bind(new InetSocketAddress(CLIENT, port));
            s.connect(new InetSocketAddress(VIP, 80), 5_000);
            s.setSoTimeout(5_000);
            String server = Drill.request(s, true);
            s.setSoLinger(true, 0);
            return server;
        }
    }

    /**
     * A fourth director joins under load: the router moves some flows to it, and some among the
     * others; with sloppy_tcp and mh each goes on to the same real server, so none breaks. With
     * {@code rsFails}, rs3 stops at the same moment: only its own connections may break.
     */
    static String scaleOut(Fleet fleet, boolean rsFails) throws Exception {
        String name = rsFails ? "rs-fail-scale-out" : "scale-out";
        RouteWatch watch = new RouteWatch();
        Load load = new Load(name);
        load.untilSteady();
        Drill.sleepUntil(load.startNs, FAULT_AT_MS);
        long fault = System.nanoTime();
        load.faultNs = fault;
        if (rsFails) {
            stopNginx("rs3");
        }
        fleet.start("d4");
        long joined = watch.await(30_000, hops -> hops.contains(address("d4")), fault);
        Drill.sleep(3_000);
        Map<String, Integer> keepAlive = fleet.keepAliveDirectors(load);
        Drill.sleep(5_000);
        load.stop();
        watch.stop();
        if (joined < 0) {
            failures.add(name + ": the router never routed to d4");
        }
        int moved = keepAlive.getOrDefault("d4", 0);
        if (moved == 0 && joined >= 0) {
            failures.add(name + ": no keep-alive connection moved to d4 (the drill did not exercise a move)");
        }
        expectNoLoss(name, load, rsFails ? Set.of("rs3") : Set.of());
        return load.line(
                name,
                (rsFails ? "rs3 stopped and " : "") + "d4 added",
                String.format(
                        Locale.ROOT,
                        "d4 routed %s after its start (JVM, checks, BGP); keep-alive connections then per director %s%s",
                        joined < 0 ? "never" : joined + " ms",
                        keepAlive,
                        rsFails ? "; broken on rs3: " + load.brokenOn("rs3") : ""));
    }

    /** `hadirector announce withdraw` on d4, then its stop: no request fails, no connection breaks. */
    static String scaleIn(Fleet fleet) throws Exception {
        RouteWatch watch = new RouteWatch();
        Load load = new Load("scale-in");
        load.untilSteady();
        Drill.sleepUntil(load.startNs, FAULT_AT_MS);
        load.faultNs = System.nanoTime();
        long w0 = System.nanoTime();
        String answer = hadirector(
                "announce",
                "withdraw",
                "--control",
                Drill.dir.resolve("d4.sock").toString());
        long withdrawMs = ms(w0);
        long gone = watch.firstWithout(address("d4"), load.faultNs);
        fleet.stop("d4");
        long stopped = ms(w0);
        Drill.sleep(6_000);
        load.stop();
        watch.stop();
        if (!answer.contains("traffic moved after")) {
            failures.add("scale-in: announce withdraw answered: " + answer.strip());
        }
        expectNoLoss("scale-in", load, Set.of());
        return load.line(
                "scale-in",
                "d4 withdrawn, then stopped",
                String.format(
                        Locale.ROOT,
                        "route to d4 gone %s ms after the withdraw began; `announce withdraw` returned after %d ms"
                                + " (%s); d4 stopped at %d ms",
                        gone < 0 ? "never" : String.valueOf(gone),
                        withdrawMs,
                        answer.strip().replace('|', '/').replace("\n", "; "),
                        stopped));
    }

    /**
     * d2 is lost: its hadirector killed (the TUN goes with the process, BIRD withdraws at once),
     * or its link cut (the router notices by its hold timer, or by BFD). Its flows stall until the
     * router stops sending to it, then go on through the others; no connection breaks.
     */
    static String loss(Fleet fleet, String name) throws Exception {
        RouteWatch watch = new RouteWatch();
        Load load = new Load(name);
        load.untilSteady();
        Drill.sleepUntil(load.startNs, FAULT_AT_MS);
        Map<String, Integer> keepAlive = fleet.keepAliveDirectors(load);
        load.faultNs = System.nanoTime();
        if (name.equals("sigkill")) {
            Drill.run("kill", "-KILL", Drill.pid("d2"));
        } else {
            Drill.run("ip", "-n", ns("sw"), "link", "set", "p-d2", "down");
        }
        long gone = watch.await(30_000, hops -> !hops.contains(address("d2")) && !hops.isEmpty(), load.faultNs);
        Drill.sleep(name.equals("link-down") ? 14_000 : 8_000);
        load.stop();
        watch.stop();
        if (gone < 0) {
            failures.add(name + ": the router kept routing to d2");
        }
        expectNoLoss(name, load, Set.of());
        // The moved keep-alive connections reach directors that never saw them start, which take
        // each up at its first segment (sloppy_tcp); on XDP their programs place them by the
        // Maglev table, without the forwarder.
        long[] midFlow = new long[2];
        for (String d : List.of("d1", "d3", "d4")) {
            long[] m = midFlow(d);
            midFlow[0] += m[0];
            midFlow[1] += m[1];
        }
        int moved = keepAlive.getOrDefault("d2", 0);
        boolean xdp = Fleet.dataplane().equals("xdp");
        if ((xdp ? midFlow[1] : midFlow[0]) < moved) {
            failures.add(name + ": the other directors took up " + midFlow[0] + " connections mid-flow (" + midFlow[1]
                    + " placed by XDP), fewer than the " + moved + " keep-alive connections on d2");
        }
        String taken = "; taken up mid-flow by the others " + midFlow[0] + (xdp ? " (by XDP " + midFlow[1] + ")" : "");
        String what = switch (name) {
            case "sigkill" -> "d2's hadirector killed (SIGKILL)";
            case "link-down" -> "d2's link cut, BGP hold 3 s";
            default -> "d2's link cut, BFD 100 ms x 3";
        };
        return load.line(
                name,
                what,
                String.format(
                        Locale.ROOT,
                        "route to d2 withdrawn after %s ms; %d keep-alive connections were on d2 (%s); the longest"
                                + " keep-alive request after the fault %d ms%s",
                        gone < 0 ? "never" : String.valueOf(gone),
                        keepAlive.getOrDefault("d2", 0),
                        keepAlive,
                        load.longestKeepAliveStall(),
                        taken));
    }

    private static final java.util.regex.Pattern MID_FLOW =
            java.util.regex.Pattern.compile("taken up mid-flow (\\d+) \\(placed by the XDP program (\\d+)\\)");

    /** TCP connections the director took up mid-flow, and of those its XDP program placed (its `status`). */
    static long[] midFlow(String d) {
        java.util.regex.Matcher m = MID_FLOW.matcher(Drill.control(d, "status"));
        return m.find() ? new long[] {Long.parseLong(m.group(1)), Long.parseLong(m.group(2))} : new long[2];
    }

    /** No failed request and no broken keep-alive connection, except those of {@code lostServers}. */
    static void expectNoLoss(String drill, Load load, Set<String> lostServers) {
        List<Broken> broken = load.broken();
        for (Broken b : broken) {
            if (!lostServers.contains(b.server())) {
                failures.add(drill + ": keep-alive connection from port " + b.port() + " to " + b.server() + " broke: "
                        + b.error());
            }
        }
        if (lostServers.isEmpty() && load.failed() > 0) {
            failures.add(drill + ": " + load.failed() + " requests failed, e.g. " + load.firstError());
        }
        // a lost server's new connections may fail only until the checks take it out
        long late = load.failedAfter(load.faultNs + DETECTION_MS * 1_000_000L);
        if (!lostServers.isEmpty() && late > 0) {
            failures.add(
                    drill + ": " + late + " requests started more than " + DETECTION_MS + " ms after the fault failed");
        }
    }

    // ---- the fleet: BIRD on the router and on each director, hadirector on each director

    static final class Fleet implements AutoCloseable {
        final String drill;
        final boolean bfd;
        final Map<String, Process> processes = new LinkedHashMap<>();

        Fleet(String drill, boolean bfd) throws Exception {
            this.drill = drill;
            this.bfd = bfd;
            processes.put("bird-router", bird("router", routerConfig(bfd)));
        }

        Process bird(String host, String config) throws Exception {
            Path conf = Drill.dir.resolve("bird-" + host + ".conf");
            Path socket = Drill.dir.resolve("bird-" + host + ".ctl");
            Files.writeString(conf, config);
            Files.deleteIfExists(socket);
            Process p = new ProcessBuilder(
                            "ip",
                            "netns",
                            "exec",
                            ns(host),
                            "bird",
                            "-f",
                            "-c",
                            conf.toString(),
                            "-s",
                            socket.toString(),
                            "-P",
                            Drill.dir.resolve("bird-" + host + ".pid").toString())
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(Drill.dir
                            .resolve("bird-" + host + "-" + drill + ".log")
                            .toFile()))
                    .start();
            Drill.waitUntil(10_000, () -> Files.exists(socket) || !p.isAlive(), "BIRD listening in " + host);
            if (!p.isAlive()) {
                throw new IllegalStateException("BIRD did not start in " + host + ": "
                        + Files.readString(Drill.dir.resolve("bird-" + host + "-" + drill + ".log")));
            }
            return p;
        }

        /** BIRD, then hadirector, on director {@code d}. */
        void start(String d) throws Exception {
            processes.put("bird-" + d, bird(d, directorConfig(d, bfd)));
            Files.writeString(Drill.dir.resolve(d + ".conf"), hadirectorConfig(d));
            Files.deleteIfExists(Drill.dir.resolve(d + ".sock"));
            processes.put(
                    d,
                    new ProcessBuilder(
                                    "ip",
                                    "netns",
                                    "exec",
                                    ns(d),
                                    Drill.bin,
                                    "-C",
                                    "-l",
                                    "-f",
                                    Drill.dir.resolve(d + ".conf").toString(),
                                    "--pid-file",
                                    Drill.dir.resolve(d + ".pid").toString(),
                                    "--control",
                                    Drill.dir.resolve(d + ".sock").toString(),
                                    "--dataplane",
                                    dataplane())
                            .redirectErrorStream(true)
                            .redirectOutput(
                                    Drill.dir.resolve(d + "-" + drill + ".log").toFile())
                            .start());
        }

        /** LAB_DATAPLANE (lab/ecmp: xdp), else auto: the directors' choice. */
        static String dataplane() {
            String d = System.getenv("LAB_DATAPLANE");
            return d == null || d.isEmpty() ? "auto" : d;
        }

        /** SIGTERM (a graceful stop: withdraw first), then its BIRD. */
        void stop(String d) throws Exception {
            Process p = processes.remove(d);
            if (p != null && p.isAlive()) {
                Drill.quietly("kill", "-TERM", Drill.pid(d));
                if (!p.waitFor(15, TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                    p.waitFor(5, TimeUnit.SECONDS);
                }
            }
            Process b = processes.remove("bird-" + d);
            if (b != null) {
                b.destroy();
                b.waitFor(5, TimeUnit.SECONDS);
            }
        }

        /**
         * Every started director's BGP session carries the VIP (the router's multipath route has
         * each of them) and its table has every real server with a weight: 60 s at most.
         */
        void settle(List<String> directors) throws Exception {
            Set<String> want = new TreeSet<>();
            directors.forEach(d -> want.add(address(d)));
            Drill.waitUntil(
                    60_000,
                    () -> nextHops().equals(want),
                    "the router routes the VIP to " + want + " (has " + nextHops() + ")");
            for (String d : directors) {
                Drill.waitUntil(20_000, () -> serversUp(d) == SERVERS.size(), d + " has every real server up");
            }
            Drill.sleep(1_000);
        }

        /** The service's connection counter (ipvsadm's Conns) on each director running now. */
        Map<String, Long> connections() {
            Map<String, Long> out = new TreeMap<>();
            for (String d : DIRECTORS) {
                long n = 0;
                for (String line : Drill.control(d, "ipvs -L -n --stats").split("\n")) {
                    String[] f = line.trim().split("\\s+");
                    if (f.length > 2 && f[0].equals("TCP") && f[1].equals(VIP + ":80")) {
                        n = Long.parseLong(f[2].replaceAll("[^0-9]", ""));
                    }
                }
                out.put(d, n);
            }
            return out;
        }

        /**
         * How many of the open keep-alive connections each director lists (ipvsadm -L -n -c), in
         * any state: a flow a director took over mid-way is CLOSE there (10 s, refreshed by each
         * segment), as in the kernel, whose input-only TCP table has no way from NONE to
         * ESTABLISHED but a SYN. A director the router moved a flow away from still lists it.
         */
        Map<String, Integer> keepAliveDirectors(Load load) {
            Set<Integer> ports = load.keepAlivePorts();
            Map<String, Integer> out = new TreeMap<>();
            Pattern source = Pattern.compile("(?m)^TCP\\s+\\S+\\s+\\S+\\s+" + Pattern.quote(CLIENT) + ":(\\d+)\\s");
            for (String d : DIRECTORS) {
                Matcher m = source.matcher(Drill.control(d, "ipvs -L -n -c"));
                int n = 0;
                while (m.find()) {
                    if (ports.contains(Integer.parseInt(m.group(1)))) {
                        n++;
                    }
                }
                if (n > 0) {
                    out.put(d, n);
                }
            }
            return out;
        }

        @Override
        public void close() throws Exception {
            for (String d : DIRECTORS) {
                if (processes.containsKey(d)) {
                    stop(d);
                }
            }
            for (Process p : processes.values()) {
                p.destroy();
            }
            for (Process p : processes.values()) {
                if (!p.waitFor(5, TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                }
            }
        }
    }

    /** Back to the starting point: links up, nginx running, no forwarder's table or policy rule left. */
    static void restore() throws Exception {
        Drill.quietly("ip", "-n", ns("router"), "rule", "del", "pref", "100");
        Drill.quietly("ip", "-n", ns("router"), "route", "flush", "table", "100");
        for (String d : DIRECTORS) {
            Drill.quietly("ip", "-n", ns("sw"), "link", "set", "p-" + d, "up");
            Drill.quietly("ip", "netns", "exec", ns(d), "nft", "delete", "table", "netdev", "hadirector_dr_e0");
            // a killed hadirector's JVM is gone; anything else left in the namespace (never BIRD's
            // pid file of a stopped one) is reaped by lab_down
        }
        for (String rs : SERVERS) {
            Path pid = Drill.dir.resolve("nginx-" + rs + "/nginx.pid");
            boolean up = Files.exists(pid)
                    && ProcessHandle.of(Long.parseLong(Files.readString(pid).strip()))
                            .map(ProcessHandle::isAlive)
                            .orElse(false);
            if (!up) {
                new ProcessBuilder(
                                "ip",
                                "netns",
                                "exec",
                                ns(rs),
                                "nginx",
                                "-c",
                                Drill.dir.resolve("nginx-" + rs + "/nginx.conf").toString())
                        .redirectErrorStream(true)
                        .redirectOutput(Drill.dir
                                .resolve("nginx-" + rs + "/restart.log")
                                .toFile())
                        .start();
                Drill.waitUntil(5_000, () -> Files.exists(pid), "nginx restarted in " + rs);
            }
        }
        Drill.waitUntil(10_000, () -> nextHops().isEmpty(), "the router has no route to the VIP left");
    }

    static void stopNginx(String rs) throws Exception {
        Path pid = Drill.dir.resolve("nginx-" + rs + "/nginx.pid");
        Drill.run("kill", "-TERM", Files.readString(pid).strip());
        Drill.waitUntil(5_000, () -> !Files.exists(pid), "nginx stopped in " + rs);
    }

    static int serversUp(String d) {
        int n = 0;
        for (String line : Drill.control(d, "ipvs -L -n").split("\n")) {
            String[] f = line.trim().split("\\s+");
            // "-> 198.18.0.21:80  Route  1  0  0"
            if (f.length >= 4 && f[0].equals("->") && f[2].equals("Route") && !f[3].equals("0")) {
                n++;
            }
        }
        return n;
    }

    static String routerConfig(boolean bfd) {
        StringBuilder b = new StringBuilder("""
                router id 198.18.0.1;
                log stderr all;
                protocol device { scan time 10; }
                protocol kernel {
                    merge paths on;
                    ipv4 { import none; export all; };
                }
                """);
        b.append(bfd ? BFD : "");
        b.append("""
                template bgp director {
                    local 198.18.0.1 as 65000;
                    passive on;
                    hold time 3;
                    keepalive time 1;
                    connect retry time 1;
                    error wait time 1, 2;
                    %s
                    ipv4 { import all; export none; };
                }
                """.formatted(bfd ? "bfd on;" : ""));
        for (String d : DIRECTORS) {
            b.append("protocol bgp %s from director { neighbor %s as 65001; }\n".formatted(d, address(d)));
        }
        return b.toString();
    }

    /** BFD as an operator would set it on a LAN: 100 ms, 3 missed, so about 300 ms to notice. */
    static final String BFD = """
            protocol bfd {
                interface "e0" {
                    min rx interval 100 ms;
                    min tx interval 100 ms;
                    multiplier 3;
                };
            }
            """;

    /** The director side, as docs/ecmp.md gives it to operators (with the lab's small timers). */
    static String directorConfig(String d, boolean bfd) {
        return """
                router id %1$s;
                log stderr all;
                protocol device { scan time 10; }
                protocol direct announce {
                    ipv4;
                    interface "%2$s";
                }
                %3$s
                protocol bgp uplink {
                    local %1$s as 65001;
                    neighbor 198.18.0.1 as 65000;
                    hold time 3;
                    keepalive time 1;
                    connect delay time 1;
                    connect retry time 1;
                    error wait time 1, 2;
                    %4$s
                    ipv4 { import none; export where proto = "announce"; };
                }
                """.formatted(address(d), TUN, bfd ? BFD : "", bfd ? "bfd on;" : "");
    }

    /** The same virtual server on every director: the configuration docs/ecmp.md recommends. */
    static String hadirectorConfig(String d) {
        StringBuilder b = new StringBuilder("""
                global_defs {
                    router_id %s
                    @hadirector announce_interface %s
                    @hadirector bird_socket %s
                    @hadirector sloppy_tcp
                }
                virtual_server %s 80 {
                    delay_loop 1
                    lvs_sched mh
                    mh-fallback
                    mh-port
                    lvs_method DR
                    protocol TCP
                    inhibit_on_failure
                    @hadirector announce
                """.formatted(d, TUN, Drill.dir.resolve("bird-" + d + ".ctl"), VIP));
        for (String rs : SERVERS) {
            b.append("""
                        real_server %s 80 {
                            TCP_CHECK {
                                connect_timeout 1
                                retry 0
                            }
                        }
                    """.formatted(rsAddress(rs)));
        }
        return b.append("}\n").toString();
    }

    // ---- the router's route

    /** The router's next hops for the VIP. */
    static Set<String> nextHops() {
        Set<String> hops = new TreeSet<>();
        Matcher m =
                Pattern.compile("via (\\S+)").matcher(output("ip", "-n", ns("router"), "route", "show", VIP + "/32"));
        while (m.find()) {
            hops.add(m.group(1));
        }
        return hops;
    }

    /** The router's next hops every 10 ms, with the time each set was first seen. */
    static final class RouteWatch {
        record Seen(long ns, Set<String> hops) {}

        final List<Seen> seen = java.util.Collections.synchronizedList(new ArrayList<>());
        final AtomicBoolean stop = new AtomicBoolean();
        final Thread thread;

        RouteWatch() {
            thread = new Thread(
                    () -> {
                        Set<String> last = null;
                        long end = System.nanoTime() + 120_000_000_000L;
                        while (!stop.get() && System.nanoTime() - end < 0) {
                            Set<String> hops = nextHops();
                            if (!hops.equals(last)) {
                                seen.add(new Seen(System.nanoTime(), hops));
                                last = hops;
                            }
                            Drill.sleep(10);
                        }
                    },
                    "route-watch");
            thread.start();
        }

        /** Ms from {@code since} until the next hops first met {@code p}; -1 if not within {@code millis}. */
        long await(long millis, java.util.function.Predicate<Set<String>> p, long since) throws Exception {
            long end = System.nanoTime() + millis * 1_000_000L;
            while (System.nanoTime() - end < 0) {
                synchronized (seen) {
                    for (Seen s : seen) {
                        if (s.ns() - since >= 0 && p.test(s.hops())) {
                            return (s.ns() - since) / 1_000_000;
                        }
                    }
                }
                Thread.sleep(20);
            }
            return -1;
        }

        long firstWithout(String hop, long since) throws Exception {
            return await(1_000, hops -> !hops.contains(hop), since);
        }

        void stop() throws InterruptedException {
            stop.set(true);
            thread.join(2_000);
        }
    }

    // ---- the load

    record Result(long startNs, long endNs, boolean ok, boolean keepAlive, String server, String error) {}

    record Broken(long ns, int port, String server, String error) {}

    static final class Load {
        final ConcurrentLinkedQueue<Result> results = new ConcurrentLinkedQueue<>();
        final ConcurrentLinkedQueue<Broken> broken = new ConcurrentLinkedQueue<>();
        final AtomicIntegerArray ports = new AtomicIntegerArray(KEEPALIVE);
        final AtomicReferenceArray<String> servers = new AtomicReferenceArray<>(KEEPALIVE);
        final long startNs = System.nanoTime();
        volatile long faultNs;
        private final AtomicBoolean stop = new AtomicBoolean();
        private final List<Thread> threads = new ArrayList<>();

        Load(String name) {
            for (int i = 0; i < KEEPALIVE; i++) {
                int slot = i;
                threads.add(new Thread(() -> keepAlive(slot), "keepalive-" + i));
            }
            for (int i = 0; i < NEW_CONN_THREADS; i++) {
                threads.add(new Thread(this::newConnections, "new-" + i));
            }
            threads.forEach(Thread::start);
        }

        /** Every keep-alive connection open and answered (10 s at most). */
        void untilSteady() throws Exception {
            Drill.waitUntil(10_000, () -> keepAlivePorts().size() == KEEPALIVE, "every keep-alive connection open");
        }

        void keepAlive(int slot) {
            Socket s = null;
            String server = null;
            while (!stop.get()) {
                long start = System.nanoTime();
                try {
                    if (s == null) {
                        s = connect();
                        ports.set(slot, s.getLocalPort());
                        server = null;
                    }
                    String got = Drill.request(s, true);
                    if (server != null && !server.equals(got)) {
                        throw new IOException("the connection moved from " + server + " to " + got);
                    }
                    server = got;
                    servers.set(slot, got);
                    results.add(new Result(start, System.nanoTime(), true, true, got, null));
                } catch (IOException e) {
                    results.add(new Result(start, System.nanoTime(), false, true, server, e.toString()));
                    if (s != null && server != null) {
                        broken.add(new Broken(System.nanoTime(), s.getLocalPort(), server, e.toString()));
                    }
                    Drill.close(s);
                    s = null;
                    ports.set(slot, 0);
                    Drill.sleep(100);
                }
                Drill.sleep(KEEPALIVE_EVERY_MS);
            }
            Drill.close(s);
            ports.set(slot, 0);
        }

        void newConnections() {
            while (!stop.get()) {
                long start = System.nanoTime();
                try (Socket s = connect()) {
                    String got = Drill.request(s, false);
                    results.add(new Result(start, System.nanoTime(), true, false, got, null));
                } catch (IOException e) {
                    results.add(new Result(start, System.nanoTime(), false, false, null, e.toString()));
                }
                Drill.sleep(20);
            }
        }

        Set<Integer> keepAlivePorts() {
            Set<Integer> open = new TreeSet<>();
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
                t.join(TIMEOUT_MS + 5_000L);
            }
        }

        List<Broken> broken() {
            return new ArrayList<>(broken);
        }

        long brokenOn(String server) {
            return broken.stream().filter(b -> server.equals(b.server())).count();
        }

        long failed() {
            return results.stream().filter(r -> !r.ok()).count();
        }

        long failedAfter(long ns) {
            return results.stream().filter(r -> !r.ok() && r.startNs() - ns > 0).count();
        }

        String firstError() {
            return results.stream()
                    .filter(r -> !r.ok())
                    .map(Result::error)
                    .findFirst()
                    .orElse("none");
        }

        Map<String, Long> serverShares() {
            Map<String, Long> out = new TreeMap<>();
            results.stream().filter(r -> r.ok() && !r.keepAlive()).forEach(r -> out.merge(r.server(), 1L, Long::sum));
            return out;
        }

        /** The longest request that started after the fault (the stall its flows saw). */
        long longestKeepAliveStall() {
            long fault = faultNs;
            return results.stream()
                    .filter(r -> r.keepAlive() && r.endNs() - fault > 0)
                    .mapToLong(r -> (r.endNs() - Math.max(r.startNs(), fault)) / 1_000_000)
                    .max()
                    .orElse(0);
        }

        String line(String drill, String what, String figures) {
            long ok = results.stream().filter(Result::ok).count();
            long longest = results.stream()
                    .mapToLong(r -> (r.endNs() - r.startNs()) / 1_000_000)
                    .max()
                    .orElse(0);
            return String.format(
                    Locale.ROOT,
                    "| %s | %s | %d / %d | %d of %d+ | %d ms | %s |",
                    drill,
                    what,
                    ok,
                    failed(),
                    broken.size(),
                    KEEPALIVE,
                    longest,
                    figures);
        }
    }

    static Socket connect() throws IOException {
        return Drill.connect(TIMEOUT_MS);
    }

    // ---- small helpers

    static String ns(String host) {
        return Drill.prefix + "-" + host;
    }

    /** d1 -> 198.18.0.11 */
    static String address(String director) {
        return "198.18.0.1" + director.substring(1);
    }

    /** rs1 -> 198.18.0.21 */
    static String rsAddress(String server) {
        return "198.18.0.2" + server.substring(2);
    }

    /** The hadirector command line (a control client), its output; 70 s at most. */
    static String hadirector(String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(Drill.bin));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(70, TimeUnit.SECONDS)) {
            p.destroyForcibly();
        }
        return out;
    }

    static String output(String... cmd) {
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            p.waitFor(10, TimeUnit.SECONDS);
            return out;
        } catch (IOException | InterruptedException e) {
            return "";
        }
    }

    static long ms(long sinceNs) {
        return (System.nanoTime() - sinceNs) / 1_000_000;
    }
}
