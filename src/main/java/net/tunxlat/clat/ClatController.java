// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.clat;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.function.Consumer;
import java.util.function.Supplier;
import net.tunxlat.mapping.Addresses;
import net.tunxlat.mapping.Ipv6Prefix;
import net.tunxlat.metrics.ClatMetrics;
import net.tunxlat.util.Log;
import net.tunxlat.xlat.DropReason;
import net.tunxlat.xlat.XlatCounters;

/**
 * The CLAT of 464XLAT (RFC 6877) as a state machine: once a second ({@link #tick}) it looks at the host and the
 * NAT64 prefix it knows, and brings the CLAT up, follows a change, or takes it down.
 *
 * <ul>
 *   <li>Down, and says why, while the host has native IPv4 (RFC 6877 §6.3: the CLAT is for hosts without it;
 *       native IPv4 always wins), while another CLAT runs, without a PREF64 (RFC 8781 option in RAs, RFC 7050,
 *       or configured), or without an IPv6 uplink with a /64 to take the CLAT address from.</li>
 *   <li>Up: the CLAT IPv6 address claimed (RFC 6877 §6.3: a dedicated address, duplicate address detection
 *       done), the translator started with {@link ClatConfig}, then the TUN device configured (192.0.0.1, an
 *       IPv4 default route with a high metric, the MTU).</li>
 *   <li>A new PREF64 rewrites the configuration and reloads the running translator (connections through the
 *       old prefix break, as on any host whose NAT64 prefix changes); a new uplink or /64 takes the CLAT down
 *       and up again with a new address; anything that makes it unwanted takes it down.</li>
 *   <li>{@link #close} takes down what is up: translator stopped, everything added to the host removed.</li>
 * </ul>
 *
 * <p>Control plane only: called from one thread (the command's loop), never from a worker.
 */
public final class ClatController implements ClatMetrics.Source, AutoCloseable {
    /** The host as the controller needs it ({@link ClatHost} on a real host, {@link #of}; fakes in tests). */
    public interface Host {
        /** Why the host needs no CLAT (its own IPv4 default route), or null. */
        String nativeIpv4() throws IOException;

        /** Another CLAT running on the host (NetworkManager's, networkd's, clatd's), or null. */
        String otherClat() throws IOException;

        /** The uplink towards {@code pref64}: its interface, /64 and MTU; an IOException says why there is none. */
        ClatHostUplink uplink(Ipv6Prefix pref64) throws IOException;

        /** Generates the CLAT address in {@code uplink}'s /64 and performs DAD (RFC 6877 §6.3); the address. */
        String claimAddress(ClatHostUplink uplink) throws IOException;

        /** Configures the TUN device (addresses, MTU, IPv4 default route), then makes the address reachable. */
        void configureTun(String tun, ClatHostUplink uplink, String address) throws IOException;

        /** Removes everything the calls above added (safe to call twice, or after a partial setup). */
        void teardown();

        /** {@code host} as the controller sees it. */
        static Host of(ClatHost host) {
            return new Host() {
                @Override
                public String nativeIpv4() throws IOException {
                    return host.nativeIpv4().orElse(null);
                }

                @Override
                public String otherClat() throws IOException {
                    return host.otherClat().orElse(null);
                }

                @Override
                public ClatHostUplink uplink(Ipv6Prefix pref64) throws IOException {
                    return host.uplink(pref64);
                }

                @Override
                public String claimAddress(ClatHostUplink uplink) throws IOException {
                    return host.claimAddress(uplink);
                }

                @Override
                public void configureTun(String tun, ClatHostUplink uplink, String address) throws IOException {
                    host.setUpTun(uplink); // first: a route into a device that is down is refused
                    host.publish(uplink, address);
                }

                @Override
                public void teardown() {
                    for (String failed : host.teardown()) {
                        Log.warn("CLAT: could not undo: " + failed);
                    }
                }
            };
        }
    }

    /** The translator the CLAT runs (an in-process daemon; a fake in tests). */
    public interface Translator {
        /** Starts translating with configuration file {@code config}; returns once the TUN device exists. */
        void start(Path config) throws IOException;

        /** Re-reads the configuration file (a new PREF64). */
        void reload() throws IOException;

        /** Stops translating and closes the TUN device. */
        void stop();

        /** The running workers' counters (empty when stopped). */
        List<XlatCounters> counters();
    }

    /** The controller's state, as the log, {@code doctor} and the metrics tell it. */
    public enum State { STARTING, UP, DOWN }

    private final Host host;
    private final Supplier<Pref64> prefixes;
    private final Translator translator;
    private final String tun;
    private final Path configFile;
    private final Path controlSocket;
    private final Consumer<String> log;

    private State state = State.STARTING;
    private String reason = "starting";
    private Pref64 prefix;
    private ClatHostUplink uplink;
    private String address;
    private Consumer<Snapshot> onChange = s -> { };
    private volatile long transitions;
    /** The running translator's counters and the totals of those stopped before, swapped in one write. */
    private volatile Totals totals = new Totals(0, 0, new long[DropReason.values().length], List.of());
    private volatile Snapshot snapshot = new Snapshot(State.STARTING, "starting", null, null, null);

    /**
     * Packets of translators stopped earlier (4→6, 6→4, dropped by reason; never written after construction) and the
     * running one's counters: counters only grow.
     */
    private record Totals(long retired46, long retired64, long[] retiredDrops, List<XlatCounters> live) {
        long packets(boolean toIpv6) {
            long n = toIpv6 ? retired46 : retired64;
            for (XlatCounters c : live) {
                n += c.get(toIpv6 ? XlatCounters.PACKETS_46 : XlatCounters.PACKETS_64);
            }
            return n;
        }

        long drops(DropReason reason) {
            long n = retiredDrops[reason.ordinal()];
            for (XlatCounters c : live) {
                n += c.drops(reason);
            }
            return n;
        }

        /** The totals once the live translator has stopped: its final counts retired. */
        Totals retire() {
            long[] drops = new long[retiredDrops.length];
            for (DropReason r : DropReason.values()) {
                drops[r.ordinal()] = drops(r);
            }
            return new Totals(packets(true), packets(false), drops, List.of());
        }

        Totals running(List<XlatCounters> counters) {
            return new Totals(retired46, retired64, retiredDrops, List.copyOf(counters));
        }
    }

    /** What the metrics and {@code doctor} read, from other threads. */
    public record Snapshot(State state, String reason, Pref64 prefix, ClatHostUplink uplink, String address) {}

    /**
     * @param prefixes the NAT64 prefix to use now ({@link Pref64Tracker}), or null
     * @param log      one line per change of state
     */
    public ClatController(Host host, Supplier<Pref64> prefixes, Translator translator, String tun,
            Path configFile, Path controlSocket, Consumer<String> log) {
        this.host = Objects.requireNonNull(host);
        this.prefixes = Objects.requireNonNull(prefixes);
        this.translator = Objects.requireNonNull(translator);
        this.tun = tun;
        this.configFile = configFile;
        this.controlSocket = controlSocket;
        this.log = log;
    }

    /** Looks once and acts: brings the CLAT up, follows a change, or takes it down. */
    public void tick() {
        Pref64 p = null;
        ClatHostUplink u = null;
        String down;
        try {
            down = why(host.nativeIpv4(), "native IPv4 present");
            if (down == null) {
                down = why(host.otherClat(), "another CLAT runs");
            }
        } catch (IOException e) {
            down = "cannot read the host's state: " + e.getMessage();
        }
        if (down == null) {
            p = prefixes.get();
            if (p == null) {
                down = "no NAT64 prefix: no PREF64 option in router advertisements (RFC 8781), none found through"
                        + " ipv4only.arpa (RFC 7050), none configured";
            }
        }
        if (down == null) {
            try {
                u = host.uplink(p.prefix());
            } catch (IOException e) {
                down = e.getMessage();
            }
        }
        if (down != null) {
            takeDown(down);
            return;
        }
        if (state == State.UP && !sameUplink(u, uplink)) {
            takeDown("uplink changed: " + describe(uplink) + " -> " + describe(u));
        }
        if (state != State.UP) {
            bringUp(p, u);
        } else if (!p.prefix().equals(prefix.prefix())) {
            follow(p);
        } else {
            prefix = p; // same prefix, perhaps from another source: tell it
            publish();
        }
    }

    private static String why(String detail, String what) {
        return detail == null ? null : what + ": " + detail;
    }

    private void bringUp(Pref64 p, ClatHostUplink u) {
        try {
            String a = host.claimAddress(u);
            long[] a128 = Addresses.parseIpv6(a);
            new ClatConfig(tun, p.prefix(), a128[0], a128[1], u.mtu(), controlSocket).write(configFile);
            translator.start(configFile);
            totals = totals.running(translator.counters());
            host.configureTun(tun, u, a);
            address = a;
            prefix = p;
            uplink = u;
            change(State.UP, "translating 192.0.0.1 <-> " + a + " via " + u.name() + ", NAT64 prefix " + describe(p));
        } catch (IOException | RuntimeException e) {
            stopAndClean();
            change(State.DOWN, "could not start: " + e.getMessage());
        }
    }

    /** The same interface, /64 and MTU (the SLAAC address it was read from may change: that changes nothing). */
    private static boolean sameUplink(ClatHostUplink a, ClatHostUplink b) {
        return b != null && a.name().equals(b.name()) && a.prefix().equals(b.prefix()) && a.mtu() == b.mtu();
    }

    private void follow(Pref64 p) {
        try {
            long[] a128 = Addresses.parseIpv6(address);
            new ClatConfig(tun, p.prefix(), a128[0], a128[1], uplink.mtu(), controlSocket).write(configFile);
            translator.reload();
            Pref64 before = prefix;
            prefix = p;
            transitions++;
            log.accept("CLAT: NAT64 prefix " + before.prefix() + " -> " + describe(p));
            publish();
        } catch (IOException | RuntimeException e) {
            takeDown("could not follow the new NAT64 prefix " + p.prefix() + ": " + e.getMessage());
        }
    }

    private void takeDown(String why) {
        if (state == State.UP) {
            stopAndClean();
        }
        if (state != State.DOWN || !why.equals(reason)) {
            change(State.DOWN, why);
        }
    }

    private void stopAndClean() {
        translator.stop();
        totals = totals.retire(); // the stopped workers' final counts
        host.teardown();
        address = null;
        uplink = null;
        prefix = null;
    }

    private void change(State s, String why) {
        if (s != state) {
            transitions++;
        }
        state = s;
        reason = why;
        log.accept("CLAT " + s.name().toLowerCase(Locale.ROOT) + ": " + why);
        publish();
    }

    private void publish() {
        Snapshot s = new Snapshot(state, reason, prefix, uplink, address);
        snapshot = s;
        onChange.accept(s);
    }

    /** Called (on the controller's thread) with each new state: the status file, the metrics' prefix series. */
    public void onChange(Consumer<Snapshot> listener) {
        this.onChange = Objects.requireNonNull(listener);
    }

    private static String describe(Pref64 p) {
        return p.prefix() + " (" + sourceName(p) + " from " + p.origin() + ")";
    }

    /** ra, rfc7050 or configured: the metrics' and the status file's word. */
    public static String sourceName(Pref64 p) {
        return p.source().name().toLowerCase(Locale.ROOT);
    }

    private static String describe(ClatHostUplink u) {
        return u == null ? "none" : u.toString();
    }

    /** The state now (any thread). */
    public Snapshot snapshot() {
        return snapshot;
    }

    /** Takes the CLAT down and removes what it added (on SIGTERM). */
    @Override
    public void close() {
        if (state == State.UP) {
            stopAndClean();
        } else {
            host.teardown(); // a partial setup
        }
        change(State.DOWN, "stopped");
    }

    // ---------------------------------------------------------------- metrics (any thread)

    @Override
    public boolean up() {
        return snapshot.state() == State.UP;
    }

    @Override
    public String downReason() {
        Snapshot s = snapshot;
        return s.state() == State.UP ? "" : s.reason();
    }

    @Override
    public String prefix() {
        Pref64 p = snapshot.prefix();
        return p == null ? "" : p.prefix().toString();
    }

    @Override
    public String prefixSource() {
        Pref64 p = snapshot.prefix();
        return p == null ? "" : sourceName(p);
    }

    @Override
    public long transitions() {
        return transitions;
    }

    @Override
    public long packets(boolean toIpv6) {
        return totals.packets(toIpv6);
    }

    @Override
    public long drops(DropReason reason) {
        return totals.drops(reason);
    }
}
