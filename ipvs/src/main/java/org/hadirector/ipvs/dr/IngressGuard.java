package org.hadirector.ipvs.dr;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.hadirector.ipvs.DataplaneException;

/**
 * Keeps the director's own IP stack from answering what the forwarder balances: an nftables
 * table in the netdev family, hooked at ingress of the forwarder's interface, drops frames to
 * the services' address:port. Packet sockets see a frame before the ingress hook, so the
 * forwarder still gets its copy; without this the local stack would answer a SYN to the VIP
 * with a reset. The table is the daemon's: made at start (replacing a stale one left by a crash)
 * and deleted at stop. Changes go through the nft command.
 */
final class IngressGuard implements AutoCloseable {
    private final String table;
    private final String interfaceName;
    /**
     * nft runs from a thread started here, so it acts on the namespace the guard was installed
     * in even when a caller on another thread (a test, the control socket) asks for a change:
     * a new thread inherits its creator's namespace, a child process its thread's.
     */
    private final java.util.concurrent.ThreadPoolExecutor runner;

    private IngressGuard(String interfaceName) {
        this.interfaceName = interfaceName;
        this.table = "hadirector_dr_" + interfaceName.replaceAll("[^A-Za-z0-9_]", "_");
        this.runner = new java.util.concurrent.ThreadPoolExecutor(
                1, 1, 0, TimeUnit.SECONDS, new java.util.concurrent.LinkedBlockingQueue<>(), r -> {
                    Thread t = new Thread(r, "nft-" + interfaceName);
                    t.setDaemon(true);
                    return t;
                });
        runner.prestartAllCoreThreads();
    }

    static IngressGuard install(String interfaceName) throws DataplaneException {
        IngressGuard g = new IngressGuard(interfaceName);
        g.nft("table netdev " + g.table + " {}\n"
                + "delete table netdev " + g.table + "\n"
                + "table netdev " + g.table + " {\n"
                + "  set services { type ipv4_addr . inet_proto . inet_service; }\n"
                + "  set services_any_port { type ipv4_addr . inet_proto; }\n"
                + "  set services6 { type ipv6_addr . inet_proto . inet_service; }\n"
                + "  set services6_any_port { type ipv6_addr . inet_proto; }\n"
                + "  chain ingress {\n"
                + "    type filter hook ingress device \"" + interfaceName + "\" priority -500; policy accept;\n"
                + "    ip daddr . meta l4proto . th dport @services counter drop\n"
                + "    ip daddr . meta l4proto @services_any_port counter drop\n"
                + "    ip6 daddr . meta l4proto . th dport @services6 counter drop\n"
                + "    ip6 daddr . meta l4proto @services6_any_port counter drop\n"
                + "  }\n"
                + "}\n");
        return g;
    }

    String tableName() {
        return table;
    }

    /** One nft run, one transaction: all of it is applied or none. */
    void change(java.util.Collection<BpfProgram.Target> added, java.util.Collection<BpfProgram.Target> removed)
            throws DataplaneException {
        StringBuilder script = new StringBuilder();
        for (BpfProgram.Target t : removed) {
            script.append("delete element netdev ")
                    .append(table)
                    .append(' ')
                    .append(element(t))
                    .append('\n');
        }
        for (BpfProgram.Target t : added) {
            script.append("add element netdev ")
                    .append(table)
                    .append(' ')
                    .append(element(t))
                    .append('\n');
        }
        if (script.length() > 0) {
            nft(script.toString());
        }
    }

    private static String element(BpfProgram.Target t) {
        String proto = t.protocol() == 6 ? "tcp" : "udp";
        String set = t.ipv4() ? "services" : "services6";
        String address = Ip128.address(t.hi(), t.lo()).getHostAddress();
        return t.port() == 0
                ? set + "_any_port { " + address + " . " + proto + " }"
                : set + " { " + address + " . " + proto + " . " + t.port() + " }";
    }

    @Override
    public void close() {
        try {
            nft("delete table netdev " + table + "\n");
        } catch (DataplaneException e) {
            org.slf4j.LoggerFactory.getLogger(IngressGuard.class).warn("dr {}: {}", interfaceName, e.getMessage());
        }
        runner.shutdown();
    }

    private void nft(String script) throws DataplaneException {
        java.util.concurrent.Future<?> f = runner.submit(() -> {
            run(script);
            return null;
        });
        try {
            f.get(15, TimeUnit.SECONDS);
        } catch (java.util.concurrent.ExecutionException e) {
            if (e.getCause() instanceof DataplaneException d) {
                throw d;
            }
            throw new DataplaneException("nft: " + e.getCause(), e.getCause());
        } catch (java.util.concurrent.TimeoutException e) {
            f.cancel(true);
            throw new DataplaneException("nft did not finish in 15 s (" + table + ")");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new DataplaneException("interrupted while running nft", e);
        }
    }

    private void run(String script) throws DataplaneException {
        try {
            Process p = new ProcessBuilder("nft", "-f", "-")
                    .redirectErrorStream(true)
                    .start();
            p.getOutputStream().write(script.getBytes(StandardCharsets.US_ASCII));
            p.getOutputStream().close();
            byte[] out = p.getInputStream().readNBytes(8192);
            if (!p.waitFor(10, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new DataplaneException("nft did not finish in 10 s (" + table + ")");
            }
            if (p.exitValue() != 0) {
                throw new DataplaneException("nft failed for " + table + ": "
                        + new String(out, StandardCharsets.UTF_8).strip().replace('\n', ' '));
            }
        } catch (IOException e) {
            throw new DataplaneException("cannot run nft (is nftables installed?): " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new DataplaneException("interrupted while running nft", e);
        }
    }
}
