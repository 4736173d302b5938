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
        List<String> insecure = scriptProblems(c);
        if (!insecure.isEmpty()) {
            if (c.globalDefs().enableScriptSecurity()) {
                insecure.forEach(u -> err.println("hadirector: script security: " + u));
                return Main.EXIT_SCRIPT_SECURITY;
            }
            insecure.forEach(u -> LOG.warn("script security (enable_script_security would refuse this): {}", u));
        }
        if (c.vrrpInstances().isEmpty()) {
            err.println("hadirector: no vrrp_instance to run");
            return Main.EXIT_USAGE;
        }
        initTrackFiles(c);
        Path sysClassNet = Path.of("/sys/class/net");
        List<VrrpInstanceRuntime> runtimes = new ArrayList<>();
        java.util.Map<String, org.hadirector.vrrp.SyncGroup> groupOf = syncGroups(c);
        try {
            for (VrrpInstance i : c.vrrpInstances()) {
                VrrpInstanceRuntime r = new VrrpInstanceRuntime(VrrpConfigMapper.map(i, c), sysClassNet);
                if (groupOf.containsKey(i.name())) {
                    if (VrrpConfigMapper.zeroWeights(i, c) && (!i.trackScripts().isEmpty() || !i.trackInterfaces().isEmpty()
                            || !i.trackFiles().isEmpty())) {
                        LOG.warn("{}: in sync group {}, tracking weights are set to 0, as keepalived does "
                                + "(sync_group_tracking_weight keeps them)", i.name(), groupOf.get(i.name()).name());
                    }
                    r.joinSyncGroup(groupOf.get(i.name()));
                }
                runtimes.add(r);
            }
            for (VrrpInstanceRuntime r : runtimes) {
                r.start();
            }
        } catch (IOException | RuntimeException e) {
            LOG.error("cannot start: {}", e.getMessage());
            stopAll(runtimes);
            return Main.EXIT_FATAL;
        }
        Path pid = Path.of(cl.pidFile());
        writePid(pid);
        ControlServer control;
        try {
            control = new ControlServer(Path.of(cl.controlSocket()), request -> answer(request, runtimes));
        } catch (IOException e) {
            LOG.error("cannot open the control socket {}: {}", cl.controlSocket(), e.toString());
            stopAll(runtimes);
            return Main.EXIT_FATAL;
        }
        CountDownLatch done = new CountDownLatch(1);
        Thread hook = new Thread(() -> {
            LOG.info("stopping");
            control.close();
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

    /** init_file: write the initial value when the file is missing, or always with overwrite. */
    private static void initTrackFiles(KeepalivedConfig c) {
        for (var tf : c.trackFiles()) {
            if (tf.initValue() == null) {
                continue;
            }
            Path p = Path.of(tf.file());
            try {
                if (tf.initOverwrite() || !Files.exists(p)) {
                    Files.writeString(p, tf.initValue() + "\n");
                }
            } catch (IOException e) {
                LOG.warn("track_file {}: cannot initialise {}: {}", tf.name(), p, e.getMessage());
            }
        }
    }

    /** Sync groups by member instance name. */
    private static java.util.Map<String, org.hadirector.vrrp.SyncGroup> syncGroups(KeepalivedConfig c) {
        java.util.Map<String, org.hadirector.vrrp.SyncGroup> out = new java.util.HashMap<>();
        String u = c.globalDefs().scriptUser();
        String g = c.globalDefs().scriptGroup();
        for (var sg : c.vrrpSyncGroups()) {
            var n = sg.notifies();
            var group = new org.hadirector.vrrp.SyncGroup(sg.name(), new org.hadirector.vrrp.NotifyScripts(
                    VrrpConfigMapper.cmd(n.master(), u, g), VrrpConfigMapper.cmd(n.backup(), u, g),
                    VrrpConfigMapper.cmd(n.fault(), u, g), VrrpConfigMapper.cmd(n.stop(), u, g),
                    VrrpConfigMapper.cmd(n.any(), u, g)));
            for (String m : sg.members()) {
                if (c.vrrpInstances().stream().anyMatch(i -> i.name().equals(m))) {
                    out.put(m, group);
                }
            }
        }
        return out;
    }

    /** Answers one control request; nothing here changes state. */
    static String answer(String request, List<VrrpInstanceRuntime> runtimes) {
        boolean json;
        switch (request) {
            case "status" -> json = false;
            case "status json" -> json = true;
            default -> {
                String shown = request.length() > 60 ? request.substring(0, 60) + "..." : request;
                return "error: unknown command '" + shown.replaceAll("\\p{Cntrl}", "?") + "'; known: status, status json\n";
            }
        }
        List<org.hadirector.vrrp.InstanceStatus> all = new ArrayList<>();
        for (VrrpInstanceRuntime r : runtimes) {
            org.hadirector.vrrp.InstanceStatus s = r.status(1000);
            if (s != null) {
                all.add(s);
            }
        }
        return json ? StatusReport.json(all) : StatusReport.text(all);
    }

    /** Every script the VRRP part would run, checked as keepalived's enable_script_security does. */
    static List<String> scriptProblems(KeepalivedConfig c) {
        List<String> out = new ArrayList<>();
        String globalUser = c.globalDefs().scriptUser();
        for (var s : c.vrrpScripts()) {
            out.addAll(ScriptSecurity.problems("vrrp_script " + s.name(), s.script(),
                    s.user() != null ? s.user() : globalUser));
        }
        for (VrrpInstance i : c.vrrpInstances()) {
            notifyProblems("notify script of " + i.name(), i.notifies(), globalUser, out);
        }
        for (var g : c.vrrpSyncGroups()) {
            notifyProblems("notify script of sync group " + g.name(), g.notifies(), globalUser, out);
        }
        return out;
    }

    private static void notifyProblems(String what, org.hadirector.conf.model.Notifies n, String globalUser,
            List<String> out) {
        for (var script : new org.hadirector.conf.model.NotifyScript[] {n.master(), n.backup(), n.fault(), n.stop(), n.any()}) {
            if (script != null) {
                out.addAll(ScriptSecurity.problems(what, script.command(),
                        script.user() != null ? script.user() : globalUser));
            }
        }
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
