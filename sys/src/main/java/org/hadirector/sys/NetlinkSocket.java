package org.hadirector.sys;

import java.io.Closeable;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.function.BiConsumer;
import java.util.function.Consumer;

/**
 * A netlink socket of one protocol with the request / acknowledgement / dump loop and the
 * message and attribute helpers that rtnetlink and generic netlink share. Package-private: the
 * public types are {@link RtNetlink} and {@link GenericNetlink}.
 */
final class NetlinkSocket implements Closeable {
    static final int NLMSG_ERROR = 2;
    static final int NLMSG_DONE = 3;
    static final int NLM_F_REQUEST = 1;
    static final int NLM_F_MULTI = 2;
    static final int NLM_F_ACK = 4;
    static final int NLM_F_DUMP = 0x300;
    static final int HEADER = 16;

    private final int fd;
    private final String name;
    private int seq;
    private final byte[] rx = new byte[1 << 17];

    private NetlinkSocket(int fd, String name) {
        this.fd = fd;
        this.name = name;
    }

    static NetlinkSocket open(int protocol, int groups, String name) throws NativeException {
        int fd = Native.check(
                Native.C.socket(Native.AF_NETLINK, Native.SOCK_RAW | Native.SOCK_CLOEXEC, protocol),
                "socket(" + name + ")");
        try {
            byte[] sa = SockAddr.netlink(0, groups);
            Native.check(Native.C.bind(fd, sa, sa.length), "bind(" + name + ")");
            return new NetlinkSocket(fd, name);
        } catch (NativeException e) {
            Native.closeQuietly(fd);
            throw e;
        }
    }

    int fd() {
        return fd;
    }

    byte[] rx() {
        return rx;
    }

    /** A new message with its nlmsghdr written (length filled in by {@link #request}). */
    ByteBuffer message(int type, int flags, int capacity) {
        ByteBuffer m = ByteBuffer.allocate(capacity).order(ByteOrder.nativeOrder());
        m.putInt(0).putShort((short) type).putShort((short) flags).putInt(++seq).putInt(0);
        return m;
    }

    static void attr(ByteBuffer m, int type, byte[] data) {
        int len = 4 + data.length;
        m.putShort((short) len).putShort((short) type).put(data);
        while (m.position() % 4 != 0) {
            m.put((byte) 0);
        }
    }

    /**
     * Sends {@code m} (from 0 to its position) and reads replies with its sequence number until
     * the acknowledgement or the end of a dump, handing each data message to {@code each}.
     * Returns 0 or the kernel's errno.
     */
    int request(ByteBuffer m, Consumer<ByteBuffer> each) throws NativeException {
        int len = m.position();
        m.putInt(0, len);
        int mySeq = m.getInt(8);
        byte[] out = new byte[len];
        System.arraycopy(m.array(), 0, out, 0, len);
        byte[] to = SockAddr.netlink(0, 0);
        Native.check(Native.C.sendto(fd, out, len, 0, to, to.length), "sendto(" + name + ")");
        int[] result = {Integer.MIN_VALUE};
        for (int reads = 0; reads < 1_000_000 && result[0] == Integer.MIN_VALUE; reads++) {
            long n = Native.C.recv(fd, rx, rx.length, 0);
            if (n < 0) {
                int errno = Native.errno();
                if (errno == Native.EINTR) {
                    continue;
                }
                throw new NativeException("recv(" + name + ")", errno);
            }
            forEach(ByteBuffer.wrap(rx, 0, (int) n).order(ByteOrder.nativeOrder()), msg -> {
                int p = msg.position();
                int type = msg.getShort(p + 4) & 0xffff;
                if (msg.getInt(p + 8) != mySeq) {
                    return; // an event or a late answer: not ours
                }
                if (type == NLMSG_ERROR) {
                    result[0] = msg.limit() - p >= 20 ? -msg.getInt(p + 16) : 71 /* EPROTO */;
                } else if (type == NLMSG_DONE) {
                    result[0] = 0;
                } else if (each != null) {
                    each.accept(msg);
                    int flags = msg.getShort(p + 6) & 0xffff;
                    if ((flags & NLM_F_MULTI) == 0 && (m.getShort(6) & NLM_F_ACK) == 0) {
                        result[0] = 0;
                    }
                }
            });
        }
        return result[0] == Integer.MIN_VALUE ? 0 : result[0];
    }

    /** Calls {@code each} with a buffer positioned at each message of a datagram. */
    static void forEach(ByteBuffer b, Consumer<ByteBuffer> each) {
        int p = b.position();
        int end = b.limit();
        while (p + HEADER <= end) {
            int len = b.getInt(p);
            if (len < HEADER || p + len > end) {
                return;
            }
            ByteBuffer msg = b.duplicate().order(ByteOrder.nativeOrder());
            msg.position(p).limit(p + len);
            each.accept(msg);
            p += (len + 3) & ~3;
        }
    }

    /** Calls {@code each} with (type, payload) of every attribute from {@code from} to the buffer's limit. */
    static void attributes(ByteBuffer msg, int from, BiConsumer<Integer, byte[]> each) {
        int a = from;
        while (a + 4 <= msg.limit()) {
            int alen = msg.getShort(a) & 0xffff;
            int type = msg.getShort(a + 2) & 0x3fff;
            if (alen < 4 || a + alen > msg.limit()) {
                return;
            }
            byte[] data = new byte[alen - 4];
            msg.get(a + 4, data);
            each.accept(type, data);
            a += (alen + 3) & ~3;
        }
    }

    @Override
    public void close() {
        Native.closeQuietly(fd);
    }
}
