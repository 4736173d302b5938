package org.hadirector.healthcheck;

import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.util.InsecureTrustManagerFactory;
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
    private final SslContext tls;

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
        SslContextBuilder b = SslContextBuilder.forClient().trustManager(InsecureTrustManagerFactory.INSTANCE);
        if (cert != null && cert.certificate() != null && cert.key() != null) {
            b.keyManager(cert.certificate(), cert.key(), cert.password());
        }
        if (cert != null && cert.ca() != null) {
            int n = loadCa(cert.ca());
            LOG.info(
                    "SSL_GET: ca {} loaded ({} certificate(s)); real servers' certificates are not verified against it, as keepalived does not",
                    cert.ca(),
                    n);
        }
        this.tls = b.build();
        this.group = new MultiThreadIoEventLoopGroup(
                threads, new DefaultThreadFactory("checkers", true), EpollIoHandler.newFactory());
        this.timer = new HashedWheelTimer(new DefaultThreadFactory("checker-timer", true), 10, TimeUnit.MILLISECONDS);
    }

    /**
     * Reads the ssl block's ca as keepalived's SSL_CTX_load_verify_locations does (PEM, at least
     * one certificate), so that a missing or unreadable file stops the checks as it stops
     * keepalived's checker ("SSL error : Cant load CA file..."). keepalived never asks OpenSSL to
     * verify the peer (no SSL_VERIFY_PEER), so the certificates are only counted.
     */
    static int loadCa(File ca) throws SSLException {
        byte[] bytes;
        try {
            bytes = java.nio.file.Files.readAllBytes(ca.toPath());
        } catch (java.io.IOException e) {
            throw new SSLException("SSL error: cannot load CA file " + ca + ": " + e);
        }
        if (!new String(bytes, java.nio.charset.StandardCharsets.ISO_8859_1).contains("-----BEGIN ")) {
            throw new SSLException("SSL error: cannot load CA file " + ca + ": not PEM");
        }
        try {
            java.util.Collection<? extends java.security.cert.Certificate> certs =
                    java.security.cert.CertificateFactory.getInstance("X.509")
                            .generateCertificates(new java.io.ByteArrayInputStream(bytes));
            if (certs.isEmpty()) {
                throw new SSLException("SSL error: cannot load CA file " + ca + ": no certificate in it");
            }
            return certs.size();
        } catch (java.security.cert.CertificateException e) {
            throw new SSLException("SSL error: cannot load CA file " + ca + ": " + e.getMessage());
        }
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
            return h.sni() && vhost != null
                    ? tls.newEngine(ByteBufAllocator.DEFAULT, vhost, port)
                    : tls.newEngine(ByteBufAllocator.DEFAULT);
        };
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
