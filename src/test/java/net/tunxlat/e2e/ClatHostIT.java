// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.io.TempDir;

import com.sun.jna.Memory;
import com.sun.jna.Pointer;

import net.tunxlat.clat.ClatHost;
import net.tunxlat.clat.ClatHostAddress;
import net.tunxlat.clat.ClatHostUplink;
import net.tunxlat.clat.Iproute;
import net.tunxlat.mapping.Addresses;
import net.tunxlat.mapping.Ipv6Prefix;
import net.tunxlat.tun.TunDevice;
import net.tunxlat.tun.TunQueue;

/**
 * {@link ClatHost} on a real host: the client namespace of a {@link ClatBed}, whose IPv6 came from the router's
 * RAs. ClatHost runs on the namespace's own thread ({@link Netns#inside}), so its {@code ip} commands and sysctls
 * act on the client. The CLAT's TUN device is made with {@code ip tuntap}, as the daemon would have made it.
 */
class ClatHostIT {
    private static final Ipv6Prefix WKP = Ipv6Prefix.parse(ClatBed.NAT64_PREFIX, -1);
    private static final String TUN = "clat";

    @TempDir
    Path dataDir;
    private String label;

    @BeforeEach
    void needsTheBed(TestInfo info) {
        String reason = ClatBed.unavailableReason();
        Assumptions.assumeTrue(reason == null, reason);
        label = info.getTestMethod().map(m -> m.getName()).orElse("clat");
    }

    private ClatHost host(ClatHost.Options options) {
        return new ClatHost(Iproute.system(), options);
    }

    /**
     * Everything a CLAT may change in the client, lifetimes (which count down) taken out, and the qdisc: a device
     * once up keeps the default qdisc the kernel attached (noop before, pfifo_fast after), nothing a teardown adds.
     */
    private static String snapshot(Netns ns) {
        return String.join("\n",
                ns.ip("-br", "addr"),
                ns.ip("-o", "link").replaceAll(" link/\\S+ \\S+( brd \\S+)?", "").replaceAll("\\\\", "")
                        .replaceAll(" qdisc \\S+", ""),
                ns.ip("route", "show", "table", "all").replaceAll("expires \\d+sec ?", ""),
                ns.ip("-6", "route", "show", "table", "all").replaceAll("expires \\d+sec ?", ""),
                ns.ip("-6", "neigh", "show", "proxy"),
                ns.exec("sh", "-c", "grep -H . /proc/sys/net/ipv6/conf/*/forwarding /proc/sys/net/ipv6/conf/*/proxy_ndp"
                        + " /proc/sys/net/ipv6/conf/*/accept_ra").output());
    }

    @Test
    void setsUpTheClatOnTheSlaacUplinkAnswersNeighbourSolicitationsAndTearsDownToTheState()
            throws Exception {
        try (ClatBed bed = ClatBed.builder().label(label).nat64(false).start()) {
            Netns client = bed.client();
            client.ip("tuntap", "add", "dev", TUN, "mode", "tun");
            String before = snapshot(client);
            ClatHost host = host(ClatHost.Options.of(dataDir, TUN));

            assertEquals(Optional.empty(), client.inside(host::nativeIpv4));
            assertEquals(Optional.empty(), client.inside(host::otherClat));
            ClatHostUplink uplink = client.inside(() -> host.uplink(WKP));
            assertEquals(ClatBed.UPLINK, uplink.name());
            assertEquals(ClatBed.LAN_PREFIX, uplink.prefix().toString());
            assertEquals(1500, uplink.mtu());
            assertEquals(bed.clientAddress(), uplink.source());
            assertEquals(uplink.name(), client.inside(() -> host.uplink(null)).name(), "by the default route too");

            ClatHost.Setup setup = client.inside(() -> host.setUp(WKP));
            String address = setup.address();
            long[] a = Addresses.parseIpv6(address);
            assertTrue(uplink.prefix().contains(a[0], a[1]), address);
            assertNotEquals(bed.clientAddress(), address);
            assertFalse(client.ip("-6", "addr").contains(address), "the probe address left the uplink after DAD");
            assertTrue(client.ip("-6", "neigh", "show", "proxy").contains(address + " dev " + ClatBed.UPLINK),
                    client.ip("-6", "neigh", "show", "proxy"));
            assertTrue(client.ip("-6", "route", "show", address).contains("dev " + TUN), client.ip("-6", "route"));
            assertTrue(client.ip("-4", "addr", "show", "dev", TUN).contains("inet 192.0.0.1/29"),
                    client.ip("-4", "addr", "show", "dev", TUN));
            assertTrue(client.ip("link", "show", "dev", TUN).contains("mtu 1480"), client.ip("link", "show", "dev", TUN));
            assertEquals(1480, setup.tunMtu());
            String defaults = client.ip("-4", "route", "show", "default");
            assertTrue(defaults.contains("default dev " + TUN) && defaults.contains("metric 10000")
                    && defaults.contains("advmss 1440"), defaults);
            assertEquals("1", client.exec("cat", "/proc/sys/net/ipv6/conf/" + ClatBed.UPLINK + "/proxy_ndp").output().strip());
            assertEquals("2", client.exec("cat", "/proc/sys/net/ipv6/conf/" + ClatBed.UPLINK + "/accept_ra").output().strip());
            // now ours: still no native IPv4, no other CLAT
            assertEquals(Optional.empty(), client.inside(host::nativeIpv4));
            assertEquals(Optional.empty(), client.inside(host::otherClat));

            provesProxyNd(bed, address);

            assertEquals(List.of(), client.inside(host::teardown));
            assertEquals(before, snapshot(client), "the client after teardown, compared with before setup");
            assertEquals(List.of(), client.inside(host::teardown), "a second teardown");
            assertEquals(List.of(), host.added());
        }
    }

    /**
     * The router pings the CLAT address: its neighbour solicitation is answered for the client by proxy-ND (the
     * router's neighbour entry gets the client's MAC), and the echo request is routed by the client into the TUN
     * device, where a reader (this test, so that the device has a carrier) finds it.
     */
    private static void provesProxyNd(ClatBed bed, String address) throws Exception {
        Netns client = bed.client();
        TunDevice tun = client.inside(() -> TunDevice.open(TUN));
        try {
            TunQueue q = tun.queues().get(0);
            assertTrue(q.attach(), "this thread reads the queue");
            ExecResult ping = bed.router().exec(Duration.ofSeconds(10), "ping", "-n", "-c", "2", "-W", "1", "-I",
                    "to-client", address);
            assertFalse(ping.ok(), "nobody answers behind the TUN device: " + ping.describe());
            String neigh = bed.router().ip("-6", "neigh", "show", address, "dev", "to-client");
            String mac = bed.client().ip("-br", "link", "show", "dev", ClatBed.UPLINK).trim().split("\\s+")[2];
            assertTrue(neigh.contains("lladdr " + mac) && !neigh.contains("FAILED") && !neigh.contains("INCOMPLETE"),
                    "the router's neighbour entry for the CLAT address: " + neigh + " (client MAC " + mac + ")");
            Memory buf = new Memory(2048);
            long base = Pointer.nativeValue(buf);
            long[] want = Addresses.parseIpv6(address);
            boolean seen = false;
            List<String> others = new ArrayList<>();
            for (int i = 0; i < 20 && !seen && q.awaitReadable(200); i++) {
                int n = q.read(base, 2048);
                if (n >= 40 && (buf.getByte(0) & 0xf0) == 0x60) {
                    long hi = Long.reverseBytes(buf.getLong(24));
                    long lo = Long.reverseBytes(buf.getLong(32));
                    boolean echo = buf.getByte(6) == 58 && n > 40 && (buf.getByte(40) & 0xff) == 128;
                    seen = hi == want[0] && lo == want[1] && echo;
                    others.add(Addresses.formatIpv6(hi, lo) + " next header " + buf.getByte(6));
                }
            }
            q.detach();
            assertTrue(seen, "no echo request for " + address + " reached the TUN device; read: " + others);
        } finally {
            client.inside(() -> {
                tun.close();
                return null;
            });
        }
    }

    @Test
    void nativeIpv4KeepsTheClatDownAndSaysWhy() throws Exception {
        try (ClatBed bed = ClatBed.builder().label(label).nat64(false).nativeIpv4().start()) {
            ClatHost host = host(ClatHost.Options.of(dataDir, TUN));
            Optional<String> why = bed.client().inside(host::nativeIpv4);
            assertEquals(Optional.of("native IPv4: a default route via " + ClatBed.ROUTER_NATIVE4 + " dev "
                    + ClatBed.UPLINK), why);
            bed.client().ip("route", "del", "default");
            assertEquals(Optional.empty(), bed.client().inside(host::nativeIpv4),
                    "without the default route, the address alone (a LAN without gateway) is no native IPv4");
        }
    }

    @Test
    void anotherClatIsSeenByItsDeviceItsAddressOrItsRouteViaInet6() throws Exception {
        try (ClatBed bed = ClatBed.builder().label(label).nat64(false).start()) {
            Netns client = bed.client();
            ClatHost host = host(ClatHost.Options.of(dataDir, TUN));
            assertEquals(Optional.empty(), client.inside(host::otherClat));
            // clatd's way: TAYGA's TUN device "clat4" (a second clatd instance) with 192.0.0.1
            client.ip("tuntap", "add", "dev", "clat4", "mode", "tun");
            client.ip("addr", "add", "192.0.0.1/29", "dev", "clat4");
            Optional<String> why = client.inside(host::otherClat);
            assertTrue(why.isPresent() && why.get().contains("192.0.0.1/29 (RFC 7335) on clat4"), why.toString());
            assertEquals(Optional.empty(), client.inside(host::nativeIpv4), "another CLAT's address is no native IPv4");
            client.ip("link", "del", "clat4");
            // NetworkManager's way: 192.0.0.5/32 on the uplink, IPv4 default route via the IPv6 gateway
            client.ip("addr", "add", "192.0.0.5/32", "dev", ClatBed.UPLINK);
            why = client.inside(host::otherClat);
            assertTrue(why.isPresent() && why.get().contains("NetworkManager"), why.toString());
            client.ip("addr", "del", "192.0.0.5/32", "dev", ClatBed.UPLINK);
            client.ip("-4", "route", "add", "default", "via", "inet6", ClatBed.ROUTER_LINK_LOCAL, "dev", ClatBed.UPLINK);
            why = client.inside(host::otherClat);
            assertTrue(why.isPresent() && why.get().contains("via inet6 " + ClatBed.ROUTER_LINK_LOCAL), why.toString());
            assertEquals(Optional.empty(), client.inside(host::nativeIpv4), "a route via inet6 is a CLAT's, not native");
            client.ip("-4", "route", "del", "default");
            // clatd itself: a process of that name, seen only in its own network namespace
            Path clatd = bed.directory().resolve("clatd");
            Files.copy(Path.of("/bin/sleep"), clatd);
            Process elsewhere = bed.router().spawn(bed.directory().resolve("clatd-router.log"), List.of(clatd.toString(), "60"));
            Thread.sleep(300);
            assertEquals(Optional.empty(), client.inside(host::otherClat), "a clatd in another namespace is not ours to yield to");
            Process here = client.spawn(bed.directory().resolve("clatd-client.log"), List.of(clatd.toString(), "60"));
            Thread.sleep(300);
            assertEquals(Optional.of("another CLAT: clatd runs (pid " + here.pid() + ")"), client.inside(host::otherClat));
            here.destroy();
            elsewhere.destroy();
        }
    }

    @Test
    void anAddressTheRouterAlreadyHoldsFailsDadAndTheNextOneIsTaken() throws Exception {
        try (ClatBed bed = ClatBed.builder().label(label).nat64(false).start()) {
            Netns client = bed.client();
            client.ip("tuntap", "add", "dev", TUN, "mode", "tun");
            ClatHost host = host(ClatHost.Options.of(dataDir, TUN).withDad(2, Duration.ofSeconds(5)));
            ClatHostUplink uplink = client.inside(() -> host.uplink(WKP));
            byte[] secret = ClatHostAddress.secret(dataDir);
            List<String> candidates = new ArrayList<>();
            for (int c = 0; candidates.size() < 3; c++) {
                long[] a = ClatHostAddress.candidate(secret, ClatBed.UPLINK, uplink.prefix(), c);
                if (a != null) {
                    candidates.add(Addresses.formatIpv6(a[0], a[1]));
                }
            }
            bed.router().ip("-6", "addr", "add", candidates.get(0) + "/128", "dev", "to-client", "nodad");
            String before = snapshot(client);

            assertEquals(candidates.get(1), client.inside(() -> host.claimAddress(uplink)));
            assertFalse(client.ip("-6", "addr").contains(candidates.get(0)), "the duplicate is not left on the uplink");
            assertFalse(client.ip("-6", "addr").contains(candidates.get(1)), "the probe is removed after DAD");
            assertEquals(before, snapshot(client));

            bed.router().ip("-6", "addr", "add", candidates.get(1) + "/128", "dev", "to-client", "nodad");
            IOException e = assertThrows(IOException.class, () -> client.inside(() -> host.claimAddress(uplink)));
            assertTrue(e instanceof ClatHost.DadFailedException, e.toString());
            assertEquals(candidates.subList(0, 2), ((ClatHost.DadFailedException) e).tried());
            assertEquals(before, snapshot(client), "after a DAD failure nothing is left behind");
            assertEquals(List.of(), host.added());
        }
    }

    /**
     * The plumbing carries a real CLAT: with ClatHost's setup in the client, {@code tunxlat run} on the TUN device
     * with the configuration clatd would give TAYGA (translator 192.0.0.2, the NAT64 prefix, {@code map 192.0.0.1}
     * to the CLAT address) makes the IPv6-only client reach the IPv4 server by its IPv4 literal, through the
     * router's NAT64. Not the controller (which writes this configuration itself): a proof that what ClatHost
     * sets up is what a CLAT needs.
     */
    @Test
    void withTunxlatOnTheTunDeviceAnIpv4LiteralIsReachedThroughTheNat64() throws Exception {
        try (ClatBed bed = ClatBed.builder().label(label).start()) {
            Netns client = bed.client();
            client.ip("tuntap", "add", "dev", TUN, "mode", "tun");
            String before = snapshot(client);
            ClatHost host = host(ClatHost.Options.of(dataDir, TUN));
            TranslatorProcess clat = null;
            try {
                ClatHost.Setup setup = client.inside(() -> host.setUp(WKP));
                Path config = bed.directory().resolve("clat.conf");
                Files.write(config, List.of(
                        "tun-device " + TUN,
                        "ipv4-addr " + ClatHost.TRANSLATOR_IPV4,
                        "prefix " + ClatBed.NAT64_PREFIX,
                        "wkpf-strict no",
                        "control-socket " + bed.controlSocket(TUN),
                        "map " + ClatHost.HOST_IPV4 + " " + setup.address()));
                clat = TranslatorProcess.start(client, Translator.tunxlat(Translator.jar()), config,
                        bed.directory().resolve("clat.log"));
                clat.awaitReady(client, ClatBed.SERVER4, Duration.ofSeconds(30));
                ExecResult curl = client.exec(Duration.ofSeconds(15), "curl", "-sS", "--max-time", "10",
                        "http://" + ClatBed.SERVER4 + "/");
                assertTrue(curl.ok() && curl.output().contains(ClatBed.PAGE), curl.describe() + "\n" + bed.logTails(20));
                assertTrue(Files.readString(bed.directory().resolve("http.log")).contains(ClatBed.POOL4 + " - -"),
                        "the server saw the NAT64's pool4: " + bed.logTails(5));
            } finally {
                if (clat != null) {
                    assertTrue(clat.stop(TestBed.STOP_GRACE), "the CLAT's tunxlat stops on SIGTERM");
                }
                assertEquals(List.of(), client.inside(host::teardown));
            }
            assertEquals(before, snapshot(client));
        }
    }

    private static final Pattern PREF64_LINE = Pattern.compile("PREF64 (\\S+) lifetime (\\d+)");

    /** Sniffs one RA on the client's link and decodes its RFC 8781 PREF64 option ("PREF64 P/L lifetime S"). */
    private static String sniffPref64(ClatBed bed) {
        String script = String.join("\n",
                "import ipaddress, sys",
                "from scapy.all import sniff, conf",
                "from scapy.layers.inet6 import ICMPv6ND_RA",
                "conf.verb = 0",
                "p = sniff(iface='" + ClatBed.UPLINK + "', count=1, timeout=10, lfilter=lambda x: x.haslayer(ICMPv6ND_RA))",
                "if not p: print('no RA'); sys.exit(1)",
                "raw = bytes(p[0][ICMPv6ND_RA].payload)",
                "i = 0",
                "while i + 2 <= len(raw) and raw[i + 1]:",
                "    t, n = raw[i], raw[i + 1] * 8",
                "    if t == 38:",
                "        v = int.from_bytes(raw[i + 2:i + 4], 'big')",
                "        plen = {0: 96, 1: 64, 2: 56, 3: 48, 4: 40, 5: 32}[v & 7]",
                "        net = ipaddress.IPv6Network((raw[i + 4:i + 16] + bytes(4), plen), strict=False)",
                "        print('PREF64 %s lifetime %d' % (net, (v >> 3) * 8))",
                "    i += n",
                "print('end')");
        ExecResult r = bed.client().exec(Duration.ofSeconds(20), ClatBed.python(), "-c", script);
        assertTrue(r.ok(), r.describe());
        return r.output();
    }

    @Test
    void theBedAdvertisesPref64ChangesItAndItsNat64AndDns64ReachTheIpv4Server() throws Exception {
        try (ClatBed bed = ClatBed.builder().label(label).start()) {
            Matcher m = PREF64_LINE.matcher(sniffPref64(bed));
            assertTrue(m.find(), bed.raLog());
            assertEquals(ClatBed.NAT64_PREFIX, m.group(1));
            assertEquals("600", m.group(2));
            bed.advertise(bed.ra().withPref64("2001:db8:64::/64", 0), true);
            Thread.sleep(200);
            m = PREF64_LINE.matcher(sniffPref64(bed));
            assertTrue(m.find(), bed.raLog());
            assertEquals("2001:db8:64::/64 lifetime 0", m.group(1) + " lifetime " + m.group(2));
            bed.advertise(bed.ra().withPref64(null, 0), true);
            Thread.sleep(200);
            String none = sniffPref64(bed);
            assertFalse(none.contains("PREF64"), none);

            // RFC 7050 through the resolver, and the NAT64 (IPv6 client -> IPv4 server) with DNS64's answer
            ExecResult r = bed.client().exec("getent", "ahostsv6", ClatBed.SERVER_NAME);
            assertTrue(r.ok() && r.output().contains(ClatBed.SERVER4_VIA_NAT64), r.describe());
            ExecResult curl = bed.client().exec(Duration.ofSeconds(15), "curl", "-sS", "--max-time", "10",
                    "http://" + ClatBed.SERVER_NAME + "/");
            assertTrue(curl.ok() && curl.output().contains(ClatBed.PAGE), curl.describe() + "\n" + bed.logTails(20));
            String httpLog = Files.readString(bed.directory().resolve("http.log"));
            assertTrue(httpLog.contains(ClatBed.POOL4), "the server saw the NAT64's pool4 address: " + httpLog);
            assertNotNull(bed.nat64());
        }
    }
}
