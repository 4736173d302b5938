package org.hadirector.ipvs.dr;

/**
 * A path that forwards a connection's frames without the forwarder seeing them (the XDP program,
 * {@link XdpOffload}): the forwarder offers it a connection once the program can carry it alone
 * (UDP, or TCP in ESTABLISHED, whose other segments move no state), withdraws it when it leaves
 * that state or the table, and reads back what the path saw, to keep counts and timeouts.
 * Called on the forwarder's thread only; never throws (a failure is the path's to count and log,
 * and the forwarder then goes on seeing the connection's frames itself).
 */
interface FastPath {
    /** What the path forwarded of a connection since it was offered, and when it last did. */
    record Seen(long packets, long bytes, long lastNanos) {}

    /** The path forwards {@code c}'s frames to {@code mac} from now on; false if it cannot. */
    boolean offer(DrConnection c, long mac);

    /** The path no longer forwards {@code c}. */
    void withdraw(DrConnection c);

    /** What the path saw of {@code c}, or null when it no longer has it (evicted, or gone). */
    Seen seen(DrConnection c);

    /**
     * Adds what the path forwarded to each real server since the last call to that server's and
     * its service's packets and bytes (once a second, before the rate estimate): the servers'
     * counts are the path's, each connection's its own, read by {@link #seen}.
     */
    void countServers();

    /**
     * The path places the misses of each of {@code services} that is {@code placeable} itself
     * from now on, as its scheduler would (the XDP program's Maglev path), and no others (a
     * service not in the list is gone). Called after every table change and once a second;
     * cheap when nothing changed. Places nothing it cannot (no table of that kind, no room);
     * what it does not place stays the forwarder's.
     */
    default void place(java.util.List<DrService> services, java.util.function.Predicate<DrService> placeable) {}

    /** A connection the path placed and forwarded itself. */
    @FunctionalInterface
    interface Placed {
        void placed(
                int protocol,
                long clientHi,
                long clientLo,
                int clientPort,
                long addressHi,
                long addressLo,
                int port,
                DrService service,
                DrRealServer server,
                int tcpFlags,
                long bytes);
    }

    /** Hands the connections the path placed since the last call to {@code to}, up to {@code max}; returns how many. */
    default int placed(Placed to, int max) {
        return 0;
    }
}
