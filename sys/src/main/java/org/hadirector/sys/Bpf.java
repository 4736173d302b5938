package org.hadirector.sys;

import java.io.Closeable;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import jnr.ffi.Memory;
import jnr.ffi.Pointer;

/**
 * The bpf(2) system call, through jnr-ffi's syscall(2) (the C library has no wrapper): maps
 * made, read and written, programs loaded with the verifier's log when it refuses them. Each
 * map and program is a file descriptor this class owns; closing it lets the kernel free the
 * object once nothing else (an attached program, another map) holds it. Layouts of union
 * bpf_attr are the kernel's uapi (linux/bpf.h), x86_64.
 */
public final class Bpf {
    private static final long SYS_BPF = 321;
    private static final int BPF_MAP_CREATE = 0;
    private static final int BPF_MAP_LOOKUP_ELEM = 1;
    private static final int BPF_MAP_UPDATE_ELEM = 2;
    private static final int BPF_MAP_DELETE_ELEM = 3;
    private static final int BPF_MAP_GET_NEXT_KEY = 4;
    private static final int BPF_PROG_LOAD = 5;
    private static final int BPF_PROG_TEST_RUN = 10;
    /** A union bpf_attr this long covers every command used here; the kernel zero-fills the rest. */
    private static final int ATTR_SIZE = 128;

    public static final int MAP_TYPE_HASH = 1;
    public static final int MAP_TYPE_ARRAY = 2;
    public static final int MAP_TYPE_PERCPU_ARRAY = 6;
    public static final int MAP_TYPE_LRU_HASH = 9;
    public static final int MAP_TYPE_RINGBUF = 27;
    public static final int PROG_TYPE_XDP = 6;
    /** Update flags: create or replace, only create, only replace. */
    public static final long ANY = 0;

    public static final long NOEXIST = 1;
    public static final long EXIST = 2;

    private static final int ENOENT = 2;
    private static final int ENOSPC = 28;
    private static final int LOG_SIZE = 1 << 20;

    private Bpf() {}

    /** The number of possible CPUs: a per-CPU map's value is this many slots of 8-byte-rounded values. */
    public static int possibleCpus() throws IOException {
        String s = Files.readString(Path.of("/sys/devices/system/cpu/possible")).strip();
        int n = 0;
        for (String range : s.split(",")) {
            int dash = range.indexOf('-');
            n += dash < 0
                    ? 1
                    : Integer.parseInt(range.substring(dash + 1)) - Integer.parseInt(range.substring(0, dash)) + 1;
        }
        return n;
    }

    private static long call(int cmd, Pointer attr, String what) throws NativeException {
        long rc;
        int errno;
        do {
            rc = Native.C.syscall(SYS_BPF, cmd, attr, ATTR_SIZE);
            errno = rc == -1 ? Native.errno() : 0;
        } while (rc == -1 && errno == Native.EINTR);
        if (rc == -1) {
            throw new NativeException(what, errno);
        }
        return rc;
    }

    private static Pointer attr() {
        Pointer a = Memory.allocateDirect(Native.RUNTIME, ATTR_SIZE);
        a.setMemory(0, ATTR_SIZE, (byte) 0);
        return a;
    }

    private static void putName(Pointer attr, long offset, String name) {
        // the kernel takes [A-Za-z0-9_.] and at most 15 characters
        byte[] b = name.replaceAll("[^A-Za-z0-9_.]", "_").getBytes(StandardCharsets.US_ASCII);
        attr.put(offset, b, 0, Math.min(b.length, 15));
    }

    /** A BPF map: fixed key and value sizes; its operations are thread-safe. */
    public static final class Map implements Closeable {
        private final int fd;
        private final String name;
        private final int type;
        private final int keySize;
        private final int valueSize;
        private final int maxEntries;
        /** What a lookup or update moves per entry: a per-CPU map's value is one slot per possible CPU. */
        private final int valueBytes;

        private final Pointer attr = attr();
        private final Pointer key;
        private final Pointer value;
        private final Pointer nextKey;
        private boolean closed;

        private Map(int fd, String name, int type, int keySize, int valueSize, int maxEntries, int valueBytes) {
            this.fd = fd;
            this.name = name;
            this.type = type;
            this.keySize = keySize;
            this.valueSize = valueSize;
            this.maxEntries = maxEntries;
            this.valueBytes = valueBytes;
            this.key = Memory.allocateDirect(Native.RUNTIME, keySize);
            this.value = Memory.allocateDirect(Native.RUNTIME, valueBytes);
            this.nextKey = Memory.allocateDirect(Native.RUNTIME, keySize);
        }

        /** Makes a map (BPF_MAP_CREATE); {@code name} is shown by bpftool, cut to 15 characters. */
        public static Map create(String name, int type, int keySize, int valueSize, int maxEntries, int flags)
                throws IOException {
            Pointer a = attr();
            a.putInt(0, type);
            a.putInt(4, keySize);
            a.putInt(8, valueSize);
            a.putInt(12, maxEntries);
            a.putInt(16, flags);
            putName(a, 28, name);
            int fd = (int) call(BPF_MAP_CREATE, a, "bpf(BPF_MAP_CREATE " + name + ")");
            int bytes = type == MAP_TYPE_PERCPU_ARRAY ? ((valueSize + 7) & ~7) * possibleCpus() : valueSize;
            return new Map(fd, name, type, keySize, valueSize, maxEntries, bytes);
        }

        public int fd() {
            return fd;
        }

        public String name() {
            return name;
        }

        public int type() {
            return type;
        }

        public int keySize() {
            return keySize;
        }

        public int valueSize() {
            return valueSize;
        }

        public int maxEntries() {
            return maxEntries;
        }

        /** The bytes a lookup fills: the value size, or for a per-CPU map one 8-byte-aligned slot per possible CPU. */
        public int valueBytes() {
            return valueBytes;
        }

        private void check(byte[] k, byte[] v) {
            if (k.length != keySize || (v != null && v.length != valueBytes)) {
                throw new IllegalArgumentException("map " + name + ": key of " + k.length + " bytes (needs " + keySize
                        + "), value of " + (v == null ? 0 : v.length) + " (needs " + valueBytes + ")");
            }
        }

        private void prepare(byte[] k) throws NativeException {
            if (closed) {
                throw new NativeException("bpf map " + name + " (closed)", 9 /* EBADF */);
            }
            attr.setMemory(0, ATTR_SIZE, (byte) 0);
            attr.putInt(0, fd);
            key.put(0, k, 0, keySize);
            attr.putAddress(8, key.address());
        }

        /** Writes an entry; false when {@code flags} forbade it (NOEXIST and present, EXIST and absent) or the map is full. */
        public synchronized boolean update(byte[] k, byte[] v, long flags) throws NativeException {
            check(k, v);
            prepare(k);
            value.put(0, v, 0, valueBytes);
            attr.putAddress(16, value.address());
            attr.putLong(24, flags);
            try {
                call(BPF_MAP_UPDATE_ELEM, attr, "bpf(BPF_MAP_UPDATE_ELEM " + name + ")");
                return true;
            } catch (NativeException e) {
                if (e.errno() == Native.EEXIST || e.errno() == ENOENT || e.errno() == ENOSPC) {
                    return false;
                }
                throw e;
            }
        }

        /** Reads an entry into {@code v}; false when there is none. */
        public synchronized boolean lookup(byte[] k, byte[] v) throws NativeException {
            check(k, v);
            prepare(k);
            attr.putAddress(16, value.address());
            try {
                call(BPF_MAP_LOOKUP_ELEM, attr, "bpf(BPF_MAP_LOOKUP_ELEM " + name + ")");
            } catch (NativeException e) {
                if (e.errno() == ENOENT) {
                    return false;
                }
                throw e;
            }
            value.get(0, v, 0, valueBytes);
            return true;
        }

        /** Deletes an entry; false when there was none. */
        public synchronized boolean delete(byte[] k) throws NativeException {
            check(k, null);
            prepare(k);
            try {
                call(BPF_MAP_DELETE_ELEM, attr, "bpf(BPF_MAP_DELETE_ELEM " + name + ")");
                return true;
            } catch (NativeException e) {
                if (e.errno() == ENOENT) {
                    return false;
                }
                throw e;
            }
        }

        /**
         * The key after {@code k} (the first key for null) into {@code next}; false at the end.
         * Iterating while entries are deleted may start over (the kernel's rule for hash maps).
         */
        public synchronized boolean nextKey(byte[] k, byte[] next) throws NativeException {
            if (next.length != keySize) {
                throw new IllegalArgumentException("map " + name + ": key of " + next.length + " bytes");
            }
            if (k == null) {
                prepare(new byte[keySize]);
                attr.putAddress(8, 0);
            } else {
                check(k, null);
                prepare(k);
            }
            attr.putAddress(16, nextKey.address());
            try {
                call(BPF_MAP_GET_NEXT_KEY, attr, "bpf(BPF_MAP_GET_NEXT_KEY " + name + ")");
            } catch (NativeException e) {
                if (e.errno() == ENOENT) {
                    return false;
                }
                throw e;
            }
            nextKey.get(0, next, 0, keySize);
            return true;
        }

        @Override
        public synchronized void close() {
            if (!closed) {
                closed = true;
                Native.closeQuietly(fd);
            }
        }
    }

    /** A loaded program. */
    /**
     * A BPF ring buffer (BPF_MAP_TYPE_RINGBUF, kernel 5.8 and later) read in place: programs
     * reserve and submit records in the kernel; this side maps the consumer page read-write and
     * the producer page with the data read-only (the data twice over, by the kernel's design, so a
     * record that wraps round the end is contiguous), reads the records in order and moves the
     * consumer position past them. A full buffer makes the program's reserve fail, never a wait.
     * One reader thread; {@link #fd} is readable (poll) when a record is there.
     */
    public static final class RingBuffer implements Closeable {
        /** A record's header: its length, with these two bits; then the kernel's page offset. */
        private static final int BUSY = 1 << 31;

        private static final int DISCARD = 1 << 30;
        private static final int HEADER = 8;

        private final int fd;
        private final String name;
        private final int size;
        private final long page;
        private final Pointer consumer;
        private final Pointer producer;
        private boolean closed;

        /** What {@link #read} hands each record to: its bytes are valid during the call only. */
        @FunctionalInterface
        public interface Records {
            void record(Pointer memory, long offset, int length);
        }

        private RingBuffer(int fd, String name, int size, long page, Pointer consumer, Pointer producer) {
            this.fd = fd;
            this.name = name;
            this.size = size;
            this.page = page;
            this.consumer = consumer;
            this.producer = producer;
        }

        /** Makes one of {@code size} bytes: a power of two, a whole number of pages. */
        public static RingBuffer create(String name, int size) throws IOException {
            long page = Native.C.getpagesize();
            if (Integer.bitCount(size) != 1 || size < page) {
                throw new IllegalArgumentException("ring buffer " + name + ": " + size + " bytes");
            }
            Pointer a = attr();
            a.putInt(0, MAP_TYPE_RINGBUF);
            a.putInt(12, size);
            putName(a, 28, name);
            int fd = (int) call(BPF_MAP_CREATE, a, "bpf(BPF_MAP_CREATE " + name + ")");
            Pointer c = null;
            try {
                c = map(fd, page, Native.PROT_READ | Native.PROT_WRITE, 0, name);
                Pointer p = map(fd, page + 2L * size, Native.PROT_READ, page, name);
                return new RingBuffer(fd, name, size, page, c, p);
            } catch (NativeException e) {
                if (c != null) {
                    Native.C.munmap(c, page);
                }
                Native.closeQuietly(fd);
                throw e;
            }
        }

        private static Pointer map(int fd, long length, int protection, long offset, String name)
                throws NativeException {
            Pointer m = Native.C.mmap(null, length, protection, Native.MAP_SHARED, fd, offset);
            if (m == null || m.address() == -1L) {
                throw new NativeException("mmap(ring buffer " + name + ")", Native.errno());
            }
            return Native.RUNTIME.getMemoryManager().newPointer(m.address(), length);
        }

        public int fd() {
            return fd;
        }

        /**
         * Hands up to {@code max} of the records submitted since the last call to {@code records},
         * in order, and frees their room; returns how many were handed. A record still being
         * written (reserved, not yet submitted) stops the reading there; a discarded one is skipped.
         */
        public int read(Records records, int max) {
            long cons = consumer.getLong(0);
            long prod = producer.getLong(0);
            // the records' bytes are read after the producer position that covers them
            java.lang.invoke.VarHandle.acquireFence();
            int n = 0;
            while (cons < prod && n < max) {
                long at = page + (cons & (size - 1));
                int header = producer.getInt(at);
                java.lang.invoke.VarHandle.acquireFence();
                if ((header & BUSY) != 0) {
                    break;
                }
                int length = header & ~(BUSY | DISCARD);
                if ((header & DISCARD) == 0) {
                    records.record(producer, at + HEADER, length);
                    n++;
                }
                cons += (length + HEADER + 7) & ~7L;
                // the record is read before its room is given back
                java.lang.invoke.VarHandle.releaseFence();
                consumer.putLong(0, cons);
            }
            return n;
        }

        /** Bytes submitted and not yet read. */
        public long pending() {
            return producer.getLong(0) - consumer.getLong(0);
        }

        @Override
        public synchronized void close() {
            if (!closed) {
                closed = true;
                Native.C.munmap(consumer, page);
                Native.C.munmap(producer, page + 2L * size);
                Native.closeQuietly(fd);
            }
        }

        @Override
        public String toString() {
            return "ring buffer " + name;
        }
    }

    public static final class Program implements Closeable {
        private final int fd;
        private final String name;
        private boolean closed;

        private Program(int fd, String name) {
            this.fd = fd;
            this.name = name;
        }

        /**
         * Loads a program (BPF_PROG_LOAD). A refusal by the verifier is loaded again with its log
         * on, and the exception carries the log's last lines, which say why.
         */
        public static Program load(int type, String name, byte[] instructions, String license) throws IOException {
            if (instructions.length == 0 || instructions.length % 8 != 0) {
                throw new IllegalArgumentException("program " + name + ": " + instructions.length + " bytes");
            }
            Pointer insns = Memory.allocateDirect(Native.RUNTIME, instructions.length);
            insns.put(0, instructions, 0, instructions.length);
            byte[] lic = (license + "\0").getBytes(StandardCharsets.US_ASCII);
            Pointer licence = Memory.allocateDirect(Native.RUNTIME, lic.length);
            licence.put(0, lic, 0, lic.length);
            Pointer a = attr();
            a.putInt(0, type);
            a.putInt(4, instructions.length / 8);
            a.putAddress(8, insns.address());
            a.putAddress(16, licence.address());
            putName(a, 48, name);
            try {
                return new Program((int) call(BPF_PROG_LOAD, a, "bpf(BPF_PROG_LOAD " + name + ")"), name);
            } catch (NativeException refused) {
                return loadWithLog(a, name, refused);
            } finally {
                // the kernel reads them through their addresses: they must outlive the call
                java.lang.ref.Reference.reachabilityFence(insns);
                java.lang.ref.Reference.reachabilityFence(licence);
            }
        }

        /** What one {@link #testRun} gave: the program's return value and the data as it left it. */
        public record TestRun(int retval, byte[] data) {}

        /**
         * Runs the program once on {@code data} in the kernel (BPF_PROG_TEST_RUN: an XDP program
         * sees it as a received frame, and nothing is sent or passed on), for tests of the
         * program's own logic against Java's.
         */
        public synchronized TestRun testRun(byte[] data) throws NativeException {
            Pointer in = Memory.allocateDirect(Native.RUNTIME, data.length);
            in.put(0, data, 0, data.length);
            int room = data.length + 256; // an XDP program may grow the frame at its tail
            Pointer out = Memory.allocateDirect(Native.RUNTIME, room);
            Pointer a = attr();
            a.putInt(0, fd);
            a.putInt(8, data.length);
            a.putInt(12, room);
            a.putAddress(16, in.address());
            a.putAddress(24, out.address());
            a.putInt(32, 1);
            try {
                call(BPF_PROG_TEST_RUN, a, "bpf(BPF_PROG_TEST_RUN " + name + ")");
                byte[] result = new byte[Math.min(room, a.getInt(12))];
                out.get(0, result, 0, result.length);
                return new TestRun(a.getInt(4), result);
            } finally {
                java.lang.ref.Reference.reachabilityFence(in);
                java.lang.ref.Reference.reachabilityFence(out);
            }
        }

        private static Program loadWithLog(Pointer a, String name, NativeException refused) throws IOException {
            if (refused.errno() != Native.EACCES && refused.errno() != 22 /* EINVAL */) {
                throw refused;
            }
            Pointer log = Memory.allocateDirect(Native.RUNTIME, LOG_SIZE);
            log.putByte(0, (byte) 0);
            a.putInt(24, 1);
            a.putInt(28, LOG_SIZE);
            a.putAddress(32, log.address());
            try {
                return new Program((int) call(BPF_PROG_LOAD, a, "bpf(BPF_PROG_LOAD " + name + ")"), name);
            } catch (NativeException again) {
                throw new IOException(again.getMessage() + "; the verifier said: " + tail(log.getString(0)), again);
            } finally {
                java.lang.ref.Reference.reachabilityFence(log);
            }
        }

        private static String tail(String log) {
            String[] lines = log.strip().split("\n");
            int from = Math.max(0, lines.length - 12);
            return String.join(" | ", java.util.Arrays.copyOfRange(lines, from, lines.length));
        }

        public int fd() {
            return fd;
        }

        public String name() {
            return name;
        }

        @Override
        public synchronized void close() {
            if (!closed) {
                closed = true;
                Native.closeQuietly(fd);
            }
        }
    }
}
