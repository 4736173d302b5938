package org.hadirector.sys;

import java.nio.charset.StandardCharsets;

/**
 * sd_notify(3) without libsystemd: one datagram ("READY=1", "RELOADING=1", "STOPPING=1",
 * "STATUS=...") to the AF_UNIX socket systemd names in NOTIFY_SOCKET (a path, or an abstract name
 * when it starts with '@'). Without NOTIFY_SOCKET it does nothing, as sd_notify does.
 */
public final class SystemdNotify {
    private static final int AF_UNIX = 1;
    /** sizeof(struct sockaddr_un): family u16 + 108 bytes of path. */
    private static final int SUN_PATH = 108;

    private SystemdNotify() {}

    /** Sends {@code state}; returns false when there is no NOTIFY_SOCKET. */
    public static boolean send(String state) throws NativeException {
        return send(System.getenv("NOTIFY_SOCKET"), state);
    }

    static boolean send(String socketName, String state) throws NativeException {
        if (socketName == null || socketName.isEmpty()) {
            return false;
        }
        byte[] name = socketName.getBytes(StandardCharsets.UTF_8);
        if (name.length > SUN_PATH - 1) {
            throw new NativeException("sd_notify: NOTIFY_SOCKET " + socketName, 36); // ENAMETOOLONG
        }
        boolean abstractName = name[0] == '@';
        byte[] addr = new byte[2 + SUN_PATH];
        addr[0] = (byte) AF_UNIX;
        System.arraycopy(name, 0, addr, 2, name.length);
        if (abstractName) {
            addr[2] = 0;
        }
        // An abstract name's length is exact (no terminating NUL); a path's includes one.
        int len = 2 + name.length + (abstractName ? 0 : 1);
        int fd = Native.check(Native.C.socket(AF_UNIX, Native.SOCK_DGRAM | Native.SOCK_CLOEXEC, 0), "socket(AF_UNIX)");
        try {
            byte[] msg = state.getBytes(StandardCharsets.UTF_8);
            Native.check(Native.C.sendto(fd, msg, msg.length, 0, addr, len), "sendto(" + socketName + ")");
            return true;
        } finally {
            Native.closeQuietly(fd);
        }
    }
}
