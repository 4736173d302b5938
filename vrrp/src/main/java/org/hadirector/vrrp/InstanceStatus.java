package org.hadirector.vrrp;

import java.util.List;

/** What `hadirector status` shows of one instance: a snapshot taken on the instance's own thread. */
public record InstanceStatus(
        String name,
        String interfaceName,
        VrrpState state,
        int priority,
        int basePriority,
        String masterAddress,
        List<String> vips,
        long advertsSent,
        long advertsReceived,
        long transitions,
        String lastTransition,
        List<DropCount> drops) {

    public record DropCount(String reason, long count) {}
}
