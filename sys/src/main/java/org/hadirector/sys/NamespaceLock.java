package org.hadirector.sys;

import java.nio.charset.StandardCharsets;

/**
 * One daemon per network namespace, decided by the kernel: an abstract AF_UNIX socket name
 * belongs to the network namespace it is bound in, and only one socket can hold it. The socket
 * is bound once and kept for the life of the process; the kernel frees the name when the
 * process ends however it ends, so nothing stale is ever left behind (unlike a pid file, which a
 * second daemon with another pid file never sees).
 */
public final class NamespaceLock {
    /** The name keepalived would use if it had one; the name is "\0hadirector" in the namespace. */
    public static final String NAME = "hadirector";

    private static final int AF_UNIX = 1;
    private static final int EADDRINUSE = 98;
    private static final int SUN_PATH = 108;
    private static final Object LOCK = new Object();
    private static String held;
    private static int heldFd = -1;

    private NamespaceLock() {}

    /** Takes the daemon's lock in this network namespace; null when taken (or already ours), else why not. */
    public static String acquire() {
        return acquire(NAME);
    }

    /**
     * Takes the lock {@code name}; null when this process now holds it, otherwise a sentence saying
     * another process holds it (or why it could not be taken). Idempotent for the name held.
     */
    public static String acquire(String name) {
        synchronized (LOCK) {
            if (name.equals(held)) {
                return null;
            }
            int fd = Native.C.socket(AF_UNIX, Native.SOCK_STREAM | Native.SOCK_CLOEXEC, 0);
            if (fd < 0) {
                return "cannot take the namespace lock: socket(AF_UNIX): " + Native.strerror(Native.errno());
            }
            byte[] n = name.getBytes(StandardCharsets.UTF_8);
            byte[] addr = new byte[2 + SUN_PATH];
            addr[0] = (byte) AF_UNIX;
            System.arraycopy(n, 0, addr, 3, Math.min(n.length, SUN_PATH - 1));
            int len = 2 + 1 + Math.min(n.length, SUN_PATH - 1);
            if (Native.C.bind(fd, addr, len) != 0) {
                int errno = Native.errno();
                Native.closeQuietly(fd);
                return errno == EADDRINUSE
                        ? "another hadirector runs in this network namespace (it holds the abstract socket @" + name
                                + ")"
                        : "cannot take the namespace lock @" + name + ": " + Native.strerror(errno);
            }
            if (heldFd >= 0) {
                Native.closeQuietly(heldFd);
            }
            held = name;
            heldFd = fd;
            return null;
        }
    }

    /** Gives the lock up (for tests; the daemon keeps it until it exits). */
    public static void release() {
        synchronized (LOCK) {
            if (heldFd >= 0) {
                Native.closeQuietly(heldFd);
            }
            heldFd = -1;
            held = null;
        }
    }
}
