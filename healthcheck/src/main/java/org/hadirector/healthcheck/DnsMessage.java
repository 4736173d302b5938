package org.hadirector.healthcheck;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * DNS_CHECK's wire format, apart from the I/O so that it can be tested from bytes: the single
 * query keepalived sends and the way keepalived judges what comes back (keepalived/check/
 * check_dns.c, dns_make_query and dns_recv_thread).
 *
 * <p>The query: a 12-byte header with a random id, only RD set, one question and no other
 * records; the name as labels ("." is the root, a trailing dot changes nothing); the type;
 * class IN. No EDNS, so the 4-bit header RCODE is the whole response code.
 *
 * <p>A reply is judged by its header alone, as keepalived does:
 * <ul>
 * <li>shorter than a header: ignored, keep waiting (keepalived means the same check, though it
 * compares against the size of a pointer);
 * <li>another id: ignored, keep waiting;
 * <li>QR clear (a query, not a reply): ignored, keep waiting;
 * <li>RCODE not 0: failure, {@code rcode NXDOMAIN};
 * <li>otherwise success, whatever the answer count, the TC bit or the question section say:
 * keepalived parses none of them, so NOERROR with no answer (NODATA) passes too.
 * </ul>
 */
final class DnsMessage {
    static final int HEADER_BYTES = 12;
    private static final int QR = 0x8000;
    private static final int RD = 0x0100;
    private static final int CLASS_IN = 1;
    private static final int MAX_LABEL = 63;
    private static final int MAX_NAME = 255;

    /** keepalived's type keywords; RRSIG and DNSKEY came with keepalived 2.x. */
    private static final Map<String, Integer> TYPES = new LinkedHashMap<>();

    static {
        TYPES.put("A", 1);
        TYPES.put("NS", 2);
        TYPES.put("CNAME", 5);
        TYPES.put("SOA", 6);
        TYPES.put("MX", 15);
        TYPES.put("TXT", 16);
        TYPES.put("AAAA", 28);
        TYPES.put("RRSIG", 46);
        TYPES.put("DNSKEY", 48);
    }

    private static final String[] RCODES = {
        "NOERROR",
        "FORMERR",
        "SERVFAIL",
        "NXDOMAIN",
        "NOTIMP",
        "REFUSED",
        "YXDOMAIN",
        "YXRRSET",
        "NXRRSET",
        "NOTAUTH",
        "NOTZONE"
    };

    private DnsMessage() {}

    /** The record type's number; the keyword is matched without case, as keepalived does. */
    static int type(String keyword) {
        Integer t = keyword == null ? null : TYPES.get(keyword.toUpperCase(Locale.ROOT));
        if (t == null) {
            throw new IllegalArgumentException(
                    "DNS_CHECK: unknown type '" + keyword + "', want one of " + String.join(", ", TYPES.keySet()));
        }
        return t;
    }

    /**
     * The name in wire form. Names keepalived's parser refuses (an empty label) or that DNS
     * cannot carry (a label over 63 bytes, a name over 255) are refused here, at configuration.
     */
    static byte[] qname(String name) {
        if (name == null || name.isEmpty()) {
            throw new IllegalArgumentException("DNS_CHECK: empty name");
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        if (!name.equals(".")) {
            String n = name.endsWith(".") ? name.substring(0, name.length() - 1) : name;
            for (String label : n.split("\\.", -1)) {
                byte[] b = label.getBytes(StandardCharsets.UTF_8);
                if (b.length == 0) {
                    throw new IllegalArgumentException("DNS_CHECK: name '" + name + "' has an empty label");
                }
                if (b.length > MAX_LABEL) {
                    throw new IllegalArgumentException(
                            "DNS_CHECK: name '" + name + "' has a label over " + MAX_LABEL + " bytes");
                }
                out.write(b.length);
                out.writeBytes(b);
            }
        }
        out.write(0);
        if (out.size() > MAX_NAME) {
            throw new IllegalArgumentException("DNS_CHECK: name '" + name + "' is over " + MAX_NAME + " bytes");
        }
        return out.toByteArray();
    }

    static byte[] query(int id, int type, byte[] qname) {
        byte[] q = new byte[HEADER_BYTES + qname.length + 4];
        put16(q, 0, id);
        put16(q, 2, RD);
        put16(q, 4, 1);
        // ancount, nscount, arcount stay 0
        System.arraycopy(qname, 0, q, HEADER_BYTES, qname.length);
        put16(q, HEADER_BYTES + qname.length, type);
        put16(q, HEADER_BYTES + qname.length + 2, CLASS_IN);
        return q;
    }

    /** The verdict on one datagram for the query {@code id}; empty means ignore it and keep waiting. */
    static Optional<ProbeResult> judge(int id, byte[] reply) {
        if (reply.length < HEADER_BYTES || get16(reply, 0) != id) {
            return Optional.empty();
        }
        int flags = get16(reply, 2);
        if ((flags & QR) == 0) {
            return Optional.empty();
        }
        int rcode = flags & 0x0F;
        if (rcode != 0) {
            return Optional.of(ProbeResult.fail("rcode " + rcodeName(rcode)));
        }
        int answers = get16(reply, 6);
        return Optional.of(ProbeResult.ok("NOERROR, " + answers + (answers == 1 ? " answer" : " answers")));
    }

    static String rcodeName(int rcode) {
        return rcode < RCODES.length ? RCODES[rcode] : Integer.toString(rcode);
    }

    private static void put16(byte[] b, int at, int v) {
        b[at] = (byte) (v >>> 8);
        b[at + 1] = (byte) v;
    }

    private static int get16(byte[] b, int at) {
        return (b[at] & 0xFF) << 8 | b[at + 1] & 0xFF;
    }
}
