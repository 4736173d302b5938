package org.hadirector.sys;

import java.io.Closeable;

/** An eventfd that another thread signals to wake a {@link Poller} early. */
public final class WakeUp implements Closeable {
    private static final int EFD_CLOEXEC = 0x80000;
    private static final int EFD_NONBLOCK = 0x800;
    private final int fd;

    public WakeUp() throws NativeException {
        fd = Native.check(Native.C.eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK), "eventfd");
    }

    public int fd() {
        return fd;
    }

    /** Wakes the poller; safe from any thread. */
    public void signal() {
        Native.C.write(fd, Bytes.nativeBuffer(8).putLong(1).array(), 8);
    }

    /** Consumes the pending signals. */
    public void clear() {
        Native.C.read(fd, new byte[8], 8);
    }

    @Override
    public void close() {
        Native.closeQuietly(fd);
    }
}
