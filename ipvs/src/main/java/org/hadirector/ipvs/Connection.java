package org.hadirector.ipvs;

import java.net.InetAddress;
import java.util.Objects;

/**
 * One entry of a connection table as the IPVS sync protocol carries it: the client, virtual and
 * real-server endpoints, the kernel's connection flags (forwarding method in the low bits,
 * {@link #F_TEMPLATE} for a persistence template), the protocol state number (TcpState for TCP,
 * 0 for UDP) and the remaining timeout in seconds. A fwmark service sets fwmark.
 */
public record Connection(
        IpProtocol protocol,
        InetAddress clientAddress,
        int clientPort,
        InetAddress virtualAddress,
        int virtualPort,
        InetAddress destAddress,
        int destPort,
        int fwmark,
        int flags,
        int state,
        int timeoutSeconds) {

    public static final int F_HASHED = 0x40;
    public static final int F_NOOUTPUT = 0x80;
    public static final int F_INACTIVE = 0x100;
    public static final int F_OUT_SEQ = 0x200;
    public static final int F_IN_SEQ = 0x400;
    public static final int F_NO_CPORT = 0x800;
    public static final int F_TEMPLATE = 0x1000;
    public static final int F_ONE_PACKET = 0x2000;

    public Connection {
        Objects.requireNonNull(protocol, "protocol");
        Objects.requireNonNull(clientAddress, "clientAddress");
        Objects.requireNonNull(virtualAddress, "virtualAddress");
        Objects.requireNonNull(destAddress, "destAddress");
    }

    public boolean template() {
        return (flags & F_TEMPLATE) != 0;
    }

    public ForwardMethod method() {
        return ForwardMethod.of(flags);
    }
}
