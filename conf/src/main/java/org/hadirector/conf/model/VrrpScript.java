package org.hadirector.conf.model;

import java.time.Duration;

/** vrrp_script: run periodically, tracked by instances and sync groups. */
public record VrrpScript(
        String name,
        String script,
        Duration interval,
        Duration timeout,
        int weight,
        boolean weightReverse,
        int rise,
        int fall,
        String user,
        String group,
        boolean initFail) {}
