package org.hadirector.vrrp;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * notify_master / notify_backup / notify_fault / notify_stop and notify, run without waiting:
 * a slow script never delays the VRRP loop. Each command line is split like keepalived does
 * (white space, with single quotes keeping words together); {@code notify} gets
 * INSTANCE name state priority appended. A script with a user runs through setpriv(1).
 */
public record NotifyScripts(Script master, Script backup, Script fault, Script stop, Script any) {
    private static final Logger LOG = LoggerFactory.getLogger(NotifyScripts.class);

    public static final NotifyScripts NONE = new NotifyScripts(null, null, null, null, null);

    /** A command line and the user / group to run it as (null: the daemon's). */
    public record Script(String command, String user, String group) {
        List<String> argv() {
            return asUser(split(command), user, group);
        }
    }

    public void run(String instance, VrrpState state, int priority) {
        fire("INSTANCE", instance, state, priority);
    }

    /** A sync group's scripts: the specific one, then {@code notify} with GROUP name state 0. */
    public void runForGroup(String group, VrrpState state) {
        fire("GROUP", group, state, 0);
    }

    /** The script for {@code state} (STOP only for instances), then {@code notify} with KIND name state priority. */
    private void fire(String kind, String name, VrrpState state, int priority) {
        Script specific = switch (state) {
            case MASTER -> master;
            case BACKUP -> backup;
            case FAULT -> fault;
            case STOP -> kind.equals("INSTANCE") ? stop : null;
            default -> null;
        };
        if (specific != null) {
            start(name, specific.argv());
        }
        if (any != null) {
            List<String> cmd = any.argv();
            cmd.add(kind);
            cmd.add(name);
            cmd.add(state.name().toUpperCase(Locale.ROOT));
            cmd.add(Integer.toString(priority));
            start(name, cmd);
        }
    }

    private static void start(String instance, List<String> cmd) {
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD)
                    .start();
            p.onExit().thenAccept(done -> {
                if (done.exitValue() != 0) {
                    LOG.warn("{}: notify script {} exited with {}", instance, cmd, done.exitValue());
                }
            });
        } catch (IOException e) {
            LOG.error("{}: cannot run notify script {}: {}", instance, cmd, e.getMessage());
        }
    }

    /** {@code cmd} run as {@code user} through setpriv(1); unchanged for no user or root. */
    public static List<String> asUser(List<String> cmd, String user, String group) {
        if (user == null || user.equals("root")) {
            return new ArrayList<>(cmd);
        }
        List<String> out = new ArrayList<>(List.of("setpriv", "--reuid=" + user,
                "--regid=" + (group != null ? group : user), "--init-groups", "--"));
        out.addAll(cmd);
        return out;
    }

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
}
