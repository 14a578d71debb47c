#!/usr/bin/env python3
"""Packet flood for tunxlat's overload and soak tests: UDP datagrams written with raw sockets (so the source
can be anything, spoofed included), as fast as possible or at a set rate, for a set time. Prints one line
at the end: 'sent N packets in S s'.

  flood.py -6 --src 2001:db8:6::/64 --dst 2001:db8:64::cb00:7102 --seconds 10           # random sources
  flood.py -4 --src 203.0.113.2 --dst 192.168.255.77 --rate 5000 --seconds 60 --size 100

--src is an address, or a prefix whose host bits are chosen at random for every packet (a fresh source
per packet: 65,536 precomputed packets are cycled, then sources repeat). Only the standard library.
"""
import argparse
import ipaddress
import os
import random
import socket
import struct
import sys
import time


def checksum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def udp(src, dst, sport, dport, payload, v6):
    length = 8 + len(payload)
    if v6:
        pseudo = src.packed + dst.packed + struct.pack("!I3xB", length, 17)
    else:
        pseudo = src.packed + dst.packed + struct.pack("!xBH", 17, length)
    header = struct.pack("!HHHH", sport, dport, length, 0)
    c = checksum(pseudo + header + payload) or 0xFFFF
    return struct.pack("!HHHH", sport, dport, length, c) + payload


def packet(src, dst, sport, dport, payload, v6, hop):
    body = udp(src, dst, sport, dport, payload, v6)
    if v6:
        return struct.pack("!IHBB", 6 << 28, len(body), 17, hop) + src.packed + dst.packed + body
    header = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(body), random.getrandbits(16), 0, hop, 17, 0,
                         src.packed, dst.packed)
    header = header[:10] + struct.pack("!H", checksum(header)) + header[12:]
    return header + body


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    family = ap.add_mutually_exclusive_group(required=True)
    family.add_argument("-4", dest="v6", action="store_false")
    family.add_argument("-6", dest="v6", action="store_true")
    ap.add_argument("--src", required=True)
    ap.add_argument("--dst", required=True)
    ap.add_argument("--dport", type=int, default=9)
    ap.add_argument("--size", type=int, default=32, help="UDP payload bytes")
    ap.add_argument("--rate", type=float, default=0, help="packets per second (0: as fast as possible)")
    ap.add_argument("--seconds", type=float, required=True)
    ap.add_argument("--hop", type=int, default=64)
    a = ap.parse_args()

    dst = ipaddress.ip_address(a.dst)
    net = ipaddress.ip_network(a.src, strict=False)
    payload = os.urandom(a.size)
    count = 1 if net.num_addresses == 1 else 65536
    packets = []
    for i in range(count):
        src = net.network_address if count == 1 else net.network_address + random.randrange(1, net.num_addresses - 1)
        packets.append(packet(src, dst, 1024 + i % 60000, a.dport, payload, a.v6, a.hop))

    s = socket.socket(socket.AF_INET6 if a.v6 else socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 4 << 20)
    target = (a.dst, 0)
    sent = 0
    start = time.monotonic()
    end = start + a.seconds
    interval = 1.0 / a.rate if a.rate > 0 else 0
    next_at = start
    n = len(packets)
    while True:
        now = time.monotonic()
        if now >= end:
            break
        burst = 256 if interval == 0 else max(1, int((now - next_at) / interval) + 1)
        for _ in range(burst):
            try:
                s.sendto(packets[sent % n], target)
            except (BlockingIOError, OSError):
                pass  # a full queue or an unreachable route: counted as sent, dropped below us
            sent += 1
        if interval:
            next_at += burst * interval
            delay = next_at - time.monotonic()
            if delay > 0:
                time.sleep(delay)
    print("sent %d packets in %.1f s" % (sent, time.monotonic() - start))
    return 0


if __name__ == "__main__":
    sys.exit(main())
