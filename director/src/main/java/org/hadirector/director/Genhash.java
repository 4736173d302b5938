package org.hadirector.director;

import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.hadirector.healthcheck.CheckSettings;
import org.hadirector.healthcheck.HttpGetChecker;
import org.hadirector.healthcheck.ProbeIo;

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
                    case "-I", "--use-sni", "--sni" -> sni = true;
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
        return fetch(new InetSocketAddress(ip, port), url, vhost, ssl, sni, protocol, timeout, verbose, out, err);
    }

    /**
     * HTTP_GET's / SSL_GET's own request and reading (keepalived's template, the body as sent, cut
     * at Content-Length), so that the digest is the one the check compares, as keepalived's genhash is.
     */
    private static int fetch(
            InetSocketAddress target,
            String url,
            String vhost,
            boolean ssl,
            boolean sni,
            String protocol,
            double timeout,
            boolean verbose,
            PrintStream out,
            PrintStream err) {
        long t = (long) (timeout * 1e9);
        CheckSettings.Http settings = new CheckSettings.Http(
                ssl,
                target,
                null,
                t,
                vhost,
                sni,
                List.of(new CheckSettings.Url(url, List.of(), null, null, false, null)),
                protocol);
        try (ProbeIo io = new ProbeIo(1, null)) {
            HttpGetChecker.Page p = HttpGetChecker.page(io.connector(), settings, ssl ? io.engines(settings) : null)
                    .get(t / 1_000_000 * 4 + 1000, TimeUnit.MILLISECONDS);
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
            Usage: hadirector genhash -s SERVER [-p PORT] -u URL [-S|--ssl] [-V VHOST] [-I|--sni] [-t SECONDS] [-v]
              -s, --server SERVER         address to connect to
              -p, --port PORT             default 80, or 443 with --ssl
              -u, --url PATH              the page
              -S, --use-ssl, --ssl        HTTPS (certificate not verified, as SSL_GET)
              -V, --use-virtualhost HOST  the Host header (and the SNI name with --sni)
              -I, --use-sni, --sni        send SNI, as enable_sni does
              -P, --protocol 1.0|1.0c|1.1 the request's HTTP version, as http_protocol (default 1.0)
              -t, --timeout SECONDS       default 5
              -v, --verbose               print the status line and headers
            """;
}
