package org.hadirector.director;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.util.ArrayList;
import java.util.List;
import org.hadirector.conf.model.KeepalivedConfig;
import org.hadirector.conf.model.VrrpInstance;
import org.hadirector.sys.Addresses;

/**
 * keepalived's enable_script_security: a script run as root must not be replaceable by anyone
 * else, so the file and every directory above it must be owned by root and writable by no
 * group (but root's) or other; root-owned symbolic links on the way are followed and their
 * targets checked (/bin -> usr/bin on merged-/usr systems). Also finds scripts that do not exist.
 */
final class ScriptSecurity {
    private ScriptSecurity() {}

    /**
     * The users and groups that do not exist where keepalived fails the file for it (its -t
     * fails): global_defs script_user, a vrrp_script's user, a MISC_CHECK's user. Checked when the
     * file is read (at start, --config-test and reload), so that a typo is an error naming the
     * user, not an instance in FAULT with no reason. {@code vrrp} / {@code checkers}: the parts
     * that run.
     */
    static List<String> unknownUsers(org.hadirector.conf.model.KeepalivedConfig c, boolean vrrp, boolean checkers) {
        List<String> out = new ArrayList<>();
        var g = c.globalDefs();
        user("global_defs script_user", g.scriptUser(), g.scriptGroup(), out);
        if (vrrp) {
            for (var s : c.vrrpScripts()) {
                user("vrrp_script " + s.name() + " user", s.user(), s.group(), out);
            }
        }
        if (checkers) {
            for (var vs : c.virtualServers()) {
                for (var rs : vs.realServers()) {
                    for (var k : rs.checkers()) {
                        if (k instanceof org.hadirector.conf.model.MiscCheck m) {
                            user(realServer(vs, rs) + " MISC_CHECK user", m.user(), m.group(), out);
                        }
                    }
                }
            }
        }
        return out;
    }

    /**
     * Notify scripts (and notify FIFOs) whose user or group does not exist: keepalived logs
     * "Invalid user/group ... - ignoring" and never runs such a script, and its -t passes; so
     * hadirector accepts the file and warns, one line each. Such a script cannot run (setpriv
     * finds no user), and each attempt is logged as a failed script.
     */
    static List<String> ignoredNotifyScripts(
            org.hadirector.conf.model.KeepalivedConfig c, boolean vrrp, boolean checkers) {
        List<String> out = new ArrayList<>();
        var g = c.globalDefs();
        if (vrrp) {
            for (var i : c.vrrpInstances()) {
                notifies("vrrp_instance " + i.name(), i.notifies(), out);
            }
            for (var sg : c.vrrpSyncGroups()) {
                notifies("vrrp_sync_group " + sg.name(), sg.notifies(), out);
            }
            fifo("vrrp_notify_fifo", g.vrrpNotifyFifo(), out);
            fifo("notify_fifo", g.notifyFifo(), out);
        }
        if (checkers) {
            fifo("lvs_notify_fifo", g.lvsNotifyFifo(), out);
            for (var vs : c.virtualServers()) {
                script(vs.displayName() + " quorum_up", vs.quorumUp(), out);
                script(vs.displayName() + " quorum_down", vs.quorumDown(), out);
                for (var rs : vs.realServers()) {
                    if (rs.notifyUp() != null || rs.notifyDown() != null) {
                        String n = realServer(vs, rs);
                        script(n + " notify_up", rs.notifyUp(), out);
                        script(n + " notify_down", rs.notifyDown(), out);
                    }
                }
            }
        }
        return out.stream()
                .map(w -> w + ": keepalived ignores this script, and it will not run here either")
                .toList();
    }

    private static void notifies(String what, org.hadirector.conf.model.Notifies n, List<String> out) {
        script(what + " notify_master", n.master(), out);
        script(what + " notify_backup", n.backup(), out);
        script(what + " notify_fault", n.fault(), out);
        script(what + " notify_stop", n.stop(), out);
        script(what + " notify_deleted", n.deleted(), out);
        script(what + " notify", n.any(), out);
        script(what + " notify_master_rx_lower_pri", n.masterRxLowerPri(), out);
    }

    private static void fifo(String what, org.hadirector.conf.model.NotifyFifo f, List<String> out) {
        if (f != null) {
            user(what + " user", f.user(), f.group(), out);
            script(what + "_script", f.script(), out);
        }
    }

    /**
     * A real server's name in these messages, built only where a script is there to check: the
     * loops above visit every real server at each start and reload (11,000 in lab/bench-checks).
     */
    private static String realServer(
            org.hadirector.conf.model.VirtualServer vs, org.hadirector.conf.model.RealServer rs) {
        return vs.displayName() + " real_server " + Addresses.withPort(rs.address(), rs.port());
    }

    private static void script(String what, org.hadirector.conf.model.NotifyScript s, List<String> out) {
        if (s != null) {
            user(what, s.user(), s.group(), out);
        }
    }

    private static void user(String what, String user, String group, List<String> out) {
        String p = org.hadirector.sys.Users.problem(user, group);
        if (p != null) {
            out.add(what + ": " + p);
        }
    }

    /** What is wrong with running {@code commandLine} as {@code user} (null: root). */
    static List<String> problems(String what, String commandLine, String user) {
        List<String> out = new ArrayList<>();
        List<String> words = org.hadirector.sys.Scripts.split(commandLine);
        if (words.isEmpty()) {
            out.add(what + ": empty command");
            return out;
        }
        Path exe = resolve(words.get(0));
        if (exe == null) {
            out.add(what + ": " + words.get(0) + " not found (give an absolute path, or put it on PATH)");
            return out;
        }
        if (user != null && !user.equals("root")) {
            return out;
        }
        String problem = unsafeStep(exe);
        if (problem != null) {
            out.add(what + ": " + exe + " runs as root but " + problem
                    + "; fix its ownership and mode, or run the script as another user (script_user)");
        }
        return out;
    }

    /** Symbolic links followed on the way to a script before giving up (the kernel's ELOOP limit). */
    private static final int MAX_LINKS = 40;

    /**
     * Walks {@code exe} from / as the kernel resolves it, checking every directory and the file it
     * reaches (keepalived checks the path and its realpath). A symbolic link owned by root is
     * followed to its target, which is checked in turn (on merged-/usr systems /bin is one); a
     * link owned by anyone else is refused (its owner chose where it points). Null when safe, else
     * the first unsafe step.
     */
    static String unsafeStep(Path exe) {
        java.util.ArrayDeque<String> todo = new java.util.ArrayDeque<>();
        for (Path name : exe.toAbsolutePath().normalize()) {
            todo.addLast(name.toString());
        }
        Path at = Path.of("/");
        String bad = unsafe(at);
        if (bad != null) {
            return bad;
        }
        int links = 0;
        while (!todo.isEmpty()) {
            String name = todo.removeFirst();
            if (name.equals(".") || name.isEmpty()) {
                continue;
            }
            if (name.equals("..")) {
                at = at.getParent() == null ? at : at.getParent();
                continue;
            }
            Path next = at.resolve(name);
            PosixFileAttributes a;
            try {
                a = Files.readAttributes(next, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
            } catch (IOException e) {
                return "cannot check " + next + ": " + e.getMessage();
            }
            if (a.isSymbolicLink()) {
                if (!a.owner().getName().equals("root")) {
                    return "the symbolic link " + next + " is owned by "
                            + a.owner().getName();
                }
                if (++links > MAX_LINKS) {
                    return "too many symbolic links on the way to it";
                }
                Path target;
                try {
                    target = Files.readSymbolicLink(next);
                } catch (IOException e) {
                    return "cannot read the symbolic link " + next + ": " + e.getMessage();
                }
                java.util.List<String> parts = new java.util.ArrayList<>();
                target.forEach(t -> parts.add(t.toString()));
                for (int i = parts.size() - 1; i >= 0; i--) {
                    todo.addFirst(parts.get(i));
                }
                if (target.isAbsolute()) {
                    at = Path.of("/");
                }
                continue;
            }
            bad = unsafe(next);
            if (bad != null) {
                return bad;
            }
            at = next;
        }
        return null;
    }

    /**
     * keepalived's rule for one step: owned by root, and not writable by others, nor by a group
     * other than root's, unless it is a directory with the sticky bit.
     */
    private static String unsafe(Path p) {
        try {
            PosixFileAttributes a = Files.readAttributes(p, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
            if (!a.owner().getName().equals("root")) {
                return p + " is owned by " + a.owner().getName();
            }
            boolean groupWrite = a.permissions().contains(PosixFilePermission.GROUP_WRITE) && gid(p) != 0;
            boolean otherWrite = a.permissions().contains(PosixFilePermission.OTHERS_WRITE);
            if ((groupWrite || otherWrite) && !(a.isDirectory() && isSticky(p))) {
                return p + " is writable by group or others";
            }
            return null;
        } catch (IOException e) {
            return "cannot check " + p + ": " + e.getMessage();
        }
    }

    private static int gid(Path p) {
        try {
            Object gid = Files.getAttribute(p, "unix:gid", LinkOption.NOFOLLOW_LINKS);
            return gid instanceof Integer g ? g : -1;
        } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
            return -1;
        }
    }

    private static boolean isSticky(Path dir) {
        try {
            Object mode = Files.getAttribute(dir, "unix:mode", LinkOption.NOFOLLOW_LINKS);
            return mode instanceof Integer m && (m & 01000) != 0;
        } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
            return false;
        }
    }

    private static Path resolve(String word) {
        if (word.contains("/")) {
            Path p = Path.of(word).toAbsolutePath();
            return Files.isExecutable(p) ? p : null;
        }
        String path = System.getenv().getOrDefault("PATH", "/usr/sbin:/usr/bin:/sbin:/bin");
        for (String dir : path.split(":")) {
            Path p = Path.of(dir.isEmpty() ? "." : dir, word);
            if (Files.isExecutable(p)) {
                return p.toAbsolutePath();
            }
        }
        return null;
    }

    /** Every script the checkers would run (MISC_CHECK, notify_up / notify_down, quorum_up / quorum_down). */
    static List<String> checkerScriptProblems(KeepalivedConfig c) {
        List<String> out = new ArrayList<>();
        String globalUser = c.globalDefs().scriptUser();
        for (var vs : c.virtualServers()) {
            script(vs.displayName() + " quorum_up", vs.quorumUp(), globalUser, out);
            script(vs.displayName() + " quorum_down", vs.quorumDown(), globalUser, out);
            for (var rs : vs.realServers()) {
                if (rs.notifyUp() != null || rs.notifyDown() != null) {
                    String n = realServer(vs, rs);
                    script(n + " notify_up", rs.notifyUp(), globalUser, out);
                    script(n + " notify_down", rs.notifyDown(), globalUser, out);
                }
                for (var k : rs.checkers()) {
                    if (k instanceof org.hadirector.conf.model.MiscCheck m) {
                        out.addAll(problems(
                                realServer(vs, rs) + " MISC_CHECK",
                                m.miscPath(),
                                m.user() != null ? m.user() : globalUser));
                    }
                }
            }
        }
        // check_data.c checks the FIFOs' scripts as notify scripts too
        fifoScript("notify_fifo_script", c.globalDefs().notifyFifo(), globalUser, out);
        fifoScript("lvs_notify_fifo_script", c.globalDefs().lvsNotifyFifo(), globalUser, out);
        return out;
    }

    private static void script(
            String what, org.hadirector.conf.model.NotifyScript s, String globalUser, List<String> out) {
        if (s != null) {
            out.addAll(problems(what, s.command(), s.user() != null ? s.user() : globalUser));
        }
    }

    private static void fifoScript(
            String what, org.hadirector.conf.model.NotifyFifo f, String globalUser, List<String> out) {
        if (f != null) {
            script(what, f.script(), globalUser, out);
        }
    }

    /** Every script the VRRP part would run, checked as keepalived's enable_script_security does. */
    static List<String> vrrpScriptProblems(KeepalivedConfig c) {
        List<String> out = new ArrayList<>();
        String globalUser = c.globalDefs().scriptUser();
        for (var s : c.vrrpScripts()) {
            out.addAll(problems("vrrp_script " + s.name(), s.script(), s.user() != null ? s.user() : globalUser));
        }
        for (VrrpInstance i : c.vrrpInstances()) {
            notifyProblems("notify script of " + i.name(), i.notifies(), globalUser, out);
        }
        for (var g : c.vrrpSyncGroups()) {
            notifyProblems("notify script of sync group " + g.name(), g.notifies(), globalUser, out);
        }
        fifoScript("notify_fifo_script", c.globalDefs().notifyFifo(), globalUser, out);
        fifoScript("vrrp_notify_fifo_script", c.globalDefs().vrrpNotifyFifo(), globalUser, out);
        return out;
    }

    private static void notifyProblems(
            String what, org.hadirector.conf.model.Notifies n, String globalUser, List<String> out) {
        for (var script : new org.hadirector.conf.model.NotifyScript[] {
            n.master(), n.backup(), n.fault(), n.stop(), n.any(), n.deleted()
        }) {
            if (script != null && script.command() == null) {
                continue; // notify_deleted without a script: only the flag
            }
            script(what, script, globalUser, out);
        }
    }
}
