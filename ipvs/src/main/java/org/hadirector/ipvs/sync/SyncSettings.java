package org.hadirector.ipvs.sync;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;

/**
 * A sync daemon's settings, as keepalived's {@code lvs_sync_daemon IF [inst VI] [id N] [maxlen L]
 * [port P] [ttl T] [group ADDR]} gives them: IPv4 multicast 224.0.0.81:8848, TTL 1, the
 * 1472-byte messages an Ethernet MTU carries, and a flush delay for partly filled messages.
 */
public record SyncSettings(
        String interfaceName, int syncId, int maxlen, InetAddress group, int port, int ttl, Duration flushDelay) {

    public static final InetAddress DEFAULT_GROUP;

    static {
        try {
            DEFAULT_GROUP = InetAddress.getByAddress(new byte[] {(byte) 224, 0, 0, 81});
        } catch (UnknownHostException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    public SyncSettings {
        if (syncId < 0 || syncId > 255) {
            throw new IllegalArgumentException("sync id " + syncId + " (0-255)");
        }
        if (ttl < 1 || ttl > 255) {
            throw new IllegalArgumentException("ttl " + ttl);
        }
        if (!group.isMulticastAddress()) {
            throw new IllegalArgumentException("sync group " + group.getHostAddress() + " is not multicast");
        }
    }

    public static SyncSettings of(String interfaceName, int syncId) {
        return new SyncSettings(
                interfaceName, syncId, SyncCodec.DEFAULT_MAXLEN, DEFAULT_GROUP, 8848, 1, Duration.ofSeconds(1));
    }
}
