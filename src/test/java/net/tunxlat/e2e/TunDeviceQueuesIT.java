// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.security.SecureRandom;
import java.util.HexFormat;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import net.tunxlat.tun.TunDevice;

/**
 * How many queues tunxlat gets on the devices administrators make: {@code ip tuntap add ... multi_queue}
 * gives one queue per worker (and still one when {@code workers 1}), a device made without it one queue
 * whatever {@code workers} says (TAYGA-style scripts), and offloads on every queue. Needs root.
 */
class TunDeviceQueuesIT {

    @Test
    void queuesOnMultiQueueAndSingleQueueDevices() throws Exception {
        String reason = TestBed.unavailableReason();
        Assumptions.assumeTrue(reason == null, reason);
        try (Netns ns = Netns.create("txq" + HexFormat.of().formatHex(new SecureRandom().generateSeed(3)))) {
            ns.ip("tuntap", "add", "dev", "mq", "mode", "tun", "multi_queue");
            ns.ip("tuntap", "add", "dev", "sq", "mode", "tun");
            ns.inside(() -> {
                try (TunDevice d = TunDevice.open("mq", 2, true)) {
                    assertEquals(2, d.queues().size(), "one queue per worker on a multi_queue device");
                    assertEquals(TunDevice.VNET_HDR_LEN, d.queues().get(1).vnetHeaderLength(), "offloads on every queue");
                    assertTrue((d.offloads() & (TunDevice.TUN_F_TSO4 | TunDevice.TUN_F_TSO6))
                            == (TunDevice.TUN_F_TSO4 | TunDevice.TUN_F_TSO6), d.describeOffloads());
                    assertEquals("", d.notes());
                }
                try (TunDevice d = TunDevice.open("mq", 1, true)) {
                    assertEquals(1, d.queues().size(), "workers 1 on a multi_queue device");
                    assertTrue((d.flags() & TunDevice.IFF_MULTI_QUEUE) != 0);
                }
                try (TunDevice d = TunDevice.open("mq", 1, false)) {
                    assertEquals(0, d.vnetHeaderLength(), "tun-offload no");
                }
                try (TunDevice d = TunDevice.open("sq", 2, true)) {
                    assertEquals(1, d.queues().size(), "a device made without multi_queue has one queue");
                    assertTrue(d.notes().contains("without multi_queue"), d.notes());
                    assertEquals(TunDevice.VNET_HDR_LEN, d.vnetHeaderLength());
                }
                return null;
            });
        }
    }
}
