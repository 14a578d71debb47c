package net.tunxlat.e2e;

import com.sun.jna.LastErrorException;
import com.sun.jna.Library;
import com.sun.jna.Native;

/** The few libc calls the test bed needs (Linux). */
interface LibC extends Library {
    LibC INSTANCE = Native.load("c", LibC.class);

    int O_RDONLY = 0;
    int O_CLOEXEC = 0x80000;
    int CLONE_NEWNET = 0x40000000;

    int open(String path, int flags) throws LastErrorException;

    int setns(int fd, int nstype) throws LastErrorException;

    int close(int fd) throws LastErrorException;

    int geteuid();
}
