package org.hadirector.healthcheck;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.util.HashedWheelTimer;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.io.File;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLException;

/**
 * The I/O every checker shares: one native epoll event loop group (one thread by default), one
 * timer, the TCP connector of TCP_CHECK, HTTP_GET and SSL_GET, and SSL_GET's TLS context.
 * Connections are never pooled: each check opens its own, as keepalived's do. TLS trusts any
 * certificate, as keepalived's SSL_GET does; a client certificate is presented when configured.
 */
public final class ProbeIo implements AutoCloseable {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(ProbeIo.class);
    private final EventLoopGroup group;
    /**
     * DNS_CHECK's own loop, on the JDK's NIO: netty 4.1.115's epoll datagram channel once left
     * the shared loop stuck reading a connected UDP socket (1 CI run in 6), which would have
     * frozen every check; started on first use.
     */
    private EventLoopGroup udp;
    /** TCP_CHECK's connects and HTTP_GET's exchanges, on raw system calls (started on first use; read by {@link #batch} without the lock). */
    private volatile org.hadirector.sys.TcpConnector tcp;

    private final HashedWheelTimer timer;
    /**
     * PING_CHECK's sockets and receivers, IPv4 and IPv6, opened on first use. Their own lock, not
     * this object's: a check's first run opens one on the checks' loop, and close() holds this
     * object's monitor while it waits for that loop.
     */
    private final Object pingLock = new Object();

    private Pinger ping4;
    private Pinger ping6;
    private boolean closed;
    /** Read at each SSL_GET connection; a reload replaces it ({@link #useTls}). */
    private volatile TlsClientContext tls;

    /**
     * The SSL block for SSL_GET: a client certificate (certificate / key / password) and the CAs
     * to trust (ca); any may be null.
     */
    public record ClientCertificate(File certificate, File key, String password, File ca) {
        public ClientCertificate(File certificate, File key, String password) {
            this(certificate, key, password, null);
        }
    }

    public ProbeIo(int threads, ClientCertificate cert) throws SSLException {
        // the files first: a bad one leaves no threads or timer behind
        this.tls = TlsClientContext.build(cert);
        this.group = new MultiThreadIoEventLoopGroup(
                threads, new DefaultThreadFactory("checkers", true), EpollIoHandler.newFactory());
        this.timer = new HashedWheelTimer(new DefaultThreadFactory("checker-timer", true), 10, TimeUnit.MILLISECONDS);
    }

    /**
     * SSL_GET's context from now on, as keepalived's reload rebuilds its SSL_CTX: each SSL_GET
     * takes it at its next connection (its probe need not be made again); a connection under way
     * finishes with the context it started with.
     */
    public void useTls(TlsClientContext next) {
        tls = java.util.Objects.requireNonNull(next);
        LOG.info("SSL_GET: the TLS context is now built from the SSL block's {}", next.description());
    }

    public EventLoopGroup group() {
        return group;
    }

    /** The probe for {@code s}; clients are made on first use. */
    public synchronized Probe probe(CheckSettings s) {
        if (s instanceof CheckSettings.Tcp t) {
            return new TcpChecker(t, tcp());
        }
        if (s instanceof CheckSettings.Http h) {
            return new HttpGetChecker(h, tcp(), h.ssl() ? engines(h) : null);
        }
        if (s instanceof CheckSettings.Misc m) {
            return new MiscChecker(m, group);
        }
        if (s instanceof CheckSettings.Dns d) {
            return new DnsChecker(d, udp());
        }
        if (s instanceof CheckSettings.Udp u) {
            return new UdpChecker(u, udp());
        }
        if (s instanceof CheckSettings.Ping p) {
            boolean v6 = p.target() instanceof java.net.Inet6Address;
            return new PingChecker(p, () -> pinger(v6));
        }
        return new SmtpChecker((CheckSettings.Smtp) s, group);
    }

    /**
     * SSL_GET's client engines, one per connection: any certificate trusted, the SSL block's
     * certificate presented; with enable_sni the url's virtualhost, else the checker's, as the
     * server name (keepalived's check_ssl.c), none without it.
     */
    public java.util.function.Function<CheckSettings.Url, SSLEngine> engines(CheckSettings.Http h) {
        int port = h.target().getPort();
        return u -> {
            String vhost = u.virtualhost() != null ? u.virtualhost() : h.virtualhost();
            return tls.newEngine(h.sni() ? vhost : null, port);
        };
    }

    /** The connector of TCP_CHECK, HTTP_GET and SSL_GET (genhash fetches on it too), started on first use. */
    public synchronized org.hadirector.sys.TcpConnector connector() {
        return tcp();
    }

    /** The connector of TCP_CHECK and HTTP_GET, started on first use. */
    private org.hadirector.sys.TcpConnector tcp() {
        if (tcp == null) {
            try {
                tcp = org.hadirector.sys.TcpConnector.open("tcp-checks");
            } catch (org.hadirector.sys.NativeException e) {
                throw new IllegalStateException("cannot start the TCP connector of the checks: " + e.getMessage(), e);
            }
        }
        return tcp;
    }

    /**
     * The family's pinger, opened at the first check that needs it rather than when the probe is
     * made: a socket the system refuses then fails those checks (with the reason, tried again at
     * each run) instead of the whole daemon.
     */
    private Pinger pinger(boolean ipv6) {
        synchronized (pingLock) {
            if (closed) {
                throw new IllegalStateException("closed");
            }
            Pinger p = ipv6 ? ping6 : ping4;
            if (p == null) {
                try {
                    p = Pinger.open(ipv6, timer);
                } catch (org.hadirector.sys.NativeException e) {
                    throw new IllegalStateException("no ICMP socket: " + e.getMessage(), e);
                }
                if (ipv6) {
                    ping6 = p;
                } else {
                    ping4 = p;
                }
            }
            return p;
        }
    }

    /** The UDP checks' loop (DNS_CHECK, UDP_CHECK), on NIO: netty's epoll datagram channel is not needed here. */
    private EventLoopGroup udp() {
        if (udp == null) {
            udp = new MultiThreadIoEventLoopGroup(
                    1, new DefaultThreadFactory("udp-checkers", true), NioIoHandler.newFactory());
        }
        return udp;
    }

    /** Runs {@code r}, which starts checks, waking the I/O threads it involves once at its end. */
    public void batch(Runnable r) {
        // no lock: close() holds this object's monitor while it waits for the loop that calls here
        org.hadirector.sys.TcpConnector c = tcp;
        if (c == null) {
            r.run();
        } else {
            c.batch(r);
        }
    }

    @Override
    public synchronized void close() {
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        if (udp != null) {
            udp.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        }
        if (tcp != null) {
            tcp.close();
        }
        synchronized (pingLock) {
            closed = true;
            for (Pinger p : new Pinger[] {ping4, ping6}) {
                if (p != null) {
                    p.close();
                }
            }
        }
        timer.stop();
    }
}
