package org.hadirector.healthcheck;

import java.nio.charset.StandardCharsets;

/**
 * The data keepalived sends where a check has nothing to say (set_buf in layer4.c): "keepalived
 * check - " repeated, the last copy cut to fit. UDP_CHECK's default payload and PING_CHECK's echo
 * data are it, so that a capture shows the same bytes as keepalived's.
 */
final class KeepalivedFiller {
    private static final byte[] TEXT = "keepalived check - ".getBytes(StandardCharsets.US_ASCII);

    private KeepalivedFiller() {}

    static byte[] of(int length) {
        byte[] out = new byte[length];
        for (int i = 0; i < length; i++) {
            out[i] = TEXT[i % TEXT.length];
        }
        return out;
    }
}
