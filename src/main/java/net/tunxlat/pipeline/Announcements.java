// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.pipeline;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import net.tunxlat.config.MapEntry;
import net.tunxlat.config.Nptv6Entry;
import net.tunxlat.config.TunxlatConfig;
import net.tunxlat.mapping.Ipv4Prefix;

/**
 * The prefixes a router should send to this instance: the {@code announce} lines of {@code /readyz}, which the
 * hook {@code tunxlat-announce} installs in its routing table while the translator is ready (docs/health.md).
 * Read from the configuration in force, so a reload that adds a {@code map} announces it.
 */
public final class Announcements {
    private Announcements() {}

    /**
     * In this order, each once: the RFC 6052 {@code prefix}, the IPv4 sides of the {@code map}s, the {@code
     * dynamic-pool}, the {@code pool4} addresses (as the fewest prefixes that cover exactly them) and the NPTv6
     * outside prefixes.
     */
    public static List<String> of(TunxlatConfig config) {
        Set<String> out = new LinkedHashSet<>();
        if (config.prefix() != null) {
            out.add(config.prefix().toString());
        }
        for (MapEntry m : config.maps()) {
            out.add(m.v4().toString());
        }
        if (config.dynamicPool() != null) {
            out.add(config.dynamicPool().toString());
        }
        if (config.nat64() != null) {
            for (Ipv4Prefix p : covering(config.nat64().pool4().addresses())) {
                out.add(p.toString());
            }
        }
        for (Nptv6Entry e : config.nptv6()) {
            out.add(e.outside().toString());
        }
        return List.copyOf(out);
    }

    /**
     * The fewest prefixes that cover exactly {@code addresses} (distinct, any order): consecutive addresses are
     * merged into the largest aligned blocks they fill.
     */
    static List<Ipv4Prefix> covering(int[] addresses) {
        long[] sorted = new long[addresses.length];
        for (int i = 0; i < addresses.length; i++) {
            sorted[i] = addresses[i] & 0xffffffffL;
        }
        Arrays.sort(sorted);
        List<Ipv4Prefix> out = new ArrayList<>();
        int i = 0;
        while (i < sorted.length) {
            long start = sorted[i];
            int j = i;
            while (j + 1 < sorted.length && sorted[j + 1] == sorted[j] + 1) {
                j++;
            }
            long end = sorted[j]; // a run start..end of consecutive addresses, cut into aligned blocks
            while (start <= end) {
                int bits = start == 0 ? 32 : Long.numberOfTrailingZeros(start);
                while (bits > 0 && start + (1L << bits) - 1 > end) {
                    bits--;
                }
                out.add(new Ipv4Prefix((int) start, 32 - bits));
                start += 1L << bits;
            }
            i = j + 1;
        }
        return out;
    }
}
