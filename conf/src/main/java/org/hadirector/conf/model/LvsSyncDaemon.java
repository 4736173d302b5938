package org.hadirector.conf.model;

import java.net.InetAddress;

/** lvs_sync_daemon IF [inst VI] [id N] [maxlen L] [port P] [ttl T] [group ADDR]; null when unset. */
public record LvsSyncDaemon(
        String interfaceName, String vrrpInstance, Integer syncId, int maxlen, int port, int ttl, InetAddress group) {}
