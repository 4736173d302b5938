package org.hadirector.healthcheck;

import io.netty.util.Timeout;
import io.netty.util.Timer;
import java.net.InetAddress;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.hadirector.sys.IcmpEcho;
import org.hadirector.sys.IcmpEchoSocket;
import org.hadirector.sys.NativeException;
import org.hadirector.sys.Poller;
import org.hadirector.sys.RateLimitedLog;
import org.hadirector.sys.WakeUp;

/**
 * Every PING_CHECK of one address family on one ICMP socket and one receiver thread, so that
 * hundreds of checks cost one descriptor and one thread, not one each as keepalived's socket per
 * check would here. A ping is keyed by (target, sequence number): the receiver hands the reply
 * from that target with that sequence to its ping, and the shared timer fails a ping that has
 * none within its timeout. keepalived's socket per check meant that the first datagram on it
 * decided; the key is what makes a reply this ping's here.
 */
final class Pinger implements AutoCloseable {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(Pinger.class);

    private record Key(InetAddress target, int seq) {}

    private final IcmpEchoSocket socket;
    private final Timer timer;
    private final WakeUp wake;
    private final Thread thread;
    private final Map<Key, Ping> pending = new ConcurrentHashMap<>();
    private final AtomicInteger nextSeq =
            new AtomicInteger(java.util.concurrent.ThreadLocalRandom.current().nextInt());
    private final RateLimitedLog receiveErrors = RateLimitedLog.everyPeriod();
    private volatile boolean running = true;

    private Pinger(IcmpEchoSocket socket, WakeUp wake, Timer timer) {
        this.socket = socket;
        this.wake = wake;
        this.timer = timer;
        this.thread = new Thread(this::receive, socket.ipv6() ? "ping6-checks" : "ping-checks");
        this.thread.setDaemon(true);
    }

    /** Opens the family's socket and starts its receiver; timeouts run on {@code timer}. */
    static Pinger open(boolean ipv6, Timer timer) throws NativeException {
        IcmpEchoSocket s = IcmpEchoSocket.open(ipv6);
        try {
            Pinger p = new Pinger(s, new WakeUp(), timer);
            p.thread.start();
            return p;
        } catch (NativeException e) {
            s.close();
            throw e;
        }
    }

    IcmpEchoSocket.Kind kind() {
        return socket.kind();
    }

    /** One ping in flight, ended once: by its reply, its timeout, a failed send or an abort. */
    private final class Ping implements AutoCloseable {
        private final Key key;
        private final Consumer<ProbeResult> done;
        private final AtomicBoolean over = new AtomicBoolean();
        private volatile Timeout timeout;

        Ping(Key key, Consumer<ProbeResult> done) {
            this.key = key;
            this.done = done;
        }

        void finish(ProbeResult r) {
            if (end()) {
                done.accept(r);
            }
        }

        private boolean end() {
            if (!over.compareAndSet(false, true)) {
                return false;
            }
            pending.remove(key, this);
            Timeout t = timeout;
            if (t != null) {
                t.cancel();
            }
            return true;
        }

        /** The probe's abort handle: no verdict. */
        @Override
        public void close() {
            end();
        }
    }

    /**
     * Sends one echo request with {@code data} to {@code target}; {@code done} gets one verdict
     * within {@code timeoutNanos} unless the returned handle aborts it first.
     */
    AutoCloseable ping(InetAddress target, long timeoutNanos, byte[] data, Consumer<ProbeResult> done) {
        Ping p;
        while (true) {
            // a sequence number in use for this target (65,536 pings to it in flight) is skipped
            Key k = new Key(target, nextSeq.getAndIncrement() & 0xffff);
            p = new Ping(k, done);
            if (pending.putIfAbsent(k, p) == null) {
                break;
            }
        }
        Ping ping = p;
        long ms = TimeUnit.NANOSECONDS.toMillis(timeoutNanos);
        try {
            // armed before the send, so that no reply can come before there is a timeout to cancel
            ping.timeout = timer.newTimeout(
                    t -> ping.finish(ProbeResult.fail("no reply within " + ms + " ms")),
                    timeoutNanos,
                    TimeUnit.NANOSECONDS);
        } catch (RuntimeException e) {
            ping.close(); // the timer is stopped (closing): leave nothing pending
            throw e;
        }
        try {
            socket.send(target, ping.key.seq(), data);
        } catch (NativeException e) {
            // keepalived: a failed sendto fails the check at once
            ping.finish(ProbeResult.fail("send: " + e.getMessage()));
        } catch (RuntimeException e) {
            ping.finish(ProbeResult.fail("send: " + e));
        }
        return ping;
    }

    /** The receiver thread: hands each reply to its ping; what matches none is not ours. */
    private void receive() {
        Poller poller = new Poller(socket.fd(), wake.fd());
        boolean ipv6 = socket.ipv6();
        while (running) {
            try {
                long ready = poller.await(1000);
                if ((ready & 2) != 0) {
                    wake.clear();
                }
                if ((ready & 1) == 0) {
                    continue;
                }
                for (IcmpEchoSocket.Reply r; running && (r = socket.receive(0)) != null; ) {
                    Ping p = pending.get(new Key(r.from(), r.message().seq()));
                    if (p != null) {
                        IcmpEcho.Message m = r.message();
                        // keepalived: the first message decides, and only an echo reply passes
                        p.finish(
                                m.isEchoReply(ipv6)
                                        ? ProbeResult.ok("echo reply")
                                        : ProbeResult.fail("ICMP type " + m.type() + " code " + m.code()));
                    }
                }
            } catch (NativeException e) {
                // keepalived fails its check on a read error; on a shared socket it belongs to no
                // one ping, so the pings in flight time out instead
                long n = receiveErrors.admit(System.nanoTime());
                if (n > 0) {
                    LOG.warn(
                            "{}: {}{}",
                            thread.getName(),
                            e.getMessage(),
                            RateLimitedLog.notLogged(n - 1, receiveErrors.total()));
                }
                try {
                    Thread.sleep(10); // a persistent error must not spin a core
                } catch (InterruptedException ie) {
                    return;
                }
            } catch (RuntimeException e) {
                LOG.error("{}: {}", thread.getName(), e.toString(), e);
            }
        }
    }

    /** Stops the receiver, then closes the socket: no descriptor is closed under a thread that polls it. */
    @Override
    public void close() {
        running = false;
        wake.signal();
        try {
            thread.join(2000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (!thread.isAlive()) {
            socket.close();
        }
        wake.close();
        for (Ping p : pending.values()) {
            p.close();
        }
    }
}
