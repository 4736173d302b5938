package org.hadirector.director.lab;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.hadirector.ipvs.xdp.XdpProgram;
import org.hadirector.sys.NetNs;
import org.junit.jupiter.api.Assumptions;

/**
 * The seed topology for privileged tests: a namespace holding a bridge, and one namespace per
 * host with a veth e0 on it, addresses in 198.18.0.0/24 only. Directors run as real hadirector
 * processes inside their namespaces. {@link #close()} kills them and deletes every namespace.
 */
public final class Lab implements AutoCloseable {
    private final String prefix;
    private final Map<String, String> hosts = new LinkedHashMap<>();
    private final List<Process> processes = new ArrayList<>();
    private final List<VrrpDaemon> daemons = new ArrayList<>();
    /** XDP programs the lab attached ({@link #xdpVeth}): detached before the namespaces go. */
    private final List<AutoCloseable> attached = new ArrayList<>();

    public final Path dir;

    private Lab(String prefix, Path dir) {
        this.prefix = prefix;
        this.dir = dir;
    }

    public static void requireRoot() {
        boolean root = "root".equals(System.getProperty("user.name"));
        if (!root && System.getenv("CI") != null) {
            fail("privileged tests must run as root in CI");
        }
        Assumptions.assumeTrue(root, "needs root for network namespaces");
    }

    /** Hosts as name=address pairs, e.g. "client=198.18.0.10". */
    public static Lab create(String tag, String... hosts) throws IOException, InterruptedException {
        requireRoot();
        Lab lab = new Lab("hdl" + ProcessHandle.current().pid() % 100000 + tag, Files.createTempDirectory("hdlab"));
        try {
            String sw = lab.ns("sw");
            run("ip", "netns", "add", sw);
            run("ip", "-n", sw, "link", "set", "lo", "up");
            run("ip", "-n", sw, "link", "add", "br0", "type", "bridge");
            run("ip", "-n", sw, "link", "set", "br0", "up");
            for (String h : hosts) {
                String name = h.substring(0, h.indexOf('='));
                String addr = h.substring(h.indexOf('=') + 1);
                lab.hosts.put(name, addr);
                String ns = lab.ns(name);
                run("ip", "netns", "add", ns);
                run("ip", "-n", ns, "link", "set", "lo", "up");
                run(
                        "ip",
                        "netns",
                        "exec",
                        ns,
                        "sysctl",
                        "-qw",
                        "net.ipv6.conf.all.accept_dad=0",
                        "net.ipv6.conf.default.accept_dad=0");
                run("ip", "-n", sw, "link", "add", "p-" + name, "type", "veth", "peer", "name", "e0", "netns", ns);
                run("ip", "-n", sw, "link", "set", "p-" + name, "master", "br0", "up");
                run("ip", "-n", ns, "addr", "add", addr + "/24", "dev", "e0");
                run("ip", "-n", ns, "link", "set", "e0", "up");
            }
        } catch (IOException | RuntimeException e) {
            lab.close();
            throw e;
        }
        return lab;
    }

    public String ns(String host) {
        return prefix + "-" + host;
    }

    public Path write(String name, String text) throws IOException {
        Path p = dir.resolve(name);
        Files.writeString(p, text);
        return p;
    }

    /** Starts hadirector inside {@code host}'s namespace; its output goes to DIR/host.log. */
    public Process director(String host, String... args) throws IOException {
        return director(host, java.util.Map.of(), args);
    }

    /**
     * {@code hadirector -C -l} on a host (the checks and the DR table, no VRRP) with the file
     * {@code conf}, its pid file and control socket ({@link #controlSocket}) in the lab's
     * directory; {@code more} options after those.
     */
    public Process checksDaemon(String host, Path conf, String... more) throws IOException {
        return director(host, daemonArgs("-C", host, conf, more));
    }

    /** A daemon's options: {@code part} (-C, -P), logging to stderr, the file, DIR/host.pid, DIR/host.sock, then {@code more}. */
    private String[] daemonArgs(String part, String host, Path conf, String... more) {
        List<String> args = new java.util.ArrayList<>(List.of(
                part,
                "-l",
                "-f",
                conf.toString(),
                "--pid-file",
                dir.resolve(host + ".pid").toString(),
                "--control",
                controlSocket(host).toString()));
        args.addAll(List.of(more));
        return args.toArray(String[]::new);
    }

    /** The control socket of a host's {@link #checksDaemon}. */
    public Path controlSocket(String host) {
        return dir.resolve(host + ".sock");
    }

    /** As {@link #director(String, String...)}, with extra environment variables (NOTIFY_SOCKET). */
    public Process director(String host, java.util.Map<String, String> env, String... args) throws IOException {
        return jvm(host, host, env, List.of(), "org.hadirector.director.Main", args);
    }

    /**
     * A JVM of the test class path running {@code mainClass} in {@code host}'s namespace, its
     * output in DIR/name.log; stopped with the lab. {@link #director} and {@link #java} differ only
     * in their extra JVM options and the log's name.
     */
    private Process jvm(
            String host,
            String name,
            java.util.Map<String, String> env,
            List<String> jvmOptions,
            String mainClass,
            String... args)
            throws IOException {
        List<String> cmd = new ArrayList<>(List.of(
                "ip",
                "netns",
                "exec",
                ns(host),
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-XX:+UseSerialGC"));
        cmd.addAll(jvmOptions);
        cmd.addAll(List.of("-Xss512k", "-cp", System.getProperty("java.class.path"), mainClass));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd)
                .redirectErrorStream(true)
                .redirectOutput(dir.resolve(name + ".log").toFile());
        pb.environment().putAll(env);
        Process p = pb.start();
        processes.add(p);
        return p;
    }

    /** Debian's keepalived 2.2.7, the lab tests' interop peer. */
    public static final Path KEEPALIVED = Path.of("/usr/sbin/keepalived");

    /** ethtool (veth offloads in the XDP lab test). */
    public static final Path ETHTOOL = Path.of("/usr/sbin/ethtool");

    /** Aborts the test when one of {@code tools} is missing; fails it in CI, whose .ci/run installs them. */
    public static void requireTools(Path... tools) {
        for (Path tool : tools) {
            if (!Files.isExecutable(tool)) {
                if (System.getenv("CI") != null) {
                    throw new AssertionError(tool + " is missing: .ci/run must install it");
                }
                Assumptions.abort(tool + " not installed");
            }
        }
    }

    /** As {@link #vrrpDaemon(String, String, Path, Map)} without extra environment variables. */
    public VrrpDaemon vrrpDaemon(String who, String host, Path conf) throws IOException {
        return vrrpDaemon(who, host, conf, Map.of());
    }

    /**
     * Starts a VRRP daemon in {@code host}'s namespace on {@code conf}, its output in DIR/host.log:
     * {@code who} is "hadirector" (VRRP only, -P, with DIR/host.pid and DIR/host.sock, {@code env}
     * added) or "keepalived", 2.2.7 (VRRP only, in the foreground, DIR/ka-host.pid; the test is
     * aborted, or failed in CI, when it is not installed). The lab stops it at its close, with a
     * SIGTERM first so that it takes its addresses and VMACs away.
     */
    public VrrpDaemon vrrpDaemon(String who, String host, Path conf, Map<String, String> env) throws IOException {
        Process p;
        switch (who) {
            case "hadirector" -> p = director(host, env, daemonArgs("-P", host, conf));
            case "keepalived" -> {
                requireTools(KEEPALIVED);
                ProcessBuilder pb = new ProcessBuilder(
                                "ip",
                                "netns",
                                "exec",
                                ns(host),
                                KEEPALIVED.toString(),
                                "-n",
                                "-l",
                                "-P",
                                "--no-syslog",
                                "-f",
                                conf.toString(),
                                "-p",
                                dir.resolve("ka-" + host + ".pid").toString(),
                                "-r",
                                dir.resolve("ka-vrrp-" + host + ".pid").toString())
                        .redirectErrorStream(true)
                        .redirectOutput(dir.resolve(host + ".log").toFile());
                pb.environment().putAll(env);
                p = pb.start();
            }
            default -> throw new IllegalArgumentException("no VRRP daemon '" + who + "': hadirector or keepalived");
        }
        VrrpDaemon d = new VrrpDaemon(this, who, host, p);
        daemons.add(d);
        return d;
    }

    /**
     * Starts nginx in {@code host}'s namespace on ports 80 and 8080 (one process, in the foreground), serving
     * DIR/www-host (requests logged in DIR/www-host/access.log); /health answers "ok". Waits (bounded) until it answers.
     */
    public Process nginx(String host) throws IOException, InterruptedException {
        return nginx(host, "");
    }

    /** As {@link #nginx(String)}, with {@code servers} (more server blocks, e.g. a TLS one) in its http block. */
    public Process nginx(String host, String servers) throws IOException, InterruptedException {
        Path d = dir.resolve("www-" + host);
        Files.createDirectories(d.resolve("html"));
        Files.createDirectories(d.resolve("tmp"));
        Files.writeString(d.resolve("html/health"), "ok\n");
        Path conf = d.resolve("nginx.conf");
        Files.writeString(conf, """
                daemon off;
                master_process off;
                pid %1$s/nginx.pid;
                error_log %1$s/error.log;
                events { worker_connections 256; }
                http {
                    access_log %1$s/access.log;
                    default_type text/plain;
                    client_body_temp_path %1$s/tmp;
                    server { listen 80; listen [::]:80; listen 8080; root %1$s/html; }
                %2$s
                }
                """.formatted(d, servers));
        Process p = new ProcessBuilder(
                        "ip", "netns", "exec", ns(host), "nginx", "-p", d.toString(), "-c", conf.toString())
                .redirectErrorStream(true)
                .redirectOutput(d.resolve("stdout.log").toFile())
                .start();
        processes.add(p);
        String address = hosts.get(host);
        long ok = waitFor(
                10_000,
                quietly(() -> run(
                                "ip",
                                "netns",
                                "exec",
                                ns(host),
                                "curl",
                                "-sf",
                                "--max-time",
                                "1",
                                "http://" + address + "/health")
                        .equals("ok\n")));
        if (ok < 0) {
            throw new IOException("nginx did not answer in " + host + ": " + Files.readString(d.resolve("stdout.log")));
        }
        return p;
    }

    /** The body curl fetches from {@code url} in {@code host} within 2 s, stripped; an IOException when curl fails. */
    public String curl(String host, String url) throws IOException, InterruptedException {
        return run("ip", "netns", "exec", ns(host), "curl", "-s", "-g", "--max-time", "2", url)
                .strip();
    }

    /**
     * Makes {@code host} an LVS-DR real server, as the LVS how-to and the seed documents set one
     * up: each VIP on lo, ARP for them neither answered nor used as a source (arp_ignore=1,
     * arp_announce=2; an IPv6 VIP on lo is never advertised on e0, as the kernel answers
     * solicitations only for the receiving interface's addresses), nginx running (IPv4 and
     * IPv6) with a /who page that names the host.
     */
    public Process drRealServer(String host, String... vips) throws IOException, InterruptedException {
        run(
                "ip",
                "netns",
                "exec",
                ns(host),
                "sysctl",
                "-qw",
                "net.ipv4.conf.all.arp_ignore=1",
                "net.ipv4.conf.all.arp_announce=2",
                "net.ipv4.conf.lo.arp_ignore=1",
                "net.ipv4.conf.lo.arp_announce=2");
        for (String vip : vips) {
            run("ip", "-n", ns(host), "addr", "add", vip + (vip.contains(":") ? "/128" : "/32"), "dev", "lo");
        }
        Process nginx = nginx(host);
        Files.writeString(dir.resolve("www-" + host + "/html/who"), host + "\n");
        return nginx;
    }

    /**
     * The two veth details of a director on the XDP dataplane (README): XDP_TX into a veth needs
     * an XDP program on its peer, so hadirector's own program (with an empty map: it passes every
     * frame) goes on the switch's end of {@code director}'s veth until the lab closes; and a veth
     * sender's checksum offload leaves the checksum to a NIC that XDP_TX never reaches, so each of
     * {@code senders} computes its own. A real NIC needs neither.
     */
    public void xdpVeth(String director, String... senders) throws Exception {
        ExecutorService sw = Executors.newSingleThreadExecutor();
        try {
            attached.add(sw.submit(() -> {
                        NetNs.enter(ns("sw"));
                        return XdpProgram.attach("p-" + director, 16, XdpProgram.Mode.DRIVER);
                    })
                    .get(30, TimeUnit.SECONDS));
        } finally {
            sw.shutdownNow();
        }
        for (String h : senders) {
            run("ip", "netns", "exec", ns(h), "ethtool", "-K", "e0", "tx", "off");
        }
    }

    /** Debian's bird2, the BGP speaker of the announcement tests. */
    public static final Path BIRD = Path.of("/usr/sbin/bird");

    /**
     * Starts BIRD 2 in {@code host}'s namespace (foreground, so the lab's close kills it) with
     * {@code config}, its control socket DIR/bird-host.ctl (returned once BIRD listens on it),
     * pid file and log in the lab's directory, never the system's. Stopped with the lab.
     */
    public Path bird(String host, String config) throws IOException, InterruptedException {
        Path conf = write("bird-" + host + ".conf", config);
        Path socket = dir.resolve("bird-" + host + ".ctl");
        Path log = dir.resolve("bird-" + host + ".log");
        Process p = new ProcessBuilder(
                        "ip",
                        "netns",
                        "exec",
                        ns(host),
                        BIRD.toString(),
                        "-f",
                        "-c",
                        conf.toString(),
                        "-s",
                        socket.toString(),
                        "-P",
                        dir.resolve("bird-" + host + ".pid").toString())
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .start();
        processes.add(p);
        if (waitFor(10_000, () -> Files.exists(socket) || !p.isAlive()) < 0 || !p.isAlive()) {
            throw new IOException("BIRD did not start in " + host + ": " + Files.readString(log));
        }
        return socket;
    }

    /**
     * Runs {@code mainClass} of the test class path in a JVM inside {@code host}'s namespace, as
     * {@link #director} runs hadirector; its stdin is a pipe for the test, its output goes to
     * DIR/name.log. Stopped with the lab.
     */
    public Process java(String host, String name, String mainClass, String... args) throws IOException {
        return jvm(host, name, java.util.Map.of(), List.of("-XX:TieredStopAtLevel=1"), mainClass, args);
    }

    /**
     * Starts dnsmasq in {@code host}'s namespace (foreground, no resolv.conf, no hosts file,
     * answering {@code example.test} with 198.18.0.1) on the host's address, port 53; its output
     * goes to DIR/dnsmasq-host.log. Stopped with the lab.
     */
    public Process dnsmasq(String host) throws IOException {
        Process p = new ProcessBuilder(
                        "ip",
                        "netns",
                        "exec",
                        ns(host),
                        "dnsmasq",
                        "--keep-in-foreground",
                        "--no-resolv",
                        "--no-hosts",
                        "--bind-interfaces",
                        "--listen-address=" + hosts.get(host),
                        "--port=53",
                        "--pid-file=" + dir.resolve("dnsmasq-" + host + ".pid"),
                        "--user=root",
                        "--address=/example.test/198.18.0.1",
                        "--log-facility=-")
                .redirectErrorStream(true)
                .redirectOutput(dir.resolve("dnsmasq-" + host + ".log").toFile())
                .start();
        processes.add(p);
        return p;
    }

    public String log(String host) throws IOException {
        Path p = dir.resolve(host + ".log");
        return Files.exists(p) ? Files.readString(p) : "";
    }

    /**
     * True once {@code host}'s log holds {@code text}, waiting at most 5 s for it: the daemon logs
     * through an asynchronous appender, and most lines follow the effect they report (an address
     * removed, a route withdrawn), so a test that has just seen the effect may read the log a few
     * milliseconds before the line is written.
     */
    public boolean logShows(String host, String text) throws InterruptedException {
        return waitFor(5_000, quietly(() -> log(host).contains(text))) >= 0;
    }

    /** True when {@code address} is configured on {@code host}'s e0. */
    public boolean hasAddress(String host, String address) throws IOException, InterruptedException {
        return run("ip", "-n", ns(host), "-4", "addr", "show", "dev", "e0").contains(" " + address + "/");
    }

    /** True when the IPv6 {@code address} is configured on {@code host}'s e0. */
    public boolean hasAddress6(String host, String address) throws IOException, InterruptedException {
        return run("ip", "-n", ns(host), "-6", "addr", "show", "dev", "e0").contains(" " + address + "/");
    }

    public String mac(String host) throws IOException, InterruptedException {
        String out = run("ip", "-n", ns(host), "link", "show", "e0");
        int i = out.indexOf("link/ether ");
        return out.substring(i + 11, i + 28);
    }

    /** Polls {@code condition} every 5 ms for at most {@code timeoutMillis}; returns the ms it took, or -1. */
    public static long waitFor(long timeoutMillis, BooleanSupplier condition) throws InterruptedException {
        long start = System.nanoTime();
        long end = start + timeoutMillis * 1_000_000L;
        while (System.nanoTime() - end < 0) {
            if (condition.getAsBoolean()) {
                return (System.nanoTime() - start) / 1_000_000L;
            }
            Thread.sleep(5);
        }
        return -1;
    }

    /** The same condition, for checks that throw. */
    public interface Check {
        boolean ok() throws Exception;
    }

    public static BooleanSupplier quietly(Check c) {
        return () -> {
            try {
                return c.ok();
            } catch (Exception e) {
                return false;
            }
        };
    }

    public static String run(String... cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        if (!p.waitFor(20, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IOException(String.join(" ", cmd) + ": timed out");
        }
        if (p.exitValue() != 0) {
            throw new IOException(String.join(" ", cmd) + ": exit " + p.exitValue() + ": " + out.strip());
        }
        return out;
    }

    /** SIGTERM, the way systemd and operators stop a daemon. */
    public static void terminate(Process p) {
        p.destroy();
    }

    @Override
    public void close() {
        for (AutoCloseable a : attached) {
            try {
                a.close();
            } catch (Exception e) {
                // the namespace's deletion below detaches it anyway
            }
        }
        for (VrrpDaemon d : daemons) {
            try {
                d.close();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        for (Process p : processes) {
            p.destroyForcibly();
            try {
                p.waitFor(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        List<String> all = new ArrayList<>(hosts.keySet());
        all.add("sw");
        for (String h : all) {
            try {
                run("ip", "netns", "del", ns(h));
            } catch (IOException | InterruptedException e) {
                // already gone, or never made
            }
        }
        try (var files = Files.walk(dir)) {
            files.sorted(java.util.Comparator.reverseOrder())
                    .forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // a leftover temporary directory is harmless
        }
    }
}
