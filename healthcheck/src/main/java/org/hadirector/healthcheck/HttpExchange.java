package org.hadirector.healthcheck;

import java.io.ByteArrayOutputStream;
import java.net.Inet6Address;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.regex.Pattern;
import org.hadirector.sys.Addresses;

/**
 * One url of an HTTP_GET, byte for byte as keepalived 2.2.7's check_http.c and lib/html.c do it:
 * the request from its template, then the response read to the end of the stream. Pure logic:
 * bytes in, a verdict out; the connection is the caller's.
 *
 * <ul>
 *   <li>Request: {@code GET PATH HTTP/1.x}, {@code User-Agent: KeepAliveClient}, {@code
 *       Connection: close} for http_protocol 1.0C and 1.1, {@code Host:} the virtualhost (without
 *       a port) or the target's address and port ({@code [v6]:port}). The path is sent as
 *       configured. The user agent is keepalived's, so that a real server's rules for its checks
 *       (access logs, allow lists) match ours.
 *   <li>Response: the header must end ({@code CRLF CRLF}) within the first 4,095 bytes, as
 *       keepalived's buffer holds; the status is the three digits between the first two spaces
 *       of the status line ("HTTP/1.1 200\r\n", without the reason's space, is no status); the
 *       body is the bytes after the header, <em>as sent</em> (a chunked body is digested with its
 *       chunk sizes, as keepalived and its genhash do), cut at {@code Content-Length:} (that
 *       spelling only, read as strtoul reads it) when there is one; regex sees the first 1 MiB.
 *   <li>A status outside the url's ranges decides at once (keepalived decides it at the end of
 *       the stream, with the same verdict).
 * </ul>
 */
final class HttpExchange {
    /** keepalived's MAX_BUFFER_LENGTH less its terminating NUL: the header must fit. */
    static final int HEADER_LIMIT = 4095;

    static final int REGEX_BODY_LIMIT = 1 << 20;
    private static final byte[] CONTENT_LENGTH = "Content-Length:".getBytes(StandardCharsets.US_ASCII);

    private final CheckSettings.Url url;
    private final Pattern regex;
    /** The header so far: small at first (most are a few hundred bytes), grown up to HEADER_LIMIT. */
    private byte[] head = new byte[512];

    private int headLength;
    private boolean extracted;
    private int headerEndOffset;
    private int status;
    /** Content-Length, or -1 for none (keepalived's SIZE_MAX: no bound). */
    private long contentLength = -1;

    private long bodyBytes;
    private final MessageDigest md5;
    private final ByteArrayOutputStream body;

    HttpExchange(CheckSettings.Url url, Pattern regex) {
        this(url, regex, false);
    }

    /** With {@code digest}, the body's MD5 is kept for {@link #bodyDigest} even without a digest to compare (genhash). */
    HttpExchange(CheckSettings.Url url, Pattern regex, boolean digest) {
        this.url = url;
        this.regex = regex;
        this.md5 = url.digest() != null || digest ? newMd5() : null;
        this.body = regex != null ? new ByteArrayOutputStream() : null;
    }

    /** The status of the response's header, 0 before it or when it has none (as keepalived reads it). */
    int status() {
        return status;
    }

    /** The header as received (null before its end). */
    String header() {
        return extracted ? new String(head, 0, headerEndOffset, StandardCharsets.ISO_8859_1) : null;
    }

    /** The bytes of body received (all of them, beyond a Content-Length too). */
    long bodyBytes() {
        return bodyBytes;
    }

    /** Content-Length, -1 without one. */
    long contentLength() {
        return contentLength;
    }

    /** The MD5 of the body (up to Content-Length), once the stream has ended; finishes the digest. */
    String bodyDigest() {
        return HexFormat.of().formatHex(md5.digest());
    }

    static MessageDigest newMd5() {
        try {
            return MessageDigest.getInstance("MD5");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** keepalived's request for {@code url} of {@code settings} (http_protocol null: 1.0). */
    static byte[] request(CheckSettings.Http settings, CheckSettings.Url url) {
        String vhost = url.virtualhost() != null ? url.virtualhost() : settings.virtualhost();
        String protocol = settings.protocol() != null ? settings.protocol() : "1.0";
        StringBuilder sb = new StringBuilder(128)
                .append("GET ")
                .append(url.path())
                .append(protocol.equals("1.1") ? " HTTP/1.1\r\n" : " HTTP/1.0\r\n")
                .append("User-Agent: KeepAliveClient\r\n");
        if (!protocol.equals("1.0")) {
            sb.append("Connection: close\r\n");
        }
        sb.append("Host: ");
        if (vhost != null) {
            sb.append(vhost);
        } else if (settings.target().getAddress() instanceof Inet6Address) {
            sb.append('[')
                    .append(Addresses.format(settings.target().getAddress()))
                    .append("]:")
                    .append(settings.target().getPort());
        } else {
            sb.append(Addresses.format(settings.target().getAddress()))
                    .append(':')
                    .append(settings.target().getPort());
        }
        return sb.append("\r\n\r\n").toString().getBytes(StandardCharsets.ISO_8859_1);
    }

    /**
     * Takes {@code len} more bytes of the response; returns the verdict when they decide it
     * (a header too long, a status refused), else null: read on.
     */
    ProbeResult received(byte[] buf, int off, int len) {
        if (!extracted) {
            int start = Math.max(0, headLength - 3);
            int take = Math.min(len, HEADER_LIMIT - headLength);
            if (headLength + take > head.length) {
                head = java.util.Arrays.copyOf(
                        head, Math.min(HEADER_LIMIT, Math.max(head.length * 2, headLength + take)));
            }
            System.arraycopy(buf, off, head, headLength, take);
            headLength += take;
            int end = headerEnd(start);
            if (end < 0) {
                return headLength == HEADER_LIMIT
                        ? fail("no end of the HTTP header in its first " + HEADER_LIMIT + " bytes")
                        : null;
            }
            extracted = true;
            headerEndOffset = end;
            status = statusCode(head, end);
            contentLength = contentLength(head, end);
            // the body's first bytes: those of this read after the header (taken even when the
            // status fails the check, for genhash, which reads on)
            int consumed = end - (headLength - take);
            bodyBytes(buf, off + consumed, len - consumed);
            return statusWanted() ? null : fail("status " + status + ", want " + ranges(url.statusCodes()));
        }
        bodyBytes(buf, off, len);
        return null;
    }

    /** The stream ended (the server closed it): the verdict. */
    ProbeResult ended() {
        if (!extracted) {
            return fail(headLength == 0 ? "no data received" : "connection closed before the end of the HTTP header");
        }
        if (url.digest() != null) {
            String got = HexFormat.of().formatHex(md5.digest());
            if (!got.equalsIgnoreCase(url.digest())) {
                return fail("digest " + got + ", want " + url.digest().toLowerCase());
            }
        }
        if (regex != null) {
            boolean found =
                    regex.matcher(body.toString(StandardCharsets.ISO_8859_1)).find();
            if (found == url.regexNoMatch()) {
                return fail("body " + (found ? "matches" : "does not match") + " /" + url.regex() + "/");
            }
        }
        return ProbeResult.ok(url.path() + ": status " + status);
    }

    static String ranges(java.util.List<CheckSettings.StatusRange> want) {
        StringBuilder sb = new StringBuilder();
        for (CheckSettings.StatusRange r : want) {
            if (sb.length() > 0) {
                sb.append(',');
            }
            sb.append(r);
        }
        return sb.toString();
    }

    private ProbeResult fail(String why) {
        return ProbeResult.fail(url.path() + ": " + why);
    }

    private boolean statusWanted() {
        // keepalived's HTTP_STATUS_CODE_MIN..MAX: a status of 0 (none) is never wanted
        if (status < 100 || status > 599) {
            return false;
        }
        for (CheckSettings.StatusRange r : url.statusCodes()) {
            if (r.contains(status)) {
                return true;
            }
        }
        return false;
    }

    private void bodyBytes(byte[] buf, int off, int len) {
        if (len <= 0) {
            return;
        }
        if (md5 != null && (contentLength < 0 || bodyBytes < contentLength)) {
            md5.update(buf, off, contentLength < 0 ? len : (int) Math.min(len, contentLength - bodyBytes));
        }
        if (body != null && body.size() < REGEX_BODY_LIMIT) {
            body.write(buf, off, Math.min(len, REGEX_BODY_LIMIT - body.size()));
        }
        bodyBytes += len;
    }

    /** The offset after the header's CRLF CRLF, searched from {@code from}, or -1. */
    private int headerEnd(int from) {
        for (int i = from; i + 3 < headLength; i++) {
            if (head[i] == '\r' && head[i + 1] == '\n' && head[i + 2] == '\r' && head[i + 3] == '\n') {
                return i + 4;
            }
        }
        return -1;
    }

    /**
     * lib/html.c's extract_status_code: skip to the first space (not past a CR), then exactly
     * three digits followed by a space; anything else is 0.
     */
    static int statusCode(byte[] b, int size) {
        int i = 0;
        while (i < size && b[i] != ' ' && b[i] != '\r') {
            i++;
        }
        if (i >= size || b[i] != ' ') {
            return 0;
        }
        i++;
        if (i + 3 >= size || b[i] == ' ' || b[i + 3] != ' ') {
            return 0;
        }
        int code = 0;
        for (int k = 0; k < 3; k++) {
            byte c = b[i + k];
            if (c < '0' || c > '9') {
                return 0;
            }
            code = code * 10 + (c - '0');
        }
        return code;
    }

    /**
     * lib/html.c's extract_content_length, in the header: after "Content-Length:" a number as
     * strtoul reads it (leading white space, a sign), which must end the line; else -1 (no bound).
     * A value beyond what a long holds is no bound either (strtoul's ULONG_MAX).
     */
    static long contentLength(byte[] b, int size) {
        int at = indexOf(b, size, CONTENT_LENGTH);
        if (at < 0) {
            return -1;
        }
        int p = at + CONTENT_LENGTH.length;
        int i = p;
        while (i < size && isSpace(b[i])) {
            i++;
        }
        boolean negative = false;
        if (i < size && (b[i] == '+' || b[i] == '-')) {
            negative = b[i] == '-';
            i++;
        }
        int digits = i;
        long v = 0;
        boolean overflow = false;
        while (i < size && b[i] >= '0' && b[i] <= '9') {
            if (v > (Long.MAX_VALUE - 9) / 10) {
                overflow = true;
            } else {
                v = v * 10 + (b[i] - '0');
            }
            i++;
        }
        // without digits strtoul leaves its end where it started, right after the colon
        int end = i == digits ? p : i;
        if (end < size && b[end] != '\r' && b[end] != '\n') {
            return -1;
        }
        if (i == digits) {
            return 0;
        }
        // a negative value is strtoul's huge one: no bound in practice
        return overflow || (negative && v != 0) ? -1 : v;
    }

    private static boolean isSpace(byte c) {
        return c == ' ' || c == '\t' || c == '\n' || c == 0x0b || c == '\f' || c == '\r';
    }

    private static int indexOf(byte[] b, int size, byte[] what) {
        outer:
        for (int i = 0; i + what.length <= size; i++) {
            for (int k = 0; k < what.length; k++) {
                if (b[i + k] != what[k]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }
}
