package org.hadirector.sys;

import java.io.Closeable;
import java.net.Inet6Address;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.HashMap;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * TCP connects and nothing else, for health checks: one thread, one epoll instance, and per
 * attempt only socket, (bind,) connect, epoll_ctl and close (and getsockopt(SO_ERROR) when it failed), the fewest
 * system calls a completed connect can cost (a netty channel makes about 14). Every file
 * descriptor is touched by the connector's thread only; other threads hand it work and aborts
 * through a queue and an eventfd. Callbacks run on that thread and must not block.
 *
 * <p>A connect is half-open, as haproxy's layer-4 checks are: the handshake's last ACK is held
 * back (TCP_DEFER_ACCEPT on the connecting socket; TCP_QUICKACK off for a conversation), so the
 * SYN-ACK that completes the connect is not acknowledged at once, and a completed connect ends
 * with a reset. The real server answers a SYN and forgets the request on the reset: its
 * application never accepts a connection, no FIN is exchanged and no TIME_WAIT socket is left on
 * the director. What the check decides is unchanged: keepalived's TCP_CHECK also counts the
 * connect completed by the SYN-ACK as success.
 *
 * <p>The reset is a connect to AF_UNSPEC (the kernel's tcp_disconnect, as close with SO_LINGER 0
 * does), which leaves the socket unconnected and ready for the next connect: the sockets of
 * completed plain connects (no bind address) are kept in a small pool per family and connected
 * again, still registered in epoll (EPOLLONESHOT, re-armed with one EPOLL_CTL_MOD). A check
 * then costs connect, epoll_ctl and the disconnect, where a fresh socket costs socket,
 * setsockopt, connect, epoll_ctl, setsockopt and close: a C test of 10,000 checks a second measured
 * 28-29% of a core with a fresh socket per check against 20-21% reusing them (lab/floor,
 * FLOOR_REUSE=1), the difference being the kernel's making and freeing of a socket and its file. The wire is the same: SYN, SYN-ACK, RST, a new source port each time.
 * A pooled socket's connect to a local address (loopback, or one of this host's) has its outcome
 * before connect returns; a second connect reads it (0 or the error) and the check costs connect,
 * connect and the disconnect, with nothing in epoll, the deadline queue or the attempt map. To a
 * real server across a link the second connect says EALREADY and epoll follows as before.
 *
 * <p>A {@link Conversation} (HTTP_GET's request and response) runs on the same thread: after the
 * connect it writes and reads, edge-triggered on the one epoll registration, so a whole HTTP check
 * costs socket, connect, epoll_ctl, write, a read or three and close. Its deadline is per phase,
 * as keepalived's timers are: connect, write, and each read must each complete within the timeout
 * (a server that answers slowly but steadily is not cut off).
 */
public final class TcpConnector implements Closeable {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(TcpConnector.class);
    /** errno of the outcome: 0 connected, {@link #TIMED_OUT} for the deadline, else the connect's or bind's errno. */
    @FunctionalInterface
    public interface Callback {
        void done(int errno, String call);
    }

    public static final int TIMED_OUT = -1;

    /**
     * Bytes out and in over one connection, on the connector's thread; no method may block. The
     * conversation ends when it calls {@link Stream#finish} (then nothing more is called) or when
     * {@link #ended} is called, once.
     */
    public interface Conversation {
        /** The connect completed: write the first bytes. */
        void opened(Stream s);

        /** {@code len} bytes arrived in {@code buf}, which is reused after the call. */
        void received(Stream s, byte[] buf, int len);

        /**
         * The connection ended without {@link Stream#finish}: errno 0 with "read" when the peer
         * closed it, {@link #TIMED_OUT} with the phase that ran out of time ("connect", "write",
         * "read"), else the errno and the call that failed.
         */
        void ended(int errno, String call);
    }

    /** A conversation's connection, for use on the connector's thread only. */
    public interface Stream {
        /** Sends {@code bytes} (queued while the socket is full). */
        void write(byte[] bytes);

        /** Closes the connection: the conversation has decided. */
        void finish();
    }

    /** Reads one event may do before the others get their turn (the rest waits in {@link #unread}). */
    private static final int READS_PER_TURN = 16;

    private static final int READ_BUFFER = 8192;
    /** struct epoll_event on x86_64: u32 events, u64 data, packed. */
    private static final int EVENT_SIZE = 12;

    private static final int BATCH = 256;
    /** Unconnected sockets kept per family for the next plain connects (each is a descriptor held). */
    static final int POOL = 256;
    /** An int 1: TCP_DEFER_ACCEPT's seconds (any value holds the ACK back; it survives a disconnect). */
    private static final byte[] YES = java.nio.ByteBuffer.allocate(4)
            .order(java.nio.ByteOrder.nativeOrder())
            .putInt(1)
            .array();
    /** struct sockaddr with sa_family AF_UNSPEC: a connect to it dissolves the connection with a reset. */
    private static final byte[] UNSPEC = new byte[16];
    /** An int 0 (TCP_QUICKACK off). */
    private static final byte[] NO = new byte[4];
    /** struct linger {l_onoff 1, l_linger 0}: close sends a reset. */
    private static final byte[] RESET = java.nio.ByteBuffer.allocate(8)
            .order(java.nio.ByteOrder.nativeOrder())
            .putInt(1)
            .putInt(0)
            .array();

    private final int epfd;
    private final WakeUp wake;
    private final Thread thread;
    private final ConcurrentLinkedQueue<Runnable> commands = new ConcurrentLinkedQueue<>();
    private final Map<Integer, Attempt> pending = new HashMap<>();
    /** Idle unconnected sockets, IPv4 and IPv6 (connector's thread only). */
    private final Pool pool4 = new Pool();

    private final Pool pool6 = new Pool();
    /** Connects that took a pooled socket (written by the connector's thread only). */
    private volatile long reused;
    /** Connects whose outcome the second connect gave, with no epoll (written by the connector's thread only). */
    private volatile long atOnce;

    /** At most {@link #POOL} idle sockets of one family, last in first out. */
    private static final class Pool {
        private final int[] fds = new int[POOL];
        private int size;

        /** An idle socket, or -1. */
        int take() {
            return size > 0 ? fds[--size] : -1;
        }

        boolean full() {
            return size == POOL;
        }

        void put(int fd) {
            fds[size++] = fd;
        }

        void closeAll() {
            while (size > 0) {
                Native.closeQuietly(fds[--size]);
            }
        }
    }
    /**
     * Deadlines as they were when queued: a conversation's moves on at each phase, and an entry
     * whose attempt has a later deadline by the time it comes to the head is queued again.
     */
    private final PriorityQueue<Due> deadlines = new PriorityQueue<>((a, b) -> Long.compare(a.at - b.at, 0));
    /** Conversations with bytes left to read after their turn (edge-triggered: no new event comes). */
    private final java.util.ArrayDeque<Attempt> unread = new java.util.ArrayDeque<>();

    private record Due(long at, Attempt attempt) {}

    private volatile boolean running = true;
    /** Set when epoll itself failed: every attempt then fails at once with this errno instead of hanging. */
    private volatile int broken;
    /** True while the thread is in (or about to enter) epoll_wait: only then does a post need the eventfd. */
    private final java.util.concurrent.atomic.AtomicBoolean sleeping = new java.util.concurrent.atomic.AtomicBoolean();
    /** The thread inside {@link #batch}, whose connects wake the connector only when the batch ends. */
    private final java.util.concurrent.atomic.AtomicReference<Thread> batcher =
            new java.util.concurrent.atomic.AtomicReference<>();

    /** One connect (or conversation) in flight. */
    public final class Attempt implements AutoCloseable, Stream {
        private final Callback callback;
        private final Conversation conversation;
        private long timeoutNanos;
        private long deadline;
        private int fd = -1;
        /** The socket's family when it may go back to the pool after a completed connect; 0 when not. */
        private int poolFamily;

        private boolean finished;
        private boolean connected;
        /** The phase a timeout is reported in. */
        private String phase = "connect";
        /** Bytes the socket did not take yet. */
        private byte[] out;
        /** It has an entry in {@link #deadlines}. */
        private boolean queued;
        /**
         * Set by {@link #close} on the caller's thread, at once: the abort itself runs later on the
         * connector's thread, and an outcome or a read that comes before it must not reach a caller
         * that has already let go.
         */
        private volatile boolean aborted;

        private Attempt(Callback callback, Conversation conversation) {
            this.callback = callback;
            this.conversation = conversation;
        }

        @Override
        public void write(byte[] bytes) {
            if (finished) {
                return;
            }
            if (out != null) {
                byte[] more = java.util.Arrays.copyOf(out, out.length + bytes.length);
                System.arraycopy(bytes, 0, more, out.length, bytes.length);
                out = more;
                return;
            }
            out = bytes;
            phase = "write";
            flush(this);
        }

        @Override
        public void finish() {
            end(this, 0, null, false);
        }

        private void report(int errno, String call) {
            if (aborted) {
                return;
            }
            if (conversation != null) {
                conversation.ended(errno, call);
            } else {
                callback.done(errno, call);
            }
        }

        /** Aborts it (no callback then); safe from any thread, at any time. */
        @Override
        public void close() {
            aborted = true;
            post(() -> end(this, 0, null, false));
        }
    }

    private TcpConnector(int epfd, WakeUp wake, String name) {
        this.epfd = epfd;
        this.wake = wake;
        this.thread = new Thread(this::loop, name);
        this.thread.setDaemon(true);
    }

    public static TcpConnector open(String threadName) throws NativeException {
        int ep = Native.check(Native.C.epoll_create1(Native.O_CLOEXEC), "epoll_create1");
        WakeUp w = null;
        try {
            w = new WakeUp();
            Native.check(
                    Native.C.epoll_ctl(ep, Native.EPOLL_CTL_ADD, w.fd(), event(Native.EPOLLIN, -1)),
                    "epoll_ctl(eventfd)");
            TcpConnector c = new TcpConnector(ep, w, threadName);
            c.thread.start();
            return c;
        } catch (NativeException e) {
            if (w != null) {
                w.close();
            }
            Native.closeQuietly(ep);
            throw e;
        }
    }

    private static byte[] event(int events, int fd) {
        ByteBuffer b = Bytes.nativeBuffer(EVENT_SIZE);
        b.putInt(events);
        b.putLong(fd);
        return b.array();
    }

    /**
     * Connects to {@code target} (from {@code bind} when not null) within {@code timeoutNanos};
     * the callback gets the outcome once, on the connector's thread, unless the attempt is closed first.
     */
    public Attempt connect(InetSocketAddress target, InetSocketAddress bind, long timeoutNanos, Callback callback) {
        return begin(new Attempt(callback, null), target, bind, timeoutNanos);
    }

    /**
     * Connects to {@code target} (from {@code bind} when not null) and runs {@code c} on the
     * connection, each phase within {@code timeoutNanos}. Closing the attempt aborts it silently.
     */
    public Attempt converse(InetSocketAddress target, InetSocketAddress bind, long timeoutNanos, Conversation c) {
        return begin(new Attempt(null, c), target, bind, timeoutNanos);
    }

    private Attempt begin(Attempt a, InetSocketAddress target, InetSocketAddress bind, long timeoutNanos) {
        int b = broken;
        if (b != 0) {
            a.finished = true;
            a.report(b, "epoll_wait");
            return a;
        }
        post(() -> start(a, target, bind, timeoutNanos));
        return a;
    }

    private void post(Runnable r) {
        commands.add(r);
        if (batcher.get() != Thread.currentThread() && sleeping.compareAndSet(true, false)) {
            wake.signal();
        }
    }

    /**
     * Runs {@code r}, which may start many connects, and wakes the connector's thread once at the
     * end rather than once per connect (each wake-up is a write, an epoll return and a context
     * switch: as much as the connect itself). One thread batches at a time; a nested or
     * concurrent batch just runs.
     */
    public void batch(Runnable r) {
        Thread me = Thread.currentThread();
        if (!batcher.compareAndSet(null, me)) {
            r.run();
            return;
        }
        try {
            r.run();
        } finally {
            batcher.set(null);
            if (!commands.isEmpty() && sleeping.compareAndSet(true, false)) {
                wake.signal();
            }
        }
    }

    private void start(Attempt a, InetSocketAddress target, InetSocketAddress bind, long timeoutNanos) {
        if (a.finished) {
            return;
        }
        if (broken != 0) {
            end(a, broken, "epoll_wait", true);
            return;
        }
        int family = target.getAddress() instanceof Inet6Address ? Native.AF_INET6 : Native.AF_INET;
        boolean poolable = a.conversation == null && bind == null;
        int fd = poolable ? pool(family).take() : -1;
        boolean registered = fd >= 0;
        if (registered) {
            reused++;
        } else {
            fd = Native.C.socket(family, Native.SOCK_STREAM | Native.SOCK_NONBLOCK | Native.SOCK_CLOEXEC, 0);
            if (fd < 0) {
                end(a, Native.errno(), "socket", true);
                return;
            }
            // best effort: without it the connect simply completes with an ACK, as keepalived's does
            // (a conversation's first write then carries the handshake's last ACK). A plain connect
            // holds the ACK back with TCP_DEFER_ACCEPT, which a disconnect keeps (TCP_QUICKACK's
            // setting is reset by it), so a pooled socket needs no call for it again.
            if (poolable) {
                Native.C.setsockopt(fd, Native.IPPROTO_TCP, Native.TCP_DEFER_ACCEPT, YES, YES.length);
            } else {
                Native.C.setsockopt(fd, Native.IPPROTO_TCP, Native.TCP_QUICKACK, NO, NO.length);
            }
        }
        a.fd = fd;
        a.poolFamily = poolable ? family : 0;
        a.timeoutNanos = timeoutNanos;
        if (bind != null) {
            byte[] b = SockAddr.of(bind.getAddress(), bind.getPort());
            if (Native.C.bind(fd, b, b.length) < 0) {
                end(a, Native.errno(), "bind", true);
                return;
            }
        }
        byte[] to = SockAddr.of(target.getAddress(), target.getPort());
        boolean now = Native.C.connect(fd, to, to.length) == 0;
        if (now && a.conversation == null) {
            if (!registered) {
                a.poolFamily = 0; // never in epoll: a later EPOLL_CTL_MOD would not find it, so not pooled
            }
            end(a, 0, "connect", true);
            return;
        }
        int err = now ? 0 : Native.errno();
        if (!now && err != Native.EINPROGRESS) {
            end(a, err, "connect", true);
            return;
        }
        if (registered) { // a pooled socket: a plain connect's (a conversation's never is)
            // The handshake may be over already: to a loopback or this host's own address the
            // kernel runs the whole exchange inside connect (delivered locally, the SYN-ACK taken
            // when connect releases the socket). A second connect says so (0, or the handshake's
            // error) and epoll, the deadline queue and the map are skipped; EALREADY (a real
            // server across a link) costs one cheap call and goes on below. Pooled sockets only:
            // a new one must be registered in epoll to be pooled.
            if (Native.C.connect(fd, to, to.length) == 0) {
                atOnce++;
                end(a, 0, "connect", true);
                return;
            }
            int again = Native.errno();
            if (again != Native.EALREADY) {
                atOnce++;
                end(a, again, "connect", true);
                return;
            }
        }
        // a conversation stays registered for reads and writes, edge-triggered: no epoll_ctl after this one
        int events = a.conversation == null
                ? Native.EPOLLOUT | Native.EPOLLONESHOT
                : Native.EPOLLOUT | Native.EPOLLIN | Native.EPOLLET;
        // a pooled socket is still registered (its one-shot disarmed since its last event): re-armed
        if (Native.C.epoll_ctl(epfd, registered ? Native.EPOLL_CTL_MOD : Native.EPOLL_CTL_ADD, fd, event(events, fd))
                < 0) {
            end(a, Native.errno(), "epoll_ctl", true);
            return;
        }
        pending.put(fd, a);
        touch(a);
        if (now) {
            opened(a);
        }
    }

    /** Starts the attempt's current phase: its deadline is the timeout from now. */
    private void touch(Attempt a) {
        a.deadline = System.nanoTime() + a.timeoutNanos;
        if (!a.queued) {
            // one entry per attempt: when it comes due, an attempt moved on since is queued again (loop())
            a.queued = true;
            deadlines.add(new Due(a.deadline, a));
        }
    }

    private void opened(Attempt a) {
        a.connected = true;
        a.phase = "read";
        try {
            a.conversation.opened(a);
        } catch (RuntimeException e) {
            LOG.error("{}: conversation failed: {}", thread.getName(), e.toString(), e);
            end(a, 0, null, false);
        }
    }

    /** Writes what the socket takes of the attempt's pending bytes. */
    private void flush(Attempt a) {
        byte[] b = a.out;
        long n = Native.C.write(a.fd, b, b.length);
        if (n == b.length) {
            a.out = null;
            a.phase = "read";
            touch(a);
        } else if (n >= 0) {
            a.out = java.util.Arrays.copyOfRange(b, (int) n, b.length);
            touch(a);
        } else {
            int err = Native.errno();
            if (err != Native.EAGAIN && err != Native.EINTR) {
                end(a, err, "write", true);
            }
        }
    }

    /** A conversation's event: the connect's end, room to write, bytes or the peer's close to read. */
    private void serve(Attempt a, int events, byte[] buf) {
        if (a.aborted) {
            end(a, 0, null, false);
            return;
        }
        if (!a.connected) {
            int err = 0;
            if ((events & (Native.EPOLLERR | Native.EPOLLHUP)) != 0) {
                err = soError(a.fd);
            }
            if (err != 0) {
                end(a, err, "connect", true);
                return;
            }
            touch(a);
            opened(a);
        } else if (a.out != null && (events & Native.EPOLLOUT) != 0) {
            flush(a);
        }
        if (!a.finished && (events & (Native.EPOLLIN | Native.EPOLLERR | Native.EPOLLHUP)) != 0) {
            read(a, buf);
        }
    }

    /** Reads until the socket is empty, the peer closed it, or the turn is over. */
    private void read(Attempt a, byte[] buf) {
        if (a.aborted) {
            end(a, 0, null, false);
            return;
        }
        for (int i = 0; i < READS_PER_TURN; i++) {
            long n = Native.C.read(a.fd, buf, buf.length);
            if (n > 0) {
                touch(a);
                try {
                    a.conversation.received(a, buf, (int) n);
                } catch (RuntimeException e) {
                    LOG.error("{}: conversation failed: {}", thread.getName(), e.toString(), e);
                    end(a, 0, null, false);
                }
                if (a.finished) {
                    return;
                }
            } else if (n == 0) {
                end(a, 0, "read", true);
                return;
            } else {
                int err = Native.errno();
                if (err != Native.EAGAIN && err != Native.EINTR) {
                    end(a, err, "read", true);
                }
                return;
            }
        }
        unread.add(a);
    }

    private static int soError(int fd) {
        byte[] v = new byte[4];
        byte[] len = Bytes.nativeBuffer(4).putInt(4).array();
        return Native.C.getsockopt(fd, Native.SOL_SOCKET, Native.SO_ERROR, v, len) < 0
                ? Native.errno()
                : ByteBuffer.wrap(v).order(java.nio.ByteOrder.nativeOrder()).getInt(0);
    }

    /** Closes the attempt's socket (which also leaves epoll) and reports, once. */
    private void end(Attempt a, int errno, String call, boolean report) {
        if (a.finished) {
            return;
        }
        a.finished = true;
        if (a.fd >= 0) {
            pending.remove(a.fd);
            if (errno == 0 && report && a.conversation == null) {
                // reset, not FIN: the handshake's last ACK has not been sent (see the class comment)
                release(a.fd, a.poolFamily);
            } else {
                Native.closeQuietly(a.fd);
            }
            a.fd = -1;
        }
        // a finished attempt leaves the deadline queue lazily, when it comes to the head
        if (report) {
            try {
                a.report(errno, call);
            } catch (RuntimeException e) {
                // a callback's bug must not stop every other check
                LOG.error("{}: callback failed: {}", thread.getName(), e.toString(), e);
            }
        }
    }

    /** The family's pool; null for 0 (a socket that is never pooled). */
    private Pool pool(int family) {
        return family == Native.AF_INET ? pool4 : family == Native.AF_INET6 ? pool6 : null;
    }

    /**
     * Ends a completed connect with a reset: disconnected (connect to AF_UNSPEC) and kept for the
     * next connect when it may be pooled and the pool has room, else closed with SO_LINGER 0.
     */
    private void release(int fd, int family) {
        Pool p = pool(family);
        if (p != null && !p.full() && Native.C.connect(fd, UNSPEC, UNSPEC.length) == 0) {
            p.put(fd);
            return;
        }
        Native.C.setsockopt(fd, Native.SOL_SOCKET, Native.SO_LINGER, RESET, RESET.length);
        Native.closeQuietly(fd);
    }

    private void loop() {
        byte[] events = new byte[EVENT_SIZE * BATCH];
        ByteBuffer ev = ByteBuffer.wrap(events).order(java.nio.ByteOrder.nativeOrder());
        byte[] buf = new byte[READ_BUFFER];
        while (running) {
            long now = System.nanoTime();
            while (deadlines.peek() != null && deadlines.peek().attempt.finished) {
                deadlines.poll().attempt.queued = false;
            }
            Due first = deadlines.peek();
            int timeout =
                    first == null ? 1000 : (int) Math.max(0, Math.min(1000, (first.at - now + 999_999) / 1_000_000));
            sleeping.set(true);
            if (!commands.isEmpty() || !running || !unread.isEmpty()) {
                timeout = 0;
            }
            int n = Native.C.epoll_wait(epfd, events, BATCH, timeout);
            sleeping.set(false);
            if (n < 0) {
                int errno = Native.errno();
                if (errno == Native.EINTR) {
                    continue;
                }
                // Should never happen; if it does, fail every check loudly rather than leave them hanging.
                LOG.error(
                        "{}: epoll_wait failed: {}; every TCP_CHECK fails from now on",
                        thread.getName(),
                        Native.strerror(errno));
                broken = errno;
                for (Attempt a : pending.values().toArray(new Attempt[0])) {
                    end(a, errno, "epoll_wait", true);
                }
                for (Runnable r; (r = commands.poll()) != null; ) {
                    safely(r);
                }
                break;
            }
            for (int i = 0; i < n; i++) {
                int fd = (int) ev.getLong(i * EVENT_SIZE + 4);
                if (fd == -1) {
                    wake.clear();
                    continue;
                }
                Attempt a = pending.get(fd);
                if (a == null) {
                    continue;
                }
                if (a.conversation != null) {
                    serve(a, ev.getInt(i * EVENT_SIZE), buf);
                    continue;
                }
                // Writable without error or hang-up is a completed connect (as getsockopt would
                // say, one system call fewer); otherwise SO_ERROR decides, as keepalived's check does.
                int err = (ev.getInt(i * EVENT_SIZE) & (Native.EPOLLERR | Native.EPOLLHUP)) != 0 ? soError(fd) : 0;
                end(a, err, "connect", true);
            }
            for (int i = unread.size(); i > 0; i--) {
                Attempt a = unread.poll();
                if (!a.finished) {
                    read(a, buf);
                }
            }
            now = System.nanoTime();
            for (Due d; (d = deadlines.peek()) != null && d.at - now <= 0; ) {
                deadlines.poll();
                Attempt a = d.attempt;
                a.queued = false;
                if (a.finished) {
                    continue;
                }
                if (a.deadline - now > 0) {
                    // it moved on to another phase since: its own deadline now
                    a.queued = true;
                    deadlines.add(new Due(a.deadline, a));
                } else {
                    end(a, TIMED_OUT, a.phase, true);
                }
            }
            for (Runnable r; (r = commands.poll()) != null; ) {
                safely(r);
            }
        }
        for (Attempt a : pending.values().toArray(new Attempt[0])) {
            end(a, 0, null, false);
        }
        pool4.closeAll();
        pool6.closeAll();
    }

    /** One queued command; a bug in one must not stop the thread every TCP check depends on. */
    private void safely(Runnable r) {
        try {
            r.run();
        } catch (RuntimeException e) {
            LOG.error("{}: {}", thread.getName(), e.toString(), e);
        }
    }

    /** Stops the thread; attempts in flight end without a callback. */
    @Override
    public void close() {
        broken = 9; // EBADF: a connect after close fails at once instead of waiting for a thread that is gone
        running = false;
        wake.signal();
        sleeping.set(false);
        try {
            thread.join(5000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        wake.close();
        Native.closeQuietly(epfd);
    }

    /** How many connects so far took a pooled socket instead of a new one. */
    public long reusedSockets() {
        return reused;
    }

    /** How many connects on a pooled socket had their outcome when connect returned (a local target). */
    public long connectedAtOnce() {
        return atOnce;
    }

    /** The C library's text for an errno, for reasons in logs ("Connection refused"). */
    public static String describe(int errno) {
        return Native.strerror(errno);
    }
}
