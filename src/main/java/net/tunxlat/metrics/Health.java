// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.metrics;

import java.util.List;

/**
 * One look at the translator's health, as {@code /healthz}, {@code /readyz} and the {@code tunxlat_ready} gauges
 * show it (docs/health.md): immutable, made by the daemon's health thread ({@code pipeline.Readiness}) and read by
 * the HTTP handler through one volatile reference, so that answering never waits for a worker.
 *
 * @param reasons  why the translator is not ready, in a fixed order; empty when ready
 * @param announce the prefixes a router should send to this instance ({@code announce} lines), ready or not
 * @param instance {@code instance-name}
 * @param selfTest the self-test's state in words ({@code ok}, {@code pending}, {@code failed ...},
 *                 {@code unavailable ...}, {@code none ...}), the {@code self-test} line
 */
public record Health(List<Reason> reasons, List<String> announce, String instance, String selfTest) {

    /** The names of the reasons: the first word of a {@code not-ready} line and the metric's {@code reason} label. */
    public static final String TUN_DOWN = "tun-down";
    public static final String WORKER_STALLED = "worker-stalled";
    public static final String WORKER_DEAD = "worker-dead";
    public static final String CONFIG_NOT_LOADED = "config-not-loaded";
    public static final String STOPPING = "stopping";
    public static final String SELF_TEST_FAILED = "self-test-failed";
    public static final String SELF_TEST_PENDING = "self-test-pending";
    public static final String HEALTH_CHECK_STALLED = "health-check-stalled";
    /** Every reason name, in the order of the {@code not-ready} lines (bounded: the metric's label values). */
    public static final List<String> REASONS = List.of(STOPPING, CONFIG_NOT_LOADED, TUN_DOWN, WORKER_DEAD,
            WORKER_STALLED, SELF_TEST_FAILED, SELF_TEST_PENDING, HEALTH_CHECK_STALLED);

    /** A reason not to be ready: its {@code name} (one of {@link #REASONS}) and the words that say more, or "". */
    public record Reason(String name, String detail) {
        public Reason {
            if (!REASONS.contains(name)) {
                throw new IllegalArgumentException("unknown reason " + name);
            }
        }

        String line() {
            return detail.isEmpty() ? name : name + " " + detail;
        }
    }

    public Health {
        reasons = List.copyOf(reasons);
        announce = List.copyOf(announce);
    }

    /** Before the daemon says anything: not ready, configuration not loaded. */
    public static Health notLoaded(String instance) {
        return new Health(List.of(new Reason(CONFIG_NOT_LOADED, "")), List.of(), instance, "pending");
    }

    public boolean ready() {
        return reasons.isEmpty();
    }

    /** Alive ({@code /healthz} 200) unless a worker thread has died. */
    public boolean live() {
        return reasons.stream().noneMatch(r -> r.name().equals(WORKER_DEAD));
    }

    /** Whether {@code name} is among the reasons (the {@code tunxlat_not_ready_reasons} gauge). */
    public boolean has(String name) {
        return reasons.stream().anyMatch(r -> r.name().equals(name));
    }

    /**
     * The body of {@code /readyz}: {@code ready yes|no}, the {@code not-ready} lines, the {@code announce} lines, then
     * {@code instance} and {@code self-test}; one {@code key value} per line.
     */
    public String readyz() {
        StringBuilder b = new StringBuilder("ready ").append(ready() ? "yes" : "no").append('\n');
        for (Reason r : reasons) {
            b.append("not-ready ").append(r.line()).append('\n');
        }
        for (String p : announce) {
            b.append("announce ").append(p).append('\n');
        }
        b.append("instance ").append(instance).append('\n');
        b.append("self-test ").append(selfTest).append('\n');
        return b.toString();
    }

    /** The body of {@code /healthz}: {@code ok}, or the dead workers' lines. */
    public String healthz() {
        if (live()) {
            return "ok\n";
        }
        StringBuilder b = new StringBuilder();
        for (Reason r : reasons) {
            if (r.name().equals(WORKER_DEAD)) {
                b.append(r.line()).append('\n');
            }
        }
        return b.toString();
    }
}
