package org.hadirector.sys;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Assumptions;

/**
 * Two network namespaces joined by a veth pair (e0 in each), 198.18.0.11/24 + 2001:db8::11/64
 * and .12 / ::12, for privileged tests. Made with ip(8); always deleted in {@link #close()}.
 * Code runs inside a namespace on a thread of its own that entered it.
 */
public final class NetnsLab implements AutoCloseable {
    public final String a;
    public final String b;
    private final List<ExecutorService> threads = new ArrayList<>();

    private NetnsLab(String a, String b) {
        this.a = a;
        this.b = b;
    }

    /** Skips the test (fails it under CI) when not root. */
    public static void requireRoot() {
        boolean root = "root".equals(System.getProperty("user.name"));
        if (!root && System.getenv("CI") != null) {
            fail("privileged tests must run as root in CI");
        }
        Assumptions.assumeTrue(root, "needs root for network namespaces");
    }

    public static NetnsLab create(String tag) throws IOException, InterruptedException {
        requireRoot();
        String base = "hdt" + ProcessHandle.current().pid() + tag;
        NetnsLab lab = new NetnsLab(base + "a", base + "b");
        try {
            ip("netns", "add", lab.a);
            ip("netns", "add", lab.b);
            for (String ns : List.of(lab.a, lab.b)) {
                ip("-n", ns, "link", "set", "lo", "up");
                // No duplicate address detection: link-local addresses are usable at once.
                ip(
                        "netns",
                        "exec",
                        ns,
                        "sysctl",
                        "-qw",
                        "net.ipv6.conf.all.accept_dad=0",
                        "net.ipv6.conf.default.accept_dad=0");
            }
            ip("-n", lab.a, "link", "add", "e0", "type", "veth", "peer", "name", "e0", "netns", lab.b);
            ip("-n", lab.a, "addr", "add", "198.18.0.11/24", "dev", "e0");
            ip("-n", lab.b, "addr", "add", "198.18.0.12/24", "dev", "e0");
            ip("-n", lab.a, "-6", "addr", "add", "2001:db8::11/64", "dev", "e0", "nodad");
            ip("-n", lab.b, "-6", "addr", "add", "2001:db8::12/64", "dev", "e0", "nodad");
            ip("-n", lab.a, "link", "set", "e0", "up");
            ip("-n", lab.b, "link", "set", "e0", "up");
        } catch (IOException | RuntimeException e) {
            lab.close();
            throw e;
        }
        return lab;
    }

    /** Runs ip(8) with these arguments; throws with its output when it fails. */
    public static String ip(String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>();
        cmd.add("ip");
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        if (!p.waitFor(10, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IOException(String.join(" ", cmd) + ": timed out");
        }
        if (p.exitValue() != 0) {
            throw new IOException(String.join(" ", cmd) + ": " + out.strip());
        }
        return out;
    }

    /** Runs {@code task} on a new thread inside namespace {@code ns}, waiting at most 20 s. */
    public <T> T in(String ns, Callable<T> task) throws Exception {
        return get(start(ns, task));
    }

    /** Starts {@code task} on a new thread inside {@code ns}; the caller waits on the future. */
    public <T> Future<T> start(String ns, Callable<T> task) {
        ExecutorService ex = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "netns-" + ns);
            t.setDaemon(true);
            return t;
        });
        threads.add(ex);
        return ex.submit(() -> {
            NetNs.enter(ns);
            return task.call();
        });
    }

    public static <T> T get(Future<T> f) throws Exception {
        try {
            return f.get(20, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof Exception ex) {
                throw ex;
            }
            throw e;
        } catch (TimeoutException e) {
            f.cancel(true);
            throw e;
        }
    }

    @Override
    public void close() {
        threads.forEach(ExecutorService::shutdownNow);
        for (String ns : List.of(a, b)) {
            try {
                ip("netns", "del", ns);
            } catch (IOException | InterruptedException e) {
                // already gone, or never made
            }
        }
    }
}
