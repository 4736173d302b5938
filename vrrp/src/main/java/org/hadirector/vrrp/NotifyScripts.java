package org.hadirector.vrrp;

import java.util.List;
import java.util.Locale;
import org.hadirector.sys.Scripts;

/**
 * notify_master / notify_backup / notify_fault / notify_stop and notify, run without waiting:
 * a slow script never delays the VRRP loop. Each command line is split like keepalived does
 * (white space, with single quotes keeping words together); {@code notify} gets
 * INSTANCE name state priority appended. A script with a user runs through setpriv(1).
 */
public record NotifyScripts(Script master, Script backup, Script fault, Script stop, Script any) {
    public static final NotifyScripts NONE = new NotifyScripts(null, null, null, null, null);

    /** A command line and the user / group to run it as (null: the daemon's). */
    public record Script(String command, String user, String group) {
        List<String> argv() {
            return Scripts.asUser(Scripts.split(command), user, group);
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
            Scripts.launch(name, specific.argv());
        }
        if (any != null) {
            List<String> cmd = any.argv();
            cmd.add(kind);
            cmd.add(name);
            cmd.add(state.name().toUpperCase(Locale.ROOT));
            cmd.add(Integer.toString(priority));
            Scripts.launch(name, cmd);
        }
    }
}
