#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Router side of Pref64DiscoveryIT (scapy; run in the router's namespace with `ip netns exec`).

  pref64_ra.py ra --iface eth0 --src fe80::1 --pref64 2001:db8:64::/96,1800 [--pref64 PREFIX,LIFETIME[,PLC]] ... [--rdnss ADDR]
      sends one router advertisement (router lifetime 0) to ff02::1 with a source link-layer address
      option and one PREF64 option (RFC 8781 section 4) per --pref64, in order. The option bytes are built
      here from the RFC's figure, independently of the Java encoder: type 38, length 2, the 13-bit scaled
      lifetime (seconds / 8, rounded up) and the 3-bit PLC in one 16-bit word, the top 96 prefix bits.
      A third field forces the PLC (6 or 7 make an invalid option). --rdnss ADDR puts an RDNSS option
      (RFC 8106, type 25, also passed to user space by the kernel) before the PREF64 options.
  pref64_ra.py sniff-rs --iface eth0 --timeout 20
      prints READY once listening, then one JSON line for the first router solicitation seen and exits 0;
      exits 1 after the timeout.
"""
import argparse
import ipaddress
import json
import struct
import sys

from scapy.all import Ether, IPv6, ICMPv6ND_RA, ICMPv6ND_RS, ICMPv6NDOptSrcLLAddr, Raw, get_if_hwaddr, sendp, sniff
from scapy.layers.inet6 import in6_chksum

PLC = {96: 0, 64: 1, 56: 2, 48: 3, 40: 4, 32: 5}


def pref64_option(spec):
    parts = spec.split(",")
    net = ipaddress.IPv6Network(parts[0], strict=True)
    lifetime = int(parts[1])
    plc = int(parts[2]) if len(parts) > 2 else PLC[net.prefixlen]
    scaled = min((lifetime + 7) // 8, 0x1FFF)
    return struct.pack("!BBH", 38, 2, (scaled << 3) | plc) + net.network_address.packed[:12]


def send_ra(args):
    mac = get_if_hwaddr(args.iface)
    options = b"".join(pref64_option(p) for p in args.pref64)
    if args.rdnss:
        rdnss = struct.pack("!BBHI", 25, 3, 0, 600) + ipaddress.IPv6Address(args.rdnss).packed
        options = rdnss + options
    frame = (Ether(src=mac, dst="33:33:00:00:00:01")
             / IPv6(src=args.src, dst="ff02::1", hlim=255)
             / ICMPv6ND_RA(routerlifetime=0)
             / ICMPv6NDOptSrcLLAddr(lladdr=mac)
             / Raw(load=options))
    sendp(frame, iface=args.iface, verbose=False)
    print("SENT " + options.hex(), flush=True)


def sniff_rs(args):
    got = sniff(iface=args.iface, count=1, timeout=args.timeout,
                lfilter=lambda p: p.haslayer(ICMPv6ND_RS),
                started_callback=lambda: print("READY", flush=True))
    if not got:
        print("TIMEOUT", flush=True)
        return 1
    p = got[0]
    ip6 = p[IPv6]
    rs = bytes(ip6.payload)
    zeroed = rs[:2] + b"\x00\x00" + rs[4:]
    print(json.dumps({
        "eth_dst": p[Ether].dst,
        "src": ip6.src,
        "dst": ip6.dst,
        "hlim": ip6.hlim,
        "type": rs[0],
        "code": rs[1],
        "cksum_ok": struct.unpack("!H", rs[2:4])[0] == in6_chksum(58, ip6, zeroed),
        "options": rs[8:].hex(),
    }), flush=True)
    return 0


def main():
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="cmd", required=True)
    ra = sub.add_parser("ra")
    ra.add_argument("--iface", required=True)
    ra.add_argument("--src", required=True)
    ra.add_argument("--pref64", action="append", default=[])
    ra.add_argument("--rdnss")
    rs = sub.add_parser("sniff-rs")
    rs.add_argument("--iface", required=True)
    rs.add_argument("--timeout", type=float, default=20)
    args = ap.parse_args()
    if args.cmd == "ra":
        send_ra(args)
        return 0
    return sniff_rs(args)


if __name__ == "__main__":
    sys.exit(main())
