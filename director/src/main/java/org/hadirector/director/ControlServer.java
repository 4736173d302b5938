package org.hadirector.director;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.unix.DomainSocketAddress;
import io.netty.util.ReferenceCountUtil;
import java.io.IOException;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The control socket: a unix domain socket, mode 0600, one request line per connection, one
 * answer (a connection listing streamed a page at a time, {@link ControlAnswer.Streamed}). A request is at most 1 KiB and must arrive within 2 s of the connect; anything else
 * gets an error line or is closed, and changes nothing. Requests are answered by {@code handler}
 * on a few workers; up to {@value #MAX_CONNECTIONS} clients at once wait their turn in its queue
 * (one more is told "error: busy" and closed), and an idle client holds no worker
 * ({@link BoundedServer}).
 */
final class ControlServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ControlServer.class);
    static final int MAX_REQUEST = 1024;
    static final int MAX_CONNECTIONS = 128;
    static final BoundedServer.Limits LIMITS = new BoundedServer.Limits(MAX_CONNECTIONS, 2_000, 10_000, 2_000, 4);
    private static final byte[] BUSY = "error: busy, try again\n".getBytes(StandardCharsets.UTF_8);

    private final Path path;
    private final Function<String, ControlAnswer> handler;
    private final BoundedServer server;

    ControlServer(Path path, Function<String, ControlAnswer> handler) throws IOException {
        this(path, handler, LIMITS);
    }

    ControlServer(Path path, Function<String, ControlAnswer> handler, BoundedServer.Limits limits) throws IOException {
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
        server = BoundedServer.start(
                "control",
                new DomainSocketAddress(path.toString()),
                limits,
                (srv, ch) -> ch.pipeline().addLast(new Exchange(srv)),
                () -> Unpooled.wrappedBuffer(BUSY));
        try {
            Files.setPosixFilePermissions(path, PosixFilePermissions.fromString("rw-------"));
        } catch (IOException e) {
            server.close();
            throw e;
        }
        LOG.info(
                "control socket {} (at most {} clients at once, {} ms for a request)",
                path,
                limits.maxConnections(),
                limits.requestMillis());
    }

    BoundedServer.Stats stats() {
        return server.stats();
    }

    boolean serving() {
        return server.serving();
    }

    /** One request line (at most MAX_REQUEST bytes, ended by a newline or by the client's half-close). */
    private final class Exchange extends OneRequestConnection {
        private final byte[] line = new byte[MAX_REQUEST];
        private int length;

        Exchange(BoundedServer srv) {
            super(srv);
        }

        @Override
        protected void read(Object msg) {
            try {
                if (!(msg instanceof ByteBuf b)) {
                    return;
                }
                while (b.isReadable()) {
                    byte c = b.readByte();
                    if (c == '\n') {
                        request();
                        return;
                    }
                    if (length == MAX_REQUEST) {
                        server.malformed.incrementAndGet();
                        send(text("error: request too long or not a line\n"));
                        return;
                    }
                    line[length++] = c;
                }
            } finally {
                ReferenceCountUtil.release(msg);
            }
        }

        @Override
        protected void inputEnded() {
            request();
        }

        private void request() {
            String request = new String(line, 0, length, StandardCharsets.UTF_8).strip();
            answer(() -> {
                ControlAnswer a = handler.apply(request);
                return a instanceof ControlAnswer.Streamed s ? bytes(s) : text(((ControlAnswer.Text) a).text());
            });
        }

        @Override
        protected Object busyAnswer() {
            return Unpooled.wrappedBuffer(BUSY);
        }

        @Override
        protected Object failedAnswer(Exception e) {
            return text("error: internal: " + e + "\n");
        }
    }

    /** A streamed text answer as the bytes the channel writes. */
    private static OneRequestConnection.Stream bytes(ControlAnswer.Streamed s) {
        return new OneRequestConnection.Stream() {
            @Override
            public Object next() throws Exception {
                String piece = s.next();
                return piece == null ? null : text(piece);
            }

            @Override
            public void close() {
                s.close();
            }
        };
    }

    private static ByteBuf text(String s) {
        return Unpooled.wrappedBuffer(s.getBytes(StandardCharsets.UTF_8));
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

    /**
     * How a copied answer ended: {@code error} is the whole answer when it was an error (then
     * nothing was copied); {@code brokenOff} says why a copied answer is incomplete (its last
     * line was an error the daemon met midway, or the daemon stopped sending), null when whole.
     */
    record Copied(String error, String brokenOff) {}

    /**
     * Sends one request and copies its answer to {@code out} as it arrives, however long (a
     * streamed connection listing): memory for one read, never the whole answer. Gives up when
     * nothing arrives for 10 s (the daemon answers each piece within its own deadline).
     *
     * <p>The request's newline ends it; the output is not shut down: with netty 4.2.18's epoll, a
     * connection whose client half-closed and whose reading is paused has no epoll interest left
     * between two pieces, and its registration is then lost (EPOLL_CTL_DEL without forgetting it,
     * so the next EPOLLOUT fails with ENOENT and the answer is cut short).
     */
    static Copied copy(Path path, String line, java.io.OutputStream out) throws IOException {
        try (SocketChannel c = SocketChannel.open(UnixDomainSocketAddress.of(path));
                java.nio.channels.Selector sel = java.nio.channels.Selector.open()) {
            c.write(ByteBuffer.wrap((line + "\n").getBytes(StandardCharsets.UTF_8)));
            c.configureBlocking(false);
            c.register(sel, java.nio.channels.SelectionKey.OP_READ);
            ByteBuffer b = ByteBuffer.allocate(1 << 16);
            java.io.ByteArrayOutputStream head = new java.io.ByteArrayOutputStream();
            LineStarts lines = new LineStarts();
            boolean copying = false;
            while (true) {
                int n;
                try {
                    n = readSome(c, sel, b);
                } catch (IOException e) {
                    if (!copying && head.size() == 0) {
                        throw e;
                    }
                    flushHead(head, out, lines);
                    return new Copied(null, "the daemon stopped sending: " + e.getMessage());
                }
                if (n < 0) {
                    break;
                }
                if (copying) {
                    out.write(b.array(), 0, n);
                    lines.scan(b.array(), 0, n);
                } else {
                    head.write(b.array(), 0, n);
                    // An error is one short answer, told apart by its first bytes.
                    if (head.size() >= ERROR.length && !startsWithError(head.toByteArray())) {
                        flushHead(head, out, lines);
                        copying = true;
                    } else if (head.size() > 1 << 20) {
                        throw new IOException("an error answer longer than 1 MiB");
                    }
                }
                b.clear();
            }
            if (!copying && startsWithError(head.toByteArray())) {
                return new Copied(head.toString(StandardCharsets.UTF_8), null);
            }
            flushHead(head, out, lines);
            out.flush();
            return new Copied(null, lines.lastWasError() ? "the daemon met an error (the last line)" : null);
        }
    }

    private static final byte[] ERROR = "error:".getBytes(StandardCharsets.US_ASCII);

    private static boolean startsWithError(byte[] b) {
        return b.length >= ERROR.length && java.util.Arrays.equals(b, 0, ERROR.length, ERROR, 0, ERROR.length);
    }

    private static void flushHead(java.io.ByteArrayOutputStream head, java.io.OutputStream out, LineStarts lines)
            throws IOException {
        byte[] h = head.toByteArray();
        out.write(h);
        lines.scan(h, 0, h.length);
        head.reset();
    }

    /** Reads what has come, waiting at most 10 s for something; -1 at the end. */
    private static int readSome(SocketChannel c, java.nio.channels.Selector sel, ByteBuffer b) throws IOException {
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (true) {
            int n = c.read(b);
            if (n != 0) {
                return n;
            }
            long left = (deadline - System.nanoTime()) / 1_000_000;
            if (left <= 0) {
                throw new IOException("nothing for 10 s");
            }
            sel.select(left);
            sel.selectedKeys().clear();
        }
    }

    /** Whether the last whole line of a text read in pieces starts with "error:". */
    private static final class LineStarts {
        private final byte[] start = new byte[ERROR.length];
        private int length;
        private boolean lastWasError;

        void scan(byte[] b, int off, int len) {
            for (int i = off; i < off + len; i++) {
                if (b[i] == '\n') {
                    lastWasError = length == ERROR.length && java.util.Arrays.equals(start, ERROR);
                    length = 0;
                } else if (length < start.length) {
                    start[length++] = b[i];
                }
            }
        }

        boolean lastWasError() {
            return lastWasError;
        }
    }

    @Override
    public void close() {
        server.close();
        try {
            Files.deleteIfExists(path);
        } catch (IOException ignored) {
            // best effort
        }
    }
}
