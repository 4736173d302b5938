package org.hadirector.healthcheck;

import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLEngineResult;
import javax.net.ssl.SSLException;
import org.hadirector.sys.TcpConnector;

/**
 * TLS between the connector's connection and a conversation, for SSL_GET (keepalived's
 * check_ssl.c: a TLS client on the check's connection, the request written and the answer read
 * through it, to the end of the stream). The inner conversation is opened once the handshake is
 * done and sees only plaintext; the peer's close_notify, like its close, ends the stream. Runs on
 * the connector's thread; the engine's delegated tasks (certificate parsing) run inline.
 */
final class TlsConversation implements TcpConnector.Conversation {
    /** The errno given to the inner conversation when TLS failed; the call is then the reason. */
    static final int TLS_FAILED = -2;

    private static final ByteBuffer EMPTY = ByteBuffer.allocate(0);

    private final SSLEngine engine;
    private final TcpConnector.Conversation inner;
    /** TLS bytes received and not unwrapped yet (write mode). */
    private ByteBuffer netIn;
    /** Plaintext the inner conversation wrote before the handshake was done. */
    private final ArrayDeque<ByteBuffer> toSend = new ArrayDeque<>();

    private ByteBuffer appIn;
    private ByteBuffer netOut;
    private TcpConnector.Stream outer;
    private boolean handshaken;
    private boolean over;

    private final TcpConnector.Stream plain = new TcpConnector.Stream() {
        @Override
        public void write(byte[] bytes) {
            toSend.add(ByteBuffer.wrap(bytes));
        }

        @Override
        public void finish() {
            over = true;
            outer.finish();
        }
    };

    TlsConversation(SSLEngine engine, TcpConnector.Conversation inner) {
        this.engine = engine;
        this.inner = inner;
        int packet = engine.getSession().getPacketBufferSize();
        this.netIn = ByteBuffer.allocate(packet);
        this.netOut = ByteBuffer.allocate(packet);
        this.appIn = ByteBuffer.allocate(engine.getSession().getApplicationBufferSize());
    }

    @Override
    public void opened(TcpConnector.Stream s) {
        outer = s;
        try {
            engine.beginHandshake();
            step();
        } catch (SSLException | RuntimeException e) {
            fail(e);
        }
    }

    @Override
    public void received(TcpConnector.Stream s, byte[] buf, int len) {
        if (over) {
            return;
        }
        if (netIn.remaining() < len) {
            ByteBuffer bigger = ByteBuffer.allocate(netIn.position() + len);
            netIn.flip();
            bigger.put(netIn);
            netIn = bigger;
        }
        netIn.put(buf, 0, len);
        try {
            step();
        } catch (SSLException | RuntimeException e) {
            fail(e);
        }
    }

    @Override
    public void ended(int errno, String call) {
        if (over) {
            return;
        }
        over = true;
        if (errno == 0 && !handshaken) {
            inner.ended(TLS_FAILED, "the server closed the connection during the TLS handshake");
        } else {
            inner.ended(errno, call);
        }
    }

    private void fail(Exception e) {
        if (over) {
            return;
        }
        over = true;
        outer.finish();
        inner.ended(TLS_FAILED, e.getMessage() != null ? e.getMessage() : e.toString());
    }

    /** Moves the engine on as far as the bytes at hand allow. */
    private void step() throws SSLException {
        while (!over) {
            SSLEngineResult.HandshakeStatus hs = engine.getHandshakeStatus();
            switch (hs) {
                case NEED_TASK -> {
                    for (Runnable t; (t = engine.getDelegatedTask()) != null; ) {
                        t.run();
                    }
                }
                case NEED_WRAP -> wrap(EMPTY);
                case NEED_UNWRAP, NEED_UNWRAP_AGAIN -> {
                    if (!unwrap()) {
                        return;
                    }
                }
                default -> {
                    if (!handshaken) {
                        handshaken = true;
                        inner.opened(plain);
                    } else if (!toSend.isEmpty()) {
                        ByteBuffer b = toSend.peek();
                        wrap(b);
                        if (!b.hasRemaining()) {
                            toSend.poll();
                        }
                    } else if (netIn.position() == 0 || !unwrap()) {
                        return;
                    }
                }
            }
        }
    }

    /** Wraps (some of) {@code src} into one record and sends it. */
    private void wrap(ByteBuffer src) throws SSLException {
        while (true) {
            netOut.clear();
            SSLEngineResult r = engine.wrap(src, netOut);
            if (r.getStatus() == SSLEngineResult.Status.BUFFER_OVERFLOW) {
                netOut = ByteBuffer.allocate(netOut.capacity() * 2);
                continue;
            }
            if (netOut.position() > 0) {
                byte[] out = new byte[netOut.position()];
                netOut.flip();
                netOut.get(out);
                outer.write(out);
            }
            if (r.getStatus() == SSLEngineResult.Status.CLOSED && r.bytesProduced() == 0) {
                throw new SSLException("TLS closed while sending");
            }
            return;
        }
    }

    /** Unwraps one record; false when more bytes are needed (or the stream is over). */
    private boolean unwrap() throws SSLException {
        netIn.flip();
        SSLEngineResult r;
        try {
            r = engine.unwrap(netIn, appIn);
        } finally {
            netIn.compact();
        }
        switch (r.getStatus()) {
            case BUFFER_UNDERFLOW -> {
                int need = engine.getSession().getPacketBufferSize();
                if (netIn.capacity() < need) {
                    ByteBuffer bigger = ByteBuffer.allocate(need);
                    netIn.flip();
                    bigger.put(netIn);
                    netIn = bigger;
                }
                return false;
            }
            case BUFFER_OVERFLOW -> {
                deliver();
                if (appIn.capacity() < engine.getSession().getApplicationBufferSize()) {
                    appIn = ByteBuffer.allocate(engine.getSession().getApplicationBufferSize());
                }
                return true;
            }
            case CLOSED -> {
                // the peer's close_notify: the end of the stream, as SSL_read's 0
                deliver();
                if (!over) {
                    over = true;
                    outer.finish();
                    inner.ended(0, "read");
                }
                return false;
            }
            default -> {
                deliver();
                return r.bytesConsumed() > 0 || r.bytesProduced() > 0;
            }
        }
    }

    private void deliver() {
        if (appIn.position() > 0 && !over) {
            int n = appIn.position();
            inner.received(plain, appIn.array(), n);
            appIn.clear();
        }
    }
}
