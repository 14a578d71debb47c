// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.tun;

import com.sun.jna.Native;
import com.sun.jna.Platform;

/**
 * The few libc calls tunxlat needs, bound with JNA direct mapping ({@link Native#register}): primitive
 * arguments only, buffers passed as native addresses, so a call allocates nothing. {@code errno} is
 * read with {@link Native#getLastError()} right after a failed call.
 */
public final class LibC {
    static {
        Native.register(libraryName());
    }

    private LibC() {}

    /**
     * The C library to bind, for every class that binds libc with JNA. On glibc (Linux) its soname,
     * {@code libc.so.6}, which {@code dlopen} finds at once: JNA's own name, {@code c}, is first tried as
     * {@code libc.so} (a linker script, which fails) and then looked for in JNA's search path. Unless the user set
     * it, that path is given too, as the standard library directories, so that JNA does not build it by running
     * {@code ldconfig -p} in a child process at every start (about 10 to 20 ms before the first packet).
     */
    public static String libraryName() {
        JnaNative.useCache(); // before JNA loads its own native library, which Native.register does first
        if (!Platform.isLinux()) {
            return Platform.C_LIBRARY_NAME;
        }
        if (System.getProperty(JNA_PLATFORM_PATH) == null) {
            System.setProperty(JNA_PLATFORM_PATH, "/lib:/usr/lib");
        }
        return GLIBC;
    }

    private static final String JNA_PLATFORM_PATH = "jna.platform.library.path";
    private static final String GLIBC = "libc.so.6";

    /**
     * Binds the functions now (JNA's native library, libc and its search path), as the first call would otherwise:
     * the daemon's start does it in the background ({@code net.tunxlat.pipeline.WarmUp}).
     */
    public static void load() {
        // the class's initialisation is the work
    }

    public static final int O_RDWR = 0x0002;
    public static final int O_NONBLOCK = 0x0800;
    public static final int O_CLOEXEC = 0x80000;
    public static final short POLLIN = 0x0001;
    public static final short POLLOUT = 0x0004;

    public static final int EINTR = 4;
    public static final int EAGAIN = 11;
    public static final int EBADF = 9;
    public static final int EPERM = 1;
    public static final int EBUSY = 16;
    public static final int ENOENT = 2;
    public static final int EINVAL = 22;
    public static final int ENOMEM = 12;
    public static final int ENOSYS = 38;

    public static native int open(String path, int flags);

    public static native int close(int fd);

    /** ioctl with a pointer argument (copied in and out by JNA: cold path only). */
    public static native int ioctl(int fd, long request, byte[] arg);

    /** ioctl with an integer argument passed by value. */
    public static native int ioctl(int fd, long request, long arg);

    /** read(2) into native memory at {@code address}. */
    public static native long read(int fd, long address, long count);

    /** write(2) from native memory at {@code address}. */
    public static native long write(int fd, long address, long count);

    /** poll(2) on {@code nfds} {@code struct pollfd}s at {@code fds} (native memory). */
    public static native int poll(long fds, long nfds, int timeoutMillis);

    public static native int fcntl(int fd, int cmd, int arg);

    /** mmap(2); returns the address, or -1 ({@code MAP_FAILED}) with errno set. */
    public static native long mmap(long address, long length, int prot, int flags, int fd, long offset);

    public static native int munmap(long address, long length);

    /**
     * syscall(2) with six integer arguments (unused ones 0): for system calls glibc has no wrapper for
     * ({@code io_uring_setup}, {@code io_uring_enter}, {@code io_uring_register}). Returns -1 with errno set on failure.
     */
    public static native long syscall(long number, long a1, long a2, long a3, long a4, long a5, long a6);

    public static native String strerror(int errnum);

    public static native int getuid();

    public static native int setuid(int uid);

    public static native int setgid(int gid);

    public static native int setgroups(long size, long list);

    /** Human-readable errno text, e.g. "Operation not permitted (errno 1)". */
    public static String describe(int errno) {
        return strerror(errno) + " (errno " + errno + ")";
    }
}
