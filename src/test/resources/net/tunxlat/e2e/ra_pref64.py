#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""Router advertisements with the RFC 8781 PREF64 option, for the CLAT end-to-end bed (ClatBed).

Usage: ra_pref64.py IFACE CONTROL-FILE

Every INTERVAL seconds (and at once on SIGHUP) it re-reads CONTROL-FILE, lines of key=value:
  source=fe80::1               the RA's source (a link-local address of IFACE)
  prefix=2001:db8:1::/64       the SLAAC prefix (Prefix Information option, L and A set)
  old_prefix=2001:db8:2::/64   optional: a prefix going away, sent with preferred lifetime 0
  prefix_valid=86400 prefix_preferred=14400
  pref64=64:ff9b::/96          the NAT64 prefix; empty: no PREF64 option at all
  pref64_lifetime=600          seconds; 0 tells hosts the prefix is gone (RFC 8781 section 4)
  router_lifetime=1800         0: not a default router
  mtu=1500                     optional MTU option
  interval=3
and sends one RA to ff02::1 on IFACE. Each RA sent is logged on stdout with what it carried.
scapy (python3-scapy) builds the packet; scapy 2.5 has no class for PREF64, so its 16 bytes are built here.
"""
import ipaddress
import signal
import struct
import sys
import threading
import time

from scapy.all import conf, get_if_hwaddr, sendp
from scapy.layers.inet6 import (ICMPv6ND_RA, ICMPv6NDOptMTU, ICMPv6NDOptPrefixInfo, ICMPv6NDOptSrcLLAddr, IPv6)
from scapy.layers.l2 import Ether
from scapy.packet import Raw

conf.verb = 0
# RFC 8781 section 4: Prefix Length Code -> prefix length
PLC = {96: 0, 64: 1, 56: 2, 48: 3, 40: 4, 32: 5}


def pref64_option(prefix, lifetime):
    """RFC 8781 section 4: Type 38, Length 2, Scaled Lifetime (13 bits, units of 8 s, rounded up) | PLC (3 bits),
    then the highest 96 bits of the prefix."""
    net = ipaddress.IPv6Network(prefix)
    if net.prefixlen not in PLC:
        raise ValueError("PREF64 length must be 32, 40, 48, 56, 64 or 96: " + prefix)
    scaled = min((int(lifetime) + 7) // 8, 8191)
    return struct.pack("!BBH", 38, 2, (scaled << 3) | PLC[net.prefixlen]) + net.network_address.packed[:12]


def read(path):
    values = {}
    with open(path) as f:
        for line in f:
            line = line.strip()
            if line and not line.startswith("#") and "=" in line:
                k, v = line.split("=", 1)
                values[k.strip()] = v.strip()
    return values


def pio(prefix, valid, preferred):
    net = ipaddress.IPv6Network(prefix)
    return ICMPv6NDOptPrefixInfo(prefix=str(net.network_address), prefixlen=net.prefixlen, L=1, A=1,
                                 validlifetime=valid, preferredlifetime=preferred)


def send(iface, c):
    mac = get_if_hwaddr(iface)
    ra = (Ether(src=mac, dst="33:33:00:00:00:01")
          / IPv6(src=c.get("source", "fe80::1"), dst="ff02::1", hlim=255)
          / ICMPv6ND_RA(routerlifetime=int(c.get("router_lifetime", "1800")))
          / ICMPv6NDOptSrcLLAddr(lladdr=mac))
    if c.get("mtu"):
        ra = ra / ICMPv6NDOptMTU(mtu=int(c["mtu"]))
    ra = ra / pio(c["prefix"], int(c.get("prefix_valid", "86400")), int(c.get("prefix_preferred", "14400")))
    if c.get("old_prefix"):
        ra = ra / pio(c["old_prefix"], int(c.get("old_prefix_valid", "60")), 0)
    if c.get("pref64"):
        ra = ra / Raw(pref64_option(c["pref64"], c.get("pref64_lifetime", "600")))
    sendp(ra, iface=iface)
    print("%.3f ra: prefix=%s old_prefix=%s pref64=%s pref64_lifetime=%s router_lifetime=%s" % (
        time.time(), c["prefix"], c.get("old_prefix", ""), c.get("pref64", ""), c.get("pref64_lifetime", ""),
        c.get("router_lifetime", "1800")), flush=True)


def main():
    iface, control = sys.argv[1], sys.argv[2]
    wake = threading.Event()
    signal.signal(signal.SIGHUP, lambda *_: wake.set())
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    print("ra: sending on %s, control file %s" % (iface, control), flush=True)
    while True:
        c = read(control)
        try:
            send(iface, c)
        except (OSError, ValueError, KeyError) as e:
            print("ra: cannot send: %r" % (e,), flush=True)
        wake.wait(float(c.get("interval", "3")))
        wake.clear()


if __name__ == "__main__":
    main()
