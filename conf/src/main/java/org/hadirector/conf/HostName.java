package org.hadirector.conf;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** The node name as uname(2) gives it, without a DNS lookup. */
final class HostName {
    private HostName() {}

    static String get() {
        try {
            String h = Files.readString(Path.of("/proc/sys/kernel/hostname")).strip();
            if (!h.isEmpty()) {
                return h;
            }
        } catch (IOException | RuntimeException e) {
            // fall through
        }
        String env = System.getenv("HOSTNAME");
        return env == null || env.isBlank() ? "localhost" : env;
    }
}
