package org.hadirector.ipvs.dr;

import org.hadirector.ipvs.Destination;
import org.hadirector.ipvs.Stats;
import org.hadirector.ipvs.sched.Backend;

/** A real server of one service in the forwarder: its scheduler view, its MAC, its counters. */
final class DrRealServer {
    final Backend backend;
    final int address;
    private final Neighbours neighbours;
    /**
     * Its entry in the forwarder's ARP cache, read per packet for the MAC; null once forgotten.
     * A field rather than a map from server to entry: no lookup per packet.
     */
    Neighbours.Entry neighbour;

    /** Set when the server left the table; its connections still reach it until they expire. */
    boolean removed;

    long connections;
    long packets;
    long bytes;
    final RateEstimator rates = new RateEstimator();

    /** A server now in the table: its address is used in {@code neighbours} until it is forgotten. */
    DrRealServer(Destination d, Neighbours neighbours) {
        this.backend = new Backend(d);
        this.address = (int) Ip128.lo(d.address()); // IPv4's, for what takes IPv4 servers only
        this.neighbours = neighbours;
        this.neighbour = neighbours.use(Ip128.hi(d.address()), Ip128.lo(d.address()));
    }

    /** The server's MAC as last heard, or -1 when not heard yet or forgotten. */
    long mac() {
        Neighbours.Entry n = neighbour;
        return n == null ? -1 : n.mac;
    }

    /** A packet for it was dropped for want of its MAC: ask for it soon (at most once a second). */
    void macWanted(long nowNs) {
        Neighbours.Entry n = neighbour;
        if (n != null) {
            neighbours.wanted(n, nowNs);
        }
    }

    /** Stops asking for its MAC (its address may stay in use by another service's server). */
    void forgetNeighbour() {
        if (neighbour != null) {
            neighbours.release(neighbour);
            neighbour = null;
        }
    }

    /** Whether connections or persistence templates still reach it. */
    boolean hasConnections() {
        return backend.activeConnections() + backend.inactiveConnections() + backend.persistentConnections() > 0;
    }

    Stats stats() {
        return new Stats(connections, packets, 0, bytes, 0, rates.cps(), rates.inPps(), 0, rates.inBps(), 0);
    }
}
