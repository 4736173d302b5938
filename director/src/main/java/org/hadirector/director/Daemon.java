package org.hadirector.director;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;

import org.hadirector.conf.model.KeepalivedConfig;
import org.hadirector.conf.model.VrrpInstance;
import org.hadirector.vrrp.VrrpInstanceRuntime;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The running director. Today: the VRRP part (-P), as keepalived's VRRP process. SIGTERM (and
 * SIGINT) stop it gracefully: a master sends priority 0 and removes its VIPs.
 */
final class Daemon {
    private static final Logger LOG = LoggerFactory.getLogger(Daemon.class);

    private Daemon() {
    }

    static int run(CommandLine cl, KeepalivedConfig c, PrintStream err) {
        if (cl.checkersOnly()) {
            err.println("hadirector: health checks (-C) are not built yet");
            return Main.EXIT_USAGE;
        }
        if (!cl.vrrpOnly() && !c.virtualServers().isEmpty()) {
            err.println("hadirector: this configuration has virtual_server blocks, but health checks and the DR table "
                    + "are not built yet; run with -P to run its VRRP part only");
            return Main.EXIT_USAGE;
        }
        List<String> unsupported = VrrpConfigMapper.unsupported(c);
        if (!unsupported.isEmpty()) {
            unsupported.forEach(u -> err.println("hadirector: " + u));
            return Main.EXIT_USAGE;
        }
        if (c.vrrpInstances().isEmpty()) {
            err.println("hadirector: no vrrp_instance to run");
            return Main.EXIT_USAGE;
        }
        Path sysClassNet = Path.of("/sys/class/net");
        List<VrrpInstanceRuntime> runtimes = new ArrayList<>();
        try {
            for (VrrpInstance i : c.vrrpInstances()) {
                if (i.isIpv6()) {
                    LOG.warn("{}: IPv6 instance: unsolicited neighbour advertisements are not sent yet", i.name());
                }
                VrrpInstanceRuntime r = new VrrpInstanceRuntime(VrrpConfigMapper.map(i, c.globalDefs()), sysClassNet);
                r.start();
                runtimes.add(r);
            }
        } catch (IOException | RuntimeException e) {
            LOG.error("cannot start: {}", e.getMessage());
            stopAll(runtimes);
            return Main.EXIT_FATAL;
        }
        Path pid = Path.of(cl.pidFile());
        writePid(pid);
        CountDownLatch done = new CountDownLatch(1);
        Thread hook = new Thread(() -> {
            LOG.info("stopping");
            stopAll(runtimes);
            try {
                Files.deleteIfExists(pid);
            } catch (IOException ignored) {
                // best effort
            }
            done.countDown();
        }, "shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        LOG.info("started {} vrrp_instance(s), router_id {}", runtimes.size(), c.globalDefs().routerId());
        try {
            done.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return Main.EXIT_OK;
    }

    private static void stopAll(List<VrrpInstanceRuntime> runtimes) {
        for (VrrpInstanceRuntime r : runtimes) {
            try {
                r.stop(3000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private static void writePid(Path pid) {
        try {
            if (pid.getParent() != null) {
                Files.createDirectories(pid.getParent());
            }
            Files.writeString(pid, ProcessHandle.current().pid() + "\n");
        } catch (IOException e) {
            LOG.warn("cannot write pid file {}: {}", pid, e.getMessage());
        }
    }
}
