#!/usr/bin/env python3
"""Packet probe for tunxlat's differential end-to-end test (DifferentialTaygaIT).

Runs inside the IPv6 host's network namespace (``ip netns exec <v6ns> python3 xlat_probe.py ...``)
and opens a second capture/send socket in the IPv4 host's namespace with setns(2). For each case of
the JSON case file it crafts the case's packets with scapy, sends them as Ethernet frames from the
case's host (AF_PACKET, so the host's own stack never touches them), captures every frame that
arrives at either host for a short window, and writes one decoded record per arriving packet.

The hosts' kernels are expected to be silenced by the test (tc ingress drop on eth0, which runs
after packet taps), so everything captured is what the translator path delivered.

Output (one record per line, tab-separated):
  CASE  <name>  sent=<n>  udp_md5=<md5 of the UDP payload sent, or ->
  SENT  <name>  <i>  <scapy summary of the i-th packet sent>
  PKT   <name>  <host>  <i>  key=value ...        (decoded fields, see decode_ip)
  SUMMARY <name> <host> <i>  <scapy summary>
  HEX   <name>  <host>  <i>  <hex of the IP packet>
  REASM <name>  <host>  key=value ...            (fragments of one datagram put together)
  END
Checksums are verified by recomputing them with scapy's RFC 1071 routine (scapy.utils.checksum)
over the pseudo-header and the bytes received.
"""

import argparse
import ctypes
import hashlib
import json
import os
import select
import socket
import struct
import sys
import time

import logging

logging.getLogger("scapy.runtime").setLevel(logging.ERROR)

from scapy.layers.inet import ICMP, IP, UDP, IPOption_LSRR, IPOption_RR  # noqa: E402
from scapy.layers.inet6 import (  # noqa: E402
    IPv6,
    IPv6ExtHdrDestOpt,
    IPv6ExtHdrFragment,
    IPv6ExtHdrHopByHop,
    IPv6ExtHdrRouting,
    ICMPv6EchoRequest,
    PadN,
)
from scapy.layers.l2 import Ether  # noqa: E402
from scapy.packet import Raw  # noqa: E402
from scapy.utils import checksum  # noqa: E402

ETH_P_ALL = 0x0003
PACKET_OUTGOING = 4
CLONE_NEWNET = 0x40000000


# ---------------------------------------------------------------- namespaces and sockets


def setns(path):
    libc = ctypes.CDLL("libc.so.6", use_errno=True)
    fd = os.open(path, os.O_RDONLY)
    try:
        if libc.setns(fd, CLONE_NEWNET) != 0:
            err = ctypes.get_errno()
            raise OSError(err, "setns(%s): %s" % (path, os.strerror(err)))
    finally:
        os.close(fd)


def open_port(iface):
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
    s.bind((iface, ETH_P_ALL))  # CPython converts the protocol to network order itself
    s.setblocking(False)
    mac = s.getsockname()[4]
    return s, ":".join("%02x" % b for b in mac[:6])


# ---------------------------------------------------------------- crafting


def payload_bytes(size, seed):
    return bytes(((i * 7 + seed * 13 + (i >> 8)) & 0xFF) for i in range(size))


def md5(b):
    return hashlib.md5(b).hexdigest()


class Built:
    """Packets (IP layer, bytes) of one spec and the UDP payload they carry."""

    def __init__(self):
        self.packets = []
        self.udp_payload = None


def transport_of(pkt):
    """The bytes after the IP header of a packet scapy has built (checksums computed in place)."""
    b = bytes(pkt)
    return b[(b[0] & 15) * 4:] if b[0] >> 4 == 4 else b[40:]


def build_l4(l4, seed, outer_src, outer_dst, ipver):
    """Returns (protocol number, transport bytes, udp payload or None)."""
    if "udp" in l4:
        u = l4["udp"]
        data = payload_bytes(u.get("size", 32), seed)
        udp = UDP(sport=u["sport"], dport=u["dport"])
        if u.get("cksum") == 0:
            udp.chksum = 0
        if ipver == 4:
            pkt = IP(src=outer_src, dst=outer_dst) / udp / Raw(data)
        else:
            pkt = IPv6(src=outer_src, dst=outer_dst) / udp / Raw(data)
        return 17, transport_of(pkt), data
    if "echo" in l4:
        e = l4["echo"]
        data = payload_bytes(e.get("size", 32), seed)
        if ipver == 4:
            return 1, transport_of(IP(src=outer_src, dst=outer_dst) / ICMP(type=8, id=e["id"], seq=e.get("seq", 1)) / Raw(data)), None
        return 58, transport_of(IPv6(src=outer_src, dst=outer_dst) / ICMPv6EchoRequest(id=e["id"], seq=e.get("seq", 1), data=data)), None
    if "icmp_error" in l4:
        e = l4["icmp_error"]
        inner = build(e["inner"], seed + 1)
        inner_bytes = bytes(inner.packets[0])
        if "quote" in e:
            inner_bytes = inner_bytes[: e["quote"]]
        ext = b""
        rest = e.get("rest", 0)
        if e.get("rfc4884"):
            # RFC 4884 §4: original datagram zero-padded to 128 octets, length attribute in 32-bit
            # (ICMPv4) or 64-bit (ICMPv6) words, then an extension structure (version 2) with one
            # object (class 1 MPLS stack, c-type 1, one label entry).
            inner_bytes = inner_bytes[:128].ljust(128, b"\x00")
            words = 128 // 4 if ipver == 4 else 128 // 8
            if ipver == 4:
                rest = (rest & 0xFF00FFFF) | (words << 16)
            else:
                rest = (rest & 0x00FFFFFF) | (words << 24)
            obj = struct.pack("!HBB", 8, 1, 1) + bytes.fromhex("000101ff")
            hdr = struct.pack("!BBH", 0x20, 0, 0)
            cks = checksum(hdr + obj)
            ext = struct.pack("!BBH", 0x20, 0, cks) + obj
        body = inner_bytes + ext
        head = struct.pack("!BBHI", e["type"], e["code"], 0, rest & 0xFFFFFFFF)
        if ipver == 4:
            cks = checksum(head + body)
            return 1, head[:2] + struct.pack("!H", cks) + head[4:] + body, None
        length = len(head) + len(body)
        pseudo = socket.inet_pton(socket.AF_INET6, outer_src) + socket.inet_pton(socket.AF_INET6, outer_dst) \
            + struct.pack("!IxxxB", length, 58)
        cks = checksum(pseudo + head + body)
        return 58, head[:2] + struct.pack("!H", cks) + head[4:] + body, None
    if "icmp_info" in l4:
        # an informational message the translator must drop (ICMPv4 Timestamp, unknown ICMPv6 types)
        e = l4["icmp_info"]
        body = payload_bytes(e.get("size", 16), seed)
        head = struct.pack("!BBHI", e["type"], e["code"], 0, 0x01020304)
        if ipver == 4:
            cks = checksum(head + body)
            return 1, head[:2] + struct.pack("!H", cks) + head[4:] + body, None
        pseudo = socket.inet_pton(socket.AF_INET6, outer_src) + socket.inet_pton(socket.AF_INET6, outer_dst) \
            + struct.pack("!IxxxB", len(head) + len(body), 58)
        cks = checksum(pseudo + head + body)
        return 58, head[:2] + struct.pack("!H", cks) + head[4:] + body, None
    raise ValueError("unknown l4 %r" % l4)


def ipv4_options(name):
    if not name:
        return []
    if name == "rr":
        return [IPOption_RR(routers=["0.0.0.0", "0.0.0.0"])]
    if name == "lsrr":
        return [IPOption_LSRR(routers=["203.0.113.99"], pointer=4)]
    raise ValueError("unknown IPv4 option set " + name)


def ipv6_ext(e):
    t = e["type"]
    if t == "hbh":
        return IPv6ExtHdrHopByHop(options=[PadN(optdata=b"\x00\x00\x00\x00")])
    if t == "dst":
        return IPv6ExtHdrDestOpt(options=[PadN(optdata=b"\x00\x00\x00\x00")])
    if t == "rt":
        return IPv6ExtHdrRouting(type=0, addresses=e.get("addrs", ["2001:db8:6::99"]), segleft=e.get("segleft", 0))
    raise ValueError("unknown extension header " + t)


def build(spec, seed=0):
    """Builds the packet(s) of a spec: one unless it asks for fragments."""
    out = Built()
    ipver = spec["ip"]
    proto, l4, udp_payload = build_l4(spec["l4"], seed, spec["src"], spec["dst"], ipver)
    out.udp_payload = udp_payload
    frags = spec.get("fragments")  # [[start, end, more], ...] byte ranges of the transport bytes
    if ipver == 4:
        def v4(flags, frag, data, ident):
            return IP(src=spec["src"], dst=spec["dst"], ttl=spec.get("ttl", 64), id=ident, tos=spec.get("tos", 0),
                      flags=flags, frag=frag, proto=proto, options=ipv4_options(spec.get("options"))) / Raw(data)

        df = "DF" if spec.get("df") else 0
        ident = spec.get("id", 1)
        if frags:
            for start, end, more in frags:
                flags = (2 if spec.get("df") else 0) | (1 if more else 0)
                out.packets.append(v4(flags, start // 8, l4[start:end], ident))
        else:
            out.packets.append(v4(df, 0, l4, ident))
        return out

    def v6_header():
        return IPv6(src=spec["src"], dst=spec["dst"], hlim=spec.get("hlim", 64), tc=spec.get("tc", 0),
                    fl=spec.get("fl", 0))

    exts = [ipv6_ext(e) for e in spec.get("ext", [])]
    if frags is not None or spec.get("atomic"):
        ranges = frags if frags else [[0, len(l4), False]]
        after = b""
        if spec.get("after_frag"):
            # a Destination Options header after the Fragment header (RFC 7915 §5.1: SHOULD drop)
            after = bytes([proto, 0, 1, 4, 0, 0, 0, 0])
        for start, end, more in ranges:
            fh = IPv6ExtHdrFragment(id=spec.get("id", 1), m=1 if more else 0, offset=start // 8,
                                    nh=60 if after else proto)
            p = v6_header()
            for e in exts:
                p = p / e
            out.packets.append(p / fh / Raw((after if start == 0 else b"") + l4[start:end]))
        return out
    p = v6_header()
    for e in exts:
        p = p / e
    p = p / Raw(l4)
    # scapy chains the Next Header values of the headers it knows; the last one precedes raw bytes
    last = p
    while not isinstance(last.payload, Raw):
        last = last.payload
    last.nh = proto
    out.packets.append(p)
    return out


# ---------------------------------------------------------------- decoding


def u16(b, o):
    return struct.unpack_from("!H", b, o)[0]


def u32(b, o):
    return struct.unpack_from("!I", b, o)[0]


def a4(b):
    return socket.inet_ntop(socket.AF_INET, bytes(b))


def a6(b):
    return socket.inet_ntop(socket.AF_INET6, bytes(b))


def cks_ok(data):
    return "yes" if checksum(data) == 0 else "no"


def decode_ip(b, pfx, out, depth=0):
    if len(b) < 1:
        out[pfx + "trunc"] = "empty"
        return
    v = b[0] >> 4
    if v == 4:
        decode4(b, pfx, out, depth)
    elif v == 6:
        decode6(b, pfx, out, depth)
    else:
        out[pfx + "ip.v"] = str(v)


def decode4(b, pfx, out, depth):
    if len(b) < 20:
        out[pfx + "ip.v"] = "4"
        out[pfx + "trunc"] = "header"
        return
    ihl = (b[0] & 15) * 4
    tl = u16(b, 2)
    fo = u16(b, 6)
    src, dst = b[12:16], b[16:20]
    proto = b[9]
    f = {
        "ip.v": 4, "ip.ihl": ihl, "ip.tos": b[1], "ip.len": tl, "ip.id": u16(b, 4),
        "ip.df": (fo >> 14) & 1, "ip.mf": (fo >> 13) & 1, "ip.off": fo & 0x1FFF, "ip.ttl": b[8],
        "ip.proto": proto, "ip.src": a4(src), "ip.dst": a4(dst),
        "ip.hcs_ok": cks_ok(b[:ihl]) if len(b) >= ihl else "n/a",
    }
    if ihl > 20:
        f["ip.opts"] = b[20:ihl].hex()
    for k, val in f.items():
        out[pfx + k] = str(val)
    if depth == 0:
        out["len"] = str(min(len(b), tl))
    data = b[ihl:min(len(b), tl)]
    fragmented = f["ip.mf"] == 1 or f["ip.off"] != 0
    if f["ip.off"] == 0:
        def pseudo(length, p):
            return bytes(src) + bytes(dst) + struct.pack("!BBH", 0, p, length)
        decode_l4(proto, data, tl - ihl, pseudo, 4, pfx, out, depth, fragmented)


def decode6(b, pfx, out, depth):
    if len(b) < 40:
        out[pfx + "ip.v"] = "6"
        out[pfx + "trunc"] = "header"
        return
    w = u32(b, 0)
    plen = u16(b, 4)
    nh = b[6]
    src, dst = b[8:24], b[24:40]
    f = {"ip.v": 6, "ip.tc": (w >> 20) & 0xFF, "ip.fl": w & 0xFFFFF, "ip.plen": plen, "ip.nh": nh,
         "ip.hlim": b[7], "ip.src": a6(src), "ip.dst": a6(dst)}
    for k, val in f.items():
        out[pfx + k] = str(val)
    if depth == 0:
        out["len"] = str(min(len(b), 40 + plen))
    end = min(len(b), 40 + plen)
    p = 40
    exts = []
    frag = None
    while nh in (0, 43, 60, 44):
        if p + 8 > end:
            out[pfx + "trunc"] = "ext"
            break
        exts.append(str(nh))
        if nh == 44:
            fo = u16(b, p + 2)
            frag = (fo >> 3, fo & 1, u32(b, p + 4))
            out[pfx + "frag.nh"] = str(b[p])
            out[pfx + "frag.off"] = str(frag[0])
            out[pfx + "frag.m"] = str(frag[1])
            out[pfx + "frag.id"] = "0x%08x" % frag[2]
            nh = b[p]
            p += 8
        else:
            if nh == 43:
                out[pfx + "rt.type"] = str(b[p + 2])
                out[pfx + "rt.segleft"] = str(b[p + 3])
            nh = b[p]
            p += (b[p + 1] + 1) * 8
    out[pfx + "ip.exts"] = ",".join(exts) if exts else "-"
    out[pfx + "ip.l4"] = str(nh)
    fragmented = frag is not None and (frag[0] != 0 or frag[1] == 1)
    if frag is None or frag[0] == 0:
        def pseudo(length, proto):
            return bytes(src) + bytes(dst) + struct.pack("!IxxxB", length, proto)
        decode_l4(nh, b[p:end], 40 + plen - p, pseudo, 6, pfx, out, depth, fragmented)


def decode_l4(proto, data, declared, pseudo, ipver, pfx, out, depth, fragmented):
    complete = len(data) >= declared and not fragmented
    if proto == 17 and len(data) >= 8:
        ulen = u16(data, 4)
        ck = u16(data, 6)
        out[pfx + "udp.sport"] = str(u16(data, 0))
        out[pfx + "udp.dport"] = str(u16(data, 2))
        out[pfx + "udp.len"] = str(ulen)
        out[pfx + "udp.cksum"] = "0x%04x" % ck
        if ck == 0:
            out[pfx + "udp.cksum_ok"] = "zero"
        elif fragmented or len(data) < ulen or ulen < 8:
            out[pfx + "udp.cksum_ok"] = "n/a"
        else:
            out[pfx + "udp.cksum_ok"] = cks_ok(pseudo(ulen, 17) + bytes(data[:ulen]))
        if not fragmented and len(data) >= ulen >= 8:
            out[pfx + "udp.md5"] = md5(bytes(data[8:ulen]))
    elif proto == 6 and len(data) >= 20:
        out[pfx + "tcp.sport"] = str(u16(data, 0))
        out[pfx + "tcp.dport"] = str(u16(data, 2))
        out[pfx + "tcp.cksum_ok"] = cks_ok(pseudo(declared, 6) + bytes(data[:declared])) if complete else "n/a"
    elif proto == 1 and ipver == 4 and len(data) >= 8:
        t, c = data[0], data[1]
        out[pfx + "icmp.type"] = str(t)
        out[pfx + "icmp.code"] = str(c)
        out[pfx + "icmp.word"] = bytes(data[4:8]).hex()
        out[pfx + "icmp.cksum_ok"] = cks_ok(bytes(data[:declared])) if complete else "n/a"
        if t in (0, 8):
            out[pfx + "icmp.id"] = str(u16(data, 4))
            out[pfx + "icmp.seq"] = str(u16(data, 6))
        if t == 3 and c == 4:
            out[pfx + "icmp.mtu"] = str(u16(data, 6))
        if t == 12:
            out[pfx + "icmp.ptr"] = str(data[4])
        if t in (3, 11, 12):
            length = data[5]
            out[pfx + "icmp.len4884"] = str(length)
            body = bytes(data[8:])
            orig = body
            if length and (t != 3 or c != 4):
                orig = body[:length * 4]
                decode_ext(body[length * 4:], pfx, out)
            out[pfx + "icmp.quoted"] = str(len(orig))
            if depth < 2:
                decode_ip(orig, pfx + "in.", out, depth + 1)
    elif proto == 58 and ipver == 6 and len(data) >= 8:
        t, c = data[0], data[1]
        out[pfx + "icmp6.type"] = str(t)
        out[pfx + "icmp6.code"] = str(c)
        out[pfx + "icmp6.word"] = bytes(data[4:8]).hex()
        out[pfx + "icmp6.cksum_ok"] = cks_ok(pseudo(declared, 58) + bytes(data[:declared])) if complete else "n/a"
        if t in (128, 129):
            out[pfx + "icmp6.id"] = str(u16(data, 4))
            out[pfx + "icmp6.seq"] = str(u16(data, 6))
        if t == 2:
            out[pfx + "icmp6.mtu"] = str(u32(data, 4))
        if t == 4:
            out[pfx + "icmp6.ptr"] = str(u32(data, 4))
        if t < 128:
            body = bytes(data[8:])
            orig = body
            if t in (1, 3):
                length = data[4]
                out[pfx + "icmp6.len4884"] = str(length)
                if length:
                    orig = body[:length * 8]
                    decode_ext(body[length * 8:], pfx, out)
            out[pfx + "icmp6.quoted"] = str(len(orig))
            if depth < 2:
                decode_ip(orig, pfx + "in.", out, depth + 1)
    else:
        out[pfx + "l4.bytes"] = str(len(data))


def decode_ext(ext, pfx, out):
    out[pfx + "ext.len"] = str(len(ext))
    if len(ext) >= 4:
        out[pfx + "ext.ver"] = str(ext[0] >> 4)
        out[pfx + "ext.cksum_ok"] = cks_ok(ext)
        out[pfx + "ext.hex"] = ext[:16].hex()


def reassemble(packets):
    """Groups the fragments among (fields, ip bytes) and puts each complete datagram together."""
    groups = {}
    for f, b in packets:
        if f.get("ip.v") == "4" and (f.get("ip.mf") == "1" or f.get("ip.off") != "0"):
            ihl = int(f["ip.ihl"])
            tl = int(f["ip.len"])
            key = ("4", f["ip.src"], f["ip.dst"], f["ip.id"], f["ip.proto"])
            groups.setdefault(key, []).append((int(f["ip.off"]) * 8, b[ihl:tl], f["ip.mf"] == "1", int(f["ip.proto"]),
                                               b[12:16], b[16:20], len(b)))
        elif f.get("ip.v") == "6" and "frag.id" in f and (f.get("frag.m") == "1" or f.get("frag.off") != "0"):
            # payload after the Fragment header (extension headers before it are not expected here)
            plen = int(f["ip.plen"])
            p = 40
            nh = b[6]
            while nh in (0, 43, 60):
                nh, p = b[p], p + (b[p + 1] + 1) * 8
            key = ("6", f["ip.src"], f["ip.dst"], f["frag.id"])
            groups.setdefault(key, []).append((int(f["frag.off"]) * 8, b[p + 8:40 + plen], f["frag.m"] == "1",
                                               int(f["frag.nh"]), b[8:24], b[24:40], len(b)))
    results = []
    for key, frs in groups.items():
        frs.sort(key=lambda x: x[0])
        r = {"r.count": str(len(frs)), "r.max_len": str(max(x[6] for x in frs)), "r.key": "/".join(key)}
        data = b""
        complete = frs[0][0] == 0 and not frs[-1][2]
        for off, d, more, proto, src, dst, _ in frs:
            if off != len(data):
                complete = False
                break
            data += d
        r["r.complete"] = "yes" if complete else "no"
        if complete:
            proto, src, dst = frs[0][3], frs[0][4], frs[0][5]
            if key[0] == "4":
                def pseudo(length, p, s=src, d=dst):
                    return bytes(s) + bytes(d) + struct.pack("!BBH", 0, p, length)
            else:
                def pseudo(length, p, s=src, d=dst):
                    return bytes(s) + bytes(d) + struct.pack("!IxxxB", length, p)
            sub = {}
            decode_l4(proto, data, len(data), pseudo, int(key[0]), "", sub, 1, False)
            for k, v in sub.items():
                r["r." + k] = v
            r["r.bytes"] = str(len(data))
        results.append(r)
    return results


def ip_bytes(frame):
    if len(frame) < 14:
        return None
    et = u16(frame, 12)
    if et == 0x0800:
        b = frame[14:]
        return b[:u16(b, 2)] if len(b) >= 20 else b
    if et == 0x86DD:
        b = frame[14:]
        if len(b) < 40:
            return b
        if b[24] == 0xFF:
            return None  # multicast: ND / MLD chatter, never the translator's output
        if b[6] == 58 and len(b) >= 41 and 130 <= b[40] <= 143:
            return None  # MLD, ND
        return b[:40 + u16(b, 4)]
    return None


# ---------------------------------------------------------------- main loop


def drain(socks):
    for s in socks:
        while True:
            try:
                s.recv(65536)
            except BlockingIOError:
                break


def collect(ports, window):
    got = {name: [] for name in ports}
    deadline = time.monotonic() + window
    by_fd = {p[0].fileno(): name for name, p in ports.items()}
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            break
        r, _, _ = select.select([p[0] for p in ports.values()], [], [], left)
        for s in r:
            name = by_fd[s.fileno()]
            while True:
                try:
                    data, addr = s.recvfrom(65536)
                except BlockingIOError:
                    break
                if addr[2] == PACKET_OUTGOING:
                    continue
                b = ip_bytes(data)
                if b is not None:
                    got[name].append((b, data))
    return got


def clean(text):
    return text.replace("\t", " ").replace("\n", " ")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--cases", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--v4-netns", required=True, help="name of the IPv4 host's namespace (this process runs in the IPv6 host's)")
    ap.add_argument("--v6-gw-mac", required=True)
    ap.add_argument("--v4-gw-mac", required=True)
    ap.add_argument("--iface", default="eth0")
    ap.add_argument("--only", default=None, help="comma-separated case names to run")
    args = ap.parse_args()

    with open(args.cases) as f:
        spec = json.load(f)
    window = spec.get("window_ms", 300) / 1000.0

    ports = {}
    ports["v6"] = open_port(args.iface)
    setns("/run/netns/" + args.v4_netns)
    ports["v4"] = open_port(args.iface)
    gw = {"v6": args.v6_gw_mac, "v4": args.v4_gw_mac}
    only = set(args.only.split(",")) if args.only else None

    with open(args.out, "w") as out:
        for seed, case in enumerate(spec["cases"]):
            name = case["name"]
            if only and name not in only:
                continue
            side = case["from"]
            sock, mac = ports[side]
            frames = []
            udp_md5 = "-"
            for pspec in case["packets"]:
                built = build(pspec, seed * 10)
                if built.udp_payload is not None and udp_md5 == "-":
                    udp_md5 = md5(built.udp_payload)
                for p in built.packets:
                    frames.append(Ether(src=mac, dst=gw[side], type=0x0800 if pspec["ip"] == 4 else 0x86DD) / p)
            drain([p[0] for p in ports.values()])
            for fr in frames:
                sock.send(bytes(fr))
                time.sleep(case.get("gap_ms", 2) / 1000.0)
            got = collect(ports, window)
            out.write("CASE\t%s\tsent=%d\tudp_md5=%s\n" % (name, len(frames), udp_md5))
            for i, fr in enumerate(frames):
                out.write("SENT\t%s\t%d\t%s\n" % (name, i, clean(fr.payload.summary())))
            for host in ("v6", "v4"):
                decoded = []
                for i, (b, frame) in enumerate(got[host]):
                    fields = {}
                    try:
                        decode_ip(b, "", fields)
                    except Exception as e:  # never lose a packet over a decoder bug
                        fields["decode_error"] = clean(repr(e))
                    decoded.append((fields, b))
                    out.write("PKT\t%s\t%s\t%d\t%s\n" % (name, host, i, "\t".join("%s=%s" % kv for kv in sorted(fields.items()))))
                    try:
                        summary = Ether(frame).payload.summary()
                    except Exception as e:
                        summary = "(scapy: %r)" % e
                    out.write("SUMMARY\t%s\t%s\t%d\t%s\n" % (name, host, i, clean(summary)))
                    out.write("HEX\t%s\t%s\t%d\t%s\n" % (name, host, i, bytes(b).hex()))
                for r in reassemble(decoded):
                    out.write("REASM\t%s\t%s\t%s\n" % (name, host, "\t".join("%s=%s" % kv for kv in sorted(r.items()))))
            out.flush()
        out.write("END\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
