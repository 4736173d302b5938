package org.hadirector.ipvs.dr;

import java.io.IOException;
import java.util.Optional;
import org.hadirector.ipvs.sched.Backend;
import org.hadirector.ipvs.sched.PlacementTable;
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
        /** What the program's servers map was last told of it (the Maglev path): MAC (-2: nothing yet) and usable. */
        long toldMac = -2;

        boolean toldUsable;

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
        return slot(c.server, c.service);
    }

    private Slot slot(DrRealServer server, DrService service) throws IOException {
        Slot s = slots.get(server);
        if (s != null) {
            return s;
        }
        for (int i = 0; i < owners.length; i++) {
            int at = (nextSlot + i) % owners.length;
            if (owners[at] == null) {
                s = new Slot(at, server, service);
                program.destCounts(at, counts);
                s.packets = counts[0];
                s.bytes = counts[1];
                owners[at] = s;
                slots.put(server, s);
                nextSlot = (at + 1) % owners.length;
                return s;
            }
        }
        return null;
    }

    /** The map's key of a connection: xdp_dr.c's struct conn_key, addresses and ports in network order. */
    static byte[] key(DrConnection c) {
        return Ip128.isV4(c.clientHi, c.clientLo)
                ? XdpProgram.key4((int) c.clientLo, c.clientPort, (int) c.virtualLo, c.virtualPort, c.protocol)
                : XdpProgram.key6(
                        c.clientHi, c.clientLo, c.clientPort, c.virtualHi, c.virtualLo, c.virtualPort, c.protocol);
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

    // ---- the Maglev path -------------------------------------------------------------------------

    /** The services the program places for: each one's table, and its scheduler's update it mirrors. */
    private static final class Placing {
        final int table;
        long schedulings = -1;

        Placing(int table) {
            this.table = table;
        }
    }

    private final java.util.IdentityHashMap<DrService, Placing> placing = new java.util.IdentityHashMap<>();
    private final java.util.BitSet tables = new java.util.BitSet(XdpProgram.MH_SERVICES);
    private final int[] table = new int[XdpProgram.MH_SIZE];
    private boolean tablesFullLogged;

    @Override
    public void place(java.util.List<DrService> services, java.util.function.Predicate<DrService> placeable) {
        java.util.Set<DrService> live = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
        live.addAll(services);
        for (DrService gone : new java.util.ArrayList<>(placing.keySet())) {
            if (!live.contains(gone)) {
                unplace(gone, placing.get(gone));
            }
        }
        for (DrService s : services) {
            place(s, placeable.test(s));
        }
    }

    private void place(DrService s, boolean placeable) {
        Placing p = placing.get(s);
        try {
            if (!placeable || !(s.scheduler instanceof PlacementTable t) || t.size() != size(t.hash())) {
                if (p != null) {
                    unplace(s, p);
                }
                return;
            }
            if (p == null) {
                int free = tables.nextClearBit(0);
                if (free >= XdpProgram.MH_SERVICES) {
                    if (!tablesFullLogged) {
                        tablesFullLogged = true;
                        LOG.info(
                                "dr {}: the XDP program places flows for {} mh and sh services at most; {} stays the forwarder's",
                                program.interfaceName(),
                                XdpProgram.MH_SERVICES,
                                s.service.key());
                    }
                    return;
                }
                p = new Placing(free);
                tables.set(free);
                placing.put(s, p);
            }
            // the servers before the table that names them; each second again for their MACs
            for (DrRealServer r : s.servers.values()) {
                Slot slot = slot(r, s);
                if (slot == null) {
                    unplace(s, p); // no slot to count it in: the forwarder's service
                    return;
                }
                tell(slot);
            }
            if (p.schedulings != s.schedulings) {
                for (int i = 0; i < t.size(); i++) {
                    Backend b = t.at(i);
                    DrRealServer r = b == null ? null : s.byBackend.get(b);
                    Slot slot = r == null ? null : slots.get(r);
                    table[i] = slot == null ? -1 : slot.index;
                }
                // out of the program while its table is rewritten: its misses are the
                // forwarder's meanwhile, never a half-written table's
                program.removeService(s.protocol, s.addressHi, s.addressLo, s.port);
                program.writeTable(p.table, table, t.size());
                p.schedulings = s.schedulings;
            }
            program.putService(
                    s.protocol,
                    s.addressHi,
                    s.addressLo,
                    s.port,
                    p.table,
                    (t.hashesPort() ? XdpProgram.MH_PORT : 0)
                            | (t.fallback() ? XdpProgram.MH_FALLBACK : 0)
                            | (t.hash() == PlacementTable.Hash.SOURCE ? XdpProgram.SH : 0));
        } catch (IOException e) {
            fail("a service's flows not given to the XDP program to place", e);
            if (p != null) {
                unplace(s, p);
            }
        }
    }

    /** The slots the program's hash reads of a table: its mh_tables share, or sh's first 256. */
    private static int size(PlacementTable.Hash h) {
        return h == PlacementTable.Hash.MAGLEV ? XdpProgram.MH_SIZE : XdpProgram.SH_SIZE;
    }

    private void unplace(DrService s, Placing p) {
        placing.remove(s);
        tables.clear(p.table);
        try {
            program.removeService(s.protocol, s.addressHi, s.addressLo, s.port);
        } catch (IOException e) {
            fail("a service still placed by the XDP program", e);
        }
    }

    /** The program's servers map told what the forwarder knows of the slot's server now. */
    private void tell(Slot s) throws IOException {
        long m = s.server.mac();
        boolean usable = !s.server.removed && PlacementTable.usable(s.server.backend);
        if (m != s.toldMac || usable != s.toldUsable) {
            byte[] bytes = null;
            if (m != -1) {
                bytes = new byte[6];
                for (int i = 0; i < 6; i++) {
                    bytes[i] = (byte) (m >>> (8 * (5 - i)));
                }
            }
            program.putServer(s.index, bytes, usable);
            s.toldMac = m;
            s.toldUsable = usable;
        }
    }

    @Override
    public int placed(Placed to, int max) {
        return program.readPlaced(
                (protocol, cHi, cLo, clientPort, vHi, vLo, servicePort, server, tcpFlags, bytes) -> {
                    Slot s = server >= 0 && server < owners.length ? owners[server] : null;
                    if (s != null) {
                        to.placed(
                                protocol,
                                cHi,
                                cLo,
                                clientPort,
                                vHi,
                                vLo,
                                servicePort,
                                s.service,
                                s.server,
                                tcpFlags,
                                bytes);
                    }
                },
                max);
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
