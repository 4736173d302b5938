package org.hadirector.director;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.ZonedDateTime;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.hadirector.sys.RateLimitedLog;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends smtp_alert mails, one connection each as keepalived does, on its own thread
 * ({@code smtp-alerts}) with plain blocking sockets: alerts are rare, and an MTA that is slow or
 * gone then holds no VRRP thread and not the checks' loop, which only queue a mail and return.
 * Every connect and every read waits at most smtp_connect_timeout (keepalived's one timeout for
 * both), and a whole conversation at most {@link #CONVERSATION_TIMEOUTS} of them, so a server
 * that trickles bytes cannot hold the thread. The queue holds {@link #CAPACITY} mails; when it is
 * full (the MTA down through a flapping pool) a mail is dropped, counted and logged, rate-limited.
 * Failures are logged one line each 10 s with a count. The dialogue itself is {@link SmtpSession}.
 */
final class SmtpAlertSender implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(SmtpAlertSender.class);

    static final int CAPACITY = 64;
    static final int CONVERSATION_TIMEOUTS = 4;

    /** One mail to send: where (the settings of the file it came from) and what. */
    record Mail(SmtpAlertPlan.Server server, String helo, String from, String subject, String data) {}

    /** Mails the server took, mails that failed, mails dropped because the queue was full. */
    record Counts(long sent, long failed, long dropped) {}

    private final BlockingQueue<Mail> queue = new ArrayBlockingQueue<>(CAPACITY);
    private final AtomicLong sent = new AtomicLong();
    private final AtomicLong failed = new AtomicLong();
    private final AtomicLong dropped = new AtomicLong();
    private final RateLimitedLog failureLog = RateLimitedLog.everyPeriod();
    private final RateLimitedLog dropLog = RateLimitedLog.everyPeriod();
    private Thread thread;
    private volatile boolean closed;
    /** Mails queued and not yet done with (sent or failed), for close to wait for. */
    private final java.util.concurrent.atomic.AtomicInteger pending = new java.util.concurrent.atomic.AtomicInteger();

    private volatile Socket current;

    /** Queues {@code mail}; never blocks. */
    void send(Mail mail) {
        if (closed) {
            return;
        }
        start();
        pending.incrementAndGet();
        if (!queue.offer(mail)) {
            pending.decrementAndGet();
            dropped.incrementAndGet();
            long n = dropLog.admit(System.nanoTime());
            if (n > 0) {
                LOG.warn(
                        "smtp_alert: {} mail(s) waiting, dropped \"{}\"{}",
                        CAPACITY,
                        mail.subject(),
                        RateLimitedLog.notLogged(n - 1, dropLog.total()));
            }
        }
    }

    private synchronized void start() {
        if (thread == null && !closed) {
            thread = new Thread(this::run, "smtp-alerts");
            thread.setDaemon(true);
            thread.start();
        }
    }

    Counts counts() {
        return new Counts(sent.get(), failed.get(), dropped.get());
    }

    /** Takes mail until close interrupts it: idle, the thread waits and costs nothing. */
    private void run() {
        while (true) {
            Mail m;
            try {
                m = queue.take();
            } catch (InterruptedException e) {
                return;
            }
            try {
                String error = deliver(m);
                if (error == null) {
                    sent.incrementAndGet();
                    LOG.info("smtp_alert: sent \"{}\" through {}", m.subject(), where(m.server()));
                } else {
                    failed.incrementAndGet();
                    long n = failureLog.admit(System.nanoTime());
                    if (n > 0) {
                        LOG.warn(
                                "smtp_alert: \"{}\" not sent through {}: {}{}",
                                m.subject(),
                                where(m.server()),
                                error,
                                RateLimitedLog.notLogged(n - 1, failureLog.total()));
                    }
                }
            } catch (RuntimeException e) {
                failed.incrementAndGet();
                LOG.error("smtp_alert: \"{}\" not sent: {}", m.subject(), e.toString(), e);
            } finally {
                pending.decrementAndGet();
            }
        }
    }

    /** One conversation; null when the server took the mail, else what went wrong. */
    private String deliver(Mail m) {
        SmtpAlertPlan.Server s = m.server();
        int timeout =
                (int) Math.min(Integer.MAX_VALUE, Math.max(1, s.connectTimeout().toMillis()));
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos((long) timeout * CONVERSATION_TIMEOUTS);
        InetAddress address;
        try {
            address = InetAddress.getByName(s.host());
        } catch (IOException e) {
            return "cannot resolve " + s.host() + ": " + e.getMessage();
        }
        SmtpSession session = new SmtpSession(m.helo(), m.from(), s.to(), m.data());
        try (Socket socket = new Socket()) {
            current = socket;
            socket.connect(new InetSocketAddress(address, s.port()), timeout);
            socket.setSoTimeout(timeout);
            InputStream in = socket.getInputStream();
            OutputStream out = socket.getOutputStream();
            byte[] buf = new byte[1024];
            while (true) {
                if (System.nanoTime() - deadline > 0) {
                    return "conversation over " + CONVERSATION_TIMEOUTS + " x smtp_connect_timeout";
                }
                SmtpSession.Step step;
                try {
                    int n = in.read(buf);
                    step = session.received(buf, Math.max(0, n));
                } catch (SocketTimeoutException e) {
                    step = session.timedOut();
                }
                if (step instanceof SmtpSession.Send send) {
                    out.write(send.wire().getBytes(StandardCharsets.UTF_8));
                    out.flush();
                } else if (step instanceof SmtpSession.Over over) {
                    return over.delivered() ? null : over.error();
                }
            }
        } catch (IOException e) {
            return e.getMessage() == null ? e.toString() : e.getMessage();
        } finally {
            current = null;
        }
    }

    private static String where(SmtpAlertPlan.Server s) {
        return (s.host().indexOf(':') >= 0 ? "[" + s.host() + "]" : s.host()) + ":" + s.port();
    }

    /**
     * Stops taking mail and gives those queued (the STOP alerts of a shutdown) up to
     * {@code waitMillis} to go; then the one in flight is cut off.
     */
    @Override
    public void close() {
        close(0);
    }

    void close(long waitMillis) {
        closed = true;
        Thread t;
        synchronized (this) {
            t = thread;
        }
        if (t == null) {
            return;
        }
        try {
            long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(waitMillis);
            while (pending.get() > 0 && System.nanoTime() - deadline < 0) {
                Thread.sleep(20);
            }
            int left = pending.get();
            queue.clear();
            Socket s = current;
            if (s != null) {
                s.close();
            }
            t.interrupt();
            t.join(1000);
            if (left > 0) {
                LOG.warn("smtp_alert: stopped with {} mail(s) not sent", left);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (IOException e) {
            // closing a socket to cut it off; nothing else to do
        }
    }

    /** The Date header's time, now in the local zone, as keepalived's localtime_r. */
    static ZonedDateTime now() {
        return ZonedDateTime.now();
    }
}
