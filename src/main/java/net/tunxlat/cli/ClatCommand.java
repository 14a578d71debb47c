// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import net.tunxlat.clat.ClatController;
import net.tunxlat.clat.ClatHost;
import net.tunxlat.clat.ClatHostUplink;
import net.tunxlat.clat.ClatStatus;
import net.tunxlat.clat.DaemonTranslator;
import net.tunxlat.clat.Iproute;
import net.tunxlat.clat.NdUserOptListener;
import net.tunxlat.clat.Pref64;
import net.tunxlat.clat.Pref64Tracker;
import net.tunxlat.clat.Rfc7050;
import net.tunxlat.clat.RouterSolicitor;
import net.tunxlat.config.ConfigParser;
import net.tunxlat.config.ListenAddress;
import net.tunxlat.mapping.Ipv6Prefix;
import net.tunxlat.metrics.ClatMetrics;
import net.tunxlat.metrics.MetricsServer;
import net.tunxlat.metrics.TunxlatMetrics;
import net.tunxlat.util.Log;
import net.tunxlat.util.Version;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code tunxlat clat}: the CLAT of 464XLAT (RFC 6877) on an IPv6-only host or router, until SIGTERM. */
@Command(name = "clat", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        description = {"Run the CLAT of 464XLAT (RFC 6877) until SIGTERM or SIGINT.",
                "IPv4 applications on this IPv6-only host reach IPv4 through the network's NAT64.",
                "Finds the NAT64 prefix in router advertisements (RFC 8781 PREF64, through the kernel's",
                "netlink ND user options) or, where no router sends it, through the resolver (RFC 7050,",
                "ipv4only.arpa); picks the uplink by route lookup; makes a dedicated CLAT IPv6 address in",
                "the uplink's /64 (duplicate address detection done, answered by proxy-ND); brings up the",
                "TUN device with 192.0.0.1 (RFC 7335) and an IPv4 default route of metric 10000 (native IPv4",
                "always wins). Stays down, and says why, while the host has native IPv4 or another CLAT runs;",
                "follows a new PREF64, a withdrawn one, a new /64 and the uplink going down and up; removes",
                "everything it added when it stops. State: the log, RUNTIME-DIR/status and the",
                "tunxlat_clat_* metrics."},
        footer = {"", "Exit status: 0 after SIGTERM/SIGINT (143 from the JVM), 2 bad command line."})
public final class ClatCommand implements Callable<Integer> {
    @Option(names = "--pref64", paramLabel = "PREFIX/LEN", description = "the NAT64 prefix to use (RFC 6052 length 32, 40,"
            + " 48, 56, 64 or 96): overrides router advertisements and RFC 7050")
    String pref64;

    @Option(names = "--tun-device", paramLabel = "NAME", defaultValue = "clat",
            description = "the CLAT's TUN device (default: ${DEFAULT-VALUE})")
    String tun;

    @Option(names = "--routed-prefix", paramLabel = "PREFIX/LEN", description = "a prefix the network routes to this"
            + " host (DHCPv6-PD): the CLAT address is taken from it and routed to the TUN device, without proxy-ND")
    String routedPrefix;

    @Option(names = "--data-dir", paramLabel = "DIR", defaultValue = "/var/lib/tunxlat-clat",
            description = "where the secret of the stable CLAT address is kept (default: ${DEFAULT-VALUE})")
    Path dataDir;

    @Option(names = "--runtime-dir", paramLabel = "DIR", defaultValue = "/run/tunxlat-clat",
            description = "where the generated translator configuration and the status file go (default: ${DEFAULT-VALUE})")
    Path runtimeDir;

    @Option(names = "--metrics-listen", paramLabel = "ADDRESS:PORT|off", defaultValue = "127.0.0.1:9465",
            description = "where to serve the Prometheus metrics at /metrics (default: ${DEFAULT-VALUE}; tunxlat.service"
                    + " uses 9464)")
    String metricsListen;

    @Option(names = {"-d", "--debug"}, description = "debug messages")
    boolean debug;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    private volatile boolean stopping;
    private final CountDownLatch done = new CountDownLatch(1);

    @Override
    public Integer call() throws Exception {
        Log.setDebug(debug);
        Pref64 configured;
        Ipv6Prefix routed;
        ListenAddress listen;
        try {
            configured = pref64 == null ? null : Pref64.configured(Ipv6Prefix.parse(pref64, -1), "--pref64");
            routed = routedPrefix == null ? null : Ipv6Prefix.parse(routedPrefix, -1);
            listen = ListenAddress.parseOrOff(metricsListen);
        } catch (IllegalArgumentException e) {
            return usage(e.getMessage());
        }
        Files.createDirectories(dataDir);
        Files.createDirectories(runtimeDir);
        ClatHost.Options options = ClatHost.Options.of(dataDir, tun);
        if (routed != null) {
            options = options.withRoutedPrefix(routed);
        }
        ClatHost host = new ClatHost(Iproute.system(), options);
        Pref64Tracker tracker = new Pref64Tracker(configured);
        int[] uplinkIndex = {0};
        ClatController controller = new ClatController(ClatController.Host.of(host),
                () -> tracker.current(uplinkIndex[0], System.nanoTime()), new DaemonTranslator(), tun,
                runtimeDir.resolve(tun + ".conf"), controlSocket(), Log::info);
        ClatMetrics metrics = new ClatMetrics(controller);
        controller.onChange(s -> {
            try {
                ClatStatus.write(runtimeDir, s, Instant.now());
            } catch (IOException e) {
                Log.warn("cannot write " + runtimeDir.resolve(ClatStatus.FILE) + ": " + e.getMessage());
            }
            metrics.refresh();
        });
        TunxlatMetrics registry = null;
        MetricsServer server = null;
        if (listen != null) {
            registry = TunxlatMetrics.forClat(Version.version());
            metrics.bindTo(registry.registry());
            server = MetricsServer.start(listen.socketAddress(), registry);
        }
        NdUserOptListener listener = null;
        try {
            listener = NdUserOptListener.open();
        } catch (IOException e) {
            Log.warn("cannot listen for router advertisements' PREF64 (netlink): " + e.getMessage()
                    + "; only RFC 7050 and --pref64 can give the NAT64 prefix");
        }
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            stopping = true;
            try {
                done.await(12, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "tunxlat-clat-stop"));
        Log.info("tunxlat clat " + VersionProvider.version() + " starting: TUN device " + tun
                + (configured != null ? ", NAT64 prefix " + configured.prefix() + " (--pref64)" : "")
                + (server != null ? ", metrics at http://" + listen + MetricsServer.PATH : ", metrics off"));
        try {
            loop(host, tracker, uplinkIndex, controller, listener);
        } finally {
            controller.close();
            if (listener != null) {
                listener.close();
            }
            if (server != null) {
                server.close();
            }
            if (registry != null) {
                registry.close();
            }
            Files.deleteIfExists(runtimeDir.resolve(tun + ".conf"));
            done.countDown();
        }
        return 0;
    }

    private void loop(ClatHost host, Pref64Tracker tracker, int[] uplinkIndex, ClatController controller,
            NdUserOptListener listener) throws InterruptedException {
        String solicited = null;
        while (!stopping) {
            String uplink = null;
            try {
                ClatHostUplink u = host.uplink(null);
                uplink = u.name();
                uplinkIndex[0] = ifIndex(uplink);
            } catch (IOException e) {
                uplinkIndex[0] = 0;
                solicited = null; // no uplink now: solicit again when one comes back
            }
            if (uplink != null && !uplink.equals(solicited)) {
                // RFC 4861 §6.3.7: a solicitation, so that the PREF64 comes now rather than after a whole RA interval
                try {
                    RouterSolicitor.solicit(uplink);
                    solicited = uplink;
                } catch (IOException e) {
                    Log.debug("router solicitation on " + uplink + ": " + e.getMessage());
                }
            }
            long now = System.nanoTime();
            if (tracker.wantsRfc7050(uplinkIndex[0], now) && uplink != null) {
                Rfc7050.Result r = Rfc7050.systemResolver().discover();
                tracker.discovered(r.prefixes().isEmpty() ? null : r.prefixes().get(0), now);
                r.notes().forEach(Log::debug);
            }
            controller.tick();
            if (listener != null) {
                try {
                    for (NdUserOptListener.Pref64Report report : listener.poll(Duration.ofSeconds(1))) {
                        if (report.pref64() != null) {
                            tracker.heard(report.pref64(), report.ifIndex());
                        } else {
                            Log.warn("CLAT: PREF64 option ignored: " + report); // RFC 8781 §4: a bad PLC, a bad length
                        }
                    }
                } catch (IOException e) {
                    Log.warn("router advertisements: " + e.getMessage());
                    Thread.sleep(1000);
                }
            } else {
                Thread.sleep(1000);
            }
        }
    }

    private static int ifIndex(String dev) {
        try {
            return Integer.parseInt(Files.readString(Path.of("/sys/class/net", dev, "ifindex")).trim());
        } catch (IOException | NumberFormatException e) {
            return 0;
        }
    }

    private int usage(String message) {
        spec.commandLine().getErr().println("tunxlat clat: " + message);
        spec.commandLine().getErr().flush();
        return 2;
    }

    /**
     * The CLAT translator's control socket: in {@code --runtime-dir}, so that CLATs of several network namespaces
     * (the container recipe) do not all take {@code /run/tunxlat/TUN.sock}; the default where that path is too long
     * for a Unix socket.
     */
    private Path controlSocket() {
        Path p = runtimeDir.toAbsolutePath().resolve(tun + ".sock");
        if (p.toString().getBytes(StandardCharsets.UTF_8).length
                <= ConfigParser.MAX_UNIX_SOCKET_PATH_BYTES) {
            return p;
        }
        Log.warn("--runtime-dir " + runtimeDir + ": " + p + " is too long for a Unix socket; the CLAT's control"
                + " socket is " + ConfigParser.DEFAULT_CONTROL_SOCKET_DIR + "/" + tun + ".sock");
        return null;
    }
}
