// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.xlat;

import static net.tunxlat.xlat.StatefulPackets.*;
import static net.tunxlat.xlat.TestPackets.*;
import static org.junit.jupiter.api.Assertions.*;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.List;
import net.tunxlat.LeakWatch;
import net.tunxlat.mapping.Addresses;
import net.tunxlat.nat64.Nat64Protocol;
import net.tunxlat.nat64.Nat64Settings;
import net.tunxlat.nat64.Nat64Tables;
import net.tunxlat.nat64.Pool4;
import net.tunxlat.nat64.Timeouts;
import net.tunxlat.offline.OfflineTranslator;

/**
 * Coverage-guided fuzzing of stateful NAT64 (issue 16 item 6): the fuzzer's bytes drive a SEQUENCE of packets in
 * both directions through one translator whose tables are kept across the sequence, with a clock that advances and
 * the sweeper run on it (RFC 6146 §3.5, §4). Each {@value #OP} bytes are one step; see {@link #step} for what each
 * byte chooses (direction, protocol, TCP flags, ports, fragment bits, ICMP errors quoting a flow, clock and sweep).
 * The packets are built well-formed (checksums right) so that they reach the BIB, session and fragment code; the
 * fuzzer chooses what they say, and may damage one byte of each. The tables are small (8 sessions per protocol, 16 or 32 pool4 ports, 3 subscribers,
 * 2 held SYNs) so that every limit is hit.
 *
 * <p>Invariants, on every step: no exception; the packet is translated, answered or dropped with one reason,
 * exactly once, and every emitted packet is one the counters know of; every emitted packet is well formed with
 * valid checksums ({@link PacketInvariants}); the live sessions, BIB entries and subscribers stay within the
 * configured maxima (the BIB's spare room included: a binding whose session found the table full lives until the
 * sweeper's next pass). At the end of the sequence, once the clock has run past every lifetime and the sweeper has
 * passed, no dynamic state is left (no session, BIB entry, port block or subscriber leaks: only static BIB entries
 * remain), and no buffer leaks (reference counts on every packet, {@link LeakWatch} for Netty's paranoid reports).
 *
 * <p>Without {@code JAZZER_FUZZ} the committed corpus ({@code StatefulFuzzTestInputs/packetSequences/}) replays as
 * a regression test; {@code packaging/fuzz.sh StatefulFuzzTest#packetSequences} fuzzes for real.
 */
class StatefulFuzzTest {
    /** Bytes per step. */
    static final int OP = 8;
    /** The most steps of one input (longer inputs are cut). */
    static final int MAX_STEPS = 256;
    static final int MAX_SESSIONS = 8;
    static final int FIRST_PORT = 1000;
    /** The IPv6 host port of configuration 0's static BIB entries (to pool4's first port, each protocol). */
    static final int STATIC_PORT = 80;
    static final String[] HOSTS = {HOST, HOST2, "2001:db8:0:1::7", "2001:db8:0:2::9"};
    static final String[] SERVERS4 = {SERVER4, "198.51.100.9"};
    static final String[] SERVERS6 = {SERVER6, "64:ff9b::c633:6409"};
    /** A router on the IPv4 side (ICMP errors from the path, not from the server). */
    static final String ROUTER4 = "198.51.100.1";
    static final String ROUTER6 = "64:ff9b::c633:6401";
    static final int[] REMOTE_PORTS = {53, 80, 443, 8080};

    /**
     * The two configurations (chosen by the input's first byte). 0: per-port allocation over 16 ports, a static
     * BIB entry per protocol, endpoint-independent filtering, RFC 6146 lifetimes. 1: port blocks of 4 (two per
     * subscriber) over 32 ports, address-dependent filtering, nat64-drop-externally-initiated-tcp, short lifetimes.
     */
    static Nat64Settings settings(int variant) {
        int a = Addresses.parseIpv4(POOL);
        int[] max = {MAX_SESSIONS, MAX_SESSIONS, MAX_SESSIONS};
        if (variant == 0) {
            Pool4 pool = new Pool4(List.of(new Pool4.Range(Nat64Protocol.TCP, a, FIRST_PORT, FIRST_PORT + 15),
                    new Pool4.Range(Nat64Protocol.UDP, a, FIRST_PORT, FIRST_PORT + 15),
                    new Pool4.Range(Nat64Protocol.ICMP, a, FIRST_PORT, FIRST_PORT + 15)), 0);
            return new Nat64Settings(pool, max, 3, 128, 6, 8, null, 64, Timeouts.RFC6146, false, false, 2,
                    List.of(bib(Nat64Protocol.TCP, HOST, STATIC_PORT, POOL, FIRST_PORT), bib(Nat64Protocol.UDP, HOST,
                            STATIC_PORT, POOL, FIRST_PORT), bib(Nat64Protocol.ICMP, HOST, STATIC_PORT, POOL, FIRST_PORT)));
        }
        Pool4 pool = new Pool4(List.of(new Pool4.Range(Nat64Protocol.TCP, a, FIRST_PORT, FIRST_PORT + 31),
                new Pool4.Range(Nat64Protocol.UDP, a, FIRST_PORT, FIRST_PORT + 31),
                new Pool4.Range(Nat64Protocol.ICMP, a, FIRST_PORT, FIRST_PORT + 31)), 4);
        return new Nat64Settings(pool, max, 3, 64, 6, 2, null, 64, new Timeouts(120, 600, 60, 6, 30), true, true, 2,
                List.of());
    }

    static final Nat64Settings[] SETTINGS = {settings(0), settings(1)};

    /** Leaks Netty had reported before these tests (another class's, on purpose: LeakWatchTest). */
    static final int LEAK_MARK = LeakWatch.mark();

    @org.junit.jupiter.api.AfterAll
    static void noBufferLeaked() {
        LeakWatch.assertNoLeaks(LEAK_MARK);
    }

    /** A sequence of packets through one translator: byte 0 picks the configuration, then {@value #OP} bytes a step. */
    @FuzzTest(maxDuration = "5m")
    void packetSequences(byte[] data) {
        if (data.length < 1 + OP) {
            return;
        }
        LeakWatch.assertNoNewLeaks(LEAK_MARK);
        Nat64Settings s = SETTINGS[(data[0] & 0xff) % SETTINGS.length];
        XlatSnapshot snap = new XlatSnapshot(config(s));
        Nat64Tables tables = snap.state().nat64();
        try (XlatHarness h = new XlatHarness(snap)) {
            int steps = Math.min(MAX_STEPS, (data.length - 1) / OP);
            for (int i = 0; i < steps; i++) {
                step(h, tables, s, Arrays.copyOfRange(data, 1 + i * OP, 1 + (i + 1) * OP), i);
            }
            drain(h, tables, s);
        }
    }

    /**
     * One step. Byte 0: bit 0 the direction (0 IPv6 → IPv4, 1 IPv4 → IPv6), bits 1-2 the protocol (TCP, UDP, ICMP
     * echo, ICMP error quoting a packet of a flow), bits 3-4 the fragment bits (whole, first fragment, middle,
     * last), bits 5-6 the IPv6 host, bit 7 the remote server. Byte 1: the TCP flags (or the ICMP type; for an error,
     * the quoted protocol and the error's type). Byte 2: the IPv6 host's port (5000-5014, or 80 for 15, the
     * static BIB entries' port) or the pool4 port (1000-1031). Byte 3: the remote port (one of {@link #REMOTE_PORTS}, or the byte itself when bit 2 is set).
     * Byte 4: the clock (0x80-0xbf: advance that many seconds less 0x80; 0xc0-0xff: advance that many minutes less
     * 0xc0, and run the sweeper). Byte 5: the payload length (low 6 bits); bit 6, a packet to the translator's
     * own IPv4 address instead of pool4; bit 7, {@linkplain #corrupt damage}: byte 7 flips bits of the packet's
     * byte at byte 6. Bytes 6-7: the fragment Identification / echo sequence.
     */
    static void step(XlatHarness h, Nat64Tables tables, Nat64Settings s, byte[] op, int index) {
        int b0 = op[0] & 0xff;
        int b4 = op[4] & 0xff;
        if (b4 >= 0xc0) {
            h.now += (b4 - 0xc0) * 60_000_000_000L;
            tables.sweep(h.now / 1_000_000_000L);
        } else if (b4 >= 0x80) {
            h.now += (b4 - 0x80) * 1_000_000_000L;
        }
        boolean from4 = (b0 & 1) != 0;
        int kind = (b0 >>> 1) & 3;
        int frag = (b0 >>> 3) & 3;
        String host = HOSTS[(b0 >>> 5) & 3];
        int server = b0 >>> 7;
        int flags = op[1] & 0xff;
        int hostPort = (op[2] & 15) == 15 ? STATIC_PORT : 5000 + (op[2] & 15);
        int poolPort = FIRST_PORT + (op[2] & 31);
        int remotePort = (op[3] & 4) != 0 ? op[3] & 0xff : REMOTE_PORTS[op[3] & 3];
        byte[] payload = pattern(op[5] & 63);
        String pool = (op[5] & 0x40) != 0 ? OWN4 : POOL;
        int ident = ((op[6] & 0xff) << 8) | (op[7] & 0xff);
        byte[] p;
        if (kind == 3) {
            p = from4 ? error4(flags, pool, poolPort, SERVERS4[server], remotePort, payload)
                    : error6(flags, host, hostPort, SERVERS6[server], remotePort, payload);
        } else {
            int proto = kind == 0 ? 6 : kind == 1 ? 17 : from4 ? 1 : 58;
            byte[] l4 = switch (kind) {
                case 0 -> tcp(from4 ? remotePort : hostPort, from4 ? poolPort : remotePort, flags, payload);
                case 1 -> udpHeaderAndData(from4 ? remotePort : hostPort, from4 ? poolPort : remotePort, payload);
                default -> icmpEcho(from4 ? ((flags & 1) != 0 ? 8 : 0) : ((flags & 1) != 0 ? 129 : 128),
                        from4 ? poolPort : hostPort, ident, payload);
            };
            p = from4 ? fragment4(SERVERS4[server], pool, proto, ident, frag, l4)
                    : fragment6(host, SERVERS6[server], proto, ident, frag, l4);
        }
        if ((op[5] & 0x80) != 0 && op[7] != 0) {
            corrupt(p, op[6] & 0xff, op[7]);
        }
        boolean inputValid = PacketInvariants.transportChecksumValid(p, p.length);
        XlatHarness.Outcome o = h.run(p);
        String what = "step " + index + " " + OfflineTranslator.describe(p, 0, p.length);
        assertTrue(o.accountedOnce(), () -> what + ": translated, answered or dropped once: " + o);
        assertEquals(o.translated() + o.echoReplies() + o.icmpErrors(), o.emitted().size(),
                () -> what + ": every emitted packet is counted: " + o);
        for (byte[] out : o.emitted()) {
            String wrong = PacketInvariants.check(out, inputValid, false);
            assertNull(wrong, () -> what + ": " + wrong + " in " + OfflineTranslator.describe(out, 0, out.length));
        }
        assertWithinLimits(tables, s, what);
    }

    /**
     * Flips the bits {@code mask} of byte {@code at} (modulo the length) of a built packet, so that malformed
     * headers, lengths and quoted packets meet live state; an IPv4 header checksum is made right again, so that
     * the damage reaches past it.
     */
    static void corrupt(byte[] p, int at, byte mask) {
        p[at % p.length] ^= mask;
        if ((p[0] & 0xf0) == 0x40 && (p[0] & 0x0f) == 5 && p.length >= 20) {
            p[10] = 0;
            p[11] = 0;
            int c = ~naiveSum(p, 0, 20) & 0xffff;
            p[10] = (byte) (c >> 8);
            p[11] = (byte) c;
        }
    }

    /** Live sessions, BIB entries and subscribers within what the configuration allows. */
    static void assertWithinLimits(Nat64Tables tables, Nat64Settings s, String what) {
        for (int proto = 0; proto < Nat64Protocol.COUNT; proto++) {
            int p = proto;
            long statics = s.statics().stream().filter(b -> b.protocol() == p).count();
            assertTrue(tables.sessions(p) <= s.maxSessions()[p], () -> what + ": " + tables.sessions(p)
                    + " sessions of protocol " + p + ", at most " + s.maxSessions()[p]);
            // A binding whose first session found the session table full stays (without a session, its port
            // claimed) until the sweeper's next pass: the BIB may run past nat64-max-sessions by its spare room.
            long bibMax = s.maxSessions()[p] + s.maxSessions()[p] / 16 + 64 + statics;
            assertTrue(tables.bibEntries(p) <= bibMax, () -> what + ": " + tables.bibEntries(p)
                    + " BIB entries of protocol " + p + ", at most " + bibMax);
        }
        assertTrue(tables.subscribers() <= s.maxSubscribers(), () -> what + ": " + tables.subscribers() + " subscribers");
        assertTrue(tables.counts().synHeld() <= s.maxSynHeld(), () -> what + ": " + tables.counts().synHeld()
                + " SYNs held");
    }

    /**
     * RFC 6146 §4 and §3.5.2.2: with the clock past every lifetime (an ESTABLISHED session first moves to TRANS,
     * hence several passes), the sweeper ends every dynamic session, BIB entry, block and subscriber; a worker
     * starting a batch answers the SYNs that timed out. Static BIB entries stay.
     */
    static void drain(XlatHarness h, Nat64Tables tables, Nat64Settings s) {
        for (int pass = 0; pass < 4; pass++) {
            h.now += 3L * 3600 * 1_000_000_000L;
            tables.sweep(h.now / 1_000_000_000L);
            h.out.clear();
            h.translator.beginBatch(h.snap, h.now);
            h.translator.endBatch();
            for (byte[] out : h.out) {
                String wrong = PacketInvariants.check(out, true, false);
                assertNull(wrong, () -> "SYN timeout answer: " + wrong + " in " + OfflineTranslator.describe(out, 0,
                        out.length));
            }
        }
        tables.sweep(h.now / 1_000_000_000L);
        for (int proto = 0; proto < Nat64Protocol.COUNT; proto++) {
            int p = proto;
            long statics = s.statics().stream().filter(b -> b.protocol() == p).count();
            assertEquals(0, tables.sessions(p), "sessions left after every lifetime ran out, protocol " + p);
            assertEquals(statics, tables.bibEntries(p), "only static BIB entries left, protocol " + p);
            assertEquals(0, tables.blocksInUse(p), "port blocks left, protocol " + p);
        }
        assertEquals(0, tables.subscribers(), "subscribers left after every lifetime ran out");
        assertEquals(0, tables.counts().synHeld(), "SYNs still held");
    }

    // ---------------------------------------------------------------- packets

    static byte[] pattern(int n) {
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) {
            b[i] = (byte) (i * 7 + 3);
        }
        return b;
    }

    /** A TCP header (no options) with the given flags byte (CWR ECE URG ACK PSH RST SYN FIN), then data. */
    static byte[] tcp(int src, int dst, int flags, byte[] data) {
        byte[] t = tcpHeaderAndData(src, dst, data);
        t[13] = (byte) flags;
        return t;
    }

    /**
     * The IPv4 packet of {@code l4} (its checksum computed over the whole datagram), whole or as a piece:
     * {@code frag} 1 the first 8 bytes (MF), 2 a middle piece at offset 8 (MF), 3 the rest from offset 8.
     */
    static byte[] fragment4(String src, String dst, int proto, int ident, int frag, byte[] l4) {
        byte[] whole = ipv4(src, dst, proto, 64, 0, ident, 0, l4);
        if (frag == 0 || l4.length <= 16) {
            return whole;
        }
        byte[] body = Arrays.copyOfRange(whole, 20, whole.length); // the checksummed transport header and data
        byte[] piece = frag == 1 ? Arrays.copyOfRange(body, 0, 8) : frag == 2 ? Arrays.copyOfRange(body, 8, 16)
                : Arrays.copyOfRange(body, 8, body.length);
        int flagsOffset = (frag == 3 ? 0 : 0x2000) | (frag == 1 ? 0 : 1);
        byte[] p = new byte[20 + piece.length];
        System.arraycopy(whole, 0, p, 0, 20);
        System.arraycopy(piece, 0, p, 20, piece.length);
        ByteBuffer.wrap(p).putShort(2, (short) p.length).putShort(6, (short) flagsOffset).putShort(10, (short) 0);
        int c = ~naiveSum(p, 0, 20) & 0xffff;
        ByteBuffer.wrap(p).putShort(10, (short) c);
        return p;
    }

    /** The IPv6 packet of {@code l4}, whole or as a piece behind a Fragment header ({@code frag} as for IPv4). */
    static byte[] fragment6(String src, String dst, int proto, int ident, int frag, byte[] l4) {
        byte[] whole = ipv6(src, dst, proto, proto, 64, 0, new byte[0], l4);
        if (frag == 0 || l4.length <= 16) {
            return whole;
        }
        byte[] body = Arrays.copyOfRange(whole, 40, whole.length);
        byte[] piece = frag == 1 ? Arrays.copyOfRange(body, 0, 8) : frag == 2 ? Arrays.copyOfRange(body, 8, 16)
                : Arrays.copyOfRange(body, 8, body.length);
        byte[] fh = ByteBuffer.allocate(8).put((byte) proto).put((byte) 0)
                .putShort((short) ((frag == 1 ? 0 : 1) << 3 | (frag == 3 ? 0 : 1))).putInt(ident).array();
        return ipv6(src, dst, 44, 0, 64, 0, fh, piece);
    }

    /** The packet an error quotes: TCP, UDP or an ICMP echo, by bits 0-1 of {@code sel}. */
    static byte[] quotedL4(int sel, int src, int dst, boolean v4, byte[] payload) {
        return switch (sel & 3) {
            case 0 -> tcp(src, dst, 0x12, payload);
            case 1, 3 -> udpHeaderAndData(src, dst, payload);
            default -> icmpEcho(v4 ? 8 : 128, src, 1, payload);
        };
    }

    static int quotedProto(int sel, boolean v4) {
        return switch (sel & 3) {
            case 0 -> 6;
            case 1, 3 -> 17;
            default -> v4 ? 1 : 58;
        };
    }

    /**
     * An ICMPv4 error to pool4 about a packet pool4 sent to the server (RFC 6146 §3.4: the quoted tuple is looked
     * up), from the server or a router on the path (bit 2 of {@code sel}); bits 3-4 pick Port Unreachable,
     * Fragmentation Needed (MTU 1300) or Time Exceeded.
     */
    static byte[] error4(int sel, String pool, int poolPort, String server, int remotePort, byte[] payload) {
        int proto = quotedProto(sel, true);
        byte[] quoted = ipv4(pool, server, proto, 1, 0, 7, 0, quotedL4(sel, poolPort, remotePort, true, payload));
        int which = (sel >>> 3) & 3;
        int type = which == 2 ? 11 : 3;
        int code = which == 1 ? 4 : which == 2 ? 0 : 3;
        byte[] l4 = ByteBuffer.allocate(8 + quoted.length).put((byte) type).put((byte) code).putShort((short) 0)
                .putInt(which == 1 ? 1300 : 0).put(quoted).array();
        return ipv4((sel & 4) != 0 ? ROUTER4 : server, pool, 1, 64, 0, 9, 0, l4);
    }

    /** An ICMPv6 error from the IPv6 host (or a router, bit 2) about a packet the server sent it, as for IPv4. */
    static byte[] error6(int sel, String host, int hostPort, String server, int remotePort, byte[] payload) {
        int proto = quotedProto(sel, false);
        byte[] quoted = ipv6(server, host, proto, proto, 1, 0, new byte[0],
                quotedL4(sel, remotePort, hostPort, false, payload));
        int which = (sel >>> 3) & 3;
        int type = which == 1 ? 2 : which == 2 ? 3 : 1;
        int code = which == 0 ? 4 : 0;
        byte[] l4 = ByteBuffer.allocate(8 + quoted.length).put((byte) type).put((byte) code).putShort((short) 0)
                .putInt(which == 1 ? 1400 : 0).put(quoted).array();
        return ipv6((sel & 4) != 0 ? "2001:db8::ff" : host, server, 58, 58, 64, 0, new byte[0], l4);
    }
}
