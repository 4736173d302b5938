package org.hadirector.director.bird;

import java.io.Closeable;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.regex.Pattern;

/**
 * A client of BIRD's control socket (what birdc speaks): one connection, one command at a time,
 * each bounded by a timeout and by caps on the reply's lines and line length. A connection that
 * failed (timeout, cap, malformed line, BIRD gone) is closed and refuses further commands: the
 * caller opens a new one, since the stream's position in BIRD's reply is unknown. BIRD's own
 * errors (8xxx, 9xxx) leave the connection usable.
 *
 * <p>Not thread-safe: one owner at a time.
 */
public final class BirdControl implements Closeable {
    /** BIRD's greeting: "0001 BIRD 2.0.12 ready." */
    static final int WELCOME = 1;
    /** A few thousand VIPs' routes (two lines each) fit; a runaway table does not. */
    public static final int MAX_LINES = 20_000;

    public static final int MAX_LINE_LENGTH = 4096;
    /** BIRD's own message for a channel that is not up (export maps exist only while it is). */
    static final String NO_VALID_TABLES = "No valid tables";
    /** BIRD symbols as the configuration names protocols; anything else could smuggle a second command. */
    private static final Pattern SYMBOL = Pattern.compile("[A-Za-z_][A-Za-z0-9_]{0,63}");

    private final Path path;
    private final long timeoutNanos;
    private final SocketChannel channel;
    private final Selector selector;
    private final ByteBuffer in = ByteBuffer.allocate(8192);
    private final StringBuilder line = new StringBuilder();
    private final String version;
    private boolean broken;

    private BirdControl(Path path, Duration timeout, SocketChannel channel, Selector selector) throws IOException {
        this.path = path;
        this.timeoutNanos = timeout.toNanos();
        this.channel = channel;
        this.selector = selector;
        in.flip();
        BirdReply banner = read(System.nanoTime() + timeoutNanos, "the greeting");
        if (banner.finalCode() != WELCOME) {
            throw fail(new BirdException(banner.finalCode(), path + ": not BIRD's greeting: " + banner.lines()));
        }
        this.version = banner.lines().get(0).text();
    }

    /** Connects to BIRD's socket at {@code path} and reads its greeting, within {@code timeout}. */
    public static BirdControl open(Path path, Duration timeout) throws BirdException {
        SocketChannel ch = null;
        Selector sel = null;
        try {
            ch = SocketChannel.open(StandardProtocolFamily.UNIX);
            ch.configureBlocking(false);
            sel = Selector.open();
            // A unix socket connects at once or is refused; a full backlog answers EAGAIN.
            if (!ch.connect(UnixDomainSocketAddress.of(path))) {
                ch.register(sel, SelectionKey.OP_CONNECT);
                if (sel.select(Math.max(1, timeout.toMillis())) == 0 || !ch.finishConnect()) {
                    throw new BirdException(-1, "BIRD control socket " + path + ": no connection within " + timeout);
                }
            }
            return new BirdControl(path, timeout, ch, sel);
        } catch (BirdException e) {
            closeQuietly(ch, sel);
            throw e;
        } catch (IOException e) {
            closeQuietly(ch, sel);
            throw new BirdException("BIRD control socket " + path + ": " + e.getMessage(), e);
        }
    }

    /** The greeting's text, e.g. "BIRD 2.0.12 ready." */
    public String greeting() {
        return version;
    }

    /**
     * Sends one command (one line) and returns BIRD's reply; throws BIRD's error replies (8xxx,
     * 9xxx) as {@link BirdException} with their code.
     */
    public BirdReply command(String command) throws BirdException {
        return send(command).orThrow(command);
    }

    /** As {@link #command} but returns error replies instead of throwing them. */
    public BirdReply send(String command) throws BirdException {
        if (command.indexOf('\n') >= 0 || command.indexOf('\r') >= 0) {
            throw new IllegalArgumentException("one line per command: " + command);
        }
        if (broken) {
            throw new BirdException(-1, "BIRD control connection to " + path + " failed earlier: open a new one");
        }
        long deadline = System.nanoTime() + timeoutNanos;
        write((command + "\n").getBytes(StandardCharsets.US_ASCII), deadline, command);
        return read(deadline, "'" + command + "'");
    }

    /** Every protocol's row of {@code show protocols}. */
    public List<BirdProtocol> protocols() throws BirdException {
        return BirdProtocol.parseAll(command("show protocols"));
    }

    /**
     * The networks that BIRD has exported to {@code protocol} (a BGP session: what it announced);
     * none while the protocol's channel is not up.
     */
    public List<BirdRoute> exported(String protocol) throws BirdException {
        String command = "show route exported " + symbol(protocol);
        BirdReply reply = send(command);
        if (reply.finalCode() == 9001
                && reply.lines().get(reply.lines().size() - 1).text().equals(NO_VALID_TABLES)) {
            return List.of();
        }
        return BirdRoute.parseAll(reply.orThrow(command));
    }

    static String symbol(String name) {
        if (!SYMBOL.matcher(name).matches()) {
            throw new IllegalArgumentException("not a BIRD protocol name: " + name);
        }
        return name;
    }

    private void write(byte[] bytes, long deadline, String what) throws BirdException {
        ByteBuffer out = ByteBuffer.wrap(bytes);
        try {
            while (out.hasRemaining()) {
                if (channel.write(out) == 0) {
                    await(SelectionKey.OP_WRITE, deadline, what);
                }
            }
        } catch (IOException e) {
            throw fail(e, what);
        }
    }

    private BirdReply read(long deadline, String what) throws BirdException {
        BirdReply.Reader reader = new BirdReply.Reader(MAX_LINES, MAX_LINE_LENGTH);
        try {
            while (true) {
                while (in.hasRemaining()) {
                    char c = (char) (in.get() & 0xff);
                    if (c == '\n') {
                        String text = line.toString();
                        line.setLength(0);
                        if (reader.add(text)) {
                            return reader.reply();
                        }
                    } else if (line.length() > MAX_LINE_LENGTH) {
                        throw new BirdException(-1, "BIRD reply line longer than " + MAX_LINE_LENGTH + " characters");
                    } else {
                        line.append(c);
                    }
                }
                in.clear();
                int n = channel.read(in);
                in.flip();
                if (n < 0) {
                    throw new BirdException(-1, "BIRD closed the control connection " + path + " during " + what);
                }
                if (n == 0) {
                    await(SelectionKey.OP_READ, deadline, what);
                }
            }
        } catch (BirdException e) {
            throw fail(e);
        } catch (IOException e) {
            throw fail(e, what);
        }
    }

    private void await(int op, long deadline, String what) throws IOException {
        long left = (deadline - System.nanoTime()) / 1_000_000;
        if (left <= 0) {
            throw new BirdException(
                    -1,
                    "BIRD control socket " + path + ": no reply to " + what + " within " + timeoutNanos / 1_000_000
                            + " ms");
        }
        SelectionKey key = channel.keyFor(selector);
        if (key == null) {
            key = channel.register(selector, op);
        } else {
            key.interestOps(op);
        }
        selector.select(left);
        selector.selectedKeys().clear();
    }

    private BirdException fail(BirdException e) {
        if (e.code() < 0) {
            broken = true;
            close();
        }
        return e;
    }

    private BirdException fail(IOException e, String what) {
        broken = true;
        close();
        return new BirdException("BIRD control socket " + path + " during " + what + ": " + e.getMessage(), e);
    }

    @Override
    public void close() {
        closeQuietly(channel, selector);
    }

    private static void closeQuietly(SocketChannel ch, Selector sel) {
        try {
            if (sel != null) {
                sel.close();
            }
        } catch (IOException e) {
            // closing: nothing left to do
        }
        try {
            if (ch != null) {
                ch.close();
            }
        } catch (IOException e) {
            // closing: nothing left to do
        }
    }
}
