package org.hadirector.conf.model;

/**
 * A script to run: the command line as written (quoted words kept together), run as user/group
 * (null: the global script_user). The command is null only for notify_deleted given without a
 * script (the flag alone).
 */
public record NotifyScript(String command, String user, String group) {}
