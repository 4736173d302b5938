package org.hadirector.director;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The control socket: 0600, one line in, one answer out; garbage gets an error and reaches no handler. */
class ControlServerTest {
    @TempDir
    Path dir;

    @Test
    void answersALineAndIsPrivate() throws Exception {
        Path sock = dir.resolve("c.sock");
        try (ControlServer s = new ControlServer(sock, r -> "you said " + r + "\n")) {
            assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(sock)));
            assertEquals("you said status\n", ControlServer.request(sock, "status"));
        }
        assertTrue(!Files.exists(sock), "removed on close");
    }

    @Test
    void overlongAndSilentClientsGetNoHandler() throws Exception {
        Path sock = dir.resolve("c.sock");
        AtomicInteger calls = new AtomicInteger();
        try (ControlServer s = new ControlServer(sock, r -> {
            calls.incrementAndGet();
            return "ok\n";
        })) {
            assertEquals("error: request too long or not a line\n", ControlServer.request(sock, "x".repeat(5000)));
            // A client that connects and says nothing is cut off after 2 s; the server still answers others.
            try (SocketChannel silent = SocketChannel.open(UnixDomainSocketAddress.of(sock))) {
                ByteBuffer b = ByteBuffer.allocate(16);
                long t0 = System.nanoTime();
                int n = silent.read(b);
                assertEquals(-1, n);
                assertTrue(System.nanoTime() - t0 < 10_000_000_000L);
            }
            assertEquals(0, calls.get());
            assertEquals("ok\n", ControlServer.request(sock, "status"));
        }
    }

    @Test
    void aSecondServerNeverStealsALiveSocketButReplacesAStaleOne() throws Exception {
        Path sock = dir.resolve("c.sock");
        try (ControlServer first = new ControlServer(sock, r -> "first\n")) {
            java.io.IOException e = org.junit.jupiter.api.Assertions.assertThrows(java.io.IOException.class,
                    () -> new ControlServer(sock, r -> "second\n"));
            assertTrue(e.getMessage().startsWith("in use by a running hadirector"), e.getMessage());
            assertEquals("first\n", ControlServer.request(sock, "x"));
        }
        Files.writeString(sock, "stale");
        try (ControlServer again = new ControlServer(sock, r -> "again\n")) {
            assertEquals("again\n", ControlServer.request(sock, "x"));
        }
    }
}
