package org.hadirector.sys;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Command lines of operator scripts (notify, vrrp_script, MISC_CHECK) as keepalived runs them:
 * split on white space with single quotes keeping words together, never through a shell; run as
 * another user through setpriv(1); started without waiting, so a slow script delays nobody.
 */
public final class Scripts {
    private static final Logger LOG = LoggerFactory.getLogger(Scripts.class);

    private Scripts() {}

    /**
     * The environment a script starts with, and nothing else of the daemon's (JAVA_OPTS,
     * NOTIFY_SOCKET, the operator's shell...): the PATH systemd gives services, and the HOME,
     * USER and LOGNAME of the daemon's user, who runs the scripts without a user of their own.
     * Scripts of another user go through setpriv --reset-env, which gives them that user's.
     */
    public static final Map<String, String> ENVIRONMENT = Map.of(
            "PATH", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
            "HOME", System.getProperty("user.home"),
            "USER", System.getProperty("user.name"),
            "LOGNAME", System.getProperty("user.name"));

    /**
     * {@code cmd} run as {@code user} through setpriv(1): that user's uid, its own primary group
     * (or {@code group}), its supplementary groups (initgroups, never the daemon's) and a clean
     * environment. Unchanged for no user or root: the daemon runs as root with root's groups, and
     * the log lines name the script as written.
     */
    public static List<String> asUser(List<String> cmd, String user, String group) {
        if (user == null || user.equals("root")) {
            return new ArrayList<>(cmd);
        }
        List<String> out = new ArrayList<>(List.of(
                SETPRIV,
                "--reuid=" + user,
                "--regid=" + (group != null ? group : primaryGroup(user)),
                "--init-groups",
                "--reset-env",
                "--"));
        out.addAll(cmd);
        return out;
    }

    /** setpriv by its full path: the script's PATH is not the daemon's. */
    private static final String SETPRIV = java.nio.file.Files.isExecutable(java.nio.file.Path.of("/usr/bin/setpriv"))
            ? "/usr/bin/setpriv"
            : "setpriv";

    /** The user's own primary group (setpriv --regid needs one); the user's name when unknown, as before. */
    private static String primaryGroup(String user) {
        Users.User u = Users.user(user);
        return u == null ? user : Integer.toString(u.gid());
    }

    /** Words of a command line: white space separates, single quotes keep a word together. */
    public static List<String> split(String line) {
        List<String> out = new ArrayList<>();
        StringBuilder w = new StringBuilder();
        boolean quoted = false;
        boolean any = false;
        for (char c : line.toCharArray()) {
            if (c == '\'') {
                quoted = !quoted;
                any = true;
            } else if (Character.isWhitespace(c) && !quoted) {
                if (any) {
                    out.add(w.toString());
                    w.setLength(0);
                    any = false;
                }
            } else {
                w.append(c);
                any = true;
            }
        }
        if (any) {
            out.add(w.toString());
        }
        return out;
    }

    /**
     * Starts {@code argv} as keepalived starts a notify script (see {@link ScriptProcess}: its own
     * process group, a clean environment, output discarded); a failure, a non-zero exit or a death
     * by a signal is logged for {@code who}. Returns the process, or null when it could not start.
     */
    public static ScriptProcess launch(String who, List<String> argv) {
        try {
            ScriptProcess p = ScriptProcess.start(argv, ENVIRONMENT);
            p.onExit().thenAccept(done -> {
                if (!done.success()) {
                    LOG.warn("{}: script {} ended with {}", who, argv, done);
                }
            });
            return p;
        } catch (IOException e) {
            LOG.error("{}: cannot run script {}: {}", who, argv, e.getMessage());
            return null;
        }
    }
}
