package org.hadirector.sys;

import java.io.Closeable;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;

/**
 * The kernel's process events (the proc connector: NETLINK_CONNECTOR, CN_IDX_PROC), as keepalived's
 * track_process reads them: fork, exec, comm change and exit of every process on the host (not per
 * network namespace). Threads are left out here, as keepalived leaves them out: only events whose
 * thread is its process's main thread (pid == tgid) are handed on.
 *
 * <p>The kernel sends these events only to sockets of the initial network namespace, and a
 * subscription from any other is refused (ECONNREFUSED). A daemon started inside a namespace (as
 * {@code ip netns exec} starts it) can name the initial namespace's file (e.g. /proc/1/ns/net) to
 * {@link #open}: the socket is then made there, on a thread of its own that ends at once, and
 * works from the namespace the daemon lives in; keepalived does the same by opening this socket
 * before it enters its {@code net_namespace}.
 */
public final class ProcEvents implements Closeable {
    static final int NETLINK_CONNECTOR = 11;
    static final int CN_IDX_PROC = 1;
    static final int CN_VAL_PROC = 1;
    static final int PROC_CN_MCAST_LISTEN = 1;
    static final int PROC_CN_MCAST_IGNORE = 2;
    static final int PROC_EVENT_NONE = 0;
    static final int PROC_EVENT_FORK = 0x1;
    static final int PROC_EVENT_EXEC = 0x2;
    static final int PROC_EVENT_COMM = 0x200;
    static final int PROC_EVENT_EXIT = 0x80000000;
    private static final int ECONNREFUSED = 111;
    private static final int ENOBUFS = 105;
    private static final int SO_RCVBUFFORCE = 33;
    /** nlmsghdr (16) + cn_msg (20): where struct proc_event starts. */
    static final int EVENT = 36;
    /** proc_event's what, cpu, timestamp_ns: where its event_data starts. */
    static final int DATA = EVENT + 16;

    /** One event of a process (its main thread). {@code parent} for FORK only, {@code comm} for COMM only. */
    public record Event(Kind kind, int pid, int parent, String comm) {}

    public enum Kind {
        FORK,
        EXEC,
        COMM,
        EXIT
    }

    private final int fd;
    private final byte[] rx = new byte[4096];
    private final byte[] from = new byte[12];
    private final byte[] fromLen = new byte[4];
    private long malformed;
    private long foreign;

    private ProcEvents(int fd) {
        this.fd = fd;
    }

    /**
     * Opens and subscribes a socket to the process events. When this network namespace is not the
     * initial one (the kernel refuses the subscription), and {@code initialNamespace} is given, the
     * socket is made in that namespace instead. {@code receiveBuffer} &gt; 0 sets SO_RCVBUF
     * (keepalived's process_monitor_rcv_bufs).
     */
    public static ProcEvents open(Path initialNamespace, int receiveBuffer) throws NativeException {
        try {
            return openHere(receiveBuffer);
        } catch (NativeException e) {
            if (e.errno() != ECONNREFUSED || initialNamespace == null) {
                throw e;
            }
        }
        AtomicReference<Object> result = new AtomicReference<>();
        // setns(2) moves the calling thread only: a thread of its own moves, opens and ends.
        Thread t = new Thread(
                () -> {
                    try {
                        int nsfd = Native.check(
                                Native.C.open(initialNamespace.toString(), Native.O_RDONLY | Native.O_CLOEXEC),
                                "open(" + initialNamespace + ")");
                        try {
                            Native.check(Native.C.setns(nsfd, Native.CLONE_NEWNET), "setns(" + initialNamespace + ")");
                        } finally {
                            Native.closeQuietly(nsfd);
                        }
                        result.set(openHere(receiveBuffer));
                    } catch (NativeException | RuntimeException e) {
                        result.set(e);
                    }
                },
                "proc-events-open");
        t.setDaemon(true);
        t.start();
        try {
            t.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        Object r = result.get();
        if (r instanceof ProcEvents p) {
            return p;
        }
        if (r instanceof NativeException e) {
            throw e;
        }
        throw new NativeException("open process events in " + initialNamespace + ": " + r, 0);
    }

    private static ProcEvents openHere(int receiveBuffer) throws NativeException {
        int fd = Native.check(
                Native.C.socket(Native.AF_NETLINK, Native.SOCK_DGRAM | Native.SOCK_CLOEXEC, NETLINK_CONNECTOR),
                "socket(NETLINK_CONNECTOR)");
        try {
            byte[] sa = SockAddr.netlink(0, CN_IDX_PROC);
            Native.check(Native.C.bind(fd, sa, sa.length), "bind(NETLINK_CONNECTOR)");
            ProcEvents ev = new ProcEvents(fd);
            if (receiveBuffer > 0) {
                ev.receiveBuffer(receiveBuffer);
            }
            listen(fd, PROC_CN_MCAST_LISTEN);
            return ev;
        } catch (NativeException e) {
            Native.closeQuietly(fd);
            throw e;
        }
    }

    /** The subscription message: nlmsghdr, cn_msg for the proc connector, and the operation. */
    static byte[] listenMessage(int op) {
        ByteBuffer m = ByteBuffer.allocate(40).order(ByteOrder.nativeOrder());
        m.putInt(40)
                .putShort((short) 3 /* NLMSG_DONE */)
                .putShort((short) 0)
                .putInt(0)
                .putInt(0);
        m.putInt(CN_IDX_PROC)
                .putInt(CN_VAL_PROC)
                .putInt(0)
                .putInt(0)
                .putShort((short) 4)
                .putShort((short) 0);
        m.putInt(op);
        return m.array();
    }

    private static void listen(int fd, int op) throws NativeException {
        byte[] m = listenMessage(op);
        byte[] to = SockAddr.netlink(0, 0);
        Native.check(Native.C.sendto(fd, m, m.length, 0, to, to.length), "sendto(proc connector)");
    }

    public int fd() {
        return fd;
    }

    /**
     * Sets the receive buffer, past rmem_max where we may (SO_RCVBUFFORCE, as keepalived's
     * process_monitor_rcv_bufs_force), else as far as rmem_max allows; after an overrun keepalived
     * doubles it.
     */
    public void receiveBuffer(int bytes) throws NativeException {
        try {
            Native.setInt(fd, Native.SOL_SOCKET, SO_RCVBUFFORCE, bytes, "SO_RCVBUFFORCE");
        } catch (NativeException e) {
            Native.setInt(fd, Native.SOL_SOCKET, Native.SO_RCVBUF, bytes, "SO_RCVBUF");
        }
    }

    /**
     * Reads every event waiting (never blocks) and hands those of processes to {@code events}.
     * Returns false when the socket overran (ENOBUFS: the kernel dropped events): the caller must
     * read the processes afresh, as keepalived does. The socket goes on working.
     */
    public boolean readEvents(Consumer<Event> events) throws NativeException {
        for (int reads = 0; reads < 10_000; reads++) {
            fromLen[0] = 12;
            fromLen[1] = 0;
            fromLen[2] = 0;
            fromLen[3] = 0;
            long n = Native.C.recvfrom(fd, rx, rx.length, Native.MSG_DONTWAIT, from, fromLen);
            if (n < 0) {
                int errno = Native.errno();
                if (errno == Native.EAGAIN || errno == Native.EINTR) {
                    return true;
                }
                if (errno == ENOBUFS) {
                    return false;
                }
                throw new NativeException("recv(proc connector)", errno);
            }
            // Only the kernel (port id 0) speaks for the processes; anyone else is not believed.
            if (ByteBuffer.wrap(from).order(ByteOrder.nativeOrder()).getInt(4) != 0) {
                foreign++;
                continue;
            }
            Event e = parse(rx, (int) n);
            if (e == MALFORMED) {
                malformed++;
            } else if (e != null) {
                events.accept(e);
            }
        }
        return true;
    }

    /** Messages too short or not proc connector messages, since the socket opened. */
    public long malformed() {
        return malformed;
    }

    /** Messages not sent by the kernel, since the socket opened. */
    public long foreign() {
        return foreign;
    }

    static final Event MALFORMED = new Event(Kind.EXIT, -1, -1, null);

    /**
     * One datagram: an {@link Event}, null for what track_process does not use (acknowledgements,
     * other events, threads), {@link #MALFORMED} for a message too short or not the proc
     * connector's. The kernel sends one message per datagram.
     */
    static Event parse(byte[] b, int len) {
        if (len < DATA + 8) {
            return MALFORMED;
        }
        ByteBuffer m = ByteBuffer.wrap(b, 0, len).order(ByteOrder.nativeOrder());
        int nlLen = m.getInt(0);
        int type = m.getShort(4) & 0xffff;
        if (nlLen < DATA + 8 || nlLen > len) {
            return MALFORMED;
        }
        if (type == 2 /* NLMSG_ERROR */ || type == 1 /* NLMSG_NOOP */) {
            return null;
        }
        if (m.getInt(16) != CN_IDX_PROC || m.getInt(20) != CN_VAL_PROC) {
            return MALFORMED;
        }
        int payload = m.getShort(32) & 0xffff;
        if (EVENT + payload > nlLen) {
            return MALFORMED;
        }
        int what = m.getInt(EVENT);
        switch (what) {
            case PROC_EVENT_FORK -> {
                if (payload < 32) {
                    return MALFORMED;
                }
                int parentTgid = m.getInt(DATA + 4);
                int childPid = m.getInt(DATA + 8);
                int childTgid = m.getInt(DATA + 12);
                return childPid == childTgid ? new Event(Kind.FORK, childTgid, parentTgid, null) : null;
            }
            case PROC_EVENT_EXEC, PROC_EVENT_EXIT -> {
                int pid = m.getInt(DATA);
                int tgid = m.getInt(DATA + 4);
                return pid == tgid ? new Event(what == PROC_EVENT_EXEC ? Kind.EXEC : Kind.EXIT, tgid, 0, null) : null;
            }
            case PROC_EVENT_COMM -> {
                if (payload < 16 + 24) {
                    return MALFORMED;
                }
                int pid = m.getInt(DATA);
                int tgid = m.getInt(DATA + 4);
                if (pid != tgid) {
                    return null;
                }
                int end = DATA + 8;
                while (end < DATA + 24 && b[end] != 0) {
                    end++;
                }
                return new Event(
                        Kind.COMM, tgid, 0, new String(b, DATA + 8, end - DATA - 8, StandardCharsets.ISO_8859_1));
            }
            default -> {
                return null;
            }
        }
    }

    @Override
    public void close() {
        try {
            listen(fd, PROC_CN_MCAST_IGNORE);
        } catch (NativeException e) {
            // closing anyway: the kernel drops the subscription with the socket
        }
        Native.closeQuietly(fd);
    }
}
