package org.hadirector.sys;

/** poll(2) on a few descriptors for readability, with a timeout. */
public final class Poller {
    private final int[] fds;
    private final byte[] pollfds;
    private final short[] revents;

    public Poller(int... fds) {
        this.fds = fds.clone();
        this.pollfds = new byte[8 * fds.length];
        this.revents = new short[fds.length];
    }

    /**
     * Waits up to {@code timeoutMillis} (-1: forever). Returns a bit set of which descriptors
     * (by position) are readable; 0 on timeout or EINTR.
     */
    public long await(int timeoutMillis) throws NativeException {
        java.nio.ByteBuffer b = java.nio.ByteBuffer.wrap(pollfds).order(java.nio.ByteOrder.nativeOrder());
        for (int i = 0; i < fds.length; i++) {
            b.putInt(i * 8, fds[i]);
            b.putShort(i * 8 + 4, (short) Native.POLLIN);
            b.putShort(i * 8 + 6, (short) 0);
        }
        int n = Native.C.poll(pollfds, fds.length, timeoutMillis);
        if (n < 0) {
            int errno = Native.errno();
            if (errno == Native.EINTR) {
                return 0;
            }
            throw new NativeException("poll", errno);
        }
        long ready = 0;
        for (int i = 0; i < fds.length; i++) {
            revents[i] = n > 0 ? b.getShort(i * 8 + 6) : 0;
            if (revents[i] != 0) {
                ready |= 1L << i;
            }
        }
        return ready;
    }

    /**
     * True when the last {@link #await} saw an error or hang-up (POLLERR, POLLHUP, POLLNVAL) on
     * the descriptor at {@code position}: such a descriptor stays "ready" until the error is
     * read, so a loop that only reads data would spin.
     */
    public boolean failed(int position) {
        return (revents[position] & (POLLERR | POLLHUP | POLLNVAL)) != 0;
    }

    private static final int POLLERR = 0x8;
    private static final int POLLHUP = 0x10;
    private static final int POLLNVAL = 0x20;
}
