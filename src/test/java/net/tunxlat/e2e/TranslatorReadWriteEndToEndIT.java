// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.e2e;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import org.junit.jupiter.api.BeforeAll;

/**
 * {@link TranslatorEndToEndIT}'s traffic with {@code tun-io readwrite}: one read(2) and one write(2) per packet, the
 * path {@code tun-io auto} falls back to where io_uring cannot be used, so that both paths stay covered end to end.
 */
class TranslatorReadWriteEndToEndIT extends TranslatorEndToEndIT {
    @BeforeAll
    static void tunxlatOnly() {
        assumeTrue(Translator.underTestIsTunxlat(), "tun-io is tunxlat's own directive");
    }

    @Override
    TestBed.Builder configure(TestBed.Builder bed) {
        return bed.configLine("tun-io readwrite");
    }

    @Override
    String expectedTunIo() {
        return "tun-io readwrite: one read(2) and one write(2) per packet";
    }
}
