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
public record NotifyScripts(Script master, Script backup, Script fault, Script stop, Script any, Script deleted) {
    public static final NotifyScripts NONE = new NotifyScripts(null, null, null, null, null, null);

    /** Without notify_deleted's script (a sync group has none). */
    public NotifyScripts(Script master, Script backup, Script fault, Script stop, Script any) {
        this(master, backup, fault, stop, any, null);
    }

    /** A command line and the user / group to run it as (null: the daemon's). */
    public record Script(String command, String user, String group) {
        List<String> argv() {
            return Scripts.asUser(Scripts.split(command), user, group);
        }
    }

    public void run(String instance, VrrpState state, int priority) {
        fire("INSTANCE", instance, state, priority);
    }

    /**
     * A sync group's scripts: the specific one, then {@code notify} with GROUP name state 0;
     * at shutdown notify_stop and GROUP name STOP 0, as keepalived's notify_shutdown.
     */
    public void runForGroup(String group, VrrpState state) {
        fire("GROUP", group, state.name(), specific(state), 0);
    }

    /**
     * An instance a reload removed, with notify_deleted (vrrp_notify.c's VRRP_STATE_DELETED):
     * notify_deleted's script if it has one, then {@code notify} with INSTANCE name DELETED priority.
     */
    public void runDeleted(String instance, int priority) {
        fire("INSTANCE", instance, "DELETED", deleted, priority);
    }

    private void fire(String kind, String name, VrrpState state, int priority) {
        fire(kind, name, state.name(), specific(state), priority);
    }

    private Script specific(VrrpState state) {
        return switch (state) {
            case MASTER -> master;
            case BACKUP -> backup;
            case FAULT -> fault;
            case STOP -> stop;
            default -> null;
        };
    }

    /** The script for the state, then {@code notify} with KIND name state priority. */
    private void fire(String kind, String name, String state, Script specific, int priority) {
        if (specific != null && specific.command() != null) {
            Scripts.launch(name, specific.argv());
        }
        if (any != null) {
            List<String> cmd = any.argv();
            cmd.add(kind);
            cmd.add(name);
            cmd.add(state.toUpperCase(Locale.ROOT));
            cmd.add(Integer.toString(priority));
            Scripts.launch(name, cmd);
        }
    }
}
