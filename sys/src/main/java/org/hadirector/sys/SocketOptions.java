package org.hadirector.sys;

import java.nio.charset.StandardCharsets;

/**
 * Socket options the JDK and netty do not offer, for sockets they opened (their descriptor
 * number). The caller keeps owning the descriptor.
 */
public final class SocketOptions {
    private SocketOptions() {}

    /**
     * SO_BINDTODEVICE: the socket sends and receives through {@code interfaceName} only, as the
     * kernel binds its own sync and VRRP sockets.
     */
    public static void bindToDevice(int fd, String interfaceName) throws NativeException {
        byte[] dev = (interfaceName + "\0").getBytes(StandardCharsets.US_ASCII);
        Native.check(
                Native.C.setsockopt(fd, Native.SOL_SOCKET, Native.SO_BINDTODEVICE, dev, dev.length),
                "setsockopt(SO_BINDTODEVICE " + interfaceName + ")");
    }
}
