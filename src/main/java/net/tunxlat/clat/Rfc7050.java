// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.clat;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import net.tunxlat.mapping.Addresses;
import net.tunxlat.mapping.Ipv6Prefix;
import net.tunxlat.mapping.Rfc6052;

/**
 * NAT64 prefix discovery through DNS64 (RFC 7050): the AAAA records of the Well-Known IPv4-only Name
 * {@code ipv4only.arpa}, which has only the A records 192.0.0.170 and 192.0.0.171 (the Well-Known IPv4-only
 * Addresses, WKAs), are synthesized by the network's DNS64, and where a WKA sits in such a record tells the
 * prefix and its length. The fallback when no router advertises a PREF64 (RFC 8781 §5.1 ranks router
 * advertisements first).
 *
 * <h2>What {@link #extract} does (RFC 7050 §3)</h2>
 * <ol>
 *   <li>"A node MUST look through all of the received AAAA resource records to collect one or more
 *       Pref64::/n": every IPv6 answer is examined; A answers (the WKAs themselves, on a host that also asks
 *       for A records) are passed over.</li>
 *   <li>Each record is searched for either WKA at the six positions of RFC 6052 §2.2 (prefix lengths 96, 64,
 *       56, 48, 40, 32, and no others), with the u-octet (bits 64-71) zero for the lengths under 96, and for
 *       /96 a prefix whose u-octet is zero ({@link Rfc6052#validatePrefix}). A record with no WKA at any
 *       position was not synthesized from these A records and is passed over with a note.</li>
 *   <li>A record with a WKA at one position gives that prefix. A record with WKAs at several positions (the
 *       prefix's own bits happen to spell a WKA) is why there are two WKAs: a position is kept only if another
 *       record of the answer holds the <em>other</em> WKA at the same position under the same prefix. If that
 *       leaves exactly one position, it is the prefix; otherwise the record is passed over as ambiguous.</li>
 *   <li>Every distinct prefix found is returned, in the order of the answer ("one or more Pref64::/n"; the
 *       controller decides which to use).</li>
 * </ol>
 *
 * <h2>What is not done, and why</h2>
 * <ul>
 *   <li>§3.1's validation of the prefix (DNSSEC-signed PTR and AAAA records of the network's own NAT64 name
 *       over a secure channel): the system resolver ({@link InetAddress}) gives neither DNSSEC proofs nor the
 *       name of the resolver it asked. Operators who need trust in the prefix configure it or advertise it in
 *       router advertisements.</li>
 *   <li>The record's TTL, which would bound how long the prefix holds: {@link InetAddress} does not expose it,
 *       so an RFC 7050 {@link Pref64} has {@link Pref64#NO_LIFETIME} and the controller queries again
 *       (periodically and when the network changes). The JDK caches positive answers for
 *       {@code networkaddress.cache.ttl} (30 s by default): a query sooner than that gets the cached answer.</li>
 *   <li>The Checking Disabled bit: RFC 7050 §3 wants it zero so that the DNS64 synthesizes; the system's stub
 *       resolver leaves it zero.</li>
 *   <li>The query goes to whatever the system resolves with ({@code /etc/resolv.conf}, nsswitch, a local
 *       cache): an answer from {@code /etc/hosts}, or from a local cache that answers {@code ipv4only.arpa}
 *       itself, is taken as the network's. With {@code -Djava.net.preferIPv4Stack=true} the JDK returns no IPv6
 *       answers at all, and nothing is found.</li>
 * </ul>
 * The resolver is injectable ({@link Resolver}) so tests give synthetic answers.
 */
public final class Rfc7050 {
    /** RFC 7050: the Well-Known IPv4-only Name. */
    public static final String WELL_KNOWN_NAME = "ipv4only.arpa";
    /** RFC 7050: the first Well-Known IPv4-only Address, 192.0.0.170. */
    public static final int WKA_PRIMARY = 0xc00000aa;
    /** RFC 7050: the second Well-Known IPv4-only Address, 192.0.0.171. */
    public static final int WKA_SECONDARY = 0xc00000ab;
    /** RFC 6052 §2.2: the prefix lengths an IPv4-embedded IPv6 address may have, longest first. */
    static final int[] LENGTHS = {96, 64, 56, 48, 40, 32};

    /** Resolves a name to its addresses ({@code InetAddress::getAllByName} is one). */
    @FunctionalInterface
    public interface Resolver {
        InetAddress[] resolve(String name) throws UnknownHostException;
    }

    /**
     * What a discovery found.
     *
     * @param prefixes the NAT64 prefixes, in the order of the answer (empty: no DNS64 synthesis seen)
     * @param notes    what was passed over and why, and why nothing was found, for the log
     */
    public record Result(List<Pref64> prefixes, List<String> notes) {
        public Result {
            prefixes = List.copyOf(prefixes);
            notes = List.copyOf(notes);
        }
    }

    private final Resolver resolver;
    private final String origin;

    /**
     * @param resolver how to resolve {@link #WELL_KNOWN_NAME}
     * @param origin   the resolver's name for {@link Pref64#origin} (e.g. "system resolver")
     */
    public Rfc7050(Resolver resolver, String origin) {
        this.resolver = Objects.requireNonNull(resolver, "resolver");
        this.origin = Objects.requireNonNull(origin, "origin");
    }

    /** Discovery through the system resolver ({@link InetAddress#getAllByName}). */
    public static Rfc7050 systemResolver() {
        return new Rfc7050(InetAddress::getAllByName, "system resolver");
    }

    /** Resolves {@link #WELL_KNOWN_NAME} now and extracts the prefixes. A failed lookup is an empty result with a note. */
    public Result discover() {
        InetAddress[] answer;
        try {
            answer = resolver.resolve(WELL_KNOWN_NAME);
        } catch (UnknownHostException e) {
            return new Result(List.of(), List.of("no answer for " + WELL_KNOWN_NAME + " (" + e.getMessage()
                    + "): no DNS64 on this network, or no resolver"));
        }
        return extract(List.of(answer), origin, System.nanoTime());
    }

    /** RFC 7050 §3 over one answer: see the class comment for the steps. */
    public static Result extract(List<InetAddress> answer, String origin, long receivedNanos) {
        List<long[]> aaaa = new ArrayList<>();
        for (InetAddress a : answer) {
            if (a instanceof Inet6Address) {
                ByteBuffer b = ByteBuffer.wrap(a.getAddress());
                aaaa.add(new long[] {b.getLong(0), b.getLong(8)});
            }
        }
        List<String> notes = new ArrayList<>();
        if (aaaa.isEmpty()) {
            notes.add("no AAAA record for " + WELL_KNOWN_NAME + ": the resolver does not synthesize (no DNS64)");
            return new Result(List.of(), notes);
        }
        List<Ipv6Prefix> found = new ArrayList<>();
        for (long[] a : aaaa) {
            String text = Addresses.formatIpv6(a[0], a[1]);
            List<Candidate> at = candidates(a[0], a[1]);
            Ipv6Prefix chosen = null;
            if (at.isEmpty()) {
                notes.add(text + ": neither 192.0.0.170 nor 192.0.0.171 at an RFC 6052 position; passed over");
            } else if (at.size() == 1) {
                chosen = at.get(0).prefix();
            } else {
                List<Candidate> confirmed = new ArrayList<>();
                for (Candidate c : at) {
                    if (confirmedByOtherWka(c, aaaa)) {
                        confirmed.add(c);
                    }
                }
                if (confirmed.size() == 1) {
                    chosen = confirmed.get(0).prefix();
                } else {
                    notes.add(text + ": a well-known address at " + at.stream().map(c -> "/" + c.prefix().length()).toList()
                            + " and the other well-known address does not single one out; passed over as ambiguous");
                }
            }
            if (chosen != null && !found.contains(chosen)) {
                found.add(chosen);
            }
        }
        List<Pref64> prefixes = new ArrayList<>();
        for (Ipv6Prefix p : found) {
            prefixes.add(new Pref64(p, Pref64.Source.RFC7050, origin, Pref64.NO_LIFETIME, receivedNanos));
        }
        if (prefixes.isEmpty()) {
            notes.add("no NAT64 prefix in " + aaaa.size() + " AAAA record(s) of " + WELL_KNOWN_NAME);
        }
        return new Result(prefixes, notes);
    }

    /** A prefix under which an address embeds a WKA (RFC 6052 §2.2). */
    private record Candidate(Ipv6Prefix prefix, int wka) {}

    /** Every RFC 6052 position of {@code (hi, lo)} that holds a WKA with a zero u-octet. */
    private static List<Candidate> candidates(long hi, long lo) {
        List<Candidate> out = new ArrayList<>(2);
        for (int length : LENGTHS) {
            Ipv6Prefix p = new Ipv6Prefix(hi & Addresses.maskHi(length), lo & Addresses.maskLo(length), length);
            Rfc6052 r;
            try {
                r = new Rfc6052(p);
            } catch (IllegalArgumentException e) {
                continue; // a /96 whose u-octet is not zero: no translator can use it
            }
            if (!r.matches(hi, lo)) {
                continue; // u-octet set: not an IPv4-embedded address of this length
            }
            int v4 = r.extract(hi, lo);
            if (v4 == WKA_PRIMARY || v4 == WKA_SECONDARY) {
                out.add(new Candidate(p, v4));
            }
        }
        return out;
    }

    /** True if another AAAA holds the other WKA under the same prefix (same position). */
    private static boolean confirmedByOtherWka(Candidate c, List<long[]> aaaa) {
        int other = c.wka() == WKA_PRIMARY ? WKA_SECONDARY : WKA_PRIMARY;
        Rfc6052 r = new Rfc6052(c.prefix());
        for (long[] a : aaaa) {
            if (r.matches(a[0], a[1]) && r.extract(a[0], a[1]) == other) {
                return true;
            }
        }
        return false;
    }
}
