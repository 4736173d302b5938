package org.hadirector.conf.model;

/** A script to run: the command line as written (quoted words kept together), run as user/group (null: the global script_user). */
public record NotifyScript(String command, String user, String group) {}
