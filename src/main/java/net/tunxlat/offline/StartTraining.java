// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.offline;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import net.tunxlat.checksum.Checksum;
import net.tunxlat.config.TunxlatConfig;
import net.tunxlat.control.ControlServer;
import net.tunxlat.mapping.Addresses;
import net.tunxlat.metrics.MetricsServer;
import net.tunxlat.metrics.TunxlatMetrics;
import net.tunxlat.pipeline.Daemon;
import net.tunxlat.pipeline.PoolKeeper;
import net.tunxlat.pipeline.UdpCoalescer;
import net.tunxlat.pipeline.WarmUp;
import net.tunxlat.pipeline.WorkerGroup;
import net.tunxlat.tun.LibC;
import net.tunxlat.tun.Privileges;
import net.tunxlat.tun.TunDevice;
import net.tunxlat.tun.TunQueue;
import net.tunxlat.xlat.XlatSnapshot;
import com.sun.jna.Memory;

/**
 * The training run of the class-data sharing archive ({@code tunxlat cds-archive}): walks the daemon's start
 * path as far as it goes without a TUN device and without root, so that the classes a real start loads are
 * loaded here and end up in the archive. It parses a configuration with the main kinds of directive, restores
 * and writes the dynamic pool's state, opens the control socket, loads JNA and tunxlat's libc binding,
 * translates a few packets of each kind with a worker's pooled buffers (echo both ways, UDP, TCP, a
 * fragment, ICMP errors, a dynamic binding, NPTv6, echo to the translator itself), builds the metrics
 * registry over the counters and serves one scrape.
 *
 * <p>Side effects stay in {@code dir} (configuration, data-dir, control socket) and on one ephemeral
 * loopback port; no device is created, nothing is routed, and no privilege is needed.
 */
public final class StartTraining {
    private static final String CONFIG = """
            # tunxlat cds-archive: the training run's configuration
            tun-device cds0
            ipv4-addr 192.168.255.1
            ipv6-addr 2001:db8:1::2
            prefix 64:ff9b::/96
            map 192.168.255.2 2001:db8:6::2
            dynamic-pool 192.168.255.128/25
            data-dir %1$s/data
            control-socket %1$s/control.sock
            nptv6 fd01:203:405::/48 2001:db8:5::/48
            """;
    private static final String V6_HOST = "2001:db8:6::2";
    private static final String V6_UNMAPPED = "2001:db8:6::99";
    private static final String V4_REMOTE = "9.9.9.9";
    private static final String V4_REMOTE_VIA_PREFIX = "64:ff9b::909:909";
    private static final String V4_HOST_MAPPED = "192.168.255.2";
    /** The MTU of a TUN device as ip(8) or tunxlat creates it. */
    private static final int LINK_MTU = 1500;
    private static final int ICMP = 1;
    private static final int TCP = 6;
    private static final int UDP = 17;
    private static final int ICMPV6 = 58;

    private StartTraining() {}

    /** The configuration file the training run uses in {@code dir} (written by {@link #writeConfig}). */
    public static Path writeConfig(Path dir) throws IOException {
        Files.createDirectories(dir.resolve("data"));
        return Files.writeString(dir.resolve("training.conf"), CONFIG.formatted(dir.toAbsolutePath()));
    }

    /**
     * Runs the start path with {@code config} (from {@link #writeConfig}); what could not run here (no loopback
     * address, say) is said on {@code err} and skipped. Returns the packets the translator emitted.
     */
    public static int run(TunxlatConfig config, PrintWriter err) throws IOException, InterruptedException {
        Daemon daemon = new Daemon(config, new Daemon.Options(null, null, null));
        PoolKeeper keeper = daemon.loadPool();
        daemon.reloadOnHangup();
        int emitted = 0;
        try (ControlServer control = daemon.startControl()) {
            // What TunDevice.open and the workers load before their first packet, short of opening a device.
            WarmUp.start();
            WarmUp.await();
            LibC.getuid();
            new Memory(8).close();
            // loaded, not run (a Worker runs below)
            List.of(TunDevice.class, TunQueue.class, WorkerGroup.class, UdpCoalescer.class, Privileges.class);
            XlatSnapshot snapshot = daemon.state().install(new XlatSnapshot(config, daemon.state(), LINK_MTU));
            // The keeper's thread is not started: close() below writes the binding the translator makes. (Stopping
            // it while it writes would log a spurious persistence failure: its close() interrupts the write.)
            try (OfflineTranslator xlat = new OfflineTranslator(snapshot)) {
                long clock = 0;
                for (byte[] p : packets()) {
                    clock += 1_000_000;
                    emitted += xlat.translate(p, 0, p.length, clock).packets().size();
                }
                try (TunxlatMetrics metrics = Daemon.newMetrics(List.of(xlat.counters()), daemon.pool(), keeper,
                        daemon.reloader(), () -> snapshot)) {
                    scrapeOnce(metrics, err);
                }
            }
        } finally {
            if (keeper != null) {
                keeper.close();
            }
        }
        return emitted;
    }

    /** Binds an ephemeral loopback port as the daemon binds metrics-listen, serves, and scrapes once. */
    private static void scrapeOnce(TunxlatMetrics metrics, PrintWriter err) {
        MetricsServer server;
        try {
            server = MetricsServer.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        } catch (IOException e) {
            err.println("tunxlat: training run: no metrics scrape (" + e.getMessage() + ")");
            return;
        }
        try (server) {
            server.serve(metrics);
            try (Socket s = new Socket(server.address().getAddress(), server.address().getPort())) {
                OutputStream out = s.getOutputStream();
                out.write(("GET " + MetricsServer.PATH + " HTTP/1.0\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                out.flush();
                try (InputStream in = s.getInputStream()) {
                    in.readAllBytes();
                }
            }
        } catch (IOException e) {
            err.println("tunxlat: training run: metrics scrape failed (" + e.getMessage() + ")");
        }
    }

    /** One packet of each kind the translator handles differently. */
    static List<byte[]> packets() {
        byte[] echo = icmpEcho(128);
        return List.of(
                ipv6(V6_HOST, V4_REMOTE_VIA_PREFIX, 64, ICMPV6, echo, 2),
                ipv6(V6_HOST, V4_REMOTE_VIA_PREFIX, 64, UDP, udp(), 6),
                ipv6(V6_HOST, V4_REMOTE_VIA_PREFIX, 64, TCP, tcp(), 16),
                ipv6(V6_UNMAPPED, V4_REMOTE_VIA_PREFIX, 64, UDP, udp(), 6), // a binding from the dynamic pool
                ipv6(V6_HOST, V4_REMOTE_VIA_PREFIX, 1, UDP, udp(), 6), // hop limit exceeded: ICMPv6 error
                ipv6(V6_HOST, "2001:db8:1::2", 64, ICMPV6, echo, 2), // echo to the translator itself
                ipv6("fd01:203:405:1::1234", "2001:db8:9::9", 64, UDP, udp(), 6), // NPTv6 outbound
                ipv4(V4_REMOTE, V4_HOST_MAPPED, 0, ICMP, icmpEcho(0), 2),
                ipv4(V4_REMOTE, V4_HOST_MAPPED, 0, UDP, udp(), 6),
                ipv4(V4_REMOTE, V4_HOST_MAPPED, 0, TCP, tcp(), 16),
                ipv4(V4_REMOTE, V4_HOST_MAPPED, 0x2000, UDP, udp(), 6), // first fragment: a fragment header
                ipv4(V4_REMOTE, "192.168.255.1", 0, ICMP, icmpEcho(8), 2), // echo to the translator itself
                ipv4(V4_REMOTE, V4_HOST_MAPPED, 0, ICMP, icmpUnreachable(), 2)); // an error about a packet
    }

    private static byte[] ipv6(String src, String dst, int hopLimit, int next, byte[] l4, int checksumAt) {
        long[] s = Addresses.parseIpv6(src);
        long[] d = Addresses.parseIpv6(dst);
        ByteBuf b = Unpooled.buffer(40 + l4.length);
        b.writeInt(0x60000000).writeShort(l4.length).writeByte(next).writeByte(hopLimit);
        b.writeLong(s[0]).writeLong(s[1]).writeLong(d[0]).writeLong(d[1]).writeBytes(l4);
        int pseudo = Checksum.sumIpv6(s[0], s[1]) + Checksum.sumIpv6(d[0], d[1]) + l4.length + next;
        b.setShort(40 + checksumAt, Checksum.finish(Checksum.add(b, 40, l4.length, pseudo)));
        return ByteBufUtil.getBytes(b);
    }

    private static byte[] ipv4(String src, String dst, int fragmentBits, int protocol, byte[] l4, int checksumAt) {
        int s = Addresses.parseIpv4(src);
        int d = Addresses.parseIpv4(dst);
        ByteBuf b = Unpooled.buffer(20 + l4.length);
        b.writeByte(0x45).writeByte(0).writeShort(20 + l4.length).writeShort(0x1234).writeShort(fragmentBits);
        b.writeByte(64).writeByte(protocol).writeShort(0).writeInt(s).writeInt(d).writeBytes(l4);
        b.setShort(10, Checksum.finish(Checksum.add(b, 0, 20, 0)));
        int pseudo = protocol == ICMP ? 0 : Checksum.sumIpv4(s) + Checksum.sumIpv4(d) + l4.length + protocol;
        b.setShort(20 + checksumAt, Checksum.finish(Checksum.add(b, 20, l4.length, pseudo)));
        return ByteBufUtil.getBytes(b);
    }

    private static byte[] icmpEcho(int type) {
        return ByteBufUtil.getBytes(Unpooled.buffer(16).writeByte(type).writeByte(0).writeShort(0).writeShort(1)
                .writeShort(1).writeLong(0x0102030405060708L));
    }

    /** ICMPv4 port unreachable about a UDP datagram the IPv6 host sent (as translated to IPv4). */
    private static byte[] icmpUnreachable() {
        byte[] inner = ipv4(V4_HOST_MAPPED, V4_REMOTE, 0, UDP, udp(), 6);
        return ByteBufUtil.getBytes(Unpooled.buffer(8 + inner.length).writeByte(3).writeByte(3).writeShort(0).writeInt(0)
                .writeBytes(inner));
    }

    private static byte[] udp() {
        return ByteBufUtil.getBytes(Unpooled.buffer(16).writeShort(40000).writeShort(53).writeShort(16).writeShort(0)
                .writeLong(0x0102030405060708L));
    }

    private static byte[] tcp() {
        return ByteBufUtil.getBytes(Unpooled.buffer(20).writeShort(40000).writeShort(443).writeInt(1).writeInt(0)
                .writeByte(0x50).writeByte(0x02).writeShort(65535).writeShort(0).writeShort(0));
    }
}
