package org.hadirector.conf.model;

import java.util.List;

/** vrrp_sync_group: member instances move together. */
public record VrrpSyncGroup(
        String name,
        List<String> members,
        List<TrackedInterface> trackInterfaces,
        List<TrackedRef> trackScripts,
        List<TrackedRef> trackFiles,
        List<TrackedRef> trackProcesses,
        Notifies notifies,
        Boolean smtpAlert,
        boolean globalTracking,
        boolean syncGroupTrackingWeight) {}
