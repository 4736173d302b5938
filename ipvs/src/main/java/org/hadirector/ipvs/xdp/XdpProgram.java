package org.hadirector.ipvs.xdp;

import java.io.Closeable;
import java.io.IOException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.hadirector.sys.Bpf;
import org.hadirector.sys.Interfaces;
import org.hadirector.sys.RtNetlink;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The XDP fast path on one interface (xdp_dr.c): its maps made, the program loaded and attached,
 * the connection map written and read. Attaching replaces whatever program the interface had (one
 * a crashed run left keeps forwarding with its old maps until then); closing detaches it and
 * frees the maps. Must be opened on a thread inside the interface's network namespace.
 */
public final class XdpProgram implements Closeable {
    private static final Logger LOG = LoggerFactory.getLogger(XdpProgram.class);
    static final String OBJECT = "xdp_dr.o";

    /** The resource of the program's object (tests load it beside the daemon's own). */
    public static String objectName() {
        return OBJECT;
    }

    static final String SECTION = "xdp";
    /** struct conn_key and struct conn_val of xdp_dr.c. */
    public static final int KEY_SIZE = 40;

    public static final int VALUE_SIZE = 40;
    /** The counters of xdp_dr.c's enum, in its order. */
    public static final List<String> COUNTERS = List.of(
            "tx",
            "pass_miss",
            "pass_tcp_state",
            "pass_not_ip",
            "pass_fragment",
            "pass_options",
            "pass_other_l4",
            "pass_truncated",
            "placed",
            "pass_unplaced",
            "pass_ring_full");

    /** Where the program runs: the driver's XDP (native) or the stack's generic XDP. */
    public enum Mode {
        DRIVER(RtNetlink.XDP_FLAGS_DRV_MODE),
        GENERIC(RtNetlink.XDP_FLAGS_SKB_MODE);

        final int flag;

        Mode(int flag) {
            this.flag = flag;
        }
    }

    /** A connection's key: the client's address and port, the service's, the protocol (6 or 17). */
    public record Key(InetAddress client, int clientPort, InetAddress service, int servicePort, int protocol) {
        public Key {
            if (client instanceof Inet4Address != service instanceof Inet4Address) {
                throw new IllegalArgumentException("client " + client + " and service " + service + " of two families");
            }
        }

        byte[] bytes() {
            return key(client.getAddress(), clientPort, service.getAddress(), servicePort, protocol);
        }
    }

    /** What the program saw of a connection. */
    public record Seen(int flagsSeen, int lastFlags, int dest, long packets, long bytes, long lastNanos) {
        static Seen of(byte[] v) {
            ByteBuffer b = ByteBuffer.wrap(v).order(ByteOrder.nativeOrder());
            return new Seen(v[6] & 0xff, v[7] & 0xff, b.getInt(8), b.getLong(16), b.getLong(24), b.getLong(32));
        }
    }

    private final String ifname;
    private final int ifindex;
    private final Mode mode;
    private final Bpf.Map conns;
    private final Bpf.Map config;
    private final Bpf.Map counters;
    private final Bpf.Map dests;
    private final Bpf.Program program;
    /**
     * The Maglev path's maps (services, mh_tables, servers) and ring buffer (placed): made and
     * linked, left empty (so the program places nothing) until the forwarder fills them.
     */
    private final List<Closeable> maglev;

    private final Bpf.RingBuffer placed;

    private final int cpus;
    /** Opened at attach, in the interface's namespace: closing detaches there from any thread. */
    private final RtNetlink rt;

    private boolean closed;

    private XdpProgram(
            String ifname,
            int ifindex,
            Mode mode,
            Bpf.Map conns,
            Bpf.Map config,
            Bpf.Map counters,
            Bpf.Map dests,
            Bpf.Program program,
            List<Closeable> maglev,
            RtNetlink rt)
            throws IOException {
        this.rt = rt;
        this.ifname = ifname;
        this.ifindex = ifindex;
        this.mode = mode;
        this.conns = conns;
        this.config = config;
        this.counters = counters;
        this.dests = dests;
        this.program = program;
        this.maglev = maglev;
        this.placed = (Bpf.RingBuffer) maglev.stream()
                .filter(c -> c instanceof Bpf.RingBuffer)
                .findFirst()
                .orElseThrow(() -> new IOException(OBJECT + ": no ring buffer placed"));
        this.cpus = Bpf.possibleCpus();
    }

    /**
     * Loads the program for {@code ifname} with a connection map of {@code connections} entries
     * (LRU: the least recently used gives way when it is full) and attaches it in {@code mode}.
     */
    public static XdpProgram attach(String ifname, int connections, Mode mode) throws IOException {
        BpfObject object = BpfObject.resource(OBJECT);
        BpfObject.Program code = object.program(SECTION);
        int ifindex = Interfaces.index(ifname);
        List<Closeable> made = new ArrayList<>();
        Bpf.Program program = null;
        RtNetlink rt = RtNetlink.open();
        try {
            Map<String, Bpf.Map> maps = new LinkedHashMap<>();
            Map<String, Integer> fds = new LinkedHashMap<>();
            List<Closeable> maglev = new ArrayList<>();
            for (BpfObject.MapDef d : object.maps().values()) {
                if (d.type() == Bpf.MAP_TYPE_RINGBUF) {
                    Bpf.RingBuffer r = Bpf.RingBuffer.create("hd_" + d.name(), d.maxEntries());
                    made.add(r);
                    maglev.add(r);
                    fds.put(d.name(), r.fd());
                    continue;
                }
                int entries = d.name().equals("conns") ? connections : d.maxEntries();
                Bpf.Map m = Bpf.Map.create("hd_" + d.name(), d.type(), d.keySize(), d.valueSize(), entries, d.flags());
                made.add(m);
                maps.put(d.name(), m);
                fds.put(d.name(), m.fd());
                if (Set.of("services", "mh_tables", "servers").contains(d.name())) {
                    maglev.add(m);
                }
            }
            Bpf.Map conns = maps.get("conns");
            if (conns == null || conns.keySize() != KEY_SIZE || conns.valueSize() != VALUE_SIZE) {
                throw new IOException(OBJECT + ": its connection map does not match this loader's layout");
            }
            byte[] cfg = new byte[maps.get("config").valueSize()];
            System.arraycopy(rt.linkDetails(ifname).mac(), 0, cfg, 0, 6);
            maps.get("config").update(new byte[4], cfg, Bpf.ANY);
            program = Bpf.Program.load(Bpf.PROG_TYPE_XDP, "hd_xdp_dr", BpfObject.linked(code, fds), object.license());
            rt.setXdp(ifindex, program.fd(), mode.flag);
            LOG.info(
                    "{}: XDP program attached ({} mode, {} connections)",
                    ifname,
                    mode.name().toLowerCase(),
                    connections);
            return new XdpProgram(
                    ifname,
                    ifindex,
                    mode,
                    conns,
                    maps.get("config"),
                    maps.get("counters"),
                    maps.get("dests"),
                    program,
                    maglev,
                    rt);
        } catch (IOException | RuntimeException e) {
            if (program != null) {
                program.close();
            }
            for (Closeable c : made) {
                c.close();
            }
            rt.close();
            throw e;
        }
    }

    /**
     * An IPv4 connection's key without an InetAddress: addresses and ports as ints whose bytes,
     * most significant first, are the network's order (the forwarder's frame parsing gives these).
     */
    public static byte[] key4(int client, int clientPort, int service, int servicePort, int protocol) {
        return key(
                ByteBuffer.allocate(4).putInt(client).array(),
                clientPort,
                ByteBuffer.allocate(4).putInt(service).array(),
                servicePort,
                protocol);
    }

    /**
     * An IPv6 connection's key: each address as two longs whose bytes, most significant first,
     * are the address's 16 (the forwarder's form).
     */
    public static byte[] key6(
            long clientHi,
            long clientLo,
            int clientPort,
            long serviceHi,
            long serviceLo,
            int servicePort,
            int protocol) {
        return key(
                ByteBuffer.allocate(16).putLong(clientHi).putLong(clientLo).array(),
                clientPort,
                ByteBuffer.allocate(16).putLong(serviceHi).putLong(serviceLo).array(),
                servicePort,
                protocol);
    }

    /** struct conn_key: addresses of 4 or 16 bytes (the family follows), ports in network order. */
    private static byte[] key(byte[] client, int clientPort, byte[] service, int servicePort, int protocol) {
        ByteBuffer b = ByteBuffer.allocate(KEY_SIZE).order(ByteOrder.BIG_ENDIAN);
        b.put(0, client);
        b.put(16, service);
        b.putShort(32, (short) clientPort);
        b.putShort(34, (short) servicePort);
        b.put(36, (byte) protocol);
        b.put(37, (byte) (client.length == 4 ? 4 : 6));
        return b.array();
    }

    // ---- the Maglev path (xdp_dr.c's place) ----------------------------------------------------

    /** struct svc_val's flags: mh-port or sh-port, mh-fallback or sh-fallback, and sh's table and hash. */
    public static final int MH_PORT = 0x1;

    public static final int MH_FALLBACK = 0x2;

    public static final int SH = 0x4;

    /** The slots of an sh service's table (HD_SH_SIZE), the first of its share of mh_tables. */
    public static final int SH_SIZE = 256;

    /** Services the program can place for, and the slots of each one's table (HD_MH_SIZE). */
    public static final int MH_SERVICES = 64;

    public static final int MH_SIZE = 4093;

    /**
     * The program places misses of this service (its address as {@link Placed} gives them:
     * two longs, IPv4 as ::ffff:a.b.c.d) by table {@code table} (0 to MH_SERVICES - 1), with
     * these flags.
     */
    public void putService(int protocol, long addressHi, long addressLo, int port, int table, int flags)
            throws IOException {
        ByteBuffer v = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
        v.putInt(0, table * MH_SIZE).putInt(4, flags);
        if (!map("services").update(serviceKey(protocol, addressHi, addressLo, port), v.array(), Bpf.ANY)) {
            throw new IOException(ifname + ": the program's service map is full");
        }
    }

    /** The program no longer places for this service. */
    public void removeService(int protocol, long addressHi, long addressLo, int port) throws IOException {
        map("services").delete(serviceKey(protocol, addressHi, addressLo, port));
    }

    /** struct svc_key: the address (4 or 16 bytes, the family follows), the port in network order. */
    private static byte[] serviceKey(int protocol, long hi, long lo, int port) {
        ByteBuffer b = ByteBuffer.allocate(20).order(ByteOrder.BIG_ENDIAN);
        boolean v4 = hi == 0 && (lo & 0xffff_ffff_0000_0000L) == V4_MAPPED;
        if (v4) {
            b.putInt(0, (int) lo);
        } else {
            b.putLong(0, hi).putLong(8, lo);
        }
        b.putShort(16, (short) port).put(18, (byte) protocol).put(19, (byte) (v4 ? 4 : 6));
        return b.array();
    }

    /**
     * Table {@code table}'s first {@code n} slots (MH_SIZE, or SH_SIZE for sh): each a real
     * server's slot (as in dests), -1 for none.
     */
    public void writeTable(int table, int[] servers, int n) throws IOException {
        if (n != MH_SIZE && n != SH_SIZE || servers.length < n) {
            throw new IllegalArgumentException(n + " slots");
        }
        Bpf.Map m = map("mh_tables");
        ByteBuffer k = ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN);
        ByteBuffer v = ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < n; i++) {
            k.putInt(0, table * MH_SIZE + i);
            v.putInt(0, servers[i] + 1);
            m.update(k.array(), v.array(), Bpf.ANY);
        }
    }

    /** What the program knows of real server {@code slot}: its MAC (null: not known) and whether it may be picked. */
    public void putServer(int slot, byte[] mac, boolean usable) throws IOException {
        byte[] v = new byte[8];
        if (mac != null) {
            System.arraycopy(mac, 0, v, 0, 6);
        }
        v[6] = (byte) (usable ? 1 : 0);
        v[7] = (byte) (mac != null ? 1 : 0);
        map("servers")
                .update(
                        ByteBuffer.allocate(4)
                                .order(ByteOrder.LITTLE_ENDIAN)
                                .putInt(0, slot)
                                .array(),
                        v,
                        Bpf.ANY);
    }

    /**
     * A connection the program placed (struct placed_event): each address as two longs, its 16
     * bytes read big-endian (IPv4 as ::ffff:a.b.c.d), ports as the frame carried them.
     */
    @FunctionalInterface
    public interface Placed {
        void placed(
                int protocol,
                long clientHi,
                long clientLo,
                int clientPort,
                long serviceHi,
                long serviceLo,
                int servicePort,
                int server,
                int tcpFlags,
                long bytes);
    }

    private static final long V4_MAPPED = 0xffff_0000_0000L;

    /** Hands up to {@code max} of the connections the program placed since the last call to {@code to}; returns how many. */
    public int readPlaced(Placed to, int max) {
        return placed.read(
                (m, at, len) -> {
                    if (len < 56) {
                        return;
                    }
                    boolean v4 = m.getByte(at + 37) == 4;
                    to.placed(
                            m.getByte(at + 36) & 0xff,
                            v4 ? 0 : Long.reverseBytes(m.getLong(at)),
                            v4
                                    ? V4_MAPPED | Integer.toUnsignedLong(Integer.reverseBytes(m.getInt(at)))
                                    : Long.reverseBytes(m.getLong(at + 8)),
                            Short.toUnsignedInt(Short.reverseBytes(m.getShort(at + 32))),
                            v4 ? 0 : Long.reverseBytes(m.getLong(at + 16)),
                            v4
                                    ? V4_MAPPED | Integer.toUnsignedLong(Integer.reverseBytes(m.getInt(at + 16)))
                                    : Long.reverseBytes(m.getLong(at + 24)),
                            Short.toUnsignedInt(Short.reverseBytes(m.getShort(at + 34))),
                            m.getInt(at + 40),
                            m.getByte(at + 44) & 0xff,
                            m.getLong(at + 48));
                },
                max);
    }

    private Bpf.Map map(String name) {
        for (Closeable c : maglev) {
            if (c instanceof Bpf.Map m && m.name().equals("hd_" + name)) {
                return m;
            }
        }
        throw new IllegalStateException("no map " + name);
    }

    /** How many real servers the program counts for ({@link #destCounts}): slots 0 to this, less one. */
    public int destSlots() {
        return dests.maxEntries();
    }

    /**
     * What the program forwarded to the real server in {@code slot} (struct dest_stats, summed over
     * the CPUs) into {@code out}: packets, then bytes.
     */
    public void destCounts(int slot, long[] out) throws IOException {
        byte[] k = new byte[4];
        ByteBuffer.wrap(k).order(ByteOrder.nativeOrder()).putInt(0, slot);
        byte[] v = new byte[dests.valueBytes()];
        long packets = 0;
        long bytes = 0;
        if (dests.lookup(k, v)) {
            ByteBuffer b = ByteBuffer.wrap(v).order(ByteOrder.nativeOrder());
            int stride = v.length / cpus;
            for (int cpu = 0; cpu < cpus; cpu++) {
                packets += b.getLong(cpu * stride);
                bytes += b.getLong(cpu * stride + 8);
            }
        }
        out[0] = packets;
        out[1] = bytes;
    }

    /** Adds or replaces a connection: its frames go to {@code mac} from now on. */
    public boolean put(Key key, byte[] mac, int dest) throws IOException {
        return put(key.bytes(), mac, dest);
    }

    /** As {@link #put(Key, byte[], int)}, with a key of {@link #key4}. */
    public boolean put(byte[] key, byte[] mac, int dest) throws IOException {
        byte[] v = new byte[VALUE_SIZE];
        System.arraycopy(mac, 0, v, 0, 6);
        ByteBuffer.wrap(v).order(ByteOrder.nativeOrder()).putInt(8, dest);
        return conns.update(key, v, Bpf.ANY);
    }

    /** What the program saw of a connection, if the map has it. */
    public Optional<Seen> seen(Key key) throws IOException {
        return seen(key.bytes());
    }

    public Optional<Seen> seen(byte[] key) throws IOException {
        byte[] v = new byte[VALUE_SIZE];
        return conns.lookup(key, v) ? Optional.of(Seen.of(v)) : Optional.empty();
    }

    public boolean remove(Key key) throws IOException {
        return remove(key.bytes());
    }

    public boolean remove(byte[] key) throws IOException {
        return conns.delete(key);
    }

    /** The program's counters, summed over the CPUs. */
    public Map<String, Long> counters() throws IOException {
        Map<String, Long> out = new LinkedHashMap<>();
        byte[] k = new byte[4];
        byte[] v = new byte[counters.valueBytes()];
        for (int i = 0; i < COUNTERS.size(); i++) {
            ByteBuffer.wrap(k).order(ByteOrder.nativeOrder()).putInt(0, i);
            long sum = 0;
            if (counters.lookup(k, v)) {
                ByteBuffer b = ByteBuffer.wrap(v).order(ByteOrder.nativeOrder());
                for (int cpu = 0; cpu < cpus; cpu++) {
                    sum += b.getLong(cpu * 8);
                }
            }
            out.put(COUNTERS.get(i), sum);
        }
        return out;
    }

    public String interfaceName() {
        return ifname;
    }

    public Mode mode() {
        return mode;
    }

    /** Detaches the program and frees it and its maps. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            rt.setXdp(ifindex, -1, mode.flag);
        } catch (IOException e) {
            // the interface may be gone, and the program with it
            LOG.warn("{}: XDP program not detached: {}", ifname, e.getMessage());
        } finally {
            rt.close();
        }
        program.close();
        conns.close();
        config.close();
        counters.close();
        dests.close();
        for (Closeable c : maglev) {
            try {
                c.close();
            } catch (IOException e) {
                LOG.warn("{}: {}", ifname, e.getMessage());
            }
        }
    }
}
