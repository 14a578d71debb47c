#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""New flows per second through a NAT (bench.sh's new-flows test): many short UDP flows and short TCP connections
from many source addresses, counted where they arrive.

  newflows.py udp-sink PORT OUT.json         count datagrams (one per flow), their distinct sources (address and
                                             port) and source addresses; ends 3 s
                                             after the last one (or after 60 s without any) and writes OUT.json
  newflows.py udp-send DST PORT SRC N P BASE send one datagram from each of N source addresses (SRC, SRC+1, ...)
                                             times P source ports (BASE, BASE+1, ...): N * P new flows, as fast as
                                             the socket takes them (a raw socket and packets built beforehand, so
                                             the sender costs one sendto() per flow)
  newflows.py tcp-sink PORT OUT.json         accept connections, read each to its end, count those that delivered
                                             their bytes; ends 3 s after the last one and writes OUT.json
  newflows.py tcp-send DST PORT SRC N SECS C connect, send 64 bytes, close, from N source addresses in turn, C
                                             connections in flight at a time, for SECS seconds

Addresses are IPv4 or IPv6 (the family of DST). Every flow's first packet is its only one (UDP), or it is a
whole connection (TCP: SYN, SYN-ACK, ACK with data, FIN both ways), so what arrives per second is how many new
flows the path between the two sets up per second. Needs root (raw socket, SO_RCVBUFFORCE).
"""
import ipaddress
import json
import os
import selectors
import socket
import struct
import sys
import time

PAYLOAD = b"new-flow-bench-0"  # 16 bytes per UDP datagram
TCP_PAYLOAD = b"x" * 64
IDLE_END = 3.0
FIRST_WAIT = 60.0


def checksum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def udp_packets(dst, port, src, n, p, base):
    """The raw packets (IPv6 header + UDP, or IPv4 header + UDP: the kernel fills the IPv4 checksum and id)."""
    dst_ip = ipaddress.ip_address(dst)
    first = ipaddress.ip_address(src)
    length = 8 + len(PAYLOAD)
    packets = []
    for i in range(n):
        s = first + i
        for sport in range(base, base + p):
            udp = struct.pack("!HHHH", sport, port, length, 0) + PAYLOAD
            if dst_ip.version == 6:
                pseudo = s.packed + dst_ip.packed + struct.pack("!IxxxB", length, socket.IPPROTO_UDP)
                c = checksum(pseudo + udp) or 0xFFFF
                ip = struct.pack("!IHBB", 6 << 28, length, socket.IPPROTO_UDP, 64) + s.packed + dst_ip.packed
            else:
                pseudo = s.packed + dst_ip.packed + struct.pack("!xBH", socket.IPPROTO_UDP, length)
                c = checksum(pseudo + udp) or 0xFFFF
                ip = struct.pack("!BBHHHBBH", 0x45, 0, 20 + length, 0, 0x4000, 64, socket.IPPROTO_UDP, 0) \
                    + s.packed + dst_ip.packed
            packets.append(ip + udp[:6] + struct.pack("!H", c) + udp[8:])
    return packets


def udp_send(dst, port, src, n, p, base):
    family = socket.AF_INET6 if ":" in dst else socket.AF_INET
    packets = udp_packets(dst, int(port), src, int(n), int(p), int(base))
    sock = socket.socket(family, socket.SOCK_RAW, socket.IPPROTO_RAW)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 1 << 22)
    addr = (dst, 0)
    sent = failed = 0
    t0 = time.monotonic()
    for pkt in packets:
        try:
            sock.sendto(pkt, addr)
            sent += 1
        except OSError:  # ENOBUFS: the device queue is full; the flow is lost as the translator would lose it
            failed += 1
    t1 = time.monotonic()
    print(json.dumps({"sent": sent, "failed": failed, "seconds": t1 - t0}))


def sink(kind, port, out):
    family_any = "::"
    proto = socket.SOCK_DGRAM if kind == "udp" else socket.SOCK_STREAM
    sock = socket.socket(socket.AF_INET6, proto)
    sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, 33, 1 << 25)  # SO_RCVBUFFORCE: 32 MiB, so the sink itself drops nothing
    sock.bind((family_any, int(port)))
    count = 0
    sources = set()
    first = last = None
    started = time.monotonic()
    with open(out + ".ready", "w"):
        pass
    if kind == "udp":
        buf = bytearray(2048)
        while True:
            wait = IDLE_END if first is not None else max(0.1, FIRST_WAIT - (time.monotonic() - started))
            sock.settimeout(wait)
            try:
                _, addr = sock.recvfrom_into(buf)
            except socket.timeout:
                break
            now = time.monotonic()
            if first is None:
                first = now
                sock.settimeout(IDLE_END)
            last = now
            count += 1
            sources.add(addr[:2])
    else:
        sock.listen(4096)
        sock.setblocking(False)
        sel = selectors.DefaultSelector()
        sel.register(sock, selectors.EVENT_READ, None)
        got = {}
        while True:
            wait = IDLE_END if first is not None else max(0.1, FIRST_WAIT - (time.monotonic() - started))
            events = sel.select(wait)
            if not events:
                break
            for key, _ in events:
                if key.data is None:
                    while True:
                        try:
                            conn, addr = sock.accept()
                        except BlockingIOError:
                            break
                        conn.setblocking(False)
                        got[conn] = 0
                        sel.register(conn, selectors.EVENT_READ, addr)
                    continue
                conn = key.fileobj
                try:
                    data = conn.recv(4096)
                except ConnectionError:
                    data = b""
                    got[conn] = -1
                if data:
                    got[conn] += len(data)
                    continue
                sel.unregister(conn)
                if got.pop(conn) >= len(TCP_PAYLOAD):
                    now = time.monotonic()
                    if first is None:
                        first = now
                    last = now
                    count += 1
                    sources.add(key.data[:2])
                conn.close()
    span = (last - first) if first is not None and last > first else 0.0
    with open(out, "w") as f:
        json.dump({"flows": count, "sources": len(sources), "addresses": len({s[0] for s in sources}), "span": span}, f)


def tcp_send(dst, port, src, n, seconds, concurrency):
    family = socket.AF_INET6 if ":" in dst else socket.AF_INET
    first = ipaddress.ip_address(src)
    sources = [str(first + i) for i in range(int(n))]
    port, seconds, concurrency = int(port), float(seconds), int(concurrency)
    sel = selectors.DefaultSelector()
    done = errors = started = 0
    t0 = time.monotonic()
    end = t0 + seconds

    def start():
        nonlocal started
        s = socket.socket(family, socket.SOCK_STREAM)
        s.setblocking(False)
        s.bind((sources[started % len(sources)], 0))
        started += 1
        s.connect_ex((dst, port))
        sel.register(s, selectors.EVENT_WRITE)

    for _ in range(concurrency):
        start()
    while sel.get_map():
        now = time.monotonic()
        for key, _ in sel.select(max(0.0, min(1.0, end + 2 - now))):
            s = key.fileobj
            sel.unregister(s)
            if s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR) == 0:
                try:
                    s.send(TCP_PAYLOAD)
                    done += 1
                except OSError:
                    errors += 1
            else:
                errors += 1
            s.close()
            if time.monotonic() < end:
                start()
        if time.monotonic() > end + 2:  # connections that never completed
            for key in list(sel.get_map().values()):
                sel.unregister(key.fileobj)
                key.fileobj.close()
                errors += 1
    print(json.dumps({"connections": done, "errors": errors, "seconds": time.monotonic() - t0}))


def main(argv):
    if len(argv) < 2 or argv[1] in ("-h", "--help"):
        print(__doc__, file=sys.stdout if len(argv) >= 2 else sys.stderr)
        return 0 if len(argv) >= 2 else 2
    cmd, args = argv[1], argv[2:]
    if cmd == "udp-send" and len(args) == 6:
        udp_send(*args)
    elif cmd in ("udp-sink", "tcp-sink") and len(args) == 2:
        sink(cmd[:3], *args)
    elif cmd == "tcp-send" and len(args) == 6:
        tcp_send(*args)
    else:
        print("newflows.py: bad arguments (--help)", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
