package org.hadirector.ipvs.sched;

import org.hadirector.ipvs.Destination;

/**
 * A destination as a scheduler sees it: the configured destination plus the live connection
 * counts the dataplane keeps. Mutable, owned by the dataplane's thread; schedulers read it.
 * The overload flag follows the kernel (IP_VS_DEST_F_OVERLOAD): set when the connections reach
 * the upper threshold, cleared when they fall below the lower one (or 3/4 of the upper one when
 * no lower threshold is set).
 */
public final class Backend {
    private Destination destination;
    private int activeConnections;
    private int inactiveConnections;
    private int persistentConnections;
    private boolean overloaded;
    /** The latest non-zero weight (the weight when added, even 0), as the kernel keeps it for mh. */
    private int lastWeight;

    public Backend(Destination destination) {
        this.destination = destination;
        this.lastWeight = destination.weight();
    }

    public Destination destination() {
        return destination;
    }

    public void destination(Destination d) {
        this.destination = d;
        if (d.weight() != 0) {
            lastWeight = d.weight();
        }
        updateOverload();
    }

    /** __ip_vs_update_dest's last_weight: a quiesced (weight 0) server keeps its place in mh's table. */
    public int lastWeight() {
        return lastWeight;
    }

    public int weight() {
        return destination.weight();
    }

    public int activeConnections() {
        return activeConnections;
    }

    public int inactiveConnections() {
        return inactiveConnections;
    }

    public int persistentConnections() {
        return persistentConnections;
    }

    public boolean overloaded() {
        return overloaded;
    }

    /** The kernel's ip_vs_dest_conn_overhead: active connections weigh 256 inactive ones. */
    public int overhead() {
        return (activeConnections << 8) + inactiveConnections;
    }

    /** Adds (or with a negative delta removes) connections in the given class. */
    public void countActive(int delta) {
        activeConnections += delta;
        updateOverload();
    }

    public void countInactive(int delta) {
        inactiveConnections += delta;
        updateOverload();
    }

    public void countPersistent(int delta) {
        persistentConnections += delta;
        updateOverload();
    }

    /** As ip_vs_bind_dest / ip_vs_unbind_dest: thresholds compare against all connections. */
    private void updateOverload() {
        int upper = destination.upperThreshold();
        int lower = destination.lowerThreshold();
        int conns = activeConnections + inactiveConnections + persistentConnections;
        if (upper == 0) {
            overloaded = false;
        } else if (conns >= upper) {
            overloaded = true;
        } else if (overloaded) {
            if (lower != 0 ? conns < lower : conns * 4 <= upper * 3) {
                overloaded = false;
            }
        }
    }

    @Override
    public String toString() {
        return destination.endpoint() + " w" + destination.weight() + " a" + activeConnections + " i"
                + inactiveConnections;
    }
}
