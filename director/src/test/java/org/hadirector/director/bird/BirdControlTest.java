package org.hadirector.director.bird;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The client's bounds, against a unix socket that plays BIRD's captured replies back, or
 * misbehaves (silence, garbage, floods) in ways a real BIRD cannot be made to. The real BIRD is
 * {@code BirdAnnounceLabTest}'s.
 */
class BirdControlTest {
    private Path dir;
    private Path socket;
    private ServerSocketChannel server;
    private CompletableFuture<Void> peer;

    @BeforeEach
    void listen() throws IOException {
        dir = Files.createTempDirectory("hdbird");
        socket = dir.resolve("bird.ctl");
        server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        server.bind(UnixDomainSocketAddress.of(socket));
    }

    @AfterEach
    void close() throws Exception {
        server.close();
        if (peer != null) {
            peer.get(5, TimeUnit.SECONDS);
        }
        Files.deleteIfExists(socket);
        Files.delete(dir);
    }

    /** One client: sends the greeting, then for each command line what {@code answer} says. */
    private void serve(String greeting, Function<String, String> answer) {
        peer = CompletableFuture.runAsync(() -> {
            try (SocketChannel c = server.accept()) {
                c.write(ByteBuffer.wrap(greeting.getBytes(StandardCharsets.US_ASCII)));
                StringBuilder line = new StringBuilder();
                ByteBuffer b = ByteBuffer.allocate(1024);
                while (c.read(b) > 0) {
                    b.flip();
                    while (b.hasRemaining()) {
                        char ch = (char) b.get();
                        if (ch != '\n') {
                            line.append(ch);
                            continue;
                        }
                        String out = answer.apply(line.toString());
                        line.setLength(0);
                        if (out == null) {
                            return; // hang up
                        }
                        c.write(ByteBuffer.wrap(out.getBytes(StandardCharsets.US_ASCII)));
                    }
                    b.clear();
                }
            } catch (IOException e) {
                // the client went away: the test says what it expected
            }
        });
    }

    @Test
    void readsProtocolsAndExportedRoutesAsBirdSendsThem() throws Exception {
        String protocols = BirdReplyTest.captured("show-protocols-established.txt");
        String exported = BirdReplyTest.captured("show-route-exported-uplink.txt");
        String down = BirdReplyTest.captured("show-route-exported-channel-down.txt");
        String[] next = {exported};
        serve(BirdReplyTest.captured("banner.txt"), cmd -> switch (cmd) {
            case "show protocols" -> protocols;
            case "show route exported uplink" -> {
                String r = next[0];
                next[0] = down;
                yield r;
            }
            default -> "9001 syntax error\n";
        });
        try (BirdControl bird = BirdControl.open(socket, Duration.ofSeconds(2))) {
            assertEquals("BIRD 2.0.12 ready.", bird.greeting());
            assertTrue(bird.protocols().get(2).established());
            assertEquals(List.of(new BirdRoute("master4", "198.18.0.100/32")), bird.exported("uplink"));
            assertEquals(List.of(), bird.exported("uplink"), "channel down: nothing exported");
            BirdException e = assertThrows(BirdException.class, () -> bird.command("show nonsense"));
            assertEquals(9001, e.code());
            assertEquals(3, bird.protocols().size(), "usable after BIRD's own error");
            assertThrows(IllegalArgumentException.class, () -> bird.exported("uplink\nshutdown"));
            assertThrows(IllegalArgumentException.class, () -> bird.command("a\nb"));
        }
    }

    @Test
    void aSilentPeerTimesOutAndTheConnectionIsDropped() throws Exception {
        serve("0001 BIRD 2.0.12 ready.\n", cmd -> "1002-partial\n");
        try (BirdControl bird = BirdControl.open(socket, Duration.ofMillis(300))) {
            long t0 = System.nanoTime();
            BirdException e = assertThrows(BirdException.class, bird::protocols);
            long ms = (System.nanoTime() - t0) / 1_000_000;
            assertTrue(e.getMessage().contains("no reply to 'show protocols' within 300 ms"), e.getMessage());
            assertTrue(ms >= 250 && ms < 2000, ms + " ms");
            BirdException again = assertThrows(BirdException.class, bird::protocols);
            assertTrue(again.getMessage().contains("open a new one"), again.getMessage());
        }
    }

    @Test
    void noGreetingInTime() {
        // accepted by the kernel's backlog, never greeted
        BirdException e = assertThrows(BirdException.class, () -> BirdControl.open(socket, Duration.ofMillis(200)));
        assertTrue(e.getMessage().contains("no reply to the greeting"), e.getMessage());
    }

    @Test
    void notBird() {
        serve("220 smtp.example ESMTP\n", cmd -> null);
        BirdException e = assertThrows(BirdException.class, () -> BirdControl.open(socket, Duration.ofSeconds(1)));
        assertTrue(e.getMessage().contains("malformed BIRD reply line: '220 smtp.example ESMTP'"), e.getMessage());
    }

    @Test
    void aFloodIsCutAtTheCaps() throws Exception {
        serve(
                "0001 BIRD 2.0.12 ready.\n",
                cmd -> cmd.equals("long")
                        ? "1007-" + "x".repeat(BirdControl.MAX_LINE_LENGTH + 10) + "\n0000 \n"
                        : "1007-Table master4:\n" + " 198.18.0.1/32 unicast\n".repeat(BirdControl.MAX_LINES)
                                + "0000 \n");
        try (BirdControl bird = BirdControl.open(socket, Duration.ofSeconds(5))) {
            BirdException e = assertThrows(BirdException.class, () -> bird.command("many"));
            assertTrue(e.getMessage().contains("longer than " + BirdControl.MAX_LINES + " lines"), e.getMessage());
        }
        peer.get(5, TimeUnit.SECONDS);
        serve("0001 BIRD 2.0.12 ready.\n", cmd -> "1007-" + "x".repeat(BirdControl.MAX_LINE_LENGTH + 10) + "\n0000 \n");
        try (BirdControl bird = BirdControl.open(socket, Duration.ofSeconds(5))) {
            BirdException e = assertThrows(BirdException.class, () -> bird.command("long"));
            assertTrue(e.getMessage().contains("longer than " + BirdControl.MAX_LINE_LENGTH), e.getMessage());
        }
    }

    @Test
    void birdGoneMidReply() {
        serve("0001 BIRD 2.0.12 ready.\n", cmd -> null);
        assertThrows(BirdException.class, () -> {
            try (BirdControl bird = BirdControl.open(socket, Duration.ofSeconds(1))) {
                bird.protocols();
            }
        });
    }

    @Test
    void noSocket() throws Exception {
        server.close();
        Files.delete(socket);
        BirdException e = assertThrows(BirdException.class, () -> BirdControl.open(socket, Duration.ofSeconds(1)));
        assertTrue(e.getMessage().startsWith("BIRD control socket " + socket), e.getMessage());
        server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        server.bind(UnixDomainSocketAddress.of(socket));
    }
}
