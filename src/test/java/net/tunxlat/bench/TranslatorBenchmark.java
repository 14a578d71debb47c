// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.bench;

import static net.tunxlat.bench.BenchPackets.*;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import net.tunxlat.config.MapEntry;
import net.tunxlat.config.Nptv6Entry;
import net.tunxlat.config.TunxlatConfig;
import net.tunxlat.config.UdpCksumMode;
import net.tunxlat.mapping.Addresses;
import net.tunxlat.mapping.Ipv4Prefix;
import net.tunxlat.mapping.Ipv6Prefix;
import net.tunxlat.pipeline.Buffers;
import net.tunxlat.pipeline.UdpCoalescer;
import net.tunxlat.tun.TunDevice;
import net.tunxlat.xlat.DropReason;
import net.tunxlat.xlat.PacketLog;
import net.tunxlat.xlat.Translator;
import net.tunxlat.xlat.XlatCounters;
import net.tunxlat.xlat.XlatSnapshot;
import net.tunxlat.xlat.XlatState;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The translator core, nanoseconds per packet and path, with the worker's buffers and a sink that
 * only counts (no TUN device, no system call). Each operation first restores the packet from its
 * template (translation is in place), so every figure includes a copy of the packet's bytes; the
 * {@code restore*} benchmarks measure that copy alone. GSO super-packets (64 KiB, 45 segments) only have
 * their headers restored, because only their headers are read or written.
 *
 * <pre>
 * mvn -q -B -o test-compile exec:exec -Dexec.executable=java -Dexec.classpathScope=test \
 *     -Dexec.args="-cp %classpath org.openjdk.jmh.Main TranslatorBenchmark"
 * </pre>
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
@State(Scope.Thread)
public class TranslatorBenchmark {
    static final String OWN4 = "192.168.255.1";
    static final String H6 = "2001:db8:6::2";
    static final String H6_AS4 = "192.168.255.2";
    static final String H4 = "203.0.113.2";
    static final String H4_AS6 = "2001:db8:64::cb00:7102";
    static final String INSIDE = "fd01:203:405:1::1234";
    static final String INSIDE_OUT = "2001:db8:1:d550::1234";
    static final String OUTSIDE = "2001:db8:9::9";
    static final int V = TunDevice.VNET_HDR_LEN;
    static final int HR = Translator.HEADROOM;
    /** Bytes restored in front of and including a super-packet's headers. */
    static final int GSO_RESTORE = HR + 128;

    /** One packet, kept in a buffer laid out like the worker's (headroom, then the packet). */
    static final class Template {
        final ByteBuf buf;
        final int length;
        final int restore;

        Template(byte[] ip, int restore) {
            this.length = ip.length;
            this.buf = PooledByteBufAllocator.DEFAULT.directBuffer(HR + ip.length);
            buf.setZero(0, HR);
            buf.setBytes(HR, ip);
            buf.writerIndex(HR + ip.length);
            this.restore = restore > 0 ? restore : HR + ip.length;
        }

        Template vnet(int flags, int gsoType, int gsoSize, int csumStart, int csumOffset) {
            int v = HR - V;
            buf.setByte(v, flags);
            buf.setByte(v + 1, gsoType);
            buf.setShortLE(v + 2, 1500); // as the forwarding path may leave it: the translator recomputes it
            buf.setShortLE(v + 4, gsoSize);
            buf.setShortLE(v + 6, csumStart);
            buf.setShortLE(v + 8, csumOffset);
            return this;
        }
    }

    ByteBuf packetOwned;
    ByteBuf errorOwned;
    ByteBuf segmentOwned;
    ByteBuf packet;
    long emittedBytes;
    int lastLength;
    XlatCounters counters;
    XlatCounters vnetCounters;
    Translator nat64;
    Translator npt;
    Translator vnet;
    /** The worker's write side with USO: a translator whose packets go through the UDP coalescer. */
    Translator coalescing;
    UdpCoalescer coalescer;
    ByteBuf coalesceOwned;
    long coalescedWrites;
    XlatSnapshot nat64Snap;
    XlatSnapshot nptSnap;

    Template udp64;
    Template tcp46;
    Template echo64;
    Template echo46;
    Template error46;
    Template error64;
    Template nptOut;
    Template nptIn;
    Template gso64;
    Template gso46;
    Template partial64;
    Template partial1400;
    Template small;
    Template large;

    @Setup(Level.Trial)
    public void setUp() {
        packetOwned = PooledByteBufAllocator.DEFAULT.directBuffer(HR + Translator.MAX_PACKET, HR + Translator.MAX_PACKET);
        errorOwned = PooledByteBufAllocator.DEFAULT.directBuffer(HR + 1536, HR + 1536);
        segmentOwned = PooledByteBufAllocator.DEFAULT.directBuffer(HR + Translator.MAX_PACKET, HR + Translator.MAX_PACKET);
        packet = Buffers.hotPathView(packetOwned);
        TunxlatConfig c = TunxlatConfig.builder().source(Path.of("bench.conf")).ipv4Addr(Addresses.parseIpv4(OWN4))
                .prefix(Ipv6Prefix.parse("2001:db8:64::/96", -1)).udpCksumMode(UdpCksumMode.CALC)
                .maps(List.of(new MapEntry(Ipv4Prefix.parse(H6_AS4, 32), Ipv6Prefix.parse(H6, 128), "bench"))).build();
        nat64Snap = new XlatSnapshot(c, XlatState.forConfig(c), 1500);
        TunxlatConfig n = TunxlatConfig.builder().source(Path.of("bench.conf"))
                .ipv6Addr(Ipv6Prefix.parse("2001:db8:ffff::1", 128))
                .nptv6(List.of(new Nptv6Entry(Ipv6Prefix.parse("fd01:203:405::/48", -1),
                        Ipv6Prefix.parse("2001:db8:1::/48", -1), Nptv6Entry.Direction.BOTH, "bench"))).build();
        nptSnap = new XlatSnapshot(n, XlatState.forConfig(n), 1500);
        counters = new XlatCounters();
        vnetCounters = new XlatCounters();
        ByteBuf error = Buffers.hotPathView(errorOwned);
        nat64 = new Translator(counters, (b, off, len) -> sink(len), error, System::nanoTime, PacketLog.OFF);
        npt = new Translator(counters, (b, off, len) -> sink(len), error, System::nanoTime, PacketLog.OFF);
        vnet = new Translator(vnetCounters, (b, off, len) -> sink(len), error, System::nanoTime, PacketLog.OFF);
        vnet.useVnetHeader(V, Buffers.hotPathView(segmentOwned));
        coalesceOwned = PooledByteBufAllocator.DEFAULT.directBuffer(UdpCoalescer.FLOWS * UdpCoalescer.SLOT);
        coalescer = new UdpCoalescer(Buffers.hotPathView(coalesceOwned), V, (b, off, len) -> {
            sink(len);
            coalescedWrites++;
        }, new XlatCounters());
        coalescing = new Translator(new XlatCounters(), coalescer, error, System::nanoTime, PacketLog.OFF);
        coalescing.useVnetHeader(V, Buffers.hotPathView(segmentOwned));
        coalescer.useIdentifications(coalescing);

        udp64 = new Template(ipv6(H6, H4_AS6, UDP, udp(40000, 53, 100)), 0);
        tcp46 = new Template(ipv4(H4, H6_AS4, TCP, tcp(80, 40000, 1400)), 0);
        echo64 = new Template(ipv6(H6, H4_AS6, ICMPV6, icmp(128, 0, new byte[56])), 0);
        echo46 = new Template(ipv4(H4, H6_AS4, ICMP, icmp(0, 0, new byte[56])), 0);
        // Port unreachable about a UDP datagram the IPv6 host sent (4 -> 6), and the IPv6 host's own
        // port unreachable about a datagram from the IPv4 host (6 -> 4): the inner packet is translated too.
        error46 = new Template(ipv4(H4, H6_AS4, ICMP, icmpError(3, 3, ipv4(H6_AS4, H4, UDP, udp(40000, 53, 100)))), 0);
        error64 = new Template(ipv6(H6, H4_AS6, ICMPV6, icmpError(1, 4, ipv6(H4_AS6, H6, UDP, udp(53, 40000, 100)))), 0);
        nptOut = new Template(ipv6(INSIDE, OUTSIDE, TCP, tcp(40000, 80, 1400)), 0);
        nptIn = new Template(ipv6(OUTSIDE, INSIDE_OUT, TCP, tcp(80, 40000, 1400)), 0);
        // 45 segments of 1440 bytes (MSS of a 1500-byte IPv6 link), as a TCP sender's TSO hands them over.
        gso64 = new Template(superPacket(ipv6(H6, H4_AS6, TCP, tcp(40000, 5201, 45 * 1440))), GSO_RESTORE)
                .vnet(1, 4 /* TCPV6 */, 1440, 40, 16);
        gso46 = new Template(superPacket(ipv4(H4, H6_AS4, TCP, tcp(5201, 40000, 45 * 1440))), GSO_RESTORE)
                .vnet(1, 1 /* TCPV4 */, 1440, 20, 16);
        // Plain (non-GSO) UDP as a TUN device with offloads hands it over: checksum partial (NEEDS_CSUM), which
        // the translator keeps partial (the payload is not read).
        partial64 = new Template(superPacket(ipv6(H6, H4_AS6, UDP, udp(40000, 5201, 64))), 0)
                .vnet(1, 0, 0, 40, 6);
        partial1400 = new Template(superPacket(ipv6(H6, H4_AS6, UDP, udp(40000, 5201, 1400))), 0)
                .vnet(1, 0, 0, 40, 6);
        small = new Template(new byte[148], 0);
        large = new Template(new byte[1460], 0);

        // Every benchmark must measure the path it names, not a drop.
        check("udp64", nat64, udp64, 128, counters);
        check("tcp46", nat64, tcp46, 1460, counters);
        check("echo64", nat64, echo64, 84, counters);
        check("echo46", nat64, echo46, 104, counters);
        check("error46", nat64, error46, 40 + 8 + 148, counters);
        check("error64", nat64, error64, 20 + 8 + 128, counters);
        checkNpt("nptOut", nptOut, XlatCounters.PACKETS_NPTV6_OUT);
        checkNpt("nptIn", nptIn, XlatCounters.PACKETS_NPTV6_IN);
        checkGso("gso64", gso64, gso64.length - 20);
        checkGso("gso46", gso46, gso46.length + 20);
        checkPartial("partial64", partial64);
        checkPartial("partial1400", partial1400);
        long writes = coalescedWrites;
        udp64Coalesced();
        if (coalescedWrites != writes + 1) {
            throw new IllegalStateException("udp64Coalesced: " + (coalescedWrites - writes) + " writes for 64 datagrams");
        }
    }

    private void sink(int length) {
        emittedBytes += length;
        lastLength = length;
    }

    private void check(String name, Translator t, Template p, int expectedLength, XlatCounters c) {
        lastLength = -1;
        restore(p);
        t.translate(nat64Snap, packet, HR, p.length);
        c.publish();
        if (lastLength != expectedLength || c.totalDrops() != 0) {
            throw new IllegalStateException(name + ": emitted " + lastLength + " bytes, expected " + expectedLength
                    + ", drops " + c.totalDrops() + " " + dropList(c));
        }
    }

    private void checkNpt(String name, Template p, int counter) {
        lastLength = -1;
        restore(p);
        long before = counters.local(counter);
        npt.translate(nptSnap, packet, HR, p.length);
        if (lastLength != p.length || counters.local(counter) != before + 1) {
            throw new IllegalStateException(name + ": not translated by NPTv6 " + dropList(counters));
        }
    }

    private void checkGso(String name, Template p, int expectedIpLength) {
        lastLength = -1;
        restoreFull(p);
        long before = vnetCounters.local(XlatCounters.GSO_PACKETS);
        vnet.translateVnet(nat64Snap, packet, HR, p.length);
        if (lastLength != expectedIpLength + V || vnetCounters.local(XlatCounters.GSO_PACKETS) != before + 1
                || vnetCounters.local(XlatCounters.GSO_SOFTWARE) != 0) {
            throw new IllegalStateException(name + ": not translated whole (emitted " + lastLength + ") "
                    + dropList(vnetCounters));
        }
    }

    private void checkPartial(String name, Template p) {
        lastLength = -1;
        restore(p);
        vnet.translateVnet(nat64Snap, packet, HR, p.length);
        vnetCounters.publish();
        if (lastLength != p.length - 20 + V || vnetCounters.totalDrops() != 0) {
            throw new IllegalStateException(name + ": emitted " + lastLength + " " + dropList(vnetCounters));
        }
    }

    private static String dropList(XlatCounters c) {
        StringBuilder sb = new StringBuilder();
        for (DropReason r : DropReason.values()) {
            if (c.localDrops(r) > 0) {
                sb.append(r.label()).append(' ');
            }
        }
        return sb.toString();
    }

    private void restore(Template p) {
        packet.setBytes(0, p.buf, 0, p.restore);
    }

    private void restoreFull(Template p) {
        packet.setBytes(0, p.buf, 0, HR + p.length);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        for (Template t : new Template[] {udp64, tcp46, echo64, echo46, error46, error64, nptOut, nptIn, gso64, gso46,
            partial64, partial1400, small, large}) {
            t.buf.release();
        }
        packetOwned.release();
        errorOwned.release();
        segmentOwned.release();
        coalesceOwned.release();
    }

    private int run(Translator t, XlatSnapshot s, Template p) {
        restore(p);
        t.translate(s, packet, HR, p.length);
        return lastLength;
    }

    /** The copy every other benchmark includes, for a 148-byte packet (the UDP one). */
    @Benchmark
    public int restore148() {
        restore(small);
        return packet.getByte(HR);
    }

    /** The copy every other benchmark includes, for a 1460-byte packet (TCP and NPTv6). */
    @Benchmark
    public int restore1460() {
        restore(large);
        return packet.getByte(HR);
    }

    /** IPv6 → IPv4 UDP, 100-byte payload (prefix destination, static-map source). */
    @Benchmark
    public int udp64() {
        return run(nat64, nat64Snap, udp64);
    }

    /** IPv4 → IPv6 TCP, 1400-byte payload. */
    @Benchmark
    public int tcp46() {
        return run(nat64, nat64Snap, tcp46);
    }

    /** ICMPv6 echo request → ICMPv4 (checksum recomputed over the message). */
    @Benchmark
    public int icmpEcho64() {
        return run(nat64, nat64Snap, echo64);
    }

    /** ICMPv4 echo reply → ICMPv6. */
    @Benchmark
    public int icmpEcho46() {
        return run(nat64, nat64Snap, echo46);
    }

    /** ICMPv4 port unreachable with its embedded UDP packet → ICMPv6 (RFC 7915 §4.3). */
    @Benchmark
    public int icmpError46() {
        return run(nat64, nat64Snap, error46);
    }

    /** ICMPv6 port unreachable with its embedded UDP packet → ICMPv4 (RFC 7915 §5.3). */
    @Benchmark
    public int icmpError64() {
        return run(nat64, nat64Snap, error64);
    }

    /** NPTv6 outbound (inside → outside), TCP 1400 bytes: the checksum-neutral source rewrite. */
    @Benchmark
    public int nptv6Out() {
        return run(npt, nptSnap, nptOut);
    }

    /** NPTv6 inbound (outside → inside). */
    @Benchmark
    public int nptv6In() {
        return run(npt, nptSnap, nptIn);
    }

    /** A 64 KiB TCP GSO super-packet IPv6 → IPv4, translated whole: per super-packet (45 segments). */
    @Benchmark
    public int gso64() {
        restore(gso64);
        vnet.translateVnet(nat64Snap, packet, HR, gso64.length);
        return lastLength;
    }

    /**
     * IPv6 → IPv4 UDP, 64-byte payload, read from a TUN device with offloads with its checksum partial
     * (VIRTIO_NET_HDR_F_NEEDS_CSUM): translated with the checksum kept partial and written behind a
     * virtio_net_hdr for the kernel to finish. Compare with {@link #udp64} (100-byte payload, complete checksum).
     */
    @Benchmark
    public int udp64PartialChecksum() {
        restore(partial64);
        vnet.translateVnet(nat64Snap, packet, HR, partial64.length);
        return lastLength;
    }

    /** The same with a 1400-byte payload: only the copy restoring the packet grows (the payload is not read). */
    @Benchmark
    public int udp1400PartialChecksum() {
        restore(partial1400);
        vnet.translateVnet(nat64Snap, packet, HR, partial1400.length);
        return lastLength;
    }

    /**
     * 64 datagrams of {@link #udp64PartialChecksum}'s flow read back to back, translated and coalesced into
     * one UDP super-packet, then written: per datagram (the write side's cost in Java; what it saves is 63
     * {@code write()}s and passes through the kernel's forwarding).
     */
    @Benchmark
    @OperationsPerInvocation(64)
    public int udp64Coalesced() {
        for (int i = 0; i < 64; i++) {
            restore(partial64);
            coalescing.translateVnet(nat64Snap, packet, HR, partial64.length);
        }
        coalescer.flush();
        return lastLength;
    }

    /** A 64 KiB TCP GSO super-packet IPv4 → IPv6, translated whole. */
    @Benchmark
    public int gso46() {
        restore(gso46);
        vnet.translateVnet(nat64Snap, packet, HR, gso46.length);
        return lastLength;
    }
}
