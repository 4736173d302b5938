package org.hadirector.ipvs.sync;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import org.hadirector.ipvs.Connection;
import org.hadirector.ipvs.IpProtocol;
import org.hadirector.ipvs.TcpState;

/**
 * The IPVS connection-sync wire format (net/netfilter/ipvs/ip_vs_sync.c): version 1 messages
 * written and read, version 0 read. Pure; no sockets.
 *
 * <p>Version 1: an 8-byte header {reserved 0, syncid, size, nr_conns, version 1, spare 0}, then
 * entries of 36 bytes (IPv4) or 72 (IPv6) plus options, each starting on a 4-byte boundary. The
 * master never sends more than {@code maxlen} bytes in one datagram.
 */
public final class SyncCodec {
    public static final int HEADER = 8;
    public static final int V4_ENTRY = 36;
    public static final int V6_ENTRY = 72;
    static final int V0_HEADER = 4;
    static final int V0_SIMPLE = 24;
    static final int V0_FULL = 48;
    static final int SVER_SHIFT = 12;
    static final int SVER_MASK = 0x0fff;
    static final int STYPE_F_INET6 = 1;
    static final int OPT_SEQ_DATA = 1;
    static final int OPT_PE_DATA = 2;
    static final int OPT_PE_NAME = 3;
    static final int OPT_F_PARAM = 0x40;
    static final int SEQ_OPTION = 24;
    static final int PEDATA_MAXLEN = 255;
    static final int PENAME_MAXLEN = 16;
    /** IP_VS_CONN_F_BACKUP_MASK: the flags a backup takes from the master. */
    static final int BACKUP_MASK = 0x7 | 0x80 | 0x100 | 0x200 | 0x400 | 0x800 | 0x1000;
    /** IP_VS_CONN_F_HASHED, never sent. */
    static final int F_HASHED = 0x40;

    static final int F_SEQ_MASK = 0x600;
    /** The largest datagram the default multicast set-up carries: 1500 - 20 (IPv4) - 8 (UDP). */
    public static final int DEFAULT_MAXLEN = 1472;

    private SyncCodec() {}

    /** The bytes one entry takes in a version 1 message. */
    public static int entrySize(Connection c) {
        return c.clientAddress() instanceof Inet6Address ? V6_ENTRY : V4_ENTRY;
    }

    /**
     * Packs connections into as few version 1 messages as fit {@code maxlen} bytes each (at most
     * 255 entries each, nr_conns being a byte).
     */
    public static List<byte[]> encode(int syncId, List<Connection> connections, int maxlen) {
        if (maxlen < HEADER + V6_ENTRY) {
            throw new IllegalArgumentException("maxlen " + maxlen + " cannot hold one entry");
        }
        List<byte[]> out = new ArrayList<>();
        ByteBuffer b = ByteBuffer.allocate(maxlen);
        int count = 0;
        b.position(HEADER);
        for (Connection c : connections) {
            int pad = (4 - b.position()) & 3;
            int size = entrySize(c);
            if (count == 255 || b.position() + pad + size > maxlen) {
                out.add(finish(b, syncId, count));
                b = ByteBuffer.allocate(maxlen);
                b.position(HEADER);
                count = 0;
                pad = 0;
            }
            b.position(b.position() + pad);
            putEntry(b, c);
            count++;
        }
        if (count > 0) {
            out.add(finish(b, syncId, count));
        }
        return out;
    }

    private static byte[] finish(ByteBuffer b, int syncId, int count) {
        int size = b.position();
        b.put(0, (byte) 0)
                .put(1, (byte) syncId)
                .putShort(2, (short) size)
                .put(4, (byte) count)
                .put(5, (byte) 1)
                .putShort(6, (short) 0);
        byte[] m = new byte[size];
        System.arraycopy(b.array(), 0, m, 0, size);
        return m;
    }

    private static void putEntry(ByteBuffer b, Connection c) {
        boolean v6 = c.clientAddress() instanceof Inet6Address;
        int size = v6 ? V6_ENTRY : V4_ENTRY;
        b.put((byte) (v6 ? STYPE_F_INET6 : 0));
        b.put((byte) c.protocol().number());
        b.putShort((short) (size & SVER_MASK));
        // The options that would carry sequence data are not sent, so the flags must not claim them.
        b.putInt(c.flags() & ~F_HASHED & ~F_SEQ_MASK);
        b.putShort((short) c.state());
        b.putShort((short) c.clientPort());
        b.putShort((short) c.virtualPort());
        b.putShort((short) c.destPort());
        b.putInt(c.fwmark());
        b.putInt(c.timeoutSeconds());
        b.put(c.clientAddress().getAddress());
        b.put(c.virtualAddress().getAddress());
        b.put(c.destAddress().getAddress());
    }

    /**
     * Reads a datagram as the kernel's backup does (ip_vs_process_message): the size must match,
     * a non-zero own sync id filters, version 1 needs reserved and spare 0 (anything else is read
     * as version 0).
     */
    public static SyncMessage decode(byte[] d, int length, int ownSyncId) throws SyncFormatException {
        if (length < V0_HEADER) {
            throw new SyncFormatException("message header too short (" + length + " bytes)");
        }
        ByteBuffer b = ByteBuffer.wrap(d, 0, length);
        int syncId = b.get(1) & 0xff;
        int size = Short.toUnsignedInt(b.getShort(2));
        if (size != length) {
            throw new SyncFormatException("bogus message size " + size + " in a datagram of " + length);
        }
        if (ownSyncId != 0 && syncId != ownSyncId) {
            throw new SyncFormatException("sync id " + syncId + " is not ours (" + ownSyncId + ")");
        }
        if (length >= HEADER && b.get(5) == 1 && b.get(0) == 0 && b.getShort(6) == 0) {
            return decodeV1(b, length, syncId);
        }
        return decodeV0(b, length, syncId);
    }

    private static SyncMessage decodeV1(ByteBuffer b, int length, int syncId) {
        int n = b.get(4) & 0xff;
        List<Connection> list = new ArrayList<>(n);
        int skipped = 0;
        int p = HEADER;
        for (int i = 0; i < n; i++) {
            if (p + V4_ENTRY > length) {
                return new SyncMessage(syncId, 1, list, skipped, "entry " + i + ": buffer too small");
            }
            int verSize = Short.toUnsignedInt(b.getShort(p + 2));
            int size = verSize & SVER_MASK;
            int end = p + size;
            if (end > length) {
                return new SyncMessage(
                        syncId, 1, list, skipped, "entry " + i + ": size " + size + " beyond the message");
            }
            if (verSize >> SVER_SHIFT != 0) {
                return new SyncMessage(
                        syncId, 1, list, skipped, "entry " + i + ": unknown version " + (verSize >> SVER_SHIFT));
            }
            String error = null;
            Connection c = null;
            try {
                c = entry(b, p, end);
            } catch (SkipEntry e) {
                skipped++;
            } catch (SyncFormatException e) {
                error = e.getMessage();
            }
            if (error != null) {
                return new SyncMessage(syncId, 1, list, skipped, "entry " + i + ": " + error);
            }
            if (c != null) {
                list.add(c);
            }
            p += (size + 3) & ~3;
        }
        return new SyncMessage(syncId, 1, list, skipped, null);
    }

    /** The entry is valid but not for us (ip_vs_proc_sync_conn's positive return). */
    private static final class SkipEntry extends Exception {
        SkipEntry() {
            super(null, null, false, false);
        }
    }

    private static Connection entry(ByteBuffer b, int p, int end) throws SyncFormatException, SkipEntry {
        int type = b.get(p) & 0xff;
        boolean v6;
        if ((type & STYPE_F_INET6) != 0) {
            v6 = true;
        } else if (type == 0) {
            v6 = false;
        } else {
            throw new SyncFormatException("unknown entry type " + type);
        }
        int fixed = v6 ? V6_ENTRY : V4_ENTRY;
        if (p + fixed > end) {
            throw new SyncFormatException("entry shorter than its addresses");
        }
        int q = p + fixed;
        boolean seq = false;
        boolean peData = false;
        boolean peName = false;
        boolean skip = false;
        while (q < end) {
            if (q + 2 > end) {
                throw new SyncFormatException("option header cut short");
            }
            int ptype = b.get(q) & 0xff;
            int plen = b.get(q + 1) & 0xff;
            q += 2;
            if (plen == 0 || q + plen > end) {
                throw new SyncFormatException("option " + ptype + " of length " + plen + " does not fit");
            }
            int kind = ptype & ~OPT_F_PARAM;
            if (kind == OPT_SEQ_DATA) {
                if (plen != SEQ_OPTION || seq) {
                    throw new SyncFormatException("bogus sequence option");
                }
                seq = true;
            } else if (kind == OPT_PE_DATA) {
                if (plen > PEDATA_MAXLEN || peData) {
                    throw new SyncFormatException("bogus persistence-engine data");
                }
                peData = true;
            } else if (kind == OPT_PE_NAME) {
                if (plen > PENAME_MAXLEN || peName) {
                    throw new SyncFormatException("bogus persistence-engine name");
                }
                peName = true;
            } else if ((ptype & OPT_F_PARAM) == 0) {
                skip = true; // an unknown mandatory option: the kernel skips the whole entry
            }
            q += plen;
        }
        if (skip || peData) {
            // We run no persistence engine (sip): the kernel would skip such an entry without one.
            throw new SkipEntry();
        }
        int protocolNumber = b.get(p + 1) & 0xff;
        int flags = (b.getInt(p + 4) & BACKUP_MASK);
        int state = Short.toUnsignedInt(b.getShort(p + 8));
        boolean template = (flags & Connection.F_TEMPLATE) != 0;
        IpProtocol protocol = IpProtocol.of(protocolNumber);
        if (protocol == null) {
            throw new SkipEntry();
        }
        if (!template && !validState(protocol, state)) {
            throw new SkipEntry();
        }
        if (template) {
            state = 0;
        }
        int cport = Short.toUnsignedInt(b.getShort(p + 10));
        int vport = Short.toUnsignedInt(b.getShort(p + 12));
        int dport = Short.toUnsignedInt(b.getShort(p + 14));
        int fwmark = b.getInt(p + 16);
        long timeout = Integer.toUnsignedLong(b.getInt(p + 20));
        int alen = v6 ? 16 : 4;
        InetAddress c = address(b, p + 24, alen);
        InetAddress v = address(b, p + 24 + alen, alen);
        InetAddress dst = address(b, p + 24 + 2 * alen, alen);
        return new Connection(protocol, c, cport, v, vport, dst, dport, fwmark, flags, state, (int)
                Math.min(timeout, Integer.MAX_VALUE));
    }

    /** ip_vs_proto's num_states: TCP 11, UDP 1, SCTP 15. */
    private static boolean validState(IpProtocol p, int state) {
        if (p == IpProtocol.TCP) {
            return TcpState.of(state) != null;
        }
        return p == IpProtocol.UDP ? state < 1 : state < 15;
    }

    private static SyncMessage decodeV0(ByteBuffer b, int length, int syncId) {
        int n = b.get(0) & 0xff;
        List<Connection> list = new ArrayList<>(n);
        int skipped = 0;
        int p = V0_HEADER;
        for (int i = 0; i < n; i++) {
            if (p + V0_SIMPLE > length) {
                return new SyncMessage(syncId, 0, list, skipped, "entry " + i + ": bogus conn");
            }
            int protocolNumber = b.get(p + 1) & 0xff;
            int flags = Short.toUnsignedInt(b.getShort(p + 8)) & ~F_HASHED;
            int state = Short.toUnsignedInt(b.getShort(p + 10));
            int start = p;
            p += (flags & F_SEQ_MASK) != 0 ? V0_FULL : V0_SIMPLE;
            if (p > length) {
                return new SyncMessage(syncId, 0, list, skipped, "entry " + i + ": options beyond the message");
            }
            IpProtocol protocol = IpProtocol.of(protocolNumber);
            boolean template = (flags & Connection.F_TEMPLATE) != 0;
            if (protocol == null || (!template && !validState(protocol, state))) {
                skipped++;
                continue;
            }
            // Version 0 carries no timeout: the backup uses the state's (ip_vs_proc_conn with 0).
            int timeout = template
                    ? 180
                    : protocol == IpProtocol.TCP ? TcpState.of(state).defaultTimeoutSeconds() : 300;
            list.add(new Connection(
                    protocol,
                    address(b, start + 12, 4),
                    Short.toUnsignedInt(b.getShort(start + 2)),
                    address(b, start + 16, 4),
                    Short.toUnsignedInt(b.getShort(start + 4)),
                    address(b, start + 20, 4),
                    Short.toUnsignedInt(b.getShort(start + 6)),
                    0,
                    flags,
                    template ? 0 : state,
                    timeout));
        }
        return new SyncMessage(syncId, 0, list, skipped, null);
    }

    private static InetAddress address(ByteBuffer b, int at, int len) {
        byte[] a = new byte[len];
        for (int i = 0; i < len; i++) {
            a[i] = b.get(at + i);
        }
        try {
            return InetAddress.getByAddress(a);
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }
}
