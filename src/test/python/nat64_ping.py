#!/usr/bin/env python3
"""ICMPv6 echo from many source addresses with ONE identifier, for tunxlat's stateful NAT64 end-to-end test.

  nat64_ping.py TARGET ID SOURCE...

Each source gets a ping socket (SOCK_DGRAM, IPPROTO_ICMPV6; net.ipv4.ping_group_range must include the
caller's group) bound to (SOURCE, ID): the kernel sends its echo requests with identifier ID and hands it
only the replies with that identifier to that address. Every source sends at once an echo request whose
payload names it, up to three times; prints "ok SOURCE" when the reply carries its own payload, "fail
SOURCE WHY" otherwise. Only the standard library.
"""
import select
import socket
import struct
import sys
import time


def main():
    target, ident, sources = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
    socks = {}
    for src in sources:
        s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM, socket.IPPROTO_ICMPV6)
        s.bind((src, ident))
        s.setblocking(False)
        socks[s] = src
    pending = dict(socks)
    wrong = {}
    for attempt in range(3):
        for s, src in pending.items():
            payload = ("nat64-ping " + src).encode()
            try:
                s.sendto(struct.pack("!BBHHH", 128, 0, 0, ident, attempt + 1) + payload, (target, 0))
            except OSError as e:
                wrong[src] = "send: %s" % e
        end = time.monotonic() + 2.0
        while pending and time.monotonic() < end:
            ready, _, _ = select.select(list(pending), [], [], max(0.0, end - time.monotonic()))
            for s in ready:
                src = pending[s]
                try:
                    data, _ = s.recvfrom(2048)
                except OSError as e:
                    wrong[src] = "recv: %s" % e
                    continue
                if len(data) >= 8 and data[0] == 129 and data[8:] == ("nat64-ping " + src).encode():
                    del pending[s]
                    wrong.pop(src, None)
                else:
                    wrong[src] = "a reply for another host: %r" % data[8:60]
        if not pending:
            break
    for s, src in socks.items():
        print("fail %s %s" % (src, wrong.get(src, "no reply")) if s in pending else "ok %s" % src)
    return 0


if __name__ == "__main__":
    sys.exit(main())
