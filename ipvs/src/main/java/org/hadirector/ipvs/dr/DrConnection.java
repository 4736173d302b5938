package org.hadirector.ipvs.dr;

import org.hadirector.ipvs.Connection;
import org.hadirector.ipvs.ForwardMethod;
import org.hadirector.ipvs.IpProtocol;
import org.hadirector.ipvs.TcpState;

/**
 * One entry of the forwarder's connection table: a client flow, or a persistence template
 * (client network -> real server). Addresses are {@link Ip128}'s two longs, so one table holds
 * IPv4 and IPv6 flows. Mutated only by the forwarder thread.
 */
final class DrConnection {
    final int protocol;
    final long clientHi;
    final long clientLo;
    final int clientPort;
    final long virtualHi;
    final long virtualLo;
    final int virtualPort;
    final boolean template;
    final DrService service;
    final DrRealServer server;
    /** The template that chose this connection's server, or null. */
    DrConnection controller;
    /** For a template: how many connections it controls; it does not expire while any live. */
    int controlled;

    int state;
    int flags;
    long expiresNs;
    long packets;
    /** The fast path forwards this connection's frames ({@link FastPath}); what it had counted when last read. */
    boolean offloaded;

    long offloadedPackets;
    /** The MAC the fast path was given: when its server's MAC changes, it is given the new one. */
    long offeredMac;

    DrConnection next;
    /** On the table's half-open list (TCP, handshake not done), with its neighbours there. */
    boolean halfOpen;

    DrConnection olderHalfOpen;
    DrConnection newerHalfOpen;

    /** An IPv4 entry. */
    DrConnection(
            int protocol,
            int clientAddress,
            int clientPort,
            int virtualAddress,
            int virtualPort,
            boolean template,
            DrService service,
            DrRealServer server) {
        this(
                protocol,
                0,
                Ip128.v4(clientAddress),
                clientPort,
                0,
                Ip128.v4(virtualAddress),
                virtualPort,
                template,
                service,
                server);
    }

    DrConnection(
            int protocol,
            long clientHi,
            long clientLo,
            int clientPort,
            long virtualHi,
            long virtualLo,
            int virtualPort,
            boolean template,
            DrService service,
            DrRealServer server) {
        this.protocol = protocol;
        this.clientHi = clientHi;
        this.clientLo = clientLo;
        this.clientPort = clientPort;
        this.virtualHi = virtualHi;
        this.virtualLo = virtualLo;
        this.virtualPort = virtualPort;
        this.template = template;
        this.service = service;
        this.server = server;
        // A flow is inactive until ESTABLISHED, and NOOUTPUT as the kernel marks DR flows: their
        // replies bypass the director.
        this.flags = template
                ? Connection.F_TEMPLATE | ForwardMethod.ROUTE.code()
                : ForwardMethod.ROUTE.code() | Connection.F_NOOUTPUT | Connection.F_INACTIVE;
        this.state = TcpState.NONE.code();
    }

    /** This connection is one the template chose the server of: the template lives while it does. */
    void controlledBy(DrConnection template) {
        controller = template;
        template.controlled++;
    }

    /** As sync messages and listings show an entry, with the timeout they give. */
    Connection toConnection(int timeoutSeconds) {
        return new Connection(
                IpProtocol.of(protocol),
                Ip128.address(clientHi, clientLo),
                clientPort,
                Ip128.address(virtualHi, virtualLo),
                virtualPort,
                server.backend.destination().address(),
                server.backend.destination().port(),
                0,
                flags & ~Connection.F_HASHED,
                protocol == Ipv4Header.PROTOCOL_TCP && !template ? state : 0,
                timeoutSeconds);
    }

    boolean matches(int proto, long cHi, long cLo, int cport, long vHi, long vLo, int vport, boolean tmpl) {
        return clientLo == cLo
                && virtualLo == vLo
                && clientPort == cport
                && virtualPort == vport
                && clientHi == cHi
                && virtualHi == vHi
                && protocol == proto
                && template == tmpl;
    }

    static int hash(int proto, long cHi, long cLo, int cport, long vHi, long vLo, int vport, boolean tmpl) {
        long h = (cLo ^ Long.rotateLeft(cHi, 21)) * 0x9E3779B97F4A7C15L;
        h ^= ((vLo ^ Long.rotateLeft(vHi, 43)) + ((cport & 0xffff) << 16 | (vport & 0xffff))) * 0xC2B2AE3D27D4EB4FL;
        h ^= proto * 0x165667B19E3779F9L + (tmpl ? 1 : 0);
        h ^= h >>> 29;
        h *= 0xBF58476D1CE4E5B9L;
        return (int) (h ^ h >>> 32);
    }
}
