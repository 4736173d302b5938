package org.hadirector.healthcheck;

import org.hadirector.sys.HexPattern;

/**
 * UDP_CHECK's rules, as keepalived 2.2.7 has them (check_udp.c, layer4.c): pure.
 *
 * <ul>
 *   <li>The datagram sent is {@code payload}, else 32 bytes of "keepalived check - " repeated.
 *   <li>Nothing back within connect_timeout passes, unless {@code require_reply}; an ICMP
 *       destination unreachable (a read error on the connected socket) fails.
 *   <li>A reply passes, except that with {@code require_reply DATA} it must be between
 *       min_reply_length and max_reply_length long (0 and 255 by default) and its first
 *       min(length, DATA's length) bytes must equal DATA's, an x nibble matching anything.
 * </ul>
 *
 * The payload and the reply are keepalived's hex strings ({@link HexPattern}).
 */
public final class UdpCheckRules {
    /** keepalived's UDP_BUFSIZE: the length of the default payload. */
    static final int DEFAULT_PAYLOAD_LENGTH = 32;

    private UdpCheckRules() {}

    /** What is sent: the payload, else keepalived's filler. */
    public static byte[] datagram(HexPattern payload) {
        if (payload != null) {
            return payload.data().clone();
        }
        return KeepalivedFiller.of(DEFAULT_PAYLOAD_LENGTH);
    }

    /** Why {@code reply} fails {@code expected} with these length bounds, or null when it passes. */
    public static String judge(byte[] reply, HexPattern expected, int minLength, int maxLength) {
        if (expected == null) {
            return null;
        }
        if (reply.length < minLength || reply.length > maxLength) {
            return "reply of " + reply.length + " bytes, not " + minLength + ".." + maxLength;
        }
        int n = Math.min(reply.length, expected.data().length);
        for (int i = 0; i < n; i++) {
            if (((reply[i] ^ expected.data()[i]) & ~expected.wildcard()[i] & 0xff) != 0) {
                return "reply data mismatch at byte " + i;
            }
        }
        return null;
    }
}
