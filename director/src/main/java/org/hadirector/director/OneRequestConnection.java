package org.hadirector.director;

import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.channel.socket.DuplexChannel;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.concurrent.Callable;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One connection of a {@link BoundedServer}, one request, one answer, then closed. Each phase
 * has its deadline, and a connection is closed when one passes:
 * <ol>
 * <li>reading: the whole request within {@code requestMillis} of the accept (a client that
 * trickles its request, or says nothing, is closed then);
 * <li>answering: computed by a worker and written within {@code answerMillis} (a client that does
 * not read its answer is closed then); a {@link Stream}ed answer has that long for each piece,
 * made by a worker once the one before is written (a client that stops reading for that long is
 * closed, a slow one that reads gets the whole answer, and the connection holds one piece in
 * memory and no thread while its client reads);
 * <li>lingering: after the answer the output is shut down and what the client still sends is read
 * and dropped (closing with unread input would reset the connection and could destroy the answer
 * before the client reads it), until the client closes, 64 KiB or {@code lingerMillis}.
 * </ol>
 * Subclasses decode the request in {@link #read} and call {@link #answer} or {@link #send}; the
 * work given to {@link #answer} may return a {@link Stream}.
 * Everything here runs on the connection's event loop except the work handed to {@link #answer}.
 */
abstract class OneRequestConnection extends ChannelInboundHandlerAdapter {
    private static final Logger LOG = LoggerFactory.getLogger(OneRequestConnection.class);
    private static final int LINGER_BYTES = 65536;

    private enum Phase {
        READING,
        ANSWERING,
        LINGERING,
        CLOSED
    }

    /**
     * An answer written a piece at a time: {@link #next} runs on a worker once the piece before is
     * written, so at most one piece waits in the channel, whatever the whole answer's length.
     */
    interface Stream {
        /** The next piece (what {@link #send} would take), or null after the last. */
        Object next() throws Exception;

        /** Frees what the stream holds; called exactly once, at its end or when the connection ends first. */
        void close();
    }

    protected final BoundedServer server;
    private ChannelHandlerContext ctx;
    private Phase phase = Phase.READING;
    private ScheduledFuture<?> deadline;
    private int drained;

    OneRequestConnection(BoundedServer server) {
        this.server = server;
    }

    /** A message of the request (whatever the handlers before this one make); must release it. */
    protected abstract void read(Object msg);

    /** The client shut its output down before a whole request came; the default closes. */
    protected void inputEnded() {
        close();
    }

    /** The answer when no worker can take the request: their queue is full. */
    protected abstract Object busyAnswer();

    /** The answer when the work failed. */
    protected abstract Object failedAnswer(Exception e);

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
        arm(server.limits.requestMillis(), "no whole request");
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        switch (phase) {
            case READING -> read(msg);
            case LINGERING -> {
                if (msg instanceof io.netty.buffer.ByteBuf b) {
                    drained += b.readableBytes();
                }
                ReferenceCountUtil.release(msg);
                if (drained > LINGER_BYTES) {
                    close();
                }
            }
            default -> ReferenceCountUtil.release(msg);
        }
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof ChannelInputShutdownEvent) {
            if (phase == Phase.READING) {
                inputEnded();
            } else if (phase == Phase.LINGERING) {
                close();
            }
        }
        ReferenceCountUtil.release(evt);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        phase = Phase.CLOSED;
        cancel();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (cause instanceof Error e) {
            org.hadirector.sys.Escalate.error(e); // the event loop would log it and go on
        }
        LOG.debug("{}: connection{}: {}", server.name, BoundedServer.from(ctx.channel()), cause.toString());
        close();
    }

    /**
     * Computes the answer on a worker, then sends it; stops reading meanwhile. An answer that is a
     * {@link Stream} is sent piece by piece.
     */
    protected final void answer(Callable<Object> work) {
        startAnswering();
        Channel ch = ctx.channel();
        try {
            server.workers.execute(() -> {
                Object reply = null;
                if (ch.isActive()) {
                    try {
                        reply = work.call();
                    } catch (Exception e) {
                        LOG.error("{}: a request failed: {}", server.name, e.toString(), e);
                        reply = failedAnswer(e);
                    }
                }
                if (reply instanceof Stream s) {
                    produce(s);
                    return;
                }
                Object r = reply;
                try {
                    ch.eventLoop().execute(() -> send(r));
                } catch (RejectedExecutionException e) {
                    ReferenceCountUtil.release(r); // the server is closing
                }
            });
        } catch (RejectedExecutionException e) {
            server.busy.incrementAndGet();
            send(busyAnswer());
        }
    }

    /**
     * On a worker: makes the stream's next piece and hands it to the event loop. A failure after
     * pieces were sent cannot become a fresh answer: its {@link #failedAnswer} is the last piece.
     */
    private void produce(Stream s) {
        Channel ch = ctx.channel();
        if (!ch.isActive()) {
            s.close();
            return;
        }
        Object piece;
        boolean last;
        try {
            piece = s.next();
            last = piece == null;
        } catch (Exception e) {
            LOG.error("{}: a streamed answer failed: {}", server.name, e.toString(), e);
            piece = failedAnswer(e);
            last = true;
        }
        if (last) {
            s.close();
        }
        Object p = piece;
        boolean end = last;
        try {
            ch.eventLoop().execute(() -> writePiece(s, p, end));
        } catch (RejectedExecutionException e) {
            ReferenceCountUtil.release(p); // the server is closing
            if (!end) {
                s.close();
            }
        }
    }

    /**
     * On the event loop: writes one piece (null: none, the stream ended); once it is written, the
     * deadline starts again and a worker makes the next one. Waiting for the write is the
     * backpressure: a client that reads slowly slows the making, never fills the daemon's memory.
     */
    private void writePiece(Stream s, Object piece, boolean last) {
        if (phase != Phase.ANSWERING || !ctx.channel().isActive()) {
            ReferenceCountUtil.release(piece);
            if (!last) {
                s.close();
            }
            close();
            return;
        }
        if (piece == null) {
            linger();
            return;
        }
        ctx.writeAndFlush(piece).addListener((ChannelFutureListener) f -> {
            if (!f.isSuccess()) {
                LOG.debug(
                        "{}: connection{}: a piece of the answer not written: {}",
                        server.name,
                        BoundedServer.from(ctx.channel()),
                        String.valueOf(f.cause()),
                        f.cause());
                if (!last) {
                    s.close();
                }
                close();
            } else if (last) {
                linger();
            } else if (phase == Phase.ANSWERING) {
                arm(server.limits.answerMillis(), "answer not taken");
                try {
                    server.workers.execute(() -> produce(s));
                } catch (RejectedExecutionException e) {
                    s.close(); // the server is closing
                    close();
                }
            } else {
                s.close();
            }
        });
    }

    /** Writes the answer (on the event loop), then lingers and closes. */
    protected final void send(Object reply) {
        if (phase == Phase.LINGERING) {
            ReferenceCountUtil.release(reply); // answered already
            return;
        }
        if (phase == Phase.CLOSED || reply == null || !ctx.channel().isActive()) {
            ReferenceCountUtil.release(reply);
            close();
            return;
        }
        startAnswering();
        ctx.writeAndFlush(reply).addListener((ChannelFutureListener) f -> {
            if (f.isSuccess()) {
                linger();
            } else {
                close();
            }
        });
    }

    private void startAnswering() {
        if (phase == Phase.READING) {
            phase = Phase.ANSWERING;
            ctx.channel().config().setAutoRead(false);
            arm(server.limits.answerMillis(), "answer not taken");
        }
    }

    private void linger() {
        if (phase != Phase.ANSWERING) {
            return;
        }
        phase = Phase.LINGERING;
        arm(server.limits.lingerMillis(), null);
        Channel ch = ctx.channel();
        if (!(ch instanceof DuplexChannel d) || d.isInputShutdown()) {
            close();
            return;
        }
        d.shutdownOutput().addListener((ChannelFutureListener) f -> {
            if (!f.isSuccess()) {
                close();
            }
        });
        ch.config().setAutoRead(true);
    }

    /** Closes at {@code millis} from now; a non-null {@code what} counts and logs it as a timeout. */
    private void arm(long millis, String what) {
        cancel();
        deadline = ctx.executor()
                .schedule(
                        () -> {
                            if (phase == Phase.CLOSED) {
                                return;
                            }
                            if (what != null) {
                                server.timedOut.incrementAndGet();
                                if (server.timeoutLog.allow(System.nanoTime())) {
                                    LOG.info(
                                            "{}: closed a connection{}: {} within {} ms ({} more since the last line)",
                                            server.name,
                                            BoundedServer.from(ctx.channel()),
                                            what,
                                            millis,
                                            server.timeoutLog.takeHeld());
                                }
                            }
                            close();
                        },
                        millis,
                        TimeUnit.MILLISECONDS);
    }

    private void cancel() {
        if (deadline != null) {
            deadline.cancel(false);
            deadline = null;
        }
    }

    protected final void close() {
        phase = Phase.CLOSED;
        cancel();
        ctx.channel().close();
    }
}
