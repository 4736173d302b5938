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
 * The running director. Today: the VRRP part (-P), as keepalived's VRRP process, or the health
 * checks (-C), as its checker process. SIGTERM (and SIGINT) stop it gracefully: a master sends
 * priority 0 and removes its VIPs; checks in flight are aborted.
 */
final class Daemon {
    private static final Logger LOG = LoggerFactory.getLogger(Daemon.class);

    private Daemon() {
    }

    static int run(CommandLine cl, KeepalivedConfig c, PrintStream err) {
        boolean checkers = cl.checkersOnly();
        if (!cl.vrrpOnly() && !checkers && !c.virtualServers().isEmpty()) {
            err.println("hadirector: this configuration has virtual_server blocks, but the daemon does not run the DR table yet; "
                    + "run its VRRP part with -P and its health checks with -C (two processes, as keepalived's)");
            return Main.EXIT_USAGE;
        }
        List<String> unsupported = checkers ? CheckerConfigMapper.unsupported(c) : VrrpConfigMapper.unsupported(c);
        if (!unsupported.isEmpty()) {
            unsupported.forEach(u -> err.println("hadirector: " + u));
            return Main.EXIT_USAGE;
        }
        List<String> insecure = checkers ? checkerScriptProblems(c) : scriptProblems(c);
        if (!insecure.isEmpty()) {
            if (c.globalDefs().enableScriptSecurity()) {
                insecure.forEach(u -> err.println("hadirector: script security: " + u));
                return Main.EXIT_SCRIPT_SECURITY;
            }
            insecure.forEach(u -> LOG.warn("script security (enable_script_security would refuse this): {}", u));
        }
        if (checkers && c.virtualServers().isEmpty()) {
            err.println("hadirector: no virtual_server to check");
            return Main.EXIT_USAGE;
        }
        if (!checkers && c.vrrpInstances().isEmpty()) {
            err.println("hadirector: no vrrp_instance to run");
            return Main.EXIT_USAGE;
        }
        List<VrrpInstanceRuntime> runtimes = new ArrayList<>();
        Checks checks = null;
        try {
            if (checkers) {
                checks = Checks.start(c);
            } else {
                startVrrp(c, runtimes);
            }
        } catch (IOException | RuntimeException e) {
            LOG.error("cannot start: {}", e.getMessage());
            stopAll(runtimes, checks);
            return Main.EXIT_FATAL;
        }
        Checks running = checks;
        Path pid = Path.of(cl.pidFile());
        writePid(pid);
        ControlServer control;
        try {
            control = new ControlServer(Path.of(cl.controlSocket()), request -> answer(request, runtimes, running));
        } catch (IOException e) {
            LOG.error("cannot open the control socket {}: {}", cl.controlSocket(), e.toString());
            stopAll(runtimes, checks);
            return Main.EXIT_FATAL;
        }
        CountDownLatch done = new CountDownLatch(1);
        Thread hook = new Thread(() -> {
            LOG.info("stopping");
            control.close();
            stopAll(runtimes, running);
            try {
                Files.deleteIfExists(pid);
            } catch (IOException ignored) {
                // best effort
            }
            done.countDown();
        }, "shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        if (checkers) {
            LOG.info("started health checks of {} virtual_server(s), router_id {}", c.virtualServers().size(),
                    c.globalDefs().routerId());
        } else {
            LOG.info("started {} vrrp_instance(s), router_id {}", runtimes.size(), c.globalDefs().routerId());
        }
        try {
            done.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return Main.EXIT_OK;
    }

    private static void startVrrp(KeepalivedConfig c, List<VrrpInstanceRuntime> runtimes) throws IOException {
        initTrackFiles(c);
        Path sysClassNet = Path.of("/sys/class/net");
        java.util.Map<String, org.hadirector.vrrp.SyncGroup> groupOf = syncGroups(c);
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
    static String answer(String request, List<VrrpInstanceRuntime> runtimes, Checks checks) {
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
        org.hadirector.healthcheck.HealthStatus health = checks == null ? null : checks.status(1000);
        if (checks != null && health == null) {
            return "error: the health checks did not answer within 1 s\n";
        }
        return json ? StatusReport.json(all, health) : StatusReport.text(all, health);
    }

    /** Every script the checkers would run (MISC_CHECK, notify_up / notify_down, quorum_up / quorum_down). */
    static List<String> checkerScriptProblems(KeepalivedConfig c) {
        List<String> out = new ArrayList<>();
        String globalUser = c.globalDefs().scriptUser();
        for (var vs : c.virtualServers()) {
            script(vs.displayName() + " quorum_up", vs.quorumUp(), globalUser, out);
            script(vs.displayName() + " quorum_down", vs.quorumDown(), globalUser, out);
            for (var rs : vs.realServers()) {
                String n = vs.displayName() + " real_server "
                        + org.hadirector.conf.model.Addresses.withPort(rs.address(), rs.port());
                script(n + " notify_up", rs.notifyUp(), globalUser, out);
                script(n + " notify_down", rs.notifyDown(), globalUser, out);
                for (var k : rs.checkers()) {
                    if (k instanceof org.hadirector.conf.model.MiscCheck m) {
                        out.addAll(ScriptSecurity.problems(n + " MISC_CHECK", m.miscPath(),
                                m.user() != null ? m.user() : globalUser));
                    }
                }
            }
        }
        return out;
    }

    private static void script(String what, org.hadirector.conf.model.NotifyScript s, String globalUser, List<String> out) {
        if (s != null) {
            out.addAll(ScriptSecurity.problems(what, s.command(), s.user() != null ? s.user() : globalUser));
        }
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
            script(what, script, globalUser, out);
        }
    }

    private static void stopAll(List<VrrpInstanceRuntime> runtimes, Checks checks) {
        if (checks != null) {
            checks.close();
        }
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
