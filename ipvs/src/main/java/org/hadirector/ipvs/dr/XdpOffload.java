package org.hadirector.ipvs.dr;

import java.io.IOException;
import java.util.Optional;
import org.hadirector.ipvs.xdp.XdpProgram;
import org.hadirector.sys.RateLimitedLog;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The XDP program as the forwarder's {@link FastPath}: connections written to and read from its map. */
final class XdpOffload implements FastPath {
    private static final Logger LOG = LoggerFactory.getLogger(XdpOffload.class);

    private final XdpProgram program;
    private final RateLimitedLog failures;
    private final byte[] mac = new byte[6];
    private final long[] counts = new long[2];
    private long offered;
    private long refused;

    /**
     * A real server of one service as the program counts it: its slot in the program's per-server
     * counts (struct conn_val's dest), and what was read there last.
     */
    private static final class Slot {
        final int index;
        final DrRealServer server;
        final DrService service;
        long packets;
        long bytes;

        Slot(int index, DrRealServer server, DrService service) {
            this.index = index;
            this.server = server;
            this.service = service;
        }
    }

    private final java.util.IdentityHashMap<DrRealServer, Slot> slots = new java.util.IdentityHashMap<>();
    /** Each slot's real server, or null when free. */
    private final Slot[] owners;
    /** Where the search for a free slot starts: slots are taken round the array, so a freed one rests. */
    private int nextSlot;

    XdpOffload(XdpProgram program) {
        this.program = program;
        this.failures = RateLimitedLog.everyPeriod();
        this.owners = new Slot[program.destSlots()];
    }

    /**
     * The real server's slot, taken on its first offered connection; its counts read there now
     * are where its own start. Null when every slot is taken (the connection stays the forwarder's).
     */
    private Slot slot(DrConnection c) throws IOException {
        Slot s = slots.get(c.server);
        if (s != null) {
            return s;
        }
        for (int i = 0; i < owners.length; i++) {
            int at = (nextSlot + i) % owners.length;
            if (owners[at] == null) {
                s = new Slot(at, c.server, c.service);
                program.destCounts(at, counts);
                s.packets = counts[0];
                s.bytes = counts[1];
                owners[at] = s;
                slots.put(c.server, s);
                nextSlot = (at + 1) % owners.length;
                return s;
            }
        }
        return null;
    }

    /** The map's key of a connection: xdp_dr.c's struct conn_key, addresses and ports in network order. */
    static byte[] key(DrConnection c) {
        return XdpProgram.key4(c.clientAddress, c.clientPort, c.virtualAddress, c.virtualPort, c.protocol);
    }

    @Override
    public boolean offer(DrConnection c, long m) {
        for (int i = 0; i < 6; i++) {
            mac[i] = (byte) (m >>> (8 * (5 - i)));
        }
        try {
            Slot slot = slot(c);
            if (slot != null && program.put(key(c), mac, slot.index)) {
                offered++;
                return true;
            }
            refused++;
        } catch (IOException e) {
            refused++;
            fail("a connection not given to the XDP program", e);
        }
        return false;
    }

    @Override
    public void withdraw(DrConnection c) {
        try {
            program.remove(key(c));
        } catch (IOException e) {
            fail("a connection not taken from the XDP program", e);
        }
    }

    @Override
    public Seen seen(DrConnection c) {
        try {
            Optional<XdpProgram.Seen> s = program.seen(key(c));
            return s.map(v -> new Seen(v.packets(), v.bytes(), v.lastNanos())).orElse(null);
        } catch (IOException e) {
            fail("a connection's counts not read from the XDP program", e);
            return null;
        }
    }

    @Override
    public void countServers() {
        for (java.util.Iterator<Slot> i = slots.values().iterator(); i.hasNext(); ) {
            Slot s = i.next();
            try {
                program.destCounts(s.index, counts);
            } catch (IOException e) {
                fail("a real server's counts not read from the XDP program", e);
                continue;
            }
            long packets = counts[0] - s.packets;
            long bytes = counts[1] - s.bytes;
            s.packets = counts[0];
            s.bytes = counts[1];
            s.server.packets += packets;
            s.server.bytes += bytes;
            s.service.packets += packets;
            s.service.bytes += bytes;
            if (s.server.removed && !s.server.hasConnections()) {
                // gone from the table and nothing reaches it any more: its slot is free
                owners[s.index] = null;
                i.remove();
            }
        }
    }

    private void fail(String what, IOException e) {
        long n = failures.admit(System.nanoTime());
        if (n > 0) {
            LOG.warn(
                    "dr {}: {}: {}{}",
                    program.interfaceName(),
                    what,
                    e.getMessage(),
                    RateLimitedLog.notLogged(n - 1, failures.total()));
        }
    }

    long offered() {
        return offered;
    }

    long refused() {
        return refused;
    }
}
