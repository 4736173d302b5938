package org.hadirector.conf.model;

import java.util.List;

/** Everything a keepalived.conf says, resolved: defaults filled in, inherited values pushed down. */
public record KeepalivedConfig(
        GlobalDefs globalDefs,
        List<VirtualIpAddress> staticIpaddress,
        List<String> staticRoutes,
        List<String> staticRules,
        List<VrrpScript> vrrpScripts,
        List<TrackFile> trackFiles,
        List<TrackProcess> trackProcesses,
        List<VrrpSyncGroup> vrrpSyncGroups,
        List<VrrpInstance> vrrpInstances,
        List<GarpGroup> garpGroups,
        List<VirtualServerGroup> virtualServerGroups,
        List<VirtualServer> virtualServers,
        SslSettings ssl,
        List<String> unsupportedBlocks) {}
