package org.hadirector.sys;

import java.io.Closeable;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.function.Consumer;

/**
 * Generic netlink (NETLINK_GENERIC) in the calling thread's network namespace: family lookup by
 * name through the controller, requests acknowledged by the kernel, dumps. Messages are built by
 * the caller as attribute payloads; this class adds the nlmsghdr and genlmsghdr.
 */
public final class GenericNetlink implements Closeable {
    static final int NETLINK_GENERIC = 16;
    static final int GENL_ID_CTRL = 0x10;
    static final int CTRL_CMD_GETFAMILY = 3;
    static final int CTRL_ATTR_FAMILY_ID = 1;
    static final int CTRL_ATTR_FAMILY_NAME = 2;
    public static final int NLM_F_REQUEST = NetlinkSocket.NLM_F_REQUEST;
    public static final int NLM_F_ACK = NetlinkSocket.NLM_F_ACK;
    public static final int NLM_F_DUMP = NetlinkSocket.NLM_F_DUMP;
    /** nlmsghdr (16) + genlmsghdr (4): where a message's attributes start. */
    public static final int ATTRIBUTES = 20;

    private final NetlinkSocket socket;

    private GenericNetlink(NetlinkSocket socket) {
        this.socket = socket;
    }

    public static GenericNetlink open() throws NativeException {
        return new GenericNetlink(NetlinkSocket.open(NETLINK_GENERIC, 0, "NETLINK_GENERIC"));
    }

    /** The id of a generic netlink family, or -1 when the kernel has no such family. */
    public int familyId(String name) throws NativeException {
        byte[] n = (name + "\0").getBytes(StandardCharsets.US_ASCII);
        ByteBuffer attrs = ByteBuffer.allocate(4 + n.length + 3).order(java.nio.ByteOrder.nativeOrder());
        NetlinkSocket.attr(attrs, CTRL_ATTR_FAMILY_NAME, n);
        int[] id = {-1};
        int errno = request(
                GENL_ID_CTRL,
                CTRL_CMD_GETFAMILY,
                1,
                attrs,
                NLM_F_REQUEST,
                msg -> NetlinkSocket.attributes(msg, msg.position() + ATTRIBUTES, (type, data) -> {
                    if (type == CTRL_ATTR_FAMILY_ID && data.length >= 2) {
                        id[0] = ByteBuffer.wrap(data)
                                        .order(java.nio.ByteOrder.nativeOrder())
                                        .getShort()
                                & 0xffff;
                    }
                }));
        if (errno == 2 /* ENOENT */) {
            return -1;
        }
        if (errno != 0) {
            throw new NativeException("CTRL_CMD_GETFAMILY " + name, errno);
        }
        return id[0];
    }

    /**
     * Sends one command with the attributes in {@code attrs} (from 0 to its position) and hands
     * each reply message (positioned at its nlmsghdr) to {@code each}; returns 0 or the errno the
     * kernel answered with. {@code flags}: NLM_F_REQUEST with NLM_F_ACK or NLM_F_DUMP.
     */
    public int request(int family, int command, int version, ByteBuffer attrs, int flags, Consumer<ByteBuffer> each)
            throws NativeException {
        int len = attrs == null ? 0 : attrs.position();
        ByteBuffer m = socket.message(family, flags, ATTRIBUTES + len);
        m.put((byte) command).put((byte) version).putShort((short) 0);
        if (len > 0) {
            m.put(attrs.array(), 0, len);
        }
        return socket.request(m, each);
    }

    @Override
    public void close() {
        socket.close();
    }
}
