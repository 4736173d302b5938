package org.hadirector.ipvs.kernel;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.hadirector.ipvs.ConnectionCursor;
import org.hadirector.ipvs.Dataplane;
import org.hadirector.ipvs.DataplaneException;
import org.hadirector.ipvs.Destination;
import org.hadirector.ipvs.ListingHeader;
import org.hadirector.ipvs.PersistentTable;
import org.hadirector.ipvs.ServiceKey;
import org.hadirector.ipvs.ServiceTable;
import org.hadirector.ipvs.SyncDaemons;
import org.hadirector.ipvs.TableDump;
import org.hadirector.ipvs.TableOp;
import org.hadirector.ipvs.sync.SyncSettings;
import org.hadirector.sys.GenericNetlink;
import org.hadirector.sys.NativeException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The kernel's IPVS as a dataplane, over the "IPVS" generic netlink family in the calling
 * thread's network namespace: what ipvsadm does, without ipvsadm. Every request is acknowledged;
 * a refusal comes back as a DataplaneException naming the operation, the object and the kernel's
 * error text. One caller thread at a time.
 */
public final class KernelIpvs implements Dataplane, PersistentTable, SyncDaemons {
    private static final Logger LOG = LoggerFactory.getLogger(KernelIpvs.class);
    private static final Path PROC_CONN = Path.of("/proc/net/ip_vs_conn");

    private final GenericNetlink nl;
    private final int family;

    private KernelIpvs(GenericNetlink nl, int family) {
        this.nl = nl;
        this.family = family;
    }

    /** True when this namespace's kernel has IPVS loaded. */
    public static boolean available() {
        return Files.exists(Path.of("/proc/net/ip_vs"));
    }

    public static KernelIpvs open() throws DataplaneException {
        GenericNetlink nl = null;
        try {
            nl = GenericNetlink.open();
            int id = nl.familyId("IPVS");
            if (id < 0) {
                throw new DataplaneException("the kernel has no IPVS: generic netlink family IPVS not found "
                        + "(is the ip_vs module loaded? modprobe ip_vs)");
            }
            return new KernelIpvs(nl, id);
        } catch (NativeException e) {
            if (nl != null) {
                nl.close();
            }
            throw new DataplaneException("kernel IPVS: " + e.getMessage(), e);
        } catch (DataplaneException e) {
            nl.close();
            throw e;
        }
    }

    @Override
    public String name() {
        return "kernel IPVS";
    }

    private void call(int command, ByteBuffer attrs, String what) throws DataplaneException {
        try {
            int errno = nl.request(
                    family,
                    command,
                    IpvsGenl.VERSION,
                    attrs,
                    GenericNetlink.NLM_F_REQUEST | GenericNetlink.NLM_F_ACK,
                    null);
            if (errno != 0) {
                throw new DataplaneException(what + ": "
                        + new NativeException("IPVS", errno).getMessage().substring("IPVS: ".length()));
            }
        } catch (NativeException e) {
            throw new DataplaneException(what + ": " + e.getMessage(), e);
        }
    }

    private List<ByteBuffer> dump(int command, ByteBuffer attrs, String what) throws DataplaneException {
        List<ByteBuffer> out = new ArrayList<>();
        try {
            int errno = nl.request(
                    family,
                    command,
                    IpvsGenl.VERSION,
                    attrs,
                    GenericNetlink.NLM_F_REQUEST | GenericNetlink.NLM_F_DUMP,
                    m -> {
                        ByteBuffer copy = ByteBuffer.allocate(m.remaining()).order(m.order());
                        copy.put(m.duplicate()).flip();
                        out.add(copy);
                    });
            if (errno != 0) {
                throw new DataplaneException(what + ": "
                        + new NativeException("IPVS", errno).getMessage().substring("IPVS: ".length()));
            }
        } catch (NativeException e) {
            throw new DataplaneException(what + ": " + e.getMessage(), e);
        }
        return out;
    }

    /** A reply of a GET that answers with one message (GET_CONFIG, GET_INFO). */
    private ByteBuffer get(int command, String what) throws DataplaneException {
        ByteBuffer[] got = new ByteBuffer[1];
        try {
            int errno = nl.request(family, command, IpvsGenl.VERSION, null, GenericNetlink.NLM_F_REQUEST, m -> {
                ByteBuffer copy = ByteBuffer.allocate(m.remaining()).order(m.order());
                copy.put(m.duplicate()).flip();
                got[0] = copy;
            });
            if (errno != 0 || got[0] == null) {
                throw new DataplaneException(what + ": no answer (errno " + errno + ")");
            }
        } catch (NativeException e) {
            throw new DataplaneException(what + ": " + e.getMessage(), e);
        }
        return got[0];
    }

    @Override
    public void apply(TableOp op) throws DataplaneException {
        if (op instanceof TableOp.AddService a) {
            call(
                    IpvsGenl.CMD_NEW_SERVICE,
                    IpvsGenl.service(a.service()),
                    "add service " + a.service().key());
        } else if (op instanceof TableOp.EditService e) {
            call(
                    IpvsGenl.CMD_SET_SERVICE,
                    IpvsGenl.service(e.service()),
                    "edit service " + e.service().key());
        } else if (op instanceof TableOp.DeleteService d) {
            call(IpvsGenl.CMD_DEL_SERVICE, IpvsGenl.serviceKey(d.key()), "delete service " + d.key());
        } else if (op instanceof TableOp.AddDestination a) {
            call(
                    IpvsGenl.CMD_NEW_DEST,
                    IpvsGenl.destination(a.service(), a.destination()),
                    "add " + a.destination().endpoint() + " to " + a.service());
        } else if (op instanceof TableOp.EditDestination e) {
            call(
                    IpvsGenl.CMD_SET_DEST,
                    IpvsGenl.destination(e.service(), e.destination()),
                    "edit " + e.destination().endpoint() + " in " + e.service());
        } else {
            TableOp.DeleteDestination d = (TableOp.DeleteDestination) op;
            call(
                    IpvsGenl.CMD_DEL_DEST,
                    IpvsGenl.destinationKey(
                            d.service(),
                            d.destination().address(),
                            d.destination().port()),
                    "remove " + d.destination() + " from " + d.service());
        }
        LOG.info("kernel IPVS: {} ({})", op.getClass().getSimpleName(), op.reason());
    }

    @Override
    public TableDump dump() throws DataplaneException {
        List<TableDump.ServiceDump> services = new ArrayList<>();
        try {
            for (ByteBuffer m : dump(IpvsGenl.CMD_GET_SERVICE, null, "list services")) {
                IpvsGenl.ServiceReply s = IpvsGenl.parseService(m);
                List<TableDump.DestinationDump> dests = new ArrayList<>();
                ServiceKey k = s.service().key();
                for (ByteBuffer d : dump(IpvsGenl.CMD_GET_DEST, IpvsGenl.serviceKey(k), "list real servers of " + k)) {
                    IpvsGenl.DestinationReply r = IpvsGenl.parseDestination(d, k.ipv6());
                    dests.add(new TableDump.DestinationDump(
                            r.destination(), r.active(), r.inactive(), r.persistent(), r.stats()));
                }
                services.add(new TableDump.ServiceDump(s.service(), s.stats(), dests));
            }
        } catch (IpvsGenlException e) {
            throw new DataplaneException("kernel IPVS reply: " + e.getMessage(), e);
        }
        return new TableDump(services);
    }

    @Override
    public ServiceTable table() throws DataplaneException {
        ServiceTable t = ServiceTable.EMPTY;
        for (TableDump.ServiceDump s : dump().services()) {
            List<Destination> dests = new ArrayList<>();
            s.destinations().forEach(d -> dests.add(d.destination()));
            t = t.withService(s.service(), dests);
        }
        return t;
    }

    /** /proc/net/ip_vs_conn, read a page at a time (see {@link ProcConnections#pages}). */
    @Override
    public ConnectionCursor connections(int pageSize) throws DataplaneException {
        try {
            return ProcConnections.pages(
                    Files.newBufferedReader(PROC_CONN, StandardCharsets.US_ASCII), pageSize, PROC_CONN.toString());
        } catch (IOException e) {
            throw new DataplaneException("read " + PROC_CONN + ": " + e.getMessage(), e);
        }
    }

    @Override
    public Optional<PersistentTable> persistentTable() {
        return Optional.of(this);
    }

    @Override
    public Optional<SyncDaemons> syncDaemons() {
        return Optional.of(this);
    }

    /** The kernel's own version and connection table size. */
    @Override
    public ListingHeader listingHeader() throws DataplaneException {
        IpvsGenl.Info info = info();
        return new ListingHeader(info.versionText(), info.connectionTableSize());
    }

    /** ipvsadm -C: every service and real server goes. */
    @Override
    public void flush() throws DataplaneException {
        call(IpvsGenl.CMD_FLUSH, null, "flush");
    }

    public IpvsGenl.Timeouts timeouts() throws DataplaneException {
        try {
            return IpvsGenl.parseTimeouts(get(IpvsGenl.CMD_GET_CONFIG, "get timeouts"));
        } catch (IpvsGenlException e) {
            throw new DataplaneException("timeouts: " + e.getMessage(), e);
        }
    }

    @Override
    public void timeouts(Integer tcp, Integer tcpFin, Integer udp) throws DataplaneException {
        // the kernel leaves a 0 as it is
        timeouts(new IpvsGenl.Timeouts(tcp == null ? 0 : tcp, tcpFin == null ? 0 : tcpFin, udp == null ? 0 : udp));
    }

    /** The sysctl, in this process's network namespace (the ip_vs module made it when it loaded). */
    @Override
    public void sloppyTcp(boolean on) throws DataplaneException {
        java.nio.file.Path p = java.nio.file.Path.of("/proc/sys/net/ipv4/vs/sloppy_tcp");
        try {
            java.nio.file.Files.writeString(p, on ? "1\n" : "0\n");
        } catch (java.io.IOException e) {
            throw new DataplaneException("sloppy_tcp: cannot write " + p + ": " + e.getMessage(), e);
        }
    }

    public void timeouts(IpvsGenl.Timeouts t) throws DataplaneException {
        call(IpvsGenl.CMD_SET_CONFIG, IpvsGenl.timeouts(t), "set timeouts");
    }

    public IpvsGenl.Info info() throws DataplaneException {
        try {
            return IpvsGenl.parseInfo(get(IpvsGenl.CMD_GET_INFO, "get info"));
        } catch (IpvsGenlException e) {
            throw new DataplaneException("info: " + e.getMessage(), e);
        }
    }

    /** Starts the kernel's master or backup sync daemon (ipvsadm --start-daemon). */
    public void startDaemon(IpvsGenl.Daemon d) throws DataplaneException {
        call(
                IpvsGenl.CMD_NEW_DAEMON,
                IpvsGenl.daemon(d),
                "start " + (d.state() == IpvsGenl.Daemon.MASTER ? "master" : "backup") + " sync daemon on "
                        + d.interfaceName());
    }

    public void stopDaemon(int state) throws DataplaneException {
        call(
                IpvsGenl.CMD_DEL_DAEMON,
                IpvsGenl.daemon(new IpvsGenl.Daemon(state, null, 0, 0, null, 0, 0)),
                "stop " + (state == IpvsGenl.Daemon.MASTER ? "master" : "backup") + " sync daemon");
    }

    @Override
    public void startSyncDaemon(boolean master, SyncSettings settings) throws DataplaneException {
        int stop = master ? IpvsGenl.Daemon.BACKUP : IpvsGenl.Daemon.MASTER;
        int start = master ? IpvsGenl.Daemon.MASTER : IpvsGenl.Daemon.BACKUP;
        for (IpvsGenl.Daemon d : daemons()) {
            if (d.state() == stop || d.state() == start) {
                stopDaemon(d.state());
            }
        }
        startDaemon(new IpvsGenl.Daemon(
                start,
                settings.interfaceName(),
                settings.syncId(),
                settings.maxlen(),
                settings.group(),
                settings.port(),
                settings.ttl()));
    }

    @Override
    public void stopSyncDaemon(boolean master) throws DataplaneException {
        stopDaemon(master ? IpvsGenl.Daemon.MASTER : IpvsGenl.Daemon.BACKUP);
    }

    public List<IpvsGenl.Daemon> daemons() throws DataplaneException {
        List<IpvsGenl.Daemon> out = new ArrayList<>();
        try {
            for (ByteBuffer m : dump(IpvsGenl.CMD_GET_DAEMON, null, "list sync daemons")) {
                out.add(IpvsGenl.parseDaemon(m));
            }
        } catch (IpvsGenlException e) {
            throw new DataplaneException("sync daemons: " + e.getMessage(), e);
        }
        return out;
    }

    @Override
    public void close() {
        nl.close();
    }
}
