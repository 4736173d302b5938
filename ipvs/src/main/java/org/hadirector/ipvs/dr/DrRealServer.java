package org.hadirector.ipvs.dr;

import org.hadirector.ipvs.Destination;
import org.hadirector.ipvs.Stats;
import org.hadirector.ipvs.sched.Backend;

/** A real server of one service in the forwarder: its scheduler view, its MAC, its counters. */
final class DrRealServer {
    final Backend backend;
    final int address;
    /** Set when the server left the table; its connections still reach it until they expire. */
    boolean removed;

    long connections;
    long packets;
    long bytes;
    final RateEstimator rates = new RateEstimator();

    DrRealServer(Destination d) {
        this.backend = new Backend(d);
        this.address = Ipv4.of(d.address());
    }

    Stats stats() {
        return new Stats(connections, packets, 0, bytes, 0, rates.cps(), rates.inPps(), 0, rates.inBps(), 0);
    }
}
