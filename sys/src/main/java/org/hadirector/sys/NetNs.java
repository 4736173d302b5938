package org.hadirector.sys;

/**
 * Moves the calling thread into a named network namespace (/run/netns/NAME, as {@code ip netns}
 * makes them). Sockets the thread opens afterwards live there. For tests and the lab; the daemon
 * is simply started inside its namespace.
 */
public final class NetNs {
    private NetNs() {}

    public static void enter(String name) throws NativeException {
        String path = "/run/netns/" + name;
        int fd = Native.check(Native.C.open(path, Native.O_RDONLY | Native.O_CLOEXEC), "open(" + path + ")");
        try {
            Native.check(Native.C.setns(fd, Native.CLONE_NEWNET), "setns(" + name + ")");
        } finally {
            Native.closeQuietly(fd);
        }
    }
}
