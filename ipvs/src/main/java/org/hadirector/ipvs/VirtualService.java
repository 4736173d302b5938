package org.hadirector.ipvs;

import java.util.Objects;

/**
 * A virtual service as the dataplane holds it. {@code persistenceTimeout} in seconds, 0 for none;
 * {@code netmask} is the persistence granularity as a prefix length (32 / 128 = per client).
 * {@code flags} are IP_VS_SVC_F_* (persistent 0x1 is derived from the timeout, the scheduler
 * flags sh-fallback 0x8, sh-port 0x10 and one-packet 0x4 are kept here).
 */
public record VirtualService(
        ServiceKey key, String scheduler, int flags, int persistenceTimeout, int netmask, String persistenceEngine) {

    public static final int F_PERSISTENT = 0x1;
    public static final int F_HASHED = 0x2;
    public static final int F_ONEPACKET = 0x4;
    public static final int F_SCHED1 = 0x8;
    public static final int F_SCHED2 = 0x10;
    public static final int F_SCHED3 = 0x20;

    public VirtualService {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(scheduler, "scheduler");
        if (persistenceTimeout < 0) {
            throw new IllegalArgumentException("persistence timeout " + persistenceTimeout);
        }
        int max = key.ipv6() ? 128 : 32;
        if (netmask < 0 || netmask > max) {
            throw new IllegalArgumentException("netmask /" + netmask);
        }
        persistenceEngine = persistenceEngine == null ? "" : persistenceEngine;
    }

    /** A service without persistence. */
    public static VirtualService of(ServiceKey key, String scheduler) {
        return new VirtualService(key, scheduler, 0, 0, key.ipv6() ? 128 : 32, "");
    }

    public boolean persistent() {
        return persistenceTimeout > 0;
    }

    public VirtualService withScheduler(String name) {
        return new VirtualService(key, name, flags, persistenceTimeout, netmask, persistenceEngine);
    }

    public VirtualService withPersistence(int timeoutSeconds, int prefixLength) {
        return new VirtualService(key, scheduler, flags, timeoutSeconds, prefixLength, persistenceEngine);
    }
}
