package org.hadirector.sys;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** sd_notify to a real AF_UNIX datagram socket, read back by socat: the bytes systemd would get. */
class SystemdNotifyTest {

    @Test
    void noSocketNoMessage() throws Exception {
        assertFalse(SystemdNotify.send(null, "READY=1"));
        assertFalse(SystemdNotify.send("", "READY=1"));
    }

    @Test
    void sendsOneDatagramToAPathSocket() throws Exception {
        Path dir = Files.createTempDirectory("notify");
        Path sock = dir.resolve("notify.sock");
        Path out = dir.resolve("got");
        // socat stands in for systemd's receiver: it binds the datagram socket and prints what arrives.
        Process p = new ProcessBuilder("socat", "-u", "UNIX-RECV:" + sock, "CREATE:" + out)
                .inheritIO()
                .start();
        try {
            for (int i = 0; i < 200 && !Files.exists(sock); i++) {
                Thread.sleep(50);
            }
            assertTrue(SystemdNotify.send(sock.toString(), "READY=1\nSTATUS=running"));
            for (int i = 0; i < 200 && (!Files.exists(out) || Files.size(out) == 0); i++) {
                Thread.sleep(50);
            }
            assertEquals("READY=1\nSTATUS=running", Files.readString(out));
        } finally {
            p.destroyForcibly();
        }
    }

    @Test
    void aMissingSocketIsAnError() {
        assertThrows(NativeException.class, () -> SystemdNotify.send("/nonexistent/notify.sock", "READY=1"));
    }
}
