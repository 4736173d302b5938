package org.hadirector.healthcheck;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.List;
import org.hadirector.sys.Addresses;

/**
 * What one checker does, as settings built by the director from keepalived.conf (this module
 * never sees the file). {@code target} is connect_ip:connect_port, defaulting to the real
 * server; {@code bind} is bindto:bind_port, null for the system's choice.
 */
public sealed interface CheckSettings {

    /** The checker's keyword and what it checks, for logs: {@code TCP_CHECK 198.18.0.21:80}. */
    String describe();

    static String hostPort(InetSocketAddress a) {
        return Addresses.withPort(a.getAddress(), a.getPort());
    }

    /** TCP_CHECK: the connection completes within the timeout. */
    record Tcp(InetSocketAddress target, InetSocketAddress bind, long timeoutNanos) implements CheckSettings {
        @Override
        public String describe() {
            return "TCP_CHECK " + hostPort(target);
        }
    }

    /** An inclusive status code range of a url block. */
    record StatusRange(int from, int to) {
        public boolean contains(int status) {
            return status >= from && status <= to;
        }

        @Override
        public String toString() {
            return from == to ? Integer.toString(from) : from + "-" + to;
        }
    }

    /**
     * A url block: the status must fall in one of the ranges (default 200-299); with a digest the
     * body's MD5 must equal it; with a regex the body must (or, with regexNoMatch, must not) match.
     */
    record Url(
            String path,
            List<StatusRange> statusCodes,
            String digest,
            String regex,
            boolean regexNoMatch,
            String virtualhost) {}

    /**
     * HTTP_GET, or SSL_GET with {@code ssl}: every url, in order, must pass. {@code protocol} is
     * keepalived's http_protocol (1.0, 1.0C or 1.1; null: 1.0 for HTTP_GET, async-http-client's
     * HTTP/1.1 request as it writes it for SSL_GET's genhash). {@code bindPort} is bind_port (0:
     * the system's choice; HTTP_GET only).
     */
    record Http(
            boolean ssl,
            InetSocketAddress target,
            InetAddress bindAddress,
            long timeoutNanos,
            String virtualhost,
            boolean sni,
            List<Url> urls,
            String protocol,
            int bindPort)
            implements CheckSettings {
        public Http(
                boolean ssl,
                InetSocketAddress target,
                InetAddress bindAddress,
                long timeoutNanos,
                String virtualhost,
                boolean sni,
                List<Url> urls,
                String protocol) {
            this(ssl, target, bindAddress, timeoutNanos, virtualhost, sni, urls, protocol, 0);
        }

        /** Where the check's connection is bound: bindto and bind_port, null for the system's choice. */
        public InetSocketAddress bind() {
            if (bindAddress != null) {
                return new InetSocketAddress(bindAddress, bindPort);
            }
            if (bindPort == 0) {
                return null;
            }
            // the wildcard of the target's family, as keepalived binds a bind_port without bindto
            return new InetSocketAddress(
                    Addresses.parse(target.getAddress() instanceof java.net.Inet6Address ? "::" : "0.0.0.0"), bindPort);
        }

        public Http(
                boolean ssl,
                InetSocketAddress target,
                InetAddress bindAddress,
                long timeoutNanos,
                String virtualhost,
                boolean sni,
                List<Url> urls) {
            this(ssl, target, bindAddress, timeoutNanos, virtualhost, sni, urls, null);
        }

        @Override
        public String describe() {
            return (ssl ? "SSL_GET " : "HTTP_GET ") + hostPort(target);
        }
    }

    /** MISC_CHECK: a program (never a shell) whose exit status decides; killed at its timeout. */
    record Misc(List<String> argv, long timeoutNanos, boolean dynamic) implements CheckSettings {
        @Override
        public String describe() {
            return "MISC_CHECK " + String.join(" ", argv);
        }
    }

    /** DNS_CHECK: a UDP query of {@code type} for {@code name} must be answered with RCODE NOERROR. */
    record Dns(InetSocketAddress target, InetSocketAddress bind, long timeoutNanos, String type, String name)
            implements CheckSettings {
        @Override
        public String describe() {
            return "DNS_CHECK " + hostPort(target) + " " + type + " " + name;
        }
    }

    /**
     * UDP_CHECK: one datagram ({@code payload}, else keepalived's filler) on a socket connected to
     * the target; judged by {@link UdpCheckRules}.
     */
    record Udp(
            InetSocketAddress target,
            InetSocketAddress bind,
            long timeoutNanos,
            org.hadirector.sys.HexPattern payload,
            boolean requireReply,
            org.hadirector.sys.HexPattern reply,
            int minReplyLength,
            int maxReplyLength)
            implements CheckSettings {
        @Override
        public String describe() {
            return "UDP_CHECK " + hostPort(target);
        }
    }

    /**
     * PING_CHECK: one ICMP (IPv6: ICMPv6) echo request to {@code target} (connect_ip, else the real
     * server), answered by an echo reply within the timeout; it has no port.
     */
    record Ping(InetAddress target, long timeoutNanos) implements CheckSettings {
        @Override
        public String describe() {
            return "PING_CHECK " + Addresses.format(target);
        }
    }

    /** SMTP_CHECK: a 220 greeting, HELO answered 250, then QUIT answered (by anything), as keepalived's. */
    record Smtp(InetSocketAddress target, InetSocketAddress bind, long timeoutNanos, String heloName)
            implements CheckSettings {
        @Override
        public String describe() {
            return "SMTP_CHECK " + hostPort(target);
        }
    }

    /**
     * FILE_CHECK: the number in track_file {@code name}'s file, times {@code weight} (x -1 with
     * {@code reverse}), under {@link FileCheckRules}.
     */
    record File(String name, java.nio.file.Path path, int weight, boolean reverse) implements CheckSettings {
        @Override
        public String describe() {
            return "FILE_CHECK " + name + " (" + path + ")";
        }
    }
}
