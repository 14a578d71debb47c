// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.e2e;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

import net.tunxlat.e2e.Probe.CaseOutcome;
import net.tunxlat.e2e.Probe.Host;
import net.tunxlat.e2e.Probe.Packet;
import java.util.Arrays;

/**
 * What RFC 7915 (and the RFCs it points to) says must arrive at each host for one differential
 * case, as rules over the decoded packets of {@link Probe}. {@link #check} lists every rule a
 * capture breaks, in words that name the field, the value seen and the value required.
 *
 * <pre>
 * Expect.that()
 *       .exactly(Host.V6, 1, Fields.where().eq("icmp6.type", 1).eq("icmp6.code", 4))
 *       .none(Host.V4)
 * </pre>
 */
final class Expect {
    private final List<Function<CaseOutcome, List<String>>> rules = new ArrayList<>();
    private final List<String> text = new ArrayList<>();

    private Expect() {}

    static Expect that() {
        return new Expect();
    }

    /** No RFC rule constrains the outcome (the case is reported for the differences only). */
    static Expect unconstrained(String why) {
        Expect e = new Expect();
        e.text.add("no requirement: " + why);
        return e;
    }

    /** Passes if either {@code a} or {@code b} passes (an RFC that allows two behaviours). */
    static Expect either(Expect a, Expect b) {
        Expect e = new Expect();
        e.text.add("either [" + a.describe() + "] or [" + b.describe() + "]");
        e.rules.add(o -> {
            List<String> va = a.check(o);
            List<String> vb = b.check(o);
            if (va.isEmpty() || vb.isEmpty()) {
                return List.of();
            }
            List<String> all = new ArrayList<>();
            va.forEach(v -> all.add("(first alternative) " + v));
            vb.forEach(v -> all.add("(second alternative) " + v));
            return all;
        });
        return e;
    }

    /** Nothing arrives at {@code host}. */
    Expect none(Host host) {
        text.add("nothing at " + host.label());
        rules.add(o -> {
            List<Packet> got = o.packets(host);
            return got.isEmpty() ? List.of()
                    : List.of("at " + host.label() + ": expected nothing, got " + got.size() + ": " + Probe.describeAll(got));
        });
        return this;
    }

    /** Exactly {@code n} packets arrive at {@code host}, each satisfying {@code f}. */
    Expect exactly(Host host, int n, Fields f) {
        text.add(n + " at " + host.label() + " with " + f);
        rules.add(o -> count(o, host, n, n, f));
        return this;
    }

    /** At least {@code n} packets arrive at {@code host}, each satisfying {@code f}. */
    Expect atLeast(Host host, int n, Fields f) {
        text.add(">=" + n + " at " + host.label() + " with " + f);
        rules.add(o -> count(o, host, n, Integer.MAX_VALUE, f));
        return this;
    }

    /** Any number (including none) of packets arrive at {@code host}, each satisfying {@code f}. */
    Expect anyNumber(Host host, Fields f) {
        text.add("any number at " + host.label() + ", each with " + f);
        rules.add(o -> count(o, host, 0, Integer.MAX_VALUE, f));
        return this;
    }

    /** Exactly one packet per entry of {@code each} arrives at {@code host}, matched one to one. */
    Expect exactlyThese(Host host, List<Fields> each) {
        text.add(each.size() + " at " + host.label() + ": " + each);
        rules.add(o -> {
            List<Packet> got = new ArrayList<>(o.packets(host));
            List<String> v = new ArrayList<>();
            if (got.size() != each.size()) {
                v.add("at " + host.label() + ": expected " + each.size() + " packets, got " + got.size()
                        + (got.isEmpty() ? "" : ": " + Probe.describeAll(got)));
            }
            for (Fields f : each) {
                Packet match = got.stream().filter(p -> f.violations(p.fields(), o).isEmpty()).findFirst().orElse(null);
                if (match == null) {
                    v.add("at " + host.label() + ": no packet with " + f
                            + (got.isEmpty() ? "" : " (closest: " + f.violations(got.get(0).fields(), o) + ")"));
                } else {
                    got.remove(match);
                }
            }
            return v;
        });
        return this;
    }

    /** The fragments arriving at {@code host} put together give exactly one complete datagram satisfying {@code f}. */
    Expect reassembled(Host host, Fields f) {
        text.add("reassembled at " + host.label() + ": " + f);
        rules.add(o -> {
            List<Map<String, String>> r = o.reassembled(host);
            if (r.size() != 1) {
                return List.of("at " + host.label() + ": expected the fragments of one datagram, got " + r.size()
                        + " fragment groups " + r);
            }
            List<String> v = f.violations(r.get(0), o);
            return v.stream().map(s -> "at " + host.label() + " after reassembly: " + s).toList();
        });
        return this;
    }

    private static List<String> count(CaseOutcome o, Host host, int min, int max, Fields f) {
        List<Packet> got = o.packets(host);
        List<String> v = new ArrayList<>();
        if (got.size() < min || got.size() > max) {
            v.add("at " + host.label() + ": expected " + (min == max ? Integer.toString(min)
                    : max == Integer.MAX_VALUE ? ">=" + min : min + ".." + max) + " packet(s) with " + f + ", got "
                    + got.size() + (got.isEmpty() ? "" : ": " + Probe.describeAll(got)));
        }
        for (int i = 0; i < got.size(); i++) {
            for (String s : f.violations(got.get(i).fields(), o)) {
                v.add("at " + host.label() + " packet " + i + " (" + Probe.describe(got.get(i)) + "): " + s);
            }
        }
        return v;
    }

    List<String> check(CaseOutcome o) {
        List<String> v = new ArrayList<>();
        for (Function<CaseOutcome, List<String>> r : rules) {
            v.addAll(r.apply(o));
        }
        return v;
    }

    String describe() {
        return String.join("; ", text);
    }

    @Override
    public String toString() {
        return describe();
    }

    /** Constraints on the decoded fields of one packet (keys as written by xlat_probe.py). */
    static final class Fields {
        /** Stands for the MD5 of the UDP payload the case sent. */
        static final String SENT_UDP_MD5 = "$sent_udp_md5";

        private final List<String> text = new ArrayList<>();
        private final List<Check> checks = new ArrayList<>();

        private interface Check {
            String violation(Map<String, String> f, CaseOutcome o);
        }

        static Fields where() {
            return new Fields();
        }

        /** A new set with the same constraints, to extend without changing this one. */
        Fields copy() {
            Fields f = new Fields();
            f.text.addAll(text);
            f.checks.addAll(checks);
            return f;
        }

        Fields eq(String key, Object value) {
            String want = String.valueOf(value);
            text.add(key + "=" + want);
            checks.add((f, o) -> {
                String expected = want.equals(SENT_UDP_MD5) ? o.sentUdpMd5() : want;
                String have = f.get(key);
                return expected.equals(have) ? null : key + " is " + (have == null ? "absent" : have) + ", expected "
                        + (want.equals(SENT_UDP_MD5) ? "the MD5 of the payload sent (" + expected + ")" : expected);
            });
            return this;
        }

        Fields oneOf(String key, Object... values) {
            List<String> want = Arrays.stream(values).map(String::valueOf).toList();
            text.add(key + " in " + want);
            checks.add((f, o) -> want.contains(f.get(key)) ? null
                    : key + " is " + f.getOrDefault(key, "absent") + ", expected one of " + want);
            return this;
        }

        Fields atMost(String key, long max) {
            text.add(key + "<=" + max);
            checks.add((f, o) -> {
                String have = f.get(key);
                return have != null && Long.parseLong(have) <= max ? null
                        : key + " is " + (have == null ? "absent" : have) + ", expected at most " + max;
            });
            return this;
        }

        Fields atLeast(String key, long min) {
            text.add(key + ">=" + min);
            checks.add((f, o) -> {
                String have = f.get(key);
                return have != null && Long.parseLong(have) >= min ? null
                        : key + " is " + (have == null ? "absent" : have) + ", expected at least " + min;
            });
            return this;
        }

        Fields absent(String key) {
            text.add("no " + key);
            checks.add((f, o) -> f.containsKey(key) ? key + " is " + f.get(key) + ", expected absent" : null);
            return this;
        }

        List<String> violations(Map<String, String> f, CaseOutcome o) {
            List<String> v = new ArrayList<>();
            for (Check c : checks) {
                String s = c.violation(f, o);
                if (s != null) {
                    v.add(s);
                }
            }
            return v;
        }

        @Override
        public String toString() {
            return String.join(" ", text);
        }
    }
}
