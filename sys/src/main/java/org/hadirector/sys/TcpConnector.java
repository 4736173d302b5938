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
 * <p>A connect is half-open, as haproxy's layer-4 checks are: delayed ACKs are asked for before
 * connect (TCP_QUICKACK off), so the SYN-ACK that completes the connect is not acknowledged at
 * once, and a completed connect is closed with a reset (SO_LINGER 0). The real server answers a
 * SYN and forgets the request on the reset: its application never accepts a connection, no FIN
 * is exchanged and no TIME_WAIT socket is left on the director. What the check decides is
 * unchanged: keepalived's TCP_CHECK also counts the connect completed by the SYN-ACK as success.
 */
public final class TcpConnector implements Closeable {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(TcpConnector.class);
    /** errno of the outcome: 0 connected, {@link #TIMED_OUT} for the deadline, else the connect's or bind's errno. */
    @FunctionalInterface
    public interface Callback {
        void done(int errno, String call);
    }

    public static final int TIMED_OUT = -1;
    /** struct epoll_event on x86_64: u32 events, u64 data, packed. */
    private static final int EVENT_SIZE = 12;

    private static final int BATCH = 256;
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
    private final PriorityQueue<Attempt> deadlines =
            new PriorityQueue<>((a, b) -> Long.compare(a.deadline - b.deadline, 0));
    private volatile boolean running = true;
    /** Set when epoll itself failed: every attempt then fails at once with this errno instead of hanging. */
    private volatile int broken;
    /** True while the thread is in (or about to enter) epoll_wait: only then does a post need the eventfd. */
    private final java.util.concurrent.atomic.AtomicBoolean sleeping = new java.util.concurrent.atomic.AtomicBoolean();
    /** The thread inside {@link #batch}, whose connects wake the connector only when the batch ends. */
    private final java.util.concurrent.atomic.AtomicReference<Thread> batcher =
            new java.util.concurrent.atomic.AtomicReference<>();

    /** One connect in flight. */
    public final class Attempt implements AutoCloseable {
        private final Callback callback;
        private long deadline;
        private int fd = -1;
        private boolean finished;

        private Attempt(Callback callback) {
            this.callback = callback;
        }

        /** Aborts it (no callback then); safe from any thread, at any time. */
        @Override
        public void close() {
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
        Attempt a = new Attempt(callback);
        int b = broken;
        if (b != 0) {
            a.finished = true;
            callback.done(b, "epoll_wait");
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
        int fd = Native.C.socket(family, Native.SOCK_STREAM | Native.SOCK_NONBLOCK | Native.SOCK_CLOEXEC, 0);
        if (fd < 0) {
            end(a, Native.errno(), "socket", true);
            return;
        }
        a.fd = fd;
        // best effort: without it the connect simply completes with an ACK, as keepalived's does
        Native.C.setsockopt(fd, Native.IPPROTO_TCP, Native.TCP_QUICKACK, NO, NO.length);
        if (bind != null) {
            byte[] b = SockAddr.of(bind.getAddress(), bind.getPort());
            if (Native.C.bind(fd, b, b.length) < 0) {
                end(a, Native.errno(), "bind", true);
                return;
            }
        }
        byte[] to = SockAddr.of(target.getAddress(), target.getPort());
        if (Native.C.connect(fd, to, to.length) == 0) {
            end(a, 0, "connect", true);
            return;
        }
        int err = Native.errno();
        if (err != Native.EINPROGRESS) {
            end(a, err, "connect", true);
            return;
        }
        if (Native.C.epoll_ctl(epfd, Native.EPOLL_CTL_ADD, fd, event(Native.EPOLLOUT | Native.EPOLLONESHOT, fd)) < 0) {
            end(a, Native.errno(), "epoll_ctl", true);
            return;
        }
        a.deadline = System.nanoTime() + timeoutNanos;
        pending.put(fd, a);
        deadlines.add(a);
    }

    /** Closes the attempt's socket (which also leaves epoll) and reports, once. */
    private void end(Attempt a, int errno, String call, boolean report) {
        if (a.finished) {
            return;
        }
        a.finished = true;
        if (a.fd >= 0) {
            pending.remove(a.fd);
            if (errno == 0 && report) {
                // reset, not FIN: the handshake's last ACK has not been sent (see the class comment)
                Native.C.setsockopt(a.fd, Native.SOL_SOCKET, Native.SO_LINGER, RESET, RESET.length);
            }
            Native.closeQuietly(a.fd);
            a.fd = -1;
        }
        // a finished attempt leaves the deadline queue lazily, when it comes to the head
        if (report) {
            try {
                a.callback.done(errno, call);
            } catch (RuntimeException e) {
                // a callback's bug must not stop every other check
                LOG.error("{}: callback failed: {}", thread.getName(), e.toString(), e);
            }
        }
    }

    private void loop() {
        byte[] events = new byte[EVENT_SIZE * BATCH];
        byte[] soError = new byte[4];
        byte[] soErrorLen = new byte[4];
        ByteBuffer ev = ByteBuffer.wrap(events).order(java.nio.ByteOrder.nativeOrder());
        while (running) {
            long now = System.nanoTime();
            while (deadlines.peek() != null && deadlines.peek().finished) {
                deadlines.poll();
            }
            Attempt first = deadlines.peek();
            int timeout = first == null
                    ? 1000
                    : (int) Math.max(0, Math.min(1000, (first.deadline - now + 999_999) / 1_000_000));
            sleeping.set(true);
            if (!commands.isEmpty() || !running) {
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
                // Writable without error or hang-up is a completed connect (as getsockopt would
                // say, one system call fewer); otherwise SO_ERROR decides, as keepalived's check does.
                int err = 0;
                if ((ev.getInt(i * EVENT_SIZE) & (Native.EPOLLERR | Native.EPOLLHUP)) != 0) {
                    ByteBuffer.wrap(soErrorLen)
                            .order(java.nio.ByteOrder.nativeOrder())
                            .putInt(0, 4);
                    err = Native.C.getsockopt(fd, Native.SOL_SOCKET, Native.SO_ERROR, soError, soErrorLen) < 0
                            ? Native.errno()
                            : ByteBuffer.wrap(soError)
                                    .order(java.nio.ByteOrder.nativeOrder())
                                    .getInt(0);
                }
                end(a, err, "connect", true);
            }
            now = System.nanoTime();
            for (Attempt a; (a = deadlines.peek()) != null && (a.finished || a.deadline - now <= 0); ) {
                deadlines.poll();
                end(a, TIMED_OUT, "connect", true);
            }
            for (Runnable r; (r = commands.poll()) != null; ) {
                safely(r);
            }
        }
        for (Attempt a : pending.values().toArray(new Attempt[0])) {
            end(a, 0, null, false);
        }
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

    /** The C library's text for an errno, for reasons in logs ("Connection refused"). */
    public static String describe(int errno) {
        return Native.strerror(errno);
    }
}
