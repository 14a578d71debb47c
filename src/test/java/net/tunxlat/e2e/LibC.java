// SPDX-License-Identifier: Apache-2.0
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

    // Raw sockets for the NPTv6 tests: send hand-built IPv6 packets, capture what arrives.
    int AF_INET6 = 10;
    int AF_PACKET = 17;
    int SOCK_RAW = 3;
    int SOCK_DGRAM = 2;
    int IPPROTO_RAW = 255;
    int SOL_SOCKET = 1;
    int SO_RCVTIMEO = 20;
    int ETH_P_IPV6 = 0x86dd;

    int socket(int domain, int type, int protocol) throws LastErrorException;

    int bind(int fd, byte[] addr, int addrlen) throws LastErrorException;

    long sendto(int fd, byte[] buf, long len, int flags, byte[] addr, int addrlen) throws LastErrorException;

    long recvfrom(int fd, byte[] buf, long len, int flags, byte[] addr, int[] addrlen) throws LastErrorException;

    int setsockopt(int fd, int level, int name, byte[] value, int len) throws LastErrorException;

    int if_nametoindex(String name);
}
