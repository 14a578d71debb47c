// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.nat64;

import java.io.IOException;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.zip.CRC32C;
import net.tunxlat.mapping.Ipv6Prefix;
import net.tunxlat.util.AtomicFiles;

/**
 * {@code data-dir/nat64.state}: the stateful NAT64 tables written at a clean stop (after the workers and the sweeper
 * stopped) and read back at start into empty tables, so that a restart or an upgrade keeps every binding's (T, t),
 * every session (with its TCP state and what was left of its lifetime) and every subscriber's port blocks (RFC 6146
 * §3.1, §3.2; issue 16 item 4).
 *
 * <p>Binary, big-endian, written atomically ({@link AtomicFiles}):
 * <pre>
 * header   "TXLNAT64" u16 version (1) u16 header length (40) u64 written (UTC seconds)
 *          u8 subscriber prefix length, u8 0, u16 0, u32 blocks, u32 BIB entries, u32 sessions, u32 0
 * block    u8 protocol, u32 IPv4 address, u16 first port, u16 last port, u64 allocated (UTC seconds),
 *          u64 subscriber high, u64 subscriber low, u8 subscriber length                       (34 bytes)
 * BIB      u8 protocol, u8 flags (1: static), u64 X' high, u64 X' low, u16 x, u32 T, u16 t     (26 bytes)
 * session  u32 BIB entry (index in this file), u32 Z, u16 z, u8 TCP state, u32 seconds left     (15 bytes)
 * trailer  u32 CRC-32C of everything before it
 * </pre>
 * Lifetimes are stored as what was left at the write, and restored relative to the new clock minus the time the
 * translator was stopped (a session that would have ended meanwhile ends at the sweeper's first pass; an
 * established TCP session moves to TRANS as usual). A file that fails any check is renamed {@code nat64.state.bad}
 * and nothing of it is used.
 */
public final class Nat64StateFile {
    public static final String NAME = "nat64.state";
    public static final String TEMP_NAME = "nat64.state~~";
    public static final String BAD_NAME = "nat64.state.bad";
    static final byte[] MAGIC = {'T', 'X', 'L', 'N', 'A', 'T', '6', '4'};
    static final int VERSION = 1;
    static final int HEADER = 40;
    static final int BLOCK = 34;
    static final int BIB = 26;
    static final int SESSION = 15;
    private static final int STATIC = 1;

    /** What a write saved. */
    public record Saved(int blocks, int bibs, int sessions, long bytes) {
    }

    /**
     * What a load restored: entries restored, entries skipped (no longer fitting the configuration), the warnings to
     * log, and {@code releaseHolds}, to run once the restored blocks' grace period is over.
     */
    public record Loaded(int blocks, int bibs, int sessions, long skipped, List<String> warnings,
            Runnable releaseHolds) {
    }

    /** A state file that cannot be used (what is wrong). */
    public static final class DamagedException extends IOException {
        DamagedException(String why) {
            super(why);
        }
    }

    private Nat64StateFile() {
    }

    /**
     * Writes the live contents of {@code tables} to {@code dataDir/nat64.state} atomically. Call with the workers and
     * the sweeper stopped: the write reads without the CAS discipline (a concurrent change would not corrupt the file,
     * only make it miss that change).
     *
     * @param now the tables' clock (the workers' monotonic seconds)
     * @param wallNow UTC seconds
     */
    public static Saved write(Nat64Tables tables, Path dataDir, long now, long wallNow) throws IOException {
        ByteBuffer buf = encode(tables, now, wallNow);
        long bytes = buf.remaining();
        AtomicFiles.write(dataDir.resolve(NAME), dataDir.resolve(TEMP_NAME), buf);
        return new Saved(buf.getInt(HEADER - 16), buf.getInt(HEADER - 12), buf.getInt(HEADER - 8), bytes);
    }

    static ByteBuffer encode(Nat64Tables tables, long now, long wallNow) {
        Subscribers subs = tables.subscriberTable();
        List<BlockEvent> owned = ownedBlocks(tables, now, wallNow);
        int blocks = owned.size();
        int bibs = 0;
        int sessions = 0;
        int[][] fileIndex = new int[Nat64Protocol.COUNT][];
        for (int p = 0; p < Nat64Protocol.COUNT; p++) {
            Nat64Table t = tables.table(p);
            fileIndex[p] = new int[t.bib.capacity()];
            Arrays.fill(fileIndex[p], -1);
            for (int e = 0; e < t.bib.capacity(); e++) {
                if (Bib.state(t.bib.word(e)) == Bib.LIVE) {
                    fileIndex[p][e] = bibs++;
                }
            }
            for (int s = 0; s < t.sessions.capacity(); s++) {
                if (live(t, fileIndex[p], s)) {
                    sessions++;
                }
            }
        }
        ByteBuffer buf = ByteBuffer.allocate(HEADER + blocks * BLOCK + bibs * BIB + sessions * SESSION + 4);
        buf.put(MAGIC).putShort((short) VERSION).putShort((short) HEADER).putLong(wallNow)
                .put((byte) subs.prefixLength).put((byte) 0).putShort((short) 0)
                .putInt(blocks).putInt(bibs).putInt(sessions).putInt(0);
        for (BlockEvent b : owned) {
            buf.put((byte) b.protocol()).putInt(b.address()).putShort((short) b.firstPort())
                    .putShort((short) b.lastPort()).putLong(b.time().getEpochSecond()).putLong(b.subscriber().hi())
                    .putLong(b.subscriber().lo()).put((byte) b.subscriber().length());
        }
        for (int p = 0; p < Nat64Protocol.COUNT; p++) {
            Bib bib = tables.table(p).bib;
            for (int e = 0; e < bib.capacity(); e++) {
                if (fileIndex[p][e] >= 0) {
                    buf.put((byte) p).put((byte) (bib.subscriber(e) < 0 ? STATIC : 0)).putLong(bib.hi(e))
                            .putLong(bib.lo(e)).putShort((short) bib.x(e)).putInt(bib.t4(e)).putShort((short) bib.t(e));
                }
            }
        }
        for (int p = 0; p < Nat64Protocol.COUNT; p++) {
            Nat64Table t = tables.table(p);
            Sessions ss = t.sessions;
            for (int s = 0; s < ss.capacity(); s++) {
                if (live(t, fileIndex[p], s)) {
                    long w = ss.word(s);
                    int left = Math.max(0, (int) Sessions.expiry(w) - (int) now);
                    buf.putInt(fileIndex[p][ss.bib(s)]).putInt(ss.z4(s)).putShort((short) Sessions.z(w))
                            .put((byte) Sessions.tcpState(w)).putInt(left);
                }
            }
        }
        CRC32C crc = new CRC32C();
        crc.update(buf.array(), 0, buf.position());
        buf.putInt((int) crc.getValue());
        return buf.flip();
    }

    /**
     * The port blocks owned now, as allocation events with the time each was taken (for the block journal's
     * compaction). Sweeper stopped or not: each block is read once.
     */
    public static List<BlockEvent> ownedBlocks(Nat64Tables tables, long now, long wallNow) {
        Subscribers subs = tables.subscriberTable();
        Pool4 pool = tables.settings().pool4();
        List<BlockEvent> owned = new ArrayList<>();
        for (int p = 0; p < Nat64Protocol.COUNT; p++) {
            PortAllocator ports = tables.table(p).ports;
            if (!ports.blockMode()) {
                continue;
            }
            for (int b = 0; b < ports.owner.length; b++) {
                int o = ports.ownerOf(b);
                if (o >= 0) {
                    int first = pool.blockFirstPort(p, b);
                    owned.add(new BlockEvent(Instant.ofEpochSecond(wallNow - ((int) now - ports.since[b])), true, p,
                            new Ipv6Prefix(subs.hi[o], subs.lo[o], subs.prefixLength), pool.blockAddress(p, b), first,
                            first + pool.blockSize() - 1));
                }
            }
        }
        return owned;
    }

    private static boolean live(Nat64Table t, int[] fileIndex, int s) {
        return Sessions.state(t.sessions.word(s)) == Sessions.LIVE && fileIndex[t.sessions.bib(s)] >= 0;
    }

    /**
     * Restores {@code dataDir/nat64.state} (if there is one) into {@code tables}, empty and not yet used by any
     * worker or sweeper, then the port blocks the block journal says are owned ({@code journalOwned}, later than the
     * file: a block the file already restored keeps its owner). A damaged file is renamed {@code nat64.state.bad}
     * and only the journal is used; a warning says why.
     *
     * @param now the tables' clock (the workers' monotonic seconds)
     * @param wallNow UTC seconds
     */
    public static Loaded load(Nat64Tables tables, Path dataDir, long now, long wallNow, List<BlockEvent> journalOwned)
            throws IOException {
        Nat64Restore r = new Nat64Restore(tables, now, wallNow);
        List<String> warnings = new ArrayList<>();
        Path file = dataDir.resolve(NAME);
        byte[] bytes = null;
        try {
            bytes = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            // a first start, or after a crash: the journal alone
        }
        if (bytes != null) {
            try {
                ByteBuffer buf = check(bytes);
                decode(buf.duplicate(), null, now, wallNow); // the whole file is valid before anything is restored
                decode(buf, r, now, wallNow);
            } catch (DamagedException e) {
                Files.move(file, dataDir.resolve(BAD_NAME), StandardCopyOption.REPLACE_EXISTING);
                warnings.add(file + " is damaged (" + e.getMessage() + "): starting without its sessions and"
                        + " bindings; kept as " + dataDir.resolve(BAD_NAME));
            }
        }
        for (BlockEvent b : journalOwned) {
            r.block(b.protocol(), b.subscriber(), b.address(), b.firstPort(), b.lastPort(),
                    b.time().getEpochSecond());
        }
        warnings.addAll(r.warnings());
        return new Loaded(r.blocks, r.bibs, r.sessions, r.skippedTotal(), warnings, r::releaseHolds);
    }

    /** The file's body after its checks (size, checksum, magic, version, counts), positioned after the header. */
    static ByteBuffer check(byte[] bytes) throws DamagedException {
        if (bytes.length < HEADER + 4) {
            throw new DamagedException("truncated: " + bytes.length + " bytes, shorter than its header");
        }
        ByteBuffer buf = ByteBuffer.wrap(bytes);
        CRC32C crc = new CRC32C();
        crc.update(bytes, 0, bytes.length - 4);
        if ((int) crc.getValue() != buf.getInt(bytes.length - 4)) {
            throw new DamagedException("checksum mismatch: truncated or corrupted");
        }
        byte[] magic = new byte[MAGIC.length];
        buf.get(magic);
        if (!Arrays.equals(magic, MAGIC)) {
            throw new DamagedException("not a tunxlat NAT64 state file");
        }
        int version = buf.getShort() & 0xffff;
        int header = buf.getShort() & 0xffff;
        if (version != VERSION || header != HEADER) {
            throw new DamagedException("format version " + version + ", this tunxlat reads version " + VERSION);
        }
        buf.getLong();
        buf.getInt();
        long blocks = buf.getInt() & 0xffffffffL;
        long bibs = buf.getInt() & 0xffffffffL;
        long sessions = buf.getInt() & 0xffffffffL;
        buf.getInt();
        long expected = HEADER + blocks * BLOCK + bibs * BIB + sessions * SESSION + 4;
        if (expected != bytes.length) {
            throw new DamagedException("its counts say " + expected + " bytes, it has " + bytes.length);
        }
        return buf.position(0).limit(bytes.length - 4);
    }

    /**
     * Reads the entries of a checked file; restores them through {@code r}, or with {@code r} null only checks each
     * one's values.
     */
    private static void decode(ByteBuffer buf, Nat64Restore r, long now, long wallNow) throws DamagedException {
        try {
            buf.position(MAGIC.length + 4);
            long written = buf.getLong();
            buf.getInt();
            int blocks = buf.getInt();
            int bibs = buf.getInt();
            int sessions = buf.getInt();
            buf.getInt();
            long stopped = Math.max(0, wallNow - written);
            for (int i = 0; i < blocks; i++) {
                int p = protocol(buf.get());
                int address = buf.getInt();
                int first = buf.getShort() & 0xffff;
                int last = buf.getShort() & 0xffff;
                long allocated = buf.getLong();
                long hi = buf.getLong();
                long lo = buf.getLong();
                int len = buf.get() & 0xff;
                Ipv6Prefix sub = prefix(hi, lo, len);
                if (first > last) {
                    throw new DamagedException("block " + i + ": ports " + first + "-" + last);
                }
                if (r != null) {
                    r.block(p, sub, address, first, last, allocated);
                }
            }
            int[] entry = new int[bibs];
            int[] entryProtocol = new int[bibs];
            for (int i = 0; i < bibs; i++) {
                int p = protocol(buf.get());
                int flags = buf.get();
                long hi = buf.getLong();
                long lo = buf.getLong();
                int x = buf.getShort() & 0xffff;
                int t4 = buf.getInt();
                int t = buf.getShort() & 0xffff;
                entryProtocol[i] = p;
                entry[i] = r == null ? -1 : r.bib(p, (flags & STATIC) != 0, hi, lo, x, t4, t);
            }
            for (int i = 0; i < sessions; i++) {
                int b = buf.getInt();
                int z4 = buf.getInt();
                int z = buf.getShort() & 0xffff;
                int tcpState = buf.get();
                long left = buf.getInt() & 0xffffffffL;
                if (b < 0 || b >= bibs || tcpState < 0 || tcpState > TcpStates.TRANS) {
                    throw new DamagedException("session " + i + ": binding " + b + ", TCP state " + tcpState);
                }
                if (r != null) {
                    r.session(entryProtocol[b], entry[b], z4, z, tcpState, now + Math.max(0, left - stopped));
                }
            }
            if (buf.hasRemaining()) {
                throw new DamagedException(buf.remaining() + " bytes after the last entry");
            }
            if (r != null) {
                r.finish();
            }
        } catch (BufferUnderflowException e) {
            throw new DamagedException("an entry runs past the end");
        }
    }

    private static int protocol(byte b) throws DamagedException {
        if (b < 0 || b >= Nat64Protocol.COUNT) {
            throw new DamagedException("protocol " + b);
        }
        return b;
    }

    private static Ipv6Prefix prefix(long hi, long lo, int len) throws DamagedException {
        try {
            return new Ipv6Prefix(hi, lo, len);
        } catch (IllegalArgumentException e) {
            throw new DamagedException("subscriber: " + e.getMessage());
        }
    }
}
