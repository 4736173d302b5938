package org.hadirector.sys;

import java.io.Closeable;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import jnr.ffi.Memory;
import jnr.ffi.Pointer;

/**
 * An AF_PACKET socket on one interface with PACKET_MMAP rings (TPACKET_V2): a receive ring the
 * kernel fills and a transmit ring we fill and kick with one send(). Frames are read and written
 * in place through {@link #memory()}; a frame's header is at {@link #rxFrame(int)} /
 * {@link #txFrame(int)}. Receives every protocol (ETH_P_ALL, so the socket sees frames before
 * the netdev ingress hook); narrow it with {@link #attachFilter}. Not thread-safe: one thread
 * owns the rings.
 */
public final class PacketRing implements Closeable {
    static final int ETH_P_ALL = 0x0003;
    static final int PACKET_RX_RING = 5;
    static final int PACKET_STATISTICS = 6;
    static final int PACKET_VERSION = 10;
    static final int PACKET_TX_RING = 13;
    static final int PACKET_QDISC_BYPASS = 20;
    static final int PACKET_IGNORE_OUTGOING = 23;
    static final int TPACKET_V2 = 1;
    static final int SIOCGIFHWADDR = 0x8927;

    /** tpacket2_hdr: tp_status, tp_len, tp_snaplen (u32), tp_mac, tp_net (u16), ... 32 bytes. */
    public static final int HDR_STATUS = 0;

    public static final int HDR_LEN = 4;
    public static final int HDR_SNAPLEN = 8;
    public static final int HDR_MAC = 12;
    /** Where a transmitted frame's data starts: TPACKET2_HDRLEN - sizeof(sockaddr_ll). */
    public static final int TX_DATA = 32;
    /** errno values of a link that is down or gone. */
    public static final int ENETDOWN = 100;

    public static final int ENXIO = 6;
    public static final int ENODEV = 19;
    private static final int ENOBUFS = 105;
    public static final int TP_STATUS_KERNEL = 0;
    public static final int TP_STATUS_USER = 1;
    public static final int TP_STATUS_LOSING = 4;
    /** The checksum of a locally made packet (veth, loopback) is still to be completed. */
    public static final int TP_STATUS_CSUMNOTREADY = 8;

    public static final int TP_STATUS_AVAILABLE = 0;
    public static final int TP_STATUS_SEND_REQUEST = 1;
    public static final int TP_STATUS_WRONG_FORMAT = 4;

    private final int fd;
    private final int ifindex;
    private final String interfaceName;
    private final Pointer memory;
    private final long mapSize;
    private final int frameSize;
    private final int rxFrames;
    private final int txFrames;
    private final int framesPerBlock;
    private final int blockSize;

    private PacketRing(
            int fd,
            int ifindex,
            String interfaceName,
            Pointer memory,
            long mapSize,
            int frameSize,
            int rxFrames,
            int txFrames,
            int blockSize) {
        this.fd = fd;
        this.ifindex = ifindex;
        this.interfaceName = interfaceName;
        this.memory = memory;
        this.mapSize = mapSize;
        this.frameSize = frameSize;
        this.rxFrames = rxFrames;
        this.txFrames = txFrames;
        this.blockSize = blockSize;
        this.framesPerBlock = blockSize / frameSize;
    }

    /**
     * Opens the rings on an interface of the calling thread's namespace. {@code frameSize} is a
     * power of two of at least 2048 (it bounds the largest frame received whole); the frame counts
     * are rounded up to whole 64 KiB blocks (no transmit ring for 0 transmit frames). {@code filter} is the first BPF program (see
     * {@link #attachFilter}), in place before any frame is received.
     */
    public static PacketRing open(String interfaceName, int frameSize, int rxFrames, int txFrames, int[][] filter)
            throws NativeException {
        if (Integer.bitCount(frameSize) != 1 || frameSize < 2048 || frameSize > 65536) {
            throw new IllegalArgumentException("frame size " + frameSize);
        }
        int ifindex = Interfaces.index(interfaceName);
        int blockSize = Math.max(65536, frameSize);
        int perBlock = blockSize / frameSize;
        int rxBlocks = (rxFrames + perBlock - 1) / perBlock;
        int txBlocks = (txFrames + perBlock - 1) / perBlock;
        int fd = Native.check(
                Native.C.socket(
                        Native.AF_PACKET,
                        Native.SOCK_RAW | Native.SOCK_CLOEXEC,
                        Short.toUnsignedInt(Short.reverseBytes((short) ETH_P_ALL))),
                "socket(AF_PACKET)");
        try {
            String on = " on " + interfaceName;
            Native.setInt(fd, Native.SOL_PACKET, PACKET_VERSION, TPACKET_V2, "PACKET_VERSION" + on);
            Native.setInt(fd, Native.SOL_PACKET, PACKET_IGNORE_OUTGOING, 1, "PACKET_IGNORE_OUTGOING" + on);
            Native.setInt(fd, Native.SOL_PACKET, PACKET_QDISC_BYPASS, 1, "PACKET_QDISC_BYPASS" + on);
            ring(fd, PACKET_RX_RING, blockSize, rxBlocks, frameSize, "PACKET_RX_RING" + on);
            if (txBlocks > 0) {
                ring(fd, PACKET_TX_RING, blockSize, txBlocks, frameSize, "PACKET_TX_RING" + on);
            }
            long size = (long) blockSize * (rxBlocks + txBlocks);
            Pointer map = Native.C.mmap(null, size, Native.PROT_READ | Native.PROT_WRITE, Native.MAP_SHARED, fd, 0);
            if (map == null || map.address() == -1L) {
                throw new NativeException("mmap(PACKET ring" + on + ")", Native.errno());
            }
            Pointer memory = Native.RUNTIME.getMemoryManager().newPointer(map.address(), size);
            // Filter, then bind: frames start arriving only once the rings and the filter are there.
            attach(fd, filter, interfaceName);
            byte[] sa = SockAddr.link(ETH_P_ALL, ifindex, new byte[6]);
            Native.check(Native.C.bind(fd, sa, sa.length), "bind(AF_PACKET" + on + ")");
            return new PacketRing(
                    fd,
                    ifindex,
                    interfaceName,
                    memory,
                    size,
                    frameSize,
                    rxBlocks * perBlock,
                    txBlocks * perBlock,
                    blockSize);
        } catch (NativeException | RuntimeException e) {
            Native.closeQuietly(fd);
            throw e;
        }
    }

    private static void ring(int fd, int option, int blockSize, int blocks, int frameSize, String what)
            throws NativeException {
        ByteBuffer req = Bytes.nativeBuffer(16);
        req.putInt(blockSize).putInt(blocks).putInt(frameSize).putInt(blocks * (blockSize / frameSize));
        Native.check(Native.C.setsockopt(fd, Native.SOL_PACKET, option, req.array(), 16), "setsockopt(" + what + ")");
    }

    /**
     * Replaces the socket's classic BPF filter. Each instruction is {code, jt, jf, k} as in
     * struct sock_filter; the swap is atomic, so no frame sees a half-installed program.
     */
    public void attachFilter(int[][] program) throws NativeException {
        attach(fd, program, interfaceName);
    }

    private static void attach(int fd, int[][] program, String interfaceName) throws NativeException {
        Pointer insns = Memory.allocateDirect(Native.RUNTIME, program.length * 8);
        for (int i = 0; i < program.length; i++) {
            insns.putShort(i * 8L, (short) program[i][0]);
            insns.putByte(i * 8L + 2, (byte) program[i][1]);
            insns.putByte(i * 8L + 3, (byte) program[i][2]);
            insns.putInt(i * 8L + 4, program[i][3]);
        }
        Pointer fprog = Memory.allocateDirect(Native.RUNTIME, 16);
        fprog.putShort(0, (short) program.length);
        fprog.putAddress(8, insns.address());
        Native.check(
                Native.C.setsockopt(fd, Native.SOL_SOCKET, Native.SO_ATTACH_FILTER, fprog, 16),
                "setsockopt(SO_ATTACH_FILTER on " + interfaceName + ")");
    }

    /** The mapped rings: the receive ring first, then the transmit ring. */
    public Pointer memory() {
        return memory;
    }

    public int rxFrames() {
        return rxFrames;
    }

    public int txFrames() {
        return txFrames;
    }

    public int frameSize() {
        return frameSize;
    }

    /** Offset of receive frame i's tpacket2_hdr in {@link #memory()}. */
    public long rxFrame(int i) {
        return (long) (i / framesPerBlock) * blockSize + (long) (i % framesPerBlock) * frameSize;
    }

    /** Offset of transmit frame i's tpacket2_hdr in {@link #memory()}. */
    public long txFrame(int i) {
        return (long) rxFrames / framesPerBlock * blockSize
                + (long) (i / framesPerBlock) * blockSize
                + (long) (i % framesPerBlock) * frameSize;
    }

    /** The largest frame a transmit slot holds. */
    public int maxTxLength() {
        return frameSize - TX_DATA;
    }

    /**
     * Asks the kernel to send every frame marked SEND_REQUEST; never blocks. Returns false when
     * the link is down or gone (ENETDOWN, ENXIO, ENODEV): the frames wait in the ring, and the
     * caller learns the link's state from {@link #takeError()} and the interface itself.
     */
    public boolean kick() throws NativeException {
        long rc = Native.C.send(fd, null, 0, Native.MSG_DONTWAIT);
        if (rc == -1) {
            int errno = Native.errno();
            if (errno == ENETDOWN || errno == ENXIO || errno == ENODEV) {
                return false;
            }
            if (errno != Native.EAGAIN && errno != ENOBUFS) {
                throw new NativeException("send(PACKET_TX_RING on " + interfaceName + ")", errno);
            }
        }
        return true;
    }

    /**
     * Reads and clears the socket's pending error (SO_ERROR): the kernel latches ENETDOWN when the
     * interface goes down or away, and poll(2) reports the socket ready until it is read.
     * Returns 0 when there is none.
     */
    public int takeError() throws NativeException {
        byte[] v = new byte[4];
        byte[] len = Bytes.nativeInt(4);
        Native.check(
                Native.C.getsockopt(fd, Native.SOL_SOCKET, Native.SO_ERROR, v, len),
                "getsockopt(SO_ERROR on " + interfaceName + ")");
        return ByteBuffer.wrap(v).order(ByteOrder.nativeOrder()).getInt(0);
    }

    /** The kernel's counters since the last call: {received, dropped for want of ring space}. */
    public long[] takeStatistics() throws NativeException {
        byte[] v = new byte[8];
        byte[] len = Bytes.nativeInt(8);
        Native.check(
                Native.C.getsockopt(fd, Native.SOL_PACKET, PACKET_STATISTICS, v, len),
                "getsockopt(PACKET_STATISTICS on " + interfaceName + ")");
        ByteBuffer b = ByteBuffer.wrap(v).order(ByteOrder.nativeOrder());
        return new long[] {Integer.toUnsignedLong(b.getInt(0)), Integer.toUnsignedLong(b.getInt(4))};
    }

    /** The socket, readable when a received frame is ready (for a {@link Poller}). */
    public int fd() {
        return fd;
    }

    public int ifindex() {
        return ifindex;
    }

    public String interfaceName() {
        return interfaceName;
    }

    /** The interface's MAC address (SIOCGIFHWADDR), from the socket's own namespace. */
    public byte[] hardwareAddress() throws NativeException {
        byte[] ifreq = new byte[40];
        byte[] name = interfaceName.getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        System.arraycopy(name, 0, ifreq, 0, Math.min(name.length, 15));
        Native.check(Native.C.ioctl(fd, SIOCGIFHWADDR, ifreq), "ioctl(SIOCGIFHWADDR " + interfaceName + ")");
        byte[] mac = new byte[6];
        System.arraycopy(ifreq, 18, mac, 0, 6);
        return mac;
    }

    @Override
    public void close() {
        Native.C.munmap(memory, mapSize);
        Native.closeQuietly(fd);
    }
}
