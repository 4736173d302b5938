package org.hadirector.ipvs.sched;

/**
 * The first packet of a new connection as a scheduler may use it: addresses in network order
 * (4 or 16 bytes), ports as unsigned ints. A dataplane may reuse one instance between calls, so a
 * scheduler must not keep it.
 */
public final class FlowRequest {
    public byte[] sourceAddress;
    public int sourcePort;
    public byte[] destAddress;
    public int destPort;
    public int protocol;
    public long nowNs;

    public FlowRequest set(byte[] source, int sourcePort, byte[] dest, int destPort, int protocol, long nowNs) {
        this.sourceAddress = source;
        this.sourcePort = sourcePort;
        this.destAddress = dest;
        this.destPort = destPort;
        this.protocol = protocol;
        this.nowNs = nowNs;
        return this;
    }
}
