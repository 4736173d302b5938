package org.hadirector.director.lab;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.concurrent.TimeUnit;

/**
 * A VRRP daemon a lab test started in one namespace on its keepalived.conf: hadirector, or
 * Debian's keepalived 2.2.7 as the interop peer (see {@link Lab#vrrpDaemon}). Its output is the
 * host's log, DIR/host.log. {@code ip netns exec} execs the daemon, so the process is the daemon
 * itself (keepalived's parent with -n) and a SIGTERM to it is the operator's stop.
 */
public final class VrrpDaemon implements AutoCloseable {
    private final Lab lab;
    private final String who;
    private final String host;
    private final Process process;

    VrrpDaemon(Lab lab, String who, String host, Process process) {
        this.lab = lab;
        this.who = who;
        this.host = host;
        this.process = process;
    }

    /** "hadirector" or "keepalived". */
    public String who() {
        return who;
    }

    public String host() {
        return host;
    }

    public Process process() {
        return process;
    }

    public String log() throws IOException {
        return lab.log(host);
    }

    /** SIGTERM, without waiting: for tests that time what follows the stop (a takeover). */
    public void terminate() {
        process.destroy();
    }

    /** SIGHUP: the operator's reload, for both daemons (the process is the daemon, see above). */
    public void reload() throws IOException, InterruptedException {
        Lab.run("kill", "-HUP", Long.toString(process.pid()));
    }

    /** SIGTERM and a bounded wait for the exit; true when it exited. */
    public boolean stop() throws InterruptedException {
        process.destroy();
        return process.waitFor(15, TimeUnit.SECONDS);
    }

    /** Waits (bounded) until {@code address} is on the host's e0; fails with the log otherwise. Returns the ms it took. */
    public long awaitAddress(String address, long timeoutMillis) throws Exception {
        long ms = Lab.waitFor(timeoutMillis, Lab.quietly(() -> lab.hasAddress(host, address)));
        assertTrue(
                ms >= 0, who + " in " + host + " never had " + address + " within " + timeoutMillis + " ms\n" + log());
        return ms;
    }

    /** Waits (bounded) until the log says {@code text}; fails with the log otherwise. Returns the ms it took. */
    public long awaitLog(String text, long timeoutMillis) throws Exception {
        long ms = Lab.waitFor(timeoutMillis, Lab.quietly(() -> log().contains(text)));
        assertTrue(
                ms >= 0,
                who + " in " + host + " never logged '" + text + "' within " + timeoutMillis + " ms\n" + log());
        return ms;
    }

    /** True once the log holds {@code text}, waiting at most 5 s (see {@link Lab#logShows}). */
    public boolean logShows(String text) throws InterruptedException {
        return Lab.waitFor(5_000, Lab.quietly(() -> log().contains(text))) >= 0;
    }

    /** Stops it gracefully if it still runs (its VIPs and VMACs removed), then for good. */
    @Override
    public void close() throws InterruptedException {
        if (process.isAlive() && !stop()) {
            process.destroyForcibly();
            process.waitFor(5, TimeUnit.SECONDS);
        }
    }
}
