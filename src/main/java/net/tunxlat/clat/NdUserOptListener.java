// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.clat;

import com.sun.jna.Native;
import java.io.IOException;
import java.net.Inet6Address;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import net.tunxlat.mapping.Addresses;

/**
 * Receives the PREF64 options (RFC 8781) of the router advertisements the kernel accepts, through the kernel's
 * ND user-option notifications: a {@code NETLINK_ROUTE} socket in the multicast group {@code
 * RTNLGRP_ND_USEROPT} gets one {@code RTM_NEWNDUSEROPT} message ({@link NdUserOptMessage}) per option the
 * kernel does not handle itself, with the interface index and the router's address. No raw socket and no
 * second RA parser: the kernel validated the advertisement (RFC 4861 §6.1.2) before passing its options on.
 *
 * <h2>When the kernel passes the options on</h2>
 * Read from {@code net/ipv6/ndisc.c} ({@code ndisc_router_discovery}, {@code ndisc_ra_useropt},
 * {@code ndisc_is_useropt}); the sysctl conditions and the invalid option are checked in {@code Pref64DiscoveryIT}:
 * <ul>
 *   <li>Linux 5.7 or later: type 38 joined RDNSS (25), DNSSL (31) and captive portal (37) as a user option in
 *       2020 (net-next, "add support for 'PREF64' dns64 prefix identifier"). Older kernels drop it silently.</li>
 *   <li>The interface accepts router advertisements: {@code net.ipv6.conf.<if>.accept_ra} is 1 and
 *       {@code forwarding} is 0, or {@code accept_ra} is 2 (the kernel's {@code ipv6_accept_ra()}). A router
 *       (forwarding 1) therefore needs {@code accept_ra=2} on its uplink. {@code disable_ipv6} must be 0.</li>
 *   <li>The advertisement is valid: source address link-local, hop limit 255, ICMPv6 code 0, no option of
 *       length 0 (RFC 4861 §6.1.2). The user options are passed on even when the router lifetime is 0 and
 *       whatever {@code accept_ra_defrtr}, {@code accept_ra_pinfo} and {@code accept_ra_rtr_pref} say (those
 *       only gate the default route, prefixes and route information). The kernel does not look inside the
 *       option, so invalid PREF64 options arrive too and are reported with their {@link Pref64Option.Reason}.</li>
 *   <li>The socket belongs to a network namespace: it hears the interfaces of the namespace it was opened in.</li>
 * </ul>
 * Nothing is replayed: options that arrived before {@link #open()} are gone. Send a router solicitation
 * ({@link RouterSolicitor}) after opening, so a router answers at once instead of at its next periodic
 * advertisement (up to {@code MaxRtrAdvInterval}, 600 s by default, RFC 4861 §6.2.1).
 *
 * <h2>Threads</h2>
 * One thread calls {@link #poll}; {@link #close()} may be called from any thread and wakes a blocked
 * {@code poll} at once (an eventfd is polled beside the socket). Control plane: this class allocates.
 */
public final class NdUserOptListener implements AutoCloseable {
    /** A netlink receive buffer large enough for a burst of option messages (each one is under 100 bytes). */
    private static final int BUFFER_SIZE = 64 * 1024;
    private static final int POLLFD_SIZE = 8;

    /**
     * One PREF64 option the kernel passed on.
     *
     * @param ifIndex       the interface the advertisement arrived on
     * @param router        the advertisement's source (the router's link-local address, scope {@code ifIndex}),
     *                      or null if the kernel did not say
     * @param parsed        the option, or why it is ignored
     * @param receivedNanos {@link System#nanoTime()} when it was read
     */
    public record Pref64Report(int ifIndex, Inet6Address router, Pref64Option.Parsed parsed, long receivedNanos) {
        /** The router as {@link Pref64#origin}: RFC 5952 text with the interface index as zone, {@code fe80::1%2}. */
        public String origin() {
            if (router == null) {
                return "unknown router%" + ifIndex;
            }
            ByteBuffer a = ByteBuffer.wrap(router.getAddress());
            return Addresses.formatIpv6(a.getLong(0), a.getLong(8)) + "%" + ifIndex;
        }

        /** The prefix learned, or null when the option is ignored ({@link Pref64Option.Parsed#reason()}). */
        public Pref64 pref64() {
            return parsed.valid() ? parsed.option().toPref64(origin(), receivedNanos) : null;
        }

        @Override
        public String toString() {
            return parsed + " from " + origin();
        }
    }

    private final Object lock = new Object();
    private final int socket;
    private final int wakeup;
    private final byte[] buffer = new byte[BUFFER_SIZE];
    private boolean closed;
    private boolean polling;
    private boolean fdsClosed;
    private final AtomicLong malformed = new AtomicLong();
    private final AtomicLong overruns = new AtomicLong();
    private final AtomicLong otherOptions = new AtomicLong();

    private NdUserOptListener(int socket, int wakeup) {
        this.socket = socket;
        this.wakeup = wakeup;
    }

    /**
     * Opens a {@code NETLINK_ROUTE} socket in the calling thread's network namespace and joins
     * {@code RTNLGRP_ND_USEROPT}. Needs no privilege: rtnetlink lets unprivileged sockets join its groups
     * ({@code NL_CFG_F_NONROOT_RECV}).
     */
    public static NdUserOptListener open() throws IOException {
        int fd = Pref64Sockets.socket(Pref64Sockets.AF_NETLINK, Pref64Sockets.SOCK_RAW | Pref64Sockets.SOCK_CLOEXEC,
                Pref64Sockets.NETLINK_ROUTE);
        if (fd < 0) {
            throw Pref64Sockets.failure("socket(AF_NETLINK, NETLINK_ROUTE)", Native.getLastError());
        }
        int efd = -1;
        try {
            // struct sockaddr_nl { u16 nl_family; u16 nl_pad; u32 nl_pid; u32 nl_groups; }: pid 0 lets the kernel pick.
            byte[] sa = ByteBuffer.allocate(12).order(ByteOrder.nativeOrder())
                    .putShort((short) Pref64Sockets.AF_NETLINK).putShort((short) 0).putInt(0).putInt(0).array();
            if (Pref64Sockets.bind(fd, sa, sa.length) < 0) {
                throw Pref64Sockets.failure("bind(AF_NETLINK)", Native.getLastError());
            }
            Pref64Sockets.setInt(fd, Pref64Sockets.SOL_NETLINK, Pref64Sockets.NETLINK_ADD_MEMBERSHIP,
                    NdUserOptMessage.RTNLGRP_ND_USEROPT, "setsockopt(NETLINK_ADD_MEMBERSHIP, RTNLGRP_ND_USEROPT)");
            efd = Pref64Sockets.eventfd(0, Pref64Sockets.EFD_CLOEXEC | Pref64Sockets.EFD_NONBLOCK);
            if (efd < 0) {
                throw Pref64Sockets.failure("eventfd", Native.getLastError());
            }
            return new NdUserOptListener(fd, efd);
        } catch (IOException | RuntimeException e) {
            Pref64Sockets.close(fd);
            if (efd >= 0) {
                Pref64Sockets.close(efd);
            }
            throw e;
        }
    }

    /**
     * Waits up to {@code timeout} for PREF64 options and returns those that arrived (valid and ignored ones,
     * in arrival order), or an empty list when none came in time or the listener was closed. Other user
     * options (RDNSS, DNSSL, ...) are passed over without ending the wait.
     *
     * @throws IOException           if the socket fails (not for a kernel overrun: see {@link #overruns()})
     * @throws IllegalStateException if another thread is already polling
     */
    public List<Pref64Report> poll(Duration timeout) throws IOException {
        synchronized (lock) {
            if (closed) {
                return List.of();
            }
            if (polling) {
                throw new IllegalStateException("NdUserOptListener.poll is for one thread at a time");
            }
            polling = true;
        }
        try {
            return pollOpen(System.nanoTime() + timeout.toNanos());
        } finally {
            synchronized (lock) {
                polling = false;
                if (closed) {
                    closeFds();
                }
            }
        }
    }

    private List<Pref64Report> pollOpen(long deadline) throws IOException {
        List<Pref64Report> reports = new ArrayList<>();
        byte[] fds = new byte[2 * POLLFD_SIZE];
        while (true) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return reports;
            }
            ByteBuffer f = ByteBuffer.wrap(fds).order(ByteOrder.nativeOrder());
            f.putInt(0, socket).putShort(4, Pref64Sockets.POLLIN).putShort(6, (short) 0);
            f.putInt(8, wakeup).putShort(12, Pref64Sockets.POLLIN).putShort(14, (short) 0);
            int millis = (int) Math.min(Integer.MAX_VALUE, Math.max(1, TimeUnit.NANOSECONDS.toMillis(left)));
            int n = Pref64Sockets.poll(fds, 2, millis);
            if (n < 0) {
                int errno = Native.getLastError();
                if (errno == Pref64Sockets.EINTR) {
                    continue;
                }
                throw Pref64Sockets.failure("poll(netlink)", errno);
            }
            f = ByteBuffer.wrap(fds).order(ByteOrder.nativeOrder());
            if (f.getShort(14) != 0) {
                return List.of(); // close() woke us
            }
            if (f.getShort(6) != 0) {
                drain(reports);
                if (!reports.isEmpty()) {
                    return reports;
                }
            }
        }
    }

    /** Reads every queued message without blocking and adds its PREF64 options to {@code reports}. */
    private void drain(List<Pref64Report> reports) throws IOException {
        while (true) {
            long n = Pref64Sockets.recv(socket, buffer, buffer.length, Pref64Sockets.MSG_DONTWAIT);
            long now = System.nanoTime();
            if (n < 0) {
                int errno = Native.getLastError();
                if (errno == Pref64Sockets.EAGAIN) {
                    return;
                }
                if (errno == Pref64Sockets.EINTR) {
                    continue;
                }
                if (errno == Pref64Sockets.ENOBUFS) {
                    // The kernel dropped notifications: the socket buffer was full. Counted; a router
                    // solicitation gets the state again.
                    overruns.incrementAndGet();
                    continue;
                }
                throw Pref64Sockets.failure("recv(netlink)", errno);
            }
            NdUserOptMessage.Batch batch = NdUserOptMessage.parseAll(buffer, (int) n);
            malformed.addAndGet(batch.malformed());
            for (NdUserOptMessage m : batch.messages()) {
                List<Pref64Report> found = pref64Options(m, now);
                reports.addAll(found);
                otherOptions.addAndGet(m.optionCount() - found.size());
            }
        }
    }

    /** The PREF64 options of one message (those of router advertisements only), decoded. */
    static List<Pref64Report> pref64Options(NdUserOptMessage m, long receivedNanos) {
        if (m.icmpType() != NdUserOptMessage.ICMPV6_ROUTER_ADVERTISEMENT) {
            return List.of();
        }
        List<Pref64Report> out = new ArrayList<>();
        for (int[] at : m.optionsOfType(Pref64Option.TYPE)) {
            out.add(new Pref64Report(m.ifIndex(), m.source(), Pref64Option.parse(m.options(), at[0], at[1]), receivedNanos));
        }
        return out;
    }

    /**
     * ND user options other than PREF64 (RDNSS, DNSSL, captive portal) passed over since open. Not zero while no
     * PREF64 arrived: router advertisements do reach this socket, the network just advertises no NAT64 prefix.
     */
    public long otherOptions() {
        return otherOptions.get();
    }

    /** Netlink messages passed over as malformed since open. */
    public long malformed() {
        return malformed.get();
    }

    /**
     * Times the kernel reported lost notifications ({@code ENOBUFS}: the socket buffer overflowed) since open.
     * Options may have been missed: solicit a fresh advertisement ({@link RouterSolicitor}).
     */
    public long overruns() {
        return overruns.get();
    }

    public boolean isOpen() {
        synchronized (lock) {
            return !closed;
        }
    }

    /** Closes the socket; a thread blocked in {@link #poll} returns an empty list at once. Idempotent. */
    @Override
    public void close() {
        synchronized (lock) {
            if (closed) {
                return;
            }
            closed = true;
            if (polling) {
                byte[] one = ByteBuffer.allocate(8).order(ByteOrder.nativeOrder()).putLong(1).array();
                Pref64Sockets.write(wakeup, one, one.length); // the poller closes the descriptors on its way out
            } else {
                closeFds();
            }
        }
    }

    private void closeFds() {
        if (!fdsClosed) {
            fdsClosed = true;
            Pref64Sockets.close(socket);
            Pref64Sockets.close(wakeup);
        }
    }
}
