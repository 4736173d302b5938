package org.hadirector.sys;

import java.io.Closeable;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An eventfd that another thread signals to wake a {@link Poller} early.
 *
 * <p>Signals come from any thread (control requests, check results, reloads), and the owner may
 * close it at any time. A descriptor number is handed to the next open() or accept() as soon as
 * it is closed, so a signal that raced with close() used to write its 8 bytes into whatever got
 * the number next: once into a control client's socket. Hence every use of the descriptor is
 * counted in, close() marks the eventfd closed, waits for the uses in flight (each one
 * non-blocking system call), and only then closes the descriptor; after that, signal() and clear()
 * do nothing and close() again is harmless.
 */
public final class WakeUp implements Closeable {
    private static final int EFD_CLOEXEC = 0x80000;
    private static final int EFD_NONBLOCK = 0x800;
    private static final byte[] ONE = Bytes.nativeBuffer(8).putLong(1).array();
    private static final int CLOSED = 1;
    private static final int USE = 2;

    private final int fd;
    /** Bit 0: closed; the rest: uses of {@link #fd} in flight, {@link #USE} each. */
    private final AtomicInteger state = new AtomicInteger();

    public WakeUp() throws NativeException {
        fd = Native.check(Native.C.eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK), "eventfd");
    }

    /** The descriptor to poll; -1 once closed (poll(2) ignores negative descriptors). */
    public int fd() {
        return (state.get() & CLOSED) != 0 ? -1 : fd;
    }

    public boolean isClosed() {
        return (state.get() & CLOSED) != 0;
    }

    /** Wakes the poller; safe from any thread, a no-op once closed. */
    public void signal() {
        if (enter()) {
            try {
                Native.C.write(fd, ONE, 8);
            } finally {
                state.addAndGet(-USE);
            }
        }
    }

    /** Consumes the pending signals; a no-op once closed. */
    public void clear() {
        if (enter()) {
            try {
                Native.C.read(fd, new byte[8], 8);
            } finally {
                state.addAndGet(-USE);
            }
        }
    }

    /**
     * For the owner's thread when it has nothing else to wait on: waits up to
     * {@code timeoutMillis} for a signal and consumes it. True when signalled; false on timeout
     * or once closed.
     */
    public boolean await(int timeoutMillis) throws NativeException {
        if (isClosed() || (new Poller(fd).await(timeoutMillis) & 1) == 0) {
            return false;
        }
        clear();
        return true;
    }

    private boolean enter() {
        while (true) {
            int s = state.get();
            if ((s & CLOSED) != 0) {
                return false;
            }
            if (state.compareAndSet(s, s + USE)) {
                return true;
            }
        }
    }

    /** Closes the eventfd once, after the signals in flight; safe from any thread and more than once. */
    @Override
    public void close() {
        while (true) {
            int s = state.get();
            if ((s & CLOSED) != 0) {
                return;
            }
            if (state.compareAndSet(s, s | CLOSED)) {
                break;
            }
        }
        // Each use in flight is one non-blocking read or write of an eventfd: microseconds.
        while (state.get() != CLOSED) {
            Thread.onSpinWait();
        }
        Native.closeQuietly(fd);
    }
}
