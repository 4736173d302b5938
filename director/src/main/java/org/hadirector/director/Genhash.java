package org.hadirector.director;

import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.asynchttpclient.RequestBuilder;
import org.asynchttpclient.Response;
import org.hadirector.healthcheck.CheckSettings;
import org.hadirector.healthcheck.HttpGetChecker;
import org.hadirector.healthcheck.ProbeIo;
import org.hadirector.sys.TcpConnector;

/**
 * `hadirector genhash`, keepalived's genhash: fetches a page the way HTTP_GET / SSL_GET will
 * (the same request and reading; for TLS the same client, TLS and SNI rules) and prints the MD5
 * of its body to paste as a digest.
 */
final class Genhash {

    private Genhash() {}

    static int run(List<String> args, PrintStream out, PrintStream err) {
        String server = null;
        String url = null;
        String vhost = null;
        int port = -1;
        boolean ssl = false;
        boolean sni = false;
        boolean verbose = false;
        String protocol = "1.0";
        double timeout = 5;
        try {
            for (int i = 0; i < args.size(); i++) {
                String a = args.get(i);
                switch (a) {
                    case "-s", "--server" -> server = value(args, ++i, a);
                    case "-p", "--port" -> port = Integer.parseInt(value(args, ++i, a));
                    case "-u", "--url" -> url = value(args, ++i, a);
                    case "-V", "--use-virtualhost" -> vhost = value(args, ++i, a);
                    case "-S", "--use-ssl", "--ssl" -> ssl = true;
                    case "--sni" -> sni = true;
                    case "-t", "--timeout" -> timeout = Double.parseDouble(value(args, ++i, a));
                    case "-P", "--protocol" -> protocol = protocol(value(args, ++i, a));
                    case "-v", "--verbose" -> verbose = true;
                    case "-h", "--help" -> {
                        out.print(USAGE);
                        return Main.EXIT_OK;
                    }
                    default -> throw new IllegalArgumentException("unknown option '" + a + "'");
                }
            }
            if (server == null || url == null) {
                throw new IllegalArgumentException("-s SERVER and -u URL are required");
            }
            if (port == -1) {
                port = ssl ? 443 : 80;
            }
            if (port < 1 || port > 65535 || !(timeout > 0 && timeout <= 3600)) {
                throw new IllegalArgumentException("port 1-65535 and a timeout in (0, 3600] seconds, please");
            }
        } catch (IllegalArgumentException e) {
            err.println("hadirector genhash: " + e.getMessage());
            err.print(USAGE);
            return Main.EXIT_USAGE;
        }
        InetAddress ip;
        try {
            ip = InetAddress.getByName(server);
        } catch (UnknownHostException e) {
            err.println("hadirector genhash: unknown host " + server);
            return Main.EXIT_USAGE;
        }
        if (!ssl) {
            return plain(new InetSocketAddress(ip, port), url, vhost, protocol, timeout, verbose, out, err);
        }
        String path = url.startsWith("/") ? url : "/" + url;
        String uri = (ssl ? "https://" : "http://") + CheckSettings.hostPort(new InetSocketAddress(ip, port)) + path;
        Duration t = Duration.ofMillis((long) (timeout * 1000));
        try (ProbeIo io = new ProbeIo(1, null)) {
            RequestBuilder rb =
                    new RequestBuilder("GET").setUrl(uri).setRequestTimeout(t).setReadTimeout(t);
            if (vhost != null) {
                rb.setVirtualHost(vhost);
            }
            Response r = io.http(ssl, sni).executeRequest(rb.build()).get(t.toMillis() + 1000, TimeUnit.MILLISECONDS);
            byte[] body = r.getResponseBodyAsBytes();
            if (verbose) {
                out.println("GET " + uri + (vhost != null ? " (Host: " + vhost + ")" : ""));
                out.println("HTTP status " + r.getStatusCode() + " " + r.getStatusText());
                for (Map.Entry<String, String> h : r.getHeaders()) {
                    out.println(h.getKey() + ": " + h.getValue());
                }
                out.println("body: " + body.length + " bytes");
            }
            out.println("MD5SUM = "
                    + HexFormat.of().formatHex(MessageDigest.getInstance("MD5").digest(body)));
            if (r.getStatusCode() < 200 || r.getStatusCode() > 299) {
                err.println("hadirector genhash: note: status " + r.getStatusCode()
                        + " (HTTP_GET wants 200-299 unless status_code says otherwise)");
            }
            return Main.EXIT_OK;
        } catch (Exception e) {
            Throwable c = e.getCause() != null ? e.getCause() : e;
            err.println("hadirector genhash: " + uri + ": " + (c.getMessage() != null ? c.getMessage() : c.toString()));
            return Main.EXIT_USAGE;
        }
    }

    /**
     * HTTP_GET's own request and reading (keepalived's template, the body as sent, cut at
     * Content-Length), so that the digest is the one the check compares, as keepalived's genhash is.
     */
    private static int plain(
            InetSocketAddress target,
            String url,
            String vhost,
            String protocol,
            double timeout,
            boolean verbose,
            PrintStream out,
            PrintStream err) {
        long t = (long) (timeout * 1e9);
        CheckSettings.Http settings = new CheckSettings.Http(
                false,
                target,
                null,
                t,
                vhost,
                false,
                List.of(new CheckSettings.Url(url, List.of(), null, null, false, null)),
                protocol);
        try (TcpConnector c = TcpConnector.open("genhash")) {
            HttpGetChecker.Page p =
                    HttpGetChecker.page(c, settings).get(t / 1_000_000 * 4 + 1000, TimeUnit.MILLISECONDS);
            if (verbose) {
                out.print(p.header());
                out.println("body: " + p.bodyBytes() + " bytes"
                        + (p.contentLength() >= 0 ? " (Content-Length " + p.contentLength() + ")" : ""));
            }
            out.println("MD5SUM = " + p.md5());
            if (p.status() < 200 || p.status() > 299) {
                err.println("hadirector genhash: note: status " + p.status()
                        + " (HTTP_GET wants 200-299 unless status_code says otherwise)");
            }
            return Main.EXIT_OK;
        } catch (java.util.concurrent.ExecutionException e) {
            err.println("hadirector genhash: " + CheckSettings.hostPort(target) + url + ": "
                    + e.getCause().getMessage());
            return Main.EXIT_USAGE;
        } catch (Exception e) {
            err.println("hadirector genhash: " + CheckSettings.hostPort(target) + url + ": " + e);
            return Main.EXIT_USAGE;
        }
    }

    /** -P as keepalived's genhash takes it: 1.0, 1.0c (1.0C) or 1.1. */
    private static String protocol(String v) {
        return switch (v) {
            case "1.0" -> "1.0";
            case "1.0c", "1.0C" -> "1.0C";
            case "1.1" -> "1.1";
            default -> throw new IllegalArgumentException("invalid HTTP protocol version '" + v + "'");
        };
    }

    private static String value(List<String> args, int i, String option) {
        if (i >= args.size() || args.get(i).isEmpty()) {
            throw new IllegalArgumentException("option " + option + " needs a value");
        }
        return args.get(i);
    }

    static final String USAGE = """
            Usage: hadirector genhash -s SERVER [-p PORT] -u URL [-S|--ssl] [-V VHOST] [--sni] [-t SECONDS] [-v]
              -s, --server SERVER         address to connect to
              -p, --port PORT             default 80, or 443 with --ssl
              -u, --url PATH              the page
              -S, --use-ssl, --ssl        HTTPS (certificate not verified, as SSL_GET)
              -V, --use-virtualhost HOST  the Host header (and the SNI name with --sni)
              --sni                       send SNI, as enable_sni does
              -P, --protocol 1.0|1.0c|1.1 the request's HTTP version, as http_protocol (default 1.0)
              -t, --timeout SECONDS       default 5
              -v, --verbose               print the status line and headers
            """;
}
