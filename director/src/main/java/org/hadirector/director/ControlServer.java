package org.hadirector.director;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The control socket: a unix domain socket, mode 0600, one request line per connection, one
 * answer. A request is at most 1 KiB and must arrive within 2 s; anything else gets an error
 * line and changes nothing. Requests are answered by {@code handler}.
 */
final class ControlServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ControlServer.class);
    static final int MAX_REQUEST = 1024;

    private final Path path;
    private final ServerSocketChannel server;
    private final Function<String, String> handler;
    private final ExecutorService workers = new ThreadPoolExecutor(1, 4, 30, TimeUnit.SECONDS,
            new java.util.concurrent.SynchronousQueue<>(), r -> daemon(r, "control"));
    private final ScheduledExecutorService deadlines = Executors.newSingleThreadScheduledExecutor(r -> daemon(r, "control-timeout"));
    private final Thread acceptor;

    private static Thread daemon(Runnable r, String name) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        return t;
    }

    ControlServer(Path path, Function<String, String> handler) throws IOException {
        this.path = path;
        this.handler = handler;
        if (path.getParent() != null) {
            Files.createDirectories(path.getParent());
        }
        if (Files.exists(path)) {
            // A socket file that answers belongs to a running daemon: never steal it.
            try (SocketChannel probe = SocketChannel.open(UnixDomainSocketAddress.of(path))) {
                throw new IOException("in use by a running hadirector (give this one its own --control)");
            } catch (IOException e) {
                if (e.getMessage() != null && e.getMessage().startsWith("in use")) {
                    throw e;
                }
            }
            Files.deleteIfExists(path);
        }
        server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        server.bind(UnixDomainSocketAddress.of(path));
        Files.setPosixFilePermissions(path, PosixFilePermissions.fromString("rw-------"));
        acceptor = daemon(this::accept, "control-accept");
        acceptor.start();
    }

    private void accept() {
        while (server.isOpen()) {
            SocketChannel c;
            try {
                c = server.accept();
            } catch (IOException e) {
                return;
            }
            try {
                workers.execute(() -> serve(c));
            } catch (RejectedExecutionException e) {
                reply(c, "error: busy, try again\n");
            }
        }
    }

    private void serve(SocketChannel c) {
        var timeout = deadlines.schedule(() -> close(c), 2, TimeUnit.SECONDS);
        try {
            String request = readLine(c);
            timeout.cancel(false);
            String answer = request == null ? "error: request too long or not a line\n" : handler.apply(request.strip());
            var drainLimit = deadlines.schedule(() -> close(c), 2, TimeUnit.SECONDS);
            reply(c, answer);
            drainLimit.cancel(false);
        } catch (IOException e) {
            LOG.debug("control connection: {}", e.getMessage());
            close(c);
        } catch (RuntimeException e) {
            LOG.error("control request failed: {}", e.toString(), e);
            reply(c, "error: internal: " + e + "\n");
        }
    }

    /** One line of at most MAX_REQUEST bytes; null when longer or not text. */
    private static String readLine(SocketChannel c) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(MAX_REQUEST + 1);
        while (b.hasRemaining()) {
            int n = c.read(b);
            if (n < 0) {
                break;
            }
            for (int i = 0; i < b.position(); i++) {
                if (b.get(i) == '\n') {
                    return new String(b.array(), 0, i, StandardCharsets.UTF_8);
                }
            }
        }
        if (b.position() > MAX_REQUEST) {
            return null;
        }
        return new String(b.array(), 0, b.position(), StandardCharsets.UTF_8);
    }

    /**
     * Writes the answer, then reads and drops what the client still sends (at most 64 KiB), so
     * that closing with unread input does not reset the connection before the answer is read.
     */
    private static void reply(SocketChannel c, String text) {
        try (c) {
            ByteBuffer out = ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8));
            while (out.hasRemaining()) {
                c.write(out);
            }
            c.shutdownOutput();
            ByteBuffer sink = ByteBuffer.allocate(4096);
            for (int total = 0; total < 65536; ) {
                sink.clear();
                int n = c.read(sink);
                if (n < 0) {
                    break;
                }
                total += n;
            }
        } catch (IOException e) {
            // the client went away
        }
    }

    private static void close(SocketChannel c) {
        try {
            c.close();
        } catch (IOException ignored) {
            // closing
        }
    }

    /** Sends one request to a running daemon and returns its answer; gives up after 10 s. */
    static String request(Path path, String line) throws IOException {
        try (SocketChannel c = SocketChannel.open(UnixDomainSocketAddress.of(path));
                java.nio.channels.Selector sel = java.nio.channels.Selector.open()) {
            c.write(ByteBuffer.wrap((line + "\n").getBytes(StandardCharsets.UTF_8)));
            c.shutdownOutput();
            c.configureBlocking(false);
            c.register(sel, java.nio.channels.SelectionKey.OP_READ);
            ByteBuffer b = ByteBuffer.allocate(1 << 20);
            long deadline = System.nanoTime() + 10_000_000_000L;
            while (b.hasRemaining()) {
                long left = (deadline - System.nanoTime()) / 1_000_000;
                if (left <= 0) {
                    throw new IOException("no answer within 10 s");
                }
                sel.select(left);
                sel.selectedKeys().clear();
                if (c.read(b) < 0) {
                    break;
                }
            }
            return new String(b.array(), 0, b.position(), StandardCharsets.UTF_8);
        }
    }

    @Override
    public void close() {
        try {
            server.close();
        } catch (IOException ignored) {
            // closing
        }
        workers.shutdownNow();
        deadlines.shutdownNow();
        try {
            Files.deleteIfExists(path);
        } catch (IOException ignored) {
            // best effort
        }
    }
}
