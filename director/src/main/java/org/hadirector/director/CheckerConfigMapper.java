package org.hadirector.director;

import java.io.File;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.hadirector.conf.model.Checker;
import org.hadirector.conf.model.CheckerEndpoint;
import org.hadirector.conf.model.CheckerTiming;
import org.hadirector.conf.model.DnsCheck;
import org.hadirector.conf.model.FileCheck;
import org.hadirector.conf.model.HttpGetCheck;
import org.hadirector.conf.model.HttpUrl;
import org.hadirector.conf.model.KeepalivedConfig;
import org.hadirector.conf.model.MiscCheck;
import org.hadirector.conf.model.NotifyScript;
import org.hadirector.conf.model.PingCheck;
import org.hadirector.conf.model.RealServer;
import org.hadirector.conf.model.SmtpCheck;
import org.hadirector.conf.model.SorryServer;
import org.hadirector.conf.model.TcpCheck;
import org.hadirector.conf.model.TrackFile;
import org.hadirector.conf.model.UdpCheck;
import org.hadirector.conf.model.VirtualServer;
import org.hadirector.healthcheck.CheckSettings;
import org.hadirector.healthcheck.CheckSpec;
import org.hadirector.healthcheck.CheckTiming;
import org.hadirector.healthcheck.ProbeIo;
import org.hadirector.healthcheck.RealServerSpec;
import org.hadirector.healthcheck.ServiceSpec;
import org.hadirector.sys.Addresses;
import org.hadirector.sys.Scripts;
import org.hadirector.sys.ServiceId;

/**
 * From virtual_server blocks to the pools the health checks run, refusing clearly what the
 * checkers do not do (so that nothing is silently ignored). Identities are the table's
 * ({@link TableConfigMapper#serviceId}, {@link TableConfigMapper#realServerId}).
 */
final class CheckerConfigMapper {
    /** keepalived's default HELO name for SMTP_CHECK. */
    static final String DEFAULT_HELO = "smtpchecker.keepalived.org";

    private CheckerConfigMapper() {}

    /**
     * What keeps {@code c}'s checks from running that is not a missing feature (those are in
     * {@link org.hadirector.conf.Unbuilt}): one message each, naming the real server.
     */
    static List<String> problems(KeepalivedConfig c) {
        List<String> out = new ArrayList<>();
        for (VirtualServer vs : c.virtualServers()) {
            for (RealServer rs : vs.realServers()) {
                for (Checker k : rs.checkers()) {
                    CheckerEndpoint e = endpoint(k);
                    // a ping has no port (keepalived's PING_CHECK ignores connect_port)
                    if ((e != null || k instanceof HttpGetCheck) && !(k instanceof PingCheck)) {
                        Integer port = e != null && e.connectPort() != null
                                ? e.connectPort()
                                : rs.port() != null ? rs.port() : vs.port();
                        if (port == null || port == 0) {
                            out.add(vs.displayName() + ", real_server " + Addresses.withPort(rs.address(), rs.port())
                                    + ": " + k.type() + ": no port to connect to; set connect_port");
                        }
                    }
                }
            }
        }
        return out;
    }

    /**
     * The top-level SSL block's files, or null. keepalived loads them only when an SSL_GET needs
     * them (check_data->ssl_required), so a bad file in a block nobody uses stops nothing; a key
     * alone is loaded (and so checked) as SSL_CTX_use_PrivateKey_file loads it.
     */
    static ProbeIo.ClientCertificate clientCertificate(KeepalivedConfig c) {
        if (c.ssl() == null
                || (c.ssl().certificate() == null
                        && c.ssl().key() == null
                        && c.ssl().ca() == null)
                || !usesSsl(c)) {
            return null;
        }
        return new ProbeIo.ClientCertificate(
                c.ssl().certificate() != null ? new File(c.ssl().certificate()) : null,
                c.ssl().key() != null ? new File(c.ssl().key()) : null,
                c.ssl().password(),
                c.ssl().ca() != null ? new File(c.ssl().ca()) : null);
    }

    /** Whether an SSL_GET needs the TLS context (keepalived's check_data->ssl_required). */
    static boolean usesSsl(KeepalivedConfig c) {
        for (VirtualServer vs : c.virtualServers()) {
            for (RealServer rs : vs.realServers()) {
                for (Checker k : rs.checkers()) {
                    if (k instanceof HttpGetCheck h && h.ssl()) {
                        return true;
                    }
                }
            }
        }
        return false;
    }

    static List<ServiceSpec> map(KeepalivedConfig c) {
        return map(c, Set.of());
    }

    /** The pools; a group's is named as {@link TableConfigMapper#serviceId(VirtualServer, KeepalivedConfig, Set)} says. */
    static List<ServiceSpec> map(KeepalivedConfig c, Set<ServiceId> running) {
        String user = c.globalDefs().scriptUser();
        String group = c.globalDefs().scriptGroup();
        List<ServiceSpec> out = new ArrayList<>();
        for (VirtualServer vs : c.virtualServers()) {
            List<RealServerSpec> servers = new ArrayList<>();
            for (RealServer rs : vs.realServers()) {
                List<CheckSpec> checks = new ArrayList<>();
                for (Checker k : rs.checkers()) {
                    CheckSpec spec = k instanceof FileCheck f ? file(f, c) : check(k, vs, rs, user, group);
                    // checker_log_all_failures: every checker logs each failure, as log_all_failures does
                    checks.add(
                            c.globalDefs().checkerLogAllFailures()
                                            && !spec.timing().logAllFailures()
                                    ? new CheckSpec(
                                            spec.settings(), spec.timing().loggingAllFailures())
                                    : spec);
                }
                servers.add(new RealServerSpec(
                        TableConfigMapper.realServerId(rs.address(), rs.port(), vs),
                        rs.weight(),
                        rs.inhibitOnFailure(),
                        argv(rs.notifyUp(), user, group),
                        argv(rs.notifyDown(), user, group),
                        checks));
            }
            SorryServer sorry = vs.sorryServer();
            out.add(new ServiceSpec(
                    // a group's one pool, named by its first service: the table fans its events out
                    TableConfigMapper.serviceId(vs, c, running),
                    vs.quorum(),
                    vs.hysteresis(),
                    sorry == null ? null : TableConfigMapper.realServerId(sorry.address(), sorry.port(), vs),
                    sorry != null && sorry.inhibit(),
                    argv(vs.quorumUp(), user, group),
                    argv(vs.quorumDown(), user, group),
                    servers,
                    vs.omega()));
        }
        return out;
    }

    static List<String> argv(NotifyScript s, String user, String group) {
        if (s == null) {
            return null;
        }
        return Scripts.asUser(
                Scripts.split(s.command()), s.user() != null ? s.user() : user, s.user() != null ? s.group() : group);
    }

    private static CheckSpec check(Checker k, VirtualServer vs, RealServer rs, String user, String group) {
        if (k instanceof TcpCheck t) {
            return new CheckSpec(
                    new CheckSettings.Tcp(target(t.endpoint(), rs, vs), bind(t.endpoint()), timeout(t.timing())),
                    timing(t.timing()));
        }
        if (k instanceof HttpGetCheck h) {
            String vhost = h.virtualhost() != null
                    ? h.virtualhost()
                    : rs.virtualhost() != null ? rs.virtualhost() : vs.virtualhost();
            List<CheckSettings.Url> urls = new ArrayList<>();
            for (HttpUrl u : h.urls()) {
                List<CheckSettings.StatusRange> codes =
                        u.statusCodes() == null || u.statusCodes().isEmpty()
                                ? List.of(new CheckSettings.StatusRange(200, 299))
                                : u.statusCodes().stream()
                                        .map(r -> new CheckSettings.StatusRange(r.from(), r.to()))
                                        .toList();
                urls.add(new CheckSettings.Url(
                        u.path(), codes, u.digest(), u.regex(), u.regexNoMatch(), u.virtualhost()));
            }
            CheckerEndpoint e = h.endpoint();
            return new CheckSpec(
                    new CheckSettings.Http(
                            h.ssl(),
                            target(e, rs, vs),
                            e != null ? e.bindto() : null,
                            timeout(h.timing()),
                            vhost,
                            h.enableSni(),
                            urls,
                            h.httpProtocol() != null ? h.httpProtocol() : "1.0",
                            e != null && e.bindPort() != null ? e.bindPort() : 0),
                    timing(h.timing()));
        }
        if (k instanceof MiscCheck m) {
            List<String> argv = Scripts.asUser(
                    Scripts.split(m.miscPath()),
                    m.user() != null ? m.user() : user,
                    m.user() != null ? m.group() : group);
            return new CheckSpec(
                    new CheckSettings.Misc(argv, m.miscTimeout().toNanos(), m.miscDynamic()), timing(m.timing()));
        }
        if (k instanceof DnsCheck d) {
            return new CheckSpec(
                    new CheckSettings.Dns(
                            target(d.endpoint(), rs, vs),
                            bind(d.endpoint()),
                            timeout(d.timing()),
                            d.queryType(),
                            d.name()),
                    timing(d.timing()));
        }
        if (k instanceof UdpCheck u) {
            return new CheckSpec(
                    new CheckSettings.Udp(
                            target(u.endpoint(), rs, vs),
                            bind(u.endpoint()),
                            timeout(u.timing()),
                            org.hadirector.sys.HexPattern.parse(u.payload(), false),
                            u.requireReply(),
                            org.hadirector.sys.HexPattern.parse(u.replyPattern(), true),
                            u.minReplyLength(),
                            u.maxReplyLength()),
                    timing(u.timing()));
        }
        if (k instanceof PingCheck p) {
            return new CheckSpec(
                    new CheckSettings.Ping(target(p.endpoint(), rs, vs).getAddress(), timeout(p.timing())),
                    timing(p.timing()));
        }
        if (k instanceof SmtpCheck s) {
            return new CheckSpec(
                    new CheckSettings.Smtp(
                            target(s.endpoint(), rs, vs),
                            bind(s.endpoint()),
                            timeout(s.timing()),
                            s.heloName() != null ? s.heloName() : DEFAULT_HELO),
                    timing(s.timing()));
        }
        throw new IllegalArgumentException(k.type() + " is not built yet");
    }

    /**
     * FILE_CHECK, as keepalived's check_file.c: the track_file named, with the FILE_CHECK's
     * {@code weight W [reverse]}, else the track_file's. It has no timing of its own (the
     * checker follows its file); the nominal one here only makes a failure take it down at once
     * and a success bring it up. keepalived 2.2.7 has no {@code dynamic} keyword in FILE_CHECK
     * (the reader warns): the value always weighs unless the weight is 0.
     */
    static CheckSpec file(FileCheck f, KeepalivedConfig c) {
        TrackFile tf = c.trackFiles().stream()
                .filter(t -> t.name().equals(f.trackFile()))
                .findFirst()
                .orElseThrow(() -> new IllegalArgumentException("track_file " + f.trackFile() + " is not defined"));
        boolean own = f.weight() != null;
        long second = 1_000_000_000L;
        return new CheckSpec(
                new CheckSettings.File(
                        tf.name(),
                        java.nio.file.Path.of(tf.file()),
                        own ? f.weight() : tf.weight(),
                        own ? f.reverse() : tf.reverse()),
                new CheckTiming(second, 0, 0, second, 0, false, false));
    }

    private static CheckerEndpoint endpoint(Checker k) {
        return org.hadirector.conf.Unbuilt.endpoint(k);
    }

    /** connect_ip:connect_port, each defaulting to the real server's (its port, else the virtual server's). */
    private static InetSocketAddress target(CheckerEndpoint e, RealServer rs, VirtualServer vs) {
        InetAddress ip = e != null && e.connectIp() != null ? e.connectIp() : rs.address();
        Integer port =
                e != null && e.connectPort() != null ? e.connectPort() : rs.port() != null ? rs.port() : vs.port();
        return new InetSocketAddress(ip, port != null ? port : 0);
    }

    private static InetSocketAddress bind(CheckerEndpoint e) {
        if (e == null || e.bindto() == null && e.bindPort() == null) {
            return null;
        }
        return e.bindto() != null
                ? new InetSocketAddress(e.bindto(), e.bindPort() != null ? e.bindPort() : 0)
                : new InetSocketAddress(e.bindPort());
    }

    private static long timeout(CheckerTiming t) {
        return t.connectTimeout().toNanos();
    }

    private static CheckTiming timing(CheckerTiming t) {
        return new CheckTiming(
                t.connectTimeout().toNanos(),
                t.retry(),
                t.delayBeforeRetry().toNanos(),
                t.delayLoop().toNanos(),
                t.warmup().toNanos(),
                t.alpha(),
                t.logAllFailures());
    }
}
