package org.hadirector.sys;

import jnr.ffi.LibraryLoader;
import jnr.ffi.Pointer;
import jnr.ffi.Runtime;
import jnr.ffi.annotations.In;
import jnr.ffi.annotations.Out;
import jnr.ffi.annotations.SaveError;

/**
 * The C library calls hadirector makes, through jnr-ffi. Package-private: the rest of the code
 * uses the small Closeable types of this package. Constants are Linux x86_64's.
 */
final class Native {
    static final int AF_INET = 2;
    static final int AF_INET6 = 10;
    static final int AF_NETLINK = 16;
    static final int AF_PACKET = 17;
    static final int SOCK_DGRAM = 2;
    static final int SOCK_RAW = 3;
    static final int SOCK_CLOEXEC = 0x80000;
    static final int SOL_SOCKET = 1;
    static final int SO_RCVBUF = 8;
    static final int SO_BINDTODEVICE = 25;
    static final int SO_LINGER = 13;
    static final int IPPROTO_TCP = 6;
    static final int TCP_QUICKACK = 12;
    static final int TCP_DEFER_ACCEPT = 9;
    static final int AF_UNSPEC = 0;
    static final int IPPROTO_IP = 0;
    static final int IPPROTO_IPV6 = 41;
    static final int IPPROTO_ICMP = 1;
    static final int IPPROTO_ICMPV6 = 58;
    /** ICMP_FILTER on a raw IPv4 ICMP socket (level SOL_RAW), ICMP6_FILTER on a raw ICMPv6 one (level IPPROTO_ICMPV6). */
    static final int SOL_RAW = 255;

    static final int ICMP_FILTER = 1;
    static final int ICMP6_FILTER = 1;
    static final int IP_TOS = 1;
    static final int IP_TTL = 2;
    static final int IP_MULTICAST_IF = 32;
    static final int IP_MULTICAST_TTL = 33;
    static final int IP_MULTICAST_LOOP = 34;
    static final int IP_ADD_MEMBERSHIP = 35;
    static final int IP_TRANSPARENT = 19;
    static final int IPV6_TRANSPARENT = 75;
    static final int IPV6_UNICAST_HOPS = 16;
    static final int IPV6_MULTICAST_IF = 17;
    static final int IPV6_MULTICAST_HOPS = 18;
    static final int IPV6_MULTICAST_LOOP = 19;
    static final int IPV6_ADD_MEMBERSHIP = 20;
    static final int IPV6_RECVPKTINFO = 49;
    static final int IPV6_PKTINFO = 50;
    static final int IPV6_RECVHOPLIMIT = 51;
    static final int IPV6_HOPLIMIT = 52;
    static final int IPV6_TCLASS = 67;
    static final int POLLIN = 1;
    static final int MSG_DONTWAIT = 0x40;
    static final int PROT_READ = 1;
    static final int PROT_WRITE = 2;
    static final int MAP_SHARED = 1;
    static final int SO_ATTACH_FILTER = 26;
    static final int SOL_PACKET = 263;
    static final int CLONE_NEWNET = 0x40000000;
    static final int O_RDONLY = 0;
    static final int O_CLOEXEC = 0x80000;
    static final int EPERM = 1;
    static final int EINTR = 4;
    static final int EACCES = 13;
    static final int EAGAIN = 11;
    static final int EINPROGRESS = 115;
    static final int EALREADY = 114;
    static final int ETIMEDOUT = 110;
    static final int SOCK_STREAM = 1;
    static final int SOCK_NONBLOCK = 0x800;
    static final int SO_ERROR = 4;
    static final int EPOLL_CTL_ADD = 1;
    static final int EPOLL_CTL_MOD = 3;
    static final int EPOLLIN = 0x1;
    static final int EPOLLOUT = 0x4;
    static final int EPOLLERR = 0x8;
    static final int EPOLLHUP = 0x10;
    static final int EPOLLONESHOT = 1 << 30;
    static final int EPOLLET = 1 << 31;
    static final int EEXIST = 17;
    static final int O_RDWR = 2;
    static final int O_NONBLOCK = 0x800;
    static final int O_NOFOLLOW = 0x20000;

    /** The calls, as the C library declares them; pointers to structs are byte arrays or Pointers. */
    public interface LibC {
        @SaveError
        int socket(int domain, int type, int protocol);

        @SaveError
        int setsockopt(int fd, int level, int name, @In byte[] value, int length);

        @SaveError
        int bind(int fd, @In byte[] address, int length);

        @SaveError
        long sendto(int fd, @In byte[] buffer, long length, int flags, @In byte[] address, int addressLength);

        @SaveError
        long recvmsg(int fd, Pointer message, int flags);

        @SaveError
        int poll(@In @Out byte[] fds, long count, int timeoutMillis);

        @SaveError
        int close(int fd);

        @SaveError
        int open(String path, int flags);

        @SaveError
        int setns(int fd, int type);

        @SaveError
        long write(int fd, @In byte[] buffer, long length);

        @SaveError
        long read(int fd, @Out byte[] buffer, long length);

        @SaveError
        long recv(int fd, @Out byte[] buffer, long length, int flags);

        @SaveError
        long recvfrom(
                int fd, @Out byte[] buffer, long length, int flags, @Out byte[] address, @In @Out byte[] addressLength);

        @SaveError
        int eventfd(int initval, int flags);

        @SaveError
        Pointer mmap(Pointer address, long length, int protection, int flags, int fd, long offset);

        @SaveError
        int munmap(Pointer address, long length);

        int getpagesize();

        @SaveError
        int setsockopt(int fd, int level, int name, Pointer value, int length);

        @SaveError
        int getsockopt(int fd, int level, int name, @Out byte[] value, @In @Out byte[] length);

        @SaveError
        long send(int fd, Pointer buffer, long length, int flags);

        @SaveError
        int ioctl(int fd, long request, @In @Out byte[] argument);

        @SaveError
        int connect(int fd, @In byte[] address, int length);

        @SaveError
        int epoll_create1(int flags);

        @SaveError
        int epoll_ctl(int epfd, int op, int fd, @In byte[] event);

        @SaveError
        int epoll_wait(int epfd, @Out byte[] events, int maxEvents, int timeoutMillis);

        int if_nametoindex(String name);

        @SaveError
        int mkfifo(String path, int mode);

        @SaveError
        int fchown(int fd, int uid, int gid);

        int geteuid();

        int getegid();

        String strerror(int errno);

        /** syscall(2) with three arguments: bpf(2), which the C library does not wrap. */
        @SaveError
        long syscall(long number, long a1, Pointer a2, long a3);
    }

    static final LibC C = LibraryLoader.create(LibC.class).load("c");
    static final Runtime RUNTIME = Runtime.getRuntime(C);

    private Native() {}

    static int errno() {
        return RUNTIME.getLastError();
    }

    static String strerror(int errno) {
        String s = C.strerror(errno);
        return s == null ? "error " + errno : s;
    }

    /** Throws for -1, with the call's name and errno. */
    static int check(int rc, String call) throws NativeException {
        if (rc == -1) {
            throw new NativeException(call, errno());
        }
        return rc;
    }

    static long check(long rc, String call) throws NativeException {
        if (rc == -1) {
            throw new NativeException(call, errno());
        }
        return rc;
    }

    static void setInt(int fd, int level, int name, int value, String what) throws NativeException {
        byte[] v = Bytes.nativeInt(value);
        check(C.setsockopt(fd, level, name, v, 4), "setsockopt(" + what + ")");
    }

    static void closeQuietly(int fd) {
        if (fd >= 0) {
            C.close(fd);
        }
    }
}
