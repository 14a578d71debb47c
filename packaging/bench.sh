#!/usr/bin/env bash
# tunxlat throughput benchmark: TAYGA, tunxlat and the kernel's own forwarding (and, for stateful NAT64, NATs),
# alternately, on the same network-namespace bed, measured with iperf3. Run as root from a checkout:
#
#   sudo packaging/bench.sh                       # every mode, 10 s per test, one round
#   sudo packaging/bench.sh --rounds 3            # three rounds, medians (what docs/performance.md shows)
#   sudo packaging/bench.sh --quick               # 3 s per test, the NAT64 modes only
#   sudo packaging/bench.sh --guard               # CI: offload vs no-offload, TCP 6->4, fails below 3x
#   sudo packaging/bench.sh --modes tayga,tunxlat --tests tcp-fwd,udp-64 --seconds 5
#   sudo packaging/bench.sh --stateful            # stateful NAT64 against tayga+nat44 and kernel-nat44
#   sudo packaging/bench.sh --clat                # 464XLAT: the CLAT (tunxlat, TAYGA) against native IPv6
#
# The NAT64 bed is the end-to-end tests' bed (src/test/java/net/tunxlat/e2e/TestBed.java):
#
#   v6 host  eth0 2001:db8:6::2/64 ── to-v6 2001:db8:6::1   router ns   to-v4 203.0.113.1/24 ── eth0 203.0.113.2/24  v4 host
#                                                      TUN nat64: 2001:db8:64::/96, 192.168.255.0/24
#
# with 1500-byte veths, prefix 2001:db8:64::/96 and the static map 192.168.255.2 <-> 2001:db8:6::2 (so the
# IPv4 host can open the 4->6 flows). Modes:
#   tayga              TAYGA 0.9.2 (Debian's package) on a single-queue TUN device (it cannot attach to a
#                      multi_queue one)
#   tunxlat            tunxlat, defaults (offloads on, one worker per core) on a `multi_queue` TUN device,
#                      JVM options = JAVA_OPTS of packaging/tunxlat.default (what the package runs with)
#   tunxlat-nooffload  the same with `tun-offload no`: one packet per read (no super-packets)
#   tunxlat-readwrite  `tunxlat` with `tun-io readwrite`: one read(2) and one write(2) per packet instead of
#                      io_uring batches (not in the default modes)
#   tunxlat-nooffload-readwrite  both: the per-packet path as it was before io_uring (not in the default modes)
#   tunxlat-cds        tunxlat as /usr/bin/tunxlat runs it when the package's class-data sharing archive is
#                      there: an archive of the jar's start-up classes, made here once with `tunxlat cds-archive`
#                      (as the package's postinst does), with JNA's native library unpacked beside it, and the
#                      options packaging/tunxlat.sh adds for them (CDS, -Dtunxlat.jna-cache). Differs
#                      from `tunxlat` in start-up only
#   kernel             the ceiling: no translation, the router namespace forwards IPv6 between the two
#                      hosts (the v4 host also has 2001:db8:4::2/64, the router 2001:db8:4::1/64). Same hosts,
#                      veths, router and MSS (1440) as the translated 6->4 flow; GSO super-packets cross the
#                      router whole, as they do through tunxlat, so this is the best any translator in that
#                      namespace can do. (IPv4 forwarding would carry 20 bytes less header per segment.)
# Stateful modes (issue 16: one IPv4 address for the whole IPv6 side, against what users run today; the IPv4
# host cannot open flows to the IPv6 host, so tcp-rev is iperf3 -R: data 4->6 on a connection the IPv6 host
# opened; the reverse ping before the tests is skipped):
#   tunxlat-stateful   tunxlat with `pool4 203.0.113.3` (stateful NAT64, RFC 6146; no map), the defaults
#                      otherwise, on a multi_queue TUN device. 203.0.113.3 is routed to the TUN device and
#                      answered for on to-v4 by a proxy neighbour entry (the router keeps 203.0.113.1 for itself)
#   tayga+nat44        the classic composition: TAYGA with `dynamic-pool 192.168.255.0/24` (each IPv6 host
#                      gets a private IPv4 address) and packaging/nat44.nft masquerading that pool to the
#                      router's 203.0.113.1: two translations, TAYGA's map and the kernel's conntrack
#   kernel-nat44       the ceiling: no translation, the IPv6 host also has 10.6.0.2/16 (router 10.6.0.1/16)
#                      and the router forwards IPv4 with the same nat44.nft masquerade to 203.0.113.1.
#                      MSS 1460 instead of 1440 (20 bytes less header per segment)
# The NPTv6 bed: an inside host with a ULA (fd01:203:405:1::1234/64), a router, an outside host
# (2001:db8:9::9/64); the router maps fd01:203:405::/48 <-> 2001:db8:1::/48, so the inside host is
# 2001:db8:1:d550::1234 outside. Modes:
#   tunxlat-nptv6      tunxlat with `nptv6 fd01:203:405::/48 2001:db8:1::/48` on a multi_queue TUN device,
#                      routed as docs/nptv6.md says (a policy rule for the inside prefix)
#   ip6tables          Linux's own NPTv6: ip6tables SNPT/DNPT in the mangle table, NOTRACK in raw
# The CLAT bed (issue 17, 464XLAT, RFC 6877): an IPv6-only client (2001:db8:6::2/64), a router running the
# network's NAT64, an IPv4 server that also has IPv6 (203.0.113.2/24, 2001:db8:4::2/64):
#
#   client  eth0 2001:db8:6::2/64 ── to-cl 2001:db8:6::1   router ns   to-sv 203.0.113.1/24 ── eth0 203.0.113.2/24   server
#     TUN clat: 192.0.0.1 (CLAT modes)                  TUN nat64: tunxlat run,      2001:db8:4::1/64      2001:db8:4::2/64
#                                                       pool4 203.0.113.3, 2001:db8:64::/96
#
# The NAT64 (the PLAT) is the same in every CLAT mode: tunxlat, stateful (`pool4 203.0.113.3`, as tunxlat-stateful
# above), on a multi_queue TUN device. The CLAT is started clatd's way (toreanderson/clatd, what ClatdCompatIT
# checks line by line): its tayga.conf (`tun-device clat`, `prefix 2001:db8:64::/96`, `ipv4-addr 192.0.0.2`,
# `map 192.0.0.1 2001:db8:6::c1a7`), IPv6 forwarding and proxy-ND for 2001:db8:6::c1a7 on eth0, `CMD --config FILE
# --mktun ""` (a single-queue device), 192.0.0.1 on it, the route to 2001:db8:6::c1a7 in table 49575 with its rule,
# `default dev clat metric 2048 mtu 1260 advmss 1220`, then `CMD --config FILE --nodetach ""`. Modes:
#   clat-tunxlat       CMD is tunxlat (java with the package's JAVA_OPTS -jar JAR)
#   clat-tayga         CMD is TAYGA 0.9.2 (Debian's package): what clatd runs
#   native6            the ceiling: no translation anywhere, the same client to the server's 2001:db8:4::2 over
#                      the router's IPv6 forwarding (MSS 1440; the CLAT modes have clatd's route MTU 1260, MSS 1220)
#   nat64-only         no CLAT: the client's own IPv6 address to the server's IPv4 through the same NAT64
#                      (2001:db8:64::cb00:7102, MSS 1440): the ceiling of any CLAT on this bed, the NAT64's share
# In every CLAT mode tcp-rev is iperf3 -R (data server -> client on a connection the client opened: the NAT64 is
# stateful).
# Tests (client in the source namespace, iperf3 server in the destination; -O 1: the first second is not
# counted, for every mode):
#   tcp-fwd   TCP, one stream, IPv6 -> IPv4 (NPTv6: inside -> outside)           Gbit/s at the receiver
#   tcp-rev   TCP, one stream, IPv4 -> IPv6, opened by the IPv4 host (outside -> inside)
#   tcp-p4    TCP, 4 streams (-P 4), forward direction
#   udp-64    UDP, 64-byte payload, unlimited rate (-b 0), forward: packets/s received by the server
#   udp-1400  UDP, 1400-byte payload, likewise
#   udp-64-p8 UDP, 64-byte payload, 8 flows at once (-P 8): datagrams of different flows interleave, so
#             fewer of them reach tunxlat back to back for its UDP coalescing
#   new-flows new flows per second from many sources (packaging/newflows.py; stateful modes only): after a
#             warm-up burst of 5,000 (not counted), a burst of 50,000 UDP flows, one 16-byte datagram each,
#             from 100 source addresses x 500 source ports (a raw socket, one sendto() per flow), counted
#             at a UDP sink on the IPv4 host: flows arrived per second between the first and the last
#             (`new-udp`; with one IPv4 address and endpoint-independent mapping a run cannot use more
#             than its 64,512 ports, so it is a burst, not --seconds); then for --seconds, TCP connections
#             (connect, 64 bytes, close; 32 in flight) from the same 100 addresses in turn, counted by a
#             sink that reads each to its end (`new-tcp`); for both, the translator process's CPU time
#             (user + system, from /proc/PID/stat) per flow arrived (`new-udp-cpu`, `new-tcp-cpu`; none for
#             kernel-nat44): the senders share the CPUs with the translator, so the rates also measure them
#   udp-64-wire, udp-1400-wire, tcp-fwd-wire, tcp-rev-wire
#             the same as the test without -wire, with traffic as it arrives from a physical NIC (issue 19): on
#             both hosts' veths checksum and segmentation offloads are off (ethtool -K eth0 tx off tso off gso off
#             sg off: the kernel finishes every checksum and cuts every segment before the veth, so datagrams and
#             segments reach the router one by one with complete checksums, as over a wire); on the router's two
#             veths the GRO settings of a real NIC: for TCP the README's recommendation (gro on rx-gro-list off
#             rx-udp-gro-forwarding on, so the router's GRO may merge a stream's segments, as a NIC's does), for
#             UDP GRO on with rx-udp-gro-forwarding off (Linux's default: forwarded datagrams stay single). Put
#             back (offloads on, the veths' GRO off) after each. The bench log gets a check per test: packets and
#             average size each host sent (more than 1514 bytes on average would be super-packets) and, in the
#             tunxlat modes, the GSO super-packets and coalesced UDP writes tunxlat counted (metrics endpoint)
#   start     no traffic: only the start time below (e.g. --modes tunxlat,tunxlat-cds --tests start --rounds 10)
# While a tunxlat mode runs, its VmRSS is sampled every 0.2 s (the maximum is reported); each start is
# timed from launching the process to the first answered ping through it (ping every 20 ms).
set -euo pipefail

ROOT=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)
JAR=$ROOT/target/tunxlat.jar
SECONDS_PER_TEST=10
ROUNDS=1
MODES=""
TESTS=""
QUICK=0
WIRE=0
GUARD=0
STATEFUL=0
CLAT=0
GUARD_MIN=3
JSON_OUT=""
LOG_DIR=""
IDLE_PCT=80
HOLD=0
NICE=0
CC=cubic
IDLE_WAIT=60

usage() {
    sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed -e '$d' -e 's/^# \{0,1\}//'
    cat <<'EOF'
Options:
  --seconds N        seconds per test (default 10; --quick and --guard: 3)
  --rounds N         run every mode N times, alternating, and report medians (default 1)
  --modes LIST       comma-separated modes (default: kernel,tayga,tunxlat,tunxlat-nooffload,tunxlat-nptv6,ip6tables;
                     also tunxlat-cds, tunxlat-readwrite, tunxlat-nooffload-readwrite, tunxlat-stateful,
                     tayga+nat44, kernel-nat44, native6, nat64-only,
                     clat-tayga, clat-tunxlat)
  --tests LIST       comma-separated tests (default: tcp-fwd,tcp-rev,tcp-p4,udp-64,udp-1400,udp-64-p8; also start,
                     new-flows, udp-64-wire, udp-1400-wire, tcp-fwd-wire, tcp-rev-wire)
  --quick            short run: 3 s per test, modes kernel,tayga,tunxlat,tunxlat-nooffload
  --wire             local-sender and wire-like tests side by side: modes kernel,tayga,tunxlat, tests
                     tcp-fwd,tcp-fwd-wire,tcp-rev,tcp-rev-wire,udp-64,udp-64-wire,udp-1400,udp-1400-wire
  --stateful         modes kernel,tayga,tunxlat,kernel-nat44,tayga+nat44,tunxlat-stateful, tests
                     tcp-fwd,tcp-rev,udp-64,new-flows (new-flows runs in the last three only; the first three are
                     there for the ratios)
  --clat             modes native6,nat64-only,clat-tayga,clat-tunxlat, tests tcp-fwd,tcp-rev (the CLAT bed)
  --guard            CI regression guard: tunxlat vs tunxlat-nooffload, tcp-fwd, 3 s each; exits 1 only if
                     offload < 3x no-offload in two attempts (--guard-min X changes the factor)
  --jar PATH         tunxlat jar (default target/tunxlat.jar, built with mvn if missing)
  --json FILE        also write every measurement as JSON
  --log-dir DIR      keep configuration files, translator logs and iperf3 JSON there
  --nice N           run the translators, iperf3 and new-flows' tools at nice N (e.g. -15 on a shared machine)
  --cc ALGO          TCP congestion control of the iperf3 senders (default cubic, Linux's default; "" for the
                     system's net.ipv4.tcp_congestion_control)
  --hold             set up the first of --modes, print how to reach it, and wait (for profiling by hand)
  --wait-idle PCT    before each test, wait (up to --max-wait S, default 60) until the CPUs were at least PCT%
                     idle for a second (default 80; 0: never wait): other work on a shared machine skews figures
EOF
}

while [[ $# -gt 0 ]]; do
    case $1 in
        --seconds) SECONDS_PER_TEST=$2; shift 2 ;;
        --rounds) ROUNDS=$2; shift 2 ;;
        --modes) MODES=$2; shift 2 ;;
        --tests) TESTS=$2; shift 2 ;;
        --quick) QUICK=1; shift ;;
        --wire) WIRE=1; shift ;;
        --guard) GUARD=1; shift ;;
        --stateful) STATEFUL=1; shift ;;
        --clat) CLAT=1; shift ;;
        --guard-min) GUARD_MIN=$2; shift 2 ;;
        --jar) JAR=$(readlink -f "$2"); shift 2 ;;
        --json) JSON_OUT=$(readlink -f "$2"); shift 2 ;;
        --log-dir) LOG_DIR=$2; shift 2 ;;
        --wait-idle) IDLE_PCT=$2; shift 2 ;;
        --hold) HOLD=1; shift ;;
        --nice) NICE=$2; shift 2 ;;
        --cc) CC=$2; shift 2 ;;
        --max-wait) IDLE_WAIT=$2; shift 2 ;;
        -h|--help) usage; exit 0 ;;
        *) echo "bench.sh: unknown option $1 (--help)" >&2; exit 2 ;;
    esac
done

if [[ $GUARD -eq 1 ]]; then
    MODES=${MODES:-tunxlat,tunxlat-nooffload}
    TESTS=${TESTS:-tcp-fwd}
    [[ $SECONDS_PER_TEST == 10 ]] && SECONDS_PER_TEST=3
elif [[ $CLAT -eq 1 ]]; then
    MODES=${MODES:-native6,nat64-only,clat-tayga,clat-tunxlat}
    TESTS=${TESTS:-tcp-fwd,tcp-rev}
elif [[ $STATEFUL -eq 1 ]]; then
    MODES=${MODES:-kernel,tayga,tunxlat,kernel-nat44,tayga+nat44,tunxlat-stateful}
    TESTS=${TESTS:-tcp-fwd,tcp-rev,udp-64,new-flows}
elif [[ $WIRE -eq 1 ]]; then
    MODES=${MODES:-kernel,tayga,tunxlat}
    TESTS=${TESTS:-tcp-fwd,tcp-fwd-wire,tcp-rev,tcp-rev-wire,udp-64,udp-64-wire,udp-1400,udp-1400-wire}
elif [[ $QUICK -eq 1 ]]; then
    MODES=${MODES:-kernel,tayga,tunxlat,tunxlat-nooffload}
    [[ $SECONDS_PER_TEST == 10 ]] && SECONDS_PER_TEST=3
fi
MODES=${MODES:-kernel,tayga,tunxlat,tunxlat-nooffload,tunxlat-nptv6,ip6tables}
TESTS=${TESTS:-tcp-fwd,tcp-rev,tcp-p4,udp-64,udp-1400,udp-64-p8}
IFS=, read -r -a MODE_LIST <<<"$MODES"
IFS=, read -r -a TEST_LIST <<<"$TESTS"
for m in "${MODE_LIST[@]}"; do
    case $m in kernel|tayga|tunxlat|tunxlat-nooffload|tunxlat-cds|tunxlat-nptv6|ip6tables) ;;
        tunxlat-readwrite|tunxlat-nooffload-readwrite) ;;
        tunxlat-stateful|tayga+nat44|kernel-nat44|native6|nat64-only|clat-tayga|clat-tunxlat) ;;
        *) echo "bench.sh: unknown mode $m" >&2; exit 2 ;; esac
done
for t in "${TEST_LIST[@]}"; do
    case $t in tcp-fwd|tcp-rev|tcp-p4|udp-64|udp-1400|udp-64-p8|start|new-flows) ;;
        udp-64-wire|udp-1400-wire|tcp-fwd-wire|tcp-rev-wire) ;;
        *) echo "bench.sh: unknown test $t" >&2; exit 2 ;; esac
done

[[ $(id -u) -eq 0 ]] || { echo "bench.sh: needs root (network namespaces, TUN devices)" >&2; exit 2; }
need() { command -v "$1" >/dev/null || { echo "bench.sh: $1 is missing ($2)" >&2; exit 2; }; }
need ip "apt-get install iproute2"
need iperf3 "apt-get install iperf3"
need python3 "apt-get install python3"
need ping "apt-get install iputils-ping"
if [[ ",$TESTS," == *-wire,* ]]; then
    need ethtool "apt-get install ethtool"
    need curl "apt-get install curl"
fi
for m in "${MODE_LIST[@]}"; do
    case $m in
        tayga) need tayga "apt-get install tayga" ;;
        clat-tayga) need tayga "apt-get install tayga"; need java "apt-get install openjdk-17-jre-headless" ;;
        clat-tunxlat|nat64-only) need java "apt-get install openjdk-17-jre-headless" ;;
        tayga+nat44) need tayga "apt-get install tayga"; need nft "apt-get install nftables" ;;
        kernel-nat44) need nft "apt-get install nftables" ;;
        ip6tables) need ip6tables "apt-get install iptables" ;;
        tunxlat*) need java "apt-get install openjdk-17-jre-headless" ;;
    esac
done

if [[ " ${MODE_LIST[*]} " =~ \ (tunxlat|clat-|nat64-only) ]] && [[ ! -f $JAR ]]; then
    echo "bench.sh: building $JAR (mvn -B -q -DskipTests package)" >&2
    (cd "$ROOT" && mvn -B -q -DskipTests package) >&2
fi
# The JVM options the Debian package runs with (JAVA_OPTS of /etc/default/tunxlat).
JAVA_OPTS=$(sed -n 's/^JAVA_OPTS="\(.*\)"$/\1/p' "$ROOT/packaging/tunxlat.default")
# What /usr/bin/tunxlat adds when the package's class-data sharing archive exists (tunxlat-cds).
CDS_OPTS=$(sed -n 's/^CDS_OPTS="\(.*\)"$/\1/p' "$ROOT/packaging/tunxlat.sh")

ID=$$
WORK=$(mktemp -d /tmp/tunxlat-bench.XXXXXX)
[[ -n $LOG_DIR ]] && { mkdir -p "$LOG_DIR"; WORK_KEEP=$(readlink -f "$LOG_DIR"); } || WORK_KEEP=""
RESULTS=$WORK/results.tsv
: >"$RESULTS"
NAMESPACES=()
TRANSLATOR_PID=""
PLAT_PID=""
RSS_PID=""

cleanup() {
    set +e
    [[ -n $RSS_PID ]] && kill "$RSS_PID" 2>/dev/null
    [[ -n $TRANSLATOR_PID ]] && { kill "$TRANSLATOR_PID" 2>/dev/null; wait "$TRANSLATOR_PID" 2>/dev/null; }
    [[ -n $PLAT_PID ]] && { kill "$PLAT_PID" 2>/dev/null; wait "$PLAT_PID" 2>/dev/null; }
    for ns in "${NAMESPACES[@]}"; do
        for pidfile in "$WORK"/iperf3-"$ns".pid; do
            [[ -f $pidfile ]] && kill "$(cat "$pidfile")" 2>/dev/null
        done
    done
    for ns in "${NAMESPACES[@]}"; do
        ip netns del "$ns" 2>/dev/null
    done
    if [[ -n $WORK_KEEP ]]; then
        cp -r "$WORK"/. "$WORK_KEEP"/ 2>/dev/null
    fi
    rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

if [[ " ${MODE_LIST[*]} " == *" tunxlat-cds "* ]]; then
    # As the package's postinst makes /var/cache/tunxlat/tunxlat.jsa, for this jar and this runtime.
    # shellcheck disable=SC2086
    java $JAVA_OPTS -jar "$JAR" cds-archive "$WORK/tunxlat.jsa" | sed 's/^/[bench] /' >&2
fi

log() { printf '[bench] %s\n' "$*" >&2; }
nsx() { local ns=$1; shift; ip netns exec "$ns" "$@"; }

add_ns() {
    ip netns add "$1"
    NAMESPACES+=("$1")
    nsx "$1" ip link set lo up
    nsx "$1" sysctl -qw net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0
}

# Waits until a link is up and has no tentative IPv6 address.
await_link() {
    local ns=$1 dev=$2 i
    for i in $(seq 100); do
        if nsx "$ns" ip -o link show dev "$dev" | grep -q 'state UP' \
            && [[ -z $(nsx "$ns" ip -6 -o addr show dev "$dev" tentative) ]]; then
            return 0
        fi
        sleep 0.05
    done
    echo "bench.sh: $ns/$dev not usable" >&2
    return 1
}

start_iperf_server() {
    local ns=$1
    nsx "$ns" nice -n "$NICE" iperf3 -s -D -I "$WORK/iperf3-$ns.pid" --logfile "$WORK/iperf3-server-$ns.log"
    local i
    for i in $(seq 50); do
        [[ -s $WORK/iperf3-$ns.pid ]] && return 0
        sleep 0.05
    done
}

# ---- the NAT64 bed ---------------------------------------------------------------------------------
V6=txb$ID-v6
XL=txb$ID-xl
V4=txb$ID-v4
NAT64_BED=0
POOL4=203.0.113.3 # tunxlat-stateful's one IPv4 address (the router keeps 203.0.113.1, which the nat44 modes use)
NF_SOURCES=100    # new-flows: source addresses,
NF_PORTS=500      # UDP source ports per address (100 x 500 = 50,000 flows, and 5,000 to warm up: 4 of tunxlat's
                  # default blocks of 128 per address, 5 for half of them, 450 of the 504 blocks of 1024-65535)
NF_RUNS=0         # new-flows runs so far: each UDP burst uses other source ports (conntrack keeps the last ones)

nat64_bed() {
    [[ $NAT64_BED -eq 1 ]] && return 0
    log "NAT64 bed: $V6 - $XL - $V4"
    add_ns "$V6"; add_ns "$XL"; add_ns "$V4"
    nsx "$V6" ip link add eth0 type veth peer name to-v6 netns "$XL"
    nsx "$V4" ip link add eth0 type veth peer name to-v4 netns "$XL"
    nsx "$V6" ip addr add 2001:db8:6::2/64 dev eth0 nodad
    nsx "$XL" ip addr add 2001:db8:6::1/64 dev to-v6 nodad
    nsx "$XL" ip addr add 203.0.113.1/24 dev to-v4
    nsx "$V4" ip addr add 203.0.113.2/24 dev eth0
    # for the kernel mode only: plain IPv6 routing between the two hosts
    nsx "$XL" ip addr add 2001:db8:4::1/64 dev to-v4 nodad
    nsx "$V4" ip addr add 2001:db8:4::2/64 dev eth0 nodad
    nsx "$V6" ip link set eth0 up
    nsx "$V4" ip link set eth0 up
    nsx "$XL" ip link set to-v6 up
    nsx "$XL" ip link set to-v4 up
    nsx "$V6" ip -6 route add default via 2001:db8:6::1
    nsx "$V4" ip route add default via 203.0.113.1
    nsx "$V4" ip -6 route add default via 2001:db8:4::1
    # for kernel-nat44 only: the IPv6 host has IPv4 too (masqueraded by the router)
    nsx "$XL" ip addr add 10.6.0.1/16 dev to-v6
    nsx "$V6" ip addr add 10.6.0.2/16 dev eth0
    nsx "$V6" ip route add default via 10.6.0.1
    # the sources of new-flows: NF_SOURCES more addresses of the IPv6 host, in each family; the IPv6 ones
    # deprecated (preferred_lft 0) so that nothing else picks them as its source (the static map is for ::2)
    local i
    for i in $(seq "$NF_SOURCES"); do
        printf 'addr add 2001:db8:6::1:%x/64 dev eth0 nodad preferred_lft 0\naddr add 10.6.1.%d/16 dev eth0\n' "$i" "$i"
    done | nsx "$V6" ip -batch -
    nsx "$XL" sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1
    await_link "$V6" eth0; await_link "$XL" to-v6; await_link "$XL" to-v4; await_link "$V4" eth0
    start_iperf_server "$V6"
    start_iperf_server "$V4"
    cat >"$WORK/nat64.conf" <<EOF
tun-device nat64
ipv4-addr 192.168.255.1
prefix 2001:db8:64::/96
map 192.168.255.2 2001:db8:6::2
EOF
    { cat "$WORK/nat64.conf"; echo "data-dir $WORK/tayga"; } >"$WORK/tayga.conf"
    # tunxlat's control socket in the bench's directory: the default /run/tunxlat/nat64.sock is shared with any
    # other tunxlat on the machine using a device of that name (the end-to-end tests), which would take it over
    echo "control-socket $WORK/nat64.sock" >>"$WORK/nat64.conf"
    { cat "$WORK/nat64.conf"; echo "tun-offload no"; } >"$WORK/nat64-nooffload.conf"
    { cat "$WORK/nat64.conf"; echo "tun-io readwrite"; } >"$WORK/nat64-readwrite.conf"
    { cat "$WORK/nat64-nooffload.conf"; echo "tun-io readwrite"; } >"$WORK/nat64-nooffload-readwrite.conf"
    mkdir -p "$WORK/tayga"
    cat >"$WORK/nat64-stateful.conf" <<EOF
tun-device nat64
ipv4-addr 192.168.255.1
prefix 2001:db8:64::/96
pool4 $POOL4
control-socket $WORK/nat64.sock
EOF
    cat >"$WORK/tayga-nat44.conf" <<EOF
tun-device nat64
ipv4-addr 192.168.255.1
prefix 2001:db8:64::/96
dynamic-pool 192.168.255.0/24
data-dir $WORK/tayga-nat44
EOF
    NAT64_BED=1
}

# Loads packaging/nat44.nft in the router namespace: masquerade of $1 (what the nat44 modes run).
nat44() {
    nsx "$XL" nft -D NAT44_SOURCES="$1" -f "$ROOT/packaging/nat44.nft"
}

nat64_tun() { # $1: "multi_queue" or ""
    nsx "$XL" ip tuntap add dev nat64 mode tun ${1:+"$1"}
    nsx "$XL" ip link set nat64 up
    nsx "$XL" ip route add 2001:db8:64::/96 dev nat64
    nsx "$XL" ip route add 192.168.255.0/24 dev nat64
}

# ---- the NPTv6 bed ---------------------------------------------------------------------------------
IN=txb$ID-in
RT=txb$ID-rt
OUT=txb$ID-out
NPT_BED=0
NPT_INSIDE=fd01:203:405::/48
NPT_OUTSIDE=2001:db8:1::/48
INSIDE_HOST=fd01:203:405:1::1234
INSIDE_HOST_OUTSIDE=2001:db8:1:d550::1234   # RFC 6296 checksum-neutral mapping of INSIDE_HOST
OUTSIDE_HOST=2001:db8:9::9

npt_bed() {
    [[ $NPT_BED -eq 1 ]] && return 0
    log "NPTv6 bed: $IN - $RT - $OUT"
    add_ns "$IN"; add_ns "$RT"; add_ns "$OUT"
    nsx "$IN" ip link add eth0 type veth peer name lan netns "$RT"
    nsx "$OUT" ip link add eth0 type veth peer name wan netns "$RT"
    nsx "$IN" ip addr add $INSIDE_HOST/64 dev eth0 nodad
    nsx "$IN" ip addr add fe80::1234/64 dev eth0 nodad
    nsx "$RT" ip addr add fe80::1/64 dev lan nodad
    nsx "$RT" ip addr add fd01:203:405:1::1/128 dev lan nodad
    nsx "$RT" ip addr add 2001:db8:9::1/64 dev wan nodad
    nsx "$OUT" ip addr add $OUTSIDE_HOST/64 dev eth0 nodad
    nsx "$IN" ip link set eth0 up
    nsx "$OUT" ip link set eth0 up
    nsx "$RT" ip link set lan up
    nsx "$RT" ip link set wan up
    nsx "$RT" sysctl -qw net.ipv6.conf.all.forwarding=1
    await_link "$IN" eth0; await_link "$RT" lan; await_link "$RT" wan; await_link "$OUT" eth0
    nsx "$IN" ip -6 route add default via fe80::1 dev eth0
    nsx "$RT" ip -6 route add $NPT_INSIDE via fe80::1234 dev lan
    nsx "$OUT" ip -6 route add $NPT_OUTSIDE via 2001:db8:9::1 dev eth0
    start_iperf_server "$IN"
    start_iperf_server "$OUT"
    printf 'tun-device npt\nnptv6 %s %s\ncontrol-socket %s\n' "$NPT_INSIDE" "$NPT_OUTSIDE" "$WORK/npt.sock" >"$WORK/nptv6.conf"
    NPT_BED=1
}

# ---- the CLAT bed -----------------------------------------------------------------------------------
CL=txb$ID-cl
CR=txb$ID-cr
CS=txb$ID-cs
CLAT_BED=0
CLAT_V6=2001:db8:6::c1a7   # clatd's clat-v6-addr: an address of the client's /64 that no interface holds
CLAT_TABLE=49575           # clatd's route-table default, 0xc1a7
CLAT_CMD=()

clat_bed() {
    [[ $CLAT_BED -eq 1 ]] && return 0
    log "CLAT bed: $CL - $CR - $CS"
    add_ns "$CL"; add_ns "$CR"; add_ns "$CS"
    nsx "$CL" ip link add eth0 type veth peer name to-cl netns "$CR"
    nsx "$CS" ip link add eth0 type veth peer name to-sv netns "$CR"
    nsx "$CL" ip addr add 2001:db8:6::2/64 dev eth0 nodad
    nsx "$CR" ip addr add 2001:db8:6::1/64 dev to-cl nodad
    nsx "$CR" ip addr add 203.0.113.1/24 dev to-sv
    nsx "$CR" ip addr add 2001:db8:4::1/64 dev to-sv nodad
    nsx "$CS" ip addr add 203.0.113.2/24 dev eth0
    nsx "$CS" ip addr add 2001:db8:4::2/64 dev eth0 nodad
    nsx "$CL" ip link set eth0 up
    nsx "$CS" ip link set eth0 up
    nsx "$CR" ip link set to-cl up
    nsx "$CR" ip link set to-sv up
    nsx "$CL" ip -6 route add default via 2001:db8:6::1
    nsx "$CS" ip route add default via 203.0.113.1
    nsx "$CS" ip -6 route add default via 2001:db8:4::1
    nsx "$CR" sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1
    await_link "$CL" eth0; await_link "$CR" to-cl; await_link "$CR" to-sv; await_link "$CS" eth0
    start_iperf_server "$CS"
    printf '%s\n' "tun-device nat64" "ipv4-addr 192.168.255.1" "prefix 2001:db8:64::/96" "pool4 $POOL4" \
        "control-socket $WORK/plat.sock" >"$WORK/plat.conf"
    # clatd's tayga.conf, byte for byte ($0 as Debian installs clatd)
    printf '%s\n' "# Ephemeral TAYGA config file written by /usr/sbin/clatd" \
        "# This file may be safely deleted at any time." "tun-device clat" "prefix 2001:db8:64::/96" \
        "ipv4-addr 192.0.0.2" "map 192.0.0.1 $CLAT_V6" >"$WORK/clat.conf"
    CLAT_BED=1
}

# The network's NAT64 in the router: tunxlat, stateful, the same for every CLAT mode; ready when the client's own
# IPv6 address gets an answer from the server through it.
plat_start() {
    nsx "$CR" ip tuntap add dev nat64 mode tun multi_queue
    nsx "$CR" ip link set nat64 up
    nsx "$CR" ip route add 2001:db8:64::/96 dev nat64
    nsx "$CR" ip route add 192.168.255.1/32 dev nat64
    nsx "$CR" ip route add $POOL4/32 dev nat64
    nsx "$CR" ip neigh add proxy $POOL4 dev to-sv
    # shellcheck disable=SC2086
    ip netns exec "$CR" nice -n "$NICE" java $JAVA_OPTS -jar "$JAR" run -c "$WORK/plat.conf" >"$WORK/plat-$1.log" 2>&1 &
    PLAT_PID=$!
    if ! nsx "$CL" ping -n -q -c 1 -w 15 -i 0.02 2001:db8:64::cb00:7102 >/dev/null 2>&1; then
        echo "bench.sh: no ping through the NAT64 within 15 s; log:" >&2
        tail -20 "$WORK/plat-$1.log" >&2
        return 1
    fi
}

plat_stop() {
    kill "$PLAT_PID" 2>/dev/null || true
    wait "$PLAT_PID" 2>/dev/null || true
    PLAT_PID=""
    nsx "$CR" ip neigh del proxy $POOL4 dev to-sv
    nsx "$CR" ip link del dev nat64
}

# clatd's start up to (not including) `CMD --config FILE --nodetach ""`, CMD being CLAT_CMD; ClatdCompatIT quotes
# clatd's lines. (Its v4-conncheck, RFC 7050 and PLAT-device look-ups are left out: the values are known here.)
clat_up() {
    nsx "$CL" sysctl -qw net.ipv6.conf.eth0.accept_ra=2 net.ipv6.conf.all.forwarding=1 net.ipv6.conf.eth0.proxy_ndp=1
    nsx "$CL" ip -6 neighbour add proxy $CLAT_V6 dev eth0
    nsx "$CL" ip -6 rule add prio 1 table local
    nsx "$CL" ip -6 rule del prio 0 table local
    nsx "$CL" "${CLAT_CMD[@]}" --config "$WORK/clat.conf" --mktun "" >/dev/null
    nsx "$CL" ip link set up dev clat
    nsx "$CL" ip -4 address add 192.0.0.1 dev clat
    nsx "$CL" ip -6 route add $CLAT_V6 dev clat table $CLAT_TABLE
    nsx "$CL" ip -6 rule add prio 0 from 2001:db8:64::/96 to $CLAT_V6 table $CLAT_TABLE
    nsx "$CL" ip -4 route add default dev clat metric 2048 mtu 1260 advmss 1220
}

# clatd's cleanup_and_exit, once its translator has stopped.
clat_down() {
    nsx "$CL" "${CLAT_CMD[@]}" --config "$WORK/clat.conf" --rmtun >/dev/null
    nsx "$CL" sysctl -qw net.ipv6.conf.all.forwarding=0 net.ipv6.conf.eth0.accept_ra=1 net.ipv6.conf.eth0.proxy_ndp=0
    nsx "$CL" ip -6 neighbour delete proxy $CLAT_V6 dev eth0
    nsx "$CL" ip -6 rule add prio 0 table local
    nsx "$CL" ip -6 rule del prio 1 table local
    nsx "$CL" ip -6 rule del prio 0 table $CLAT_TABLE
}

# ---- translators -----------------------------------------------------------------------------------
# Starts a translator in the background ($1: namespace, rest: command), then times the first ping answered
# through it from $PING_NS to $PING_DST. Sets TRANSLATOR_PID and START_MS.
start_translator() {
    local ns=$1 logfile=$2; shift 2
    local t0 t1
    t0=$(date +%s%N)
    # shellcheck disable=SC2086
    ip netns exec "$ns" nice -n "$NICE" "$@" >"$logfile" 2>&1 &
    TRANSLATOR_PID=$!
    if ! nsx "$PING_NS" ping -n -q -c 1 -w 15 -i 0.02 "$PING_DST" >/dev/null 2>&1; then
        echo "bench.sh: no ping through $* within 15 s; log:" >&2
        tail -20 "$logfile" >&2
        return 1
    fi
    t1=$(date +%s%N)
    START_MS=$(( (t1 - t0) / 1000000 ))
}

stop_translator() {
    if [[ -n $TRANSLATOR_PID ]]; then
        kill "$TRANSLATOR_PID" 2>/dev/null || true
        wait "$TRANSLATOR_PID" 2>/dev/null || true
        TRANSLATOR_PID=""
    fi
    if [[ -n $RSS_PID ]]; then
        # The sampler ends by itself once the translator is gone. Not signalled: a signal that reaches it
        # before it has dropped this shell's traps (a stop right after the start) runs cleanup there.
        wait "$RSS_PID" 2>/dev/null || true
        RSS_PID=""
    fi
}

# Samples the translator's VmRSS (kB) every 0.2 s into $2 until it is gone.
sample_rss() {
    local pid=$1 out=$2
    (
        trap - EXIT INT TERM
        while [[ -r /proc/$pid/status ]]; do
            awk '/^VmRSS:/ {print $2}' "/proc/$pid/status" 2>/dev/null >>"$out" || true
            sleep 0.2
        done
    ) &
    RSS_PID=$!
}

record() { # mode test round value unit
    printf '%s\t%s\t%s\t%s\t%s\n' "$@" >>"$RESULTS"
}

# Sets up mode $1; sets FWD_NS FWD_DST REV_NS REV_DST (client namespace and server address per direction).
setup_mode() {
    local mode=$1 round=$2
    START_MS=""
    NF_DST=""; NF_SRC=""; ONE_WAY=0
    wait_idle # the start time too
    case $mode in
        kernel)
            nat64_bed
            FWD_NS=$V6; FWD_DST=2001:db8:4::2; REV_NS=$V4; REV_DST=2001:db8:6::2
            PING_NS=$V6; PING_DST=2001:db8:4::2
            nsx "$PING_NS" ping -n -q -c 1 -w 5 -i 0.02 "$PING_DST" >/dev/null
            ;;
        tayga)
            nat64_bed
            nat64_tun ""
            FWD_NS=$V6; FWD_DST=2001:db8:64::cb00:7102; REV_NS=$V4; REV_DST=192.168.255.2
            PING_NS=$V6; PING_DST=$FWD_DST
            start_translator "$XL" "$WORK/$mode-$round.log" tayga -c "$WORK/tayga.conf" -d
            ;;
        tunxlat|tunxlat-nooffload|tunxlat-cds|tunxlat-readwrite|tunxlat-nooffload-readwrite)
            nat64_bed
            nat64_tun multi_queue
            FWD_NS=$V6; FWD_DST=2001:db8:64::cb00:7102; REV_NS=$V4; REV_DST=192.168.255.2
            PING_NS=$V6; PING_DST=$FWD_DST
            local conf=$WORK/nat64.conf cds=""
            [[ $mode == tunxlat-nooffload ]] && conf=$WORK/nat64-nooffload.conf
            [[ $mode == tunxlat-readwrite ]] && conf=$WORK/nat64-readwrite.conf
            [[ $mode == tunxlat-nooffload-readwrite ]] && conf=$WORK/nat64-nooffload-readwrite.conf
            [[ $mode == tunxlat-cds ]] && cds="-XX:SharedArchiveFile=$WORK/tunxlat.jsa $CDS_OPTS -Dtunxlat.jna-cache=$WORK/jna"
            # shellcheck disable=SC2086
            start_translator "$XL" "$WORK/$mode-$round.log" java $cds $JAVA_OPTS -jar "$JAR" run -c "$conf"
            ;;
        tunxlat-nptv6)
            npt_bed
            nsx "$RT" ip tuntap add dev npt mode tun multi_queue
            nsx "$RT" ip link set npt up
            nsx "$RT" ip -6 rule add from $NPT_INSIDE lookup 100
            nsx "$RT" ip -6 route add default dev npt table 100
            nsx "$RT" ip -6 route add throw $NPT_INSIDE table 100
            nsx "$RT" ip -6 route add $NPT_OUTSIDE dev npt
            FWD_NS=$IN; FWD_DST=$OUTSIDE_HOST; REV_NS=$OUT; REV_DST=$INSIDE_HOST_OUTSIDE
            PING_NS=$IN; PING_DST=$OUTSIDE_HOST
            # shellcheck disable=SC2086
            start_translator "$RT" "$WORK/$mode-$round.log" java $JAVA_OPTS -jar "$JAR" run -c "$WORK/nptv6.conf"
            ;;
        tunxlat-stateful)
            nat64_bed
            nat64_tun multi_queue
            nsx "$XL" ip route add $POOL4/32 dev nat64
            nsx "$XL" ip neigh add proxy $POOL4 dev to-v4
            FWD_NS=$V6; FWD_DST=2001:db8:64::cb00:7102; ONE_WAY=1
            PING_NS=$V6; PING_DST=$FWD_DST
            NF_SRC=2001:db8:6::1:1; NF_DST=$FWD_DST
            # shellcheck disable=SC2086
            start_translator "$XL" "$WORK/$mode-$round.log" java $JAVA_OPTS -jar "$JAR" run -c "$WORK/nat64-stateful.conf"
            ;;
        tayga+nat44)
            nat64_bed
            nat64_tun ""
            nat44 192.168.255.0/24
            rm -rf "$WORK/tayga-nat44"; mkdir -p "$WORK/tayga-nat44" # no dynamic map left from the round before
            FWD_NS=$V6; FWD_DST=2001:db8:64::cb00:7102; ONE_WAY=1
            PING_NS=$V6; PING_DST=$FWD_DST
            NF_SRC=2001:db8:6::1:1; NF_DST=$FWD_DST
            start_translator "$XL" "$WORK/$mode-$round.log" tayga -c "$WORK/tayga-nat44.conf" -d
            ;;
        kernel-nat44)
            nat64_bed
            nat44 10.6.0.0/16
            FWD_NS=$V6; FWD_DST=203.0.113.2; ONE_WAY=1
            PING_NS=$V6; PING_DST=$FWD_DST
            NF_SRC=10.6.1.1; NF_DST=$FWD_DST
            nsx "$PING_NS" ping -n -q -c 1 -w 5 -i 0.02 "$PING_DST" >/dev/null
            ;;
        native6)
            clat_bed
            FWD_NS=$CL; FWD_DST=2001:db8:4::2; ONE_WAY=1
            PING_NS=$CL; PING_DST=$FWD_DST
            nsx "$PING_NS" ping -n -q -c 1 -w 5 -i 0.02 "$PING_DST" >/dev/null
            ;;
        nat64-only)
            clat_bed
            plat_start "$round"
            FWD_NS=$CL; FWD_DST=2001:db8:64::cb00:7102; ONE_WAY=1
            PING_NS=$CL; PING_DST=$FWD_DST
            ;;
        clat-tunxlat|clat-tayga)
            clat_bed
            plat_start "$round"
            if [[ $mode == clat-tayga ]]; then
                CLAT_CMD=(tayga)
            else
                # shellcheck disable=SC2206
                CLAT_CMD=(java $JAVA_OPTS -jar "$JAR")
            fi
            clat_up
            FWD_NS=$CL; FWD_DST=203.0.113.2; ONE_WAY=1
            PING_NS=$CL; PING_DST=$FWD_DST
            start_translator "$CL" "$WORK/$mode-$round.log" "${CLAT_CMD[@]}" --config "$WORK/clat.conf" --nodetach ""
            ;;
        ip6tables)
            npt_bed
            nsx "$RT" ip6tables -t raw -A PREROUTING -j NOTRACK
            nsx "$RT" ip6tables -t raw -A OUTPUT -j NOTRACK
            nsx "$RT" ip6tables -t mangle -A POSTROUTING -s $NPT_INSIDE -o wan -j SNPT \
                --src-pfx $NPT_INSIDE --dst-pfx $NPT_OUTSIDE
            nsx "$RT" ip6tables -t mangle -A PREROUTING -d $NPT_OUTSIDE -i wan -j DNPT \
                --src-pfx $NPT_OUTSIDE --dst-pfx $NPT_INSIDE
            FWD_NS=$IN; FWD_DST=$OUTSIDE_HOST; REV_NS=$OUT; REV_DST=$INSIDE_HOST_OUTSIDE
            PING_NS=$IN; PING_DST=$OUTSIDE_HOST
            nsx "$PING_NS" ping -n -q -c 1 -w 5 -i 0.02 "$PING_DST" >/dev/null
            ;;
    esac
    [[ $ONE_WAY -eq 1 ]] && { REV_NS=$FWD_NS; REV_DST=$FWD_DST; } # tcp-rev: iperf3 -R
    # The reverse direction must work before anything is measured (static map / DNPT); a NAT has none.
    if [[ $ONE_WAY -eq 0 ]]; then
        nsx "$REV_NS" ping -n -q -c 1 -w 5 -i 0.02 "$REV_DST" >/dev/null \
            || { echo "bench.sh: $mode: no ping from $REV_NS to $REV_DST" >&2; return 1; }
    fi
    if [[ -n $START_MS ]]; then
        record "$mode" start "$round" "$START_MS" ms
        log "$mode: forwarding $START_MS ms after start"
    fi
    if [[ $mode == tunxlat* ]]; then
        : >"$WORK/rss-$mode-$round"
        sample_rss "$TRANSLATOR_PID" "$WORK/rss-$mode-$round"
    fi
}

teardown_mode() {
    local mode=$1 round=$2
    stop_translator
    if [[ $mode == tunxlat* && -s $WORK/rss-$mode-$round ]]; then
        record "$mode" rss "$round" "$(sort -n "$WORK/rss-$mode-$round" | tail -1)" kB
    fi
    case $mode in
        tayga|tunxlat|tunxlat-nooffload|tunxlat-cds|tunxlat-readwrite|tunxlat-nooffload-readwrite)
            nsx "$XL" ip link del dev nat64 ;;
        tunxlat-stateful)
            nsx "$XL" ip neigh del proxy $POOL4 dev to-v4
            nsx "$XL" ip link del dev nat64
            ;;
        tayga+nat44)
            nsx "$XL" ip link del dev nat64
            nsx "$XL" nft delete table ip tunxlat_nat
            ;;
        kernel-nat44) nsx "$XL" nft delete table ip tunxlat_nat ;;
        clat-tunxlat|clat-tayga)
            clat_down
            plat_stop
            ;;
        nat64-only) plat_stop ;;
        tunxlat-nptv6)
            nsx "$RT" ip -6 rule del from $NPT_INSIDE lookup 100
            nsx "$RT" ip -6 route flush table 100
            nsx "$RT" ip link del dev npt
            ;;
        ip6tables)
            nsx "$RT" ip6tables -t raw -F
            nsx "$RT" ip6tables -t mangle -F
            ;;
    esac
}

# Percentage of CPU time idle over the next second (all CPUs).
idle_pct() {
    local a b
    a=$(awk '/^cpu / {print $5 + $6, $2 + $3 + $4 + $5 + $6 + $7 + $8 + $9}' /proc/stat)
    sleep 1
    b=$(awk '/^cpu / {print $5 + $6, $2 + $3 + $4 + $5 + $6 + $7 + $8 + $9}' /proc/stat)
    awk -v a="$a" -v b="$b" 'BEGIN { split(a, x, " "); split(b, y, " "); d = y[2] - x[2];
        print (d > 0 ? int(100 * (y[1] - x[1]) / d) : 100) }'
}

# Waits until the machine is idle enough (see --wait-idle); never fails.
wait_idle() {
    [[ $IDLE_PCT -gt 0 ]] || return 0
    local start=$SECONDS idle
    while true; do
        idle=$(idle_pct)
        [[ $idle -ge $IDLE_PCT ]] && return 0
        if (( SECONDS - start >= IDLE_WAIT )); then
            log "CPUs only $idle% idle after ${IDLE_WAIT} s of waiting: measuring anyway (figures may be low)"
            BUSY_TESTS=$((BUSY_TESTS + 1))
            return 0
        fi
        sleep 1
    done
}
BUSY_TESTS=0

# Runs test $3 for mode $1 in round $2 and records its figure.
run_test() {
    local mode=$1 round=$2 test=$3 ns dst args value unit json
    [[ $test == start ]] && return 0 # measured by setup_mode
    if [[ $test == new-flows ]]; then
        new_flows "$mode" "$round"
        return 0
    fi
    wait_idle
    ns=$FWD_NS; dst=$FWD_DST
    local base=${test%-wire}
    case $base in
        tcp-fwd) args=(${CC:+-C "$CC"}) ;;
        tcp-rev) ns=$REV_NS; dst=$REV_DST; args=(${CC:+-C "$CC"})
            [[ $ONE_WAY -eq 1 ]] && args+=(-R) ;;
        tcp-p4) args=(-P 4 ${CC:+-C "$CC"}) ;;
        udp-64) args=(-u -l 64 -b 0) ;;
        udp-1400) args=(-u -l 1400 -b 0) ;;
        udp-64-p8) args=(-u -l 64 -b 0 -P 8) ;;
    esac
    json=$WORK/$mode-$test-$round.json
    [[ $base != "$test" ]] && wire_on "$base"
    if ! timeout $((SECONDS_PER_TEST + 30)) ip netns exec "$ns" nice -n "$NICE" iperf3 -c "$dst" -t "$SECONDS_PER_TEST" -O 1 \
            --connect-timeout 5000 -J "${args[@]}" >"$json" 2>&1; then
        log "$mode $test: iperf3 failed: $(tail -c 300 "$json" | tr '\n' ' ')"
        [[ $base != "$test" ]] && wire_off
        record "$mode" "$test" "$round" nan "$([[ $test == udp* ]] && echo kpps || echo Gbit/s)"
        return 0
    fi
    read -r value unit < <(python3 - "$json" "$test" <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))
end = d["end"]
if sys.argv[2].startswith("udp"):
    # Datagrams the server received: its bytes over the payload size. Not packets - lost_packets: with -O,
    # iperf 3.12 reports the sender's packets there and counts the omitted second's datagrams as lost, so on a
    # busy machine that difference even goes negative.
    r = end["sum_received"]
    print("%.1f kpps" % (r["bytes"] / (1400 if sys.argv[2].startswith("udp-1400") else 64) / r["seconds"] / 1000))
else:
    print("%.3f Gbit/s" % (end["sum_received"]["bits_per_second"] / 1e9))
EOF
    )
    record "$mode" "$test" "$round" "$value" "$unit"
    log "$mode $test: $value $unit"
    [[ $base != "$test" ]] && wire_off "$mode $test"
    return 0
}

# ---- wire-like traffic (issue 19) ---------------------------------------------------------------------
# The current mode's bed: "HOST-NS ROUTER-NS ROUTER-DEV" for each of its two hosts (their link is eth0).
bed_links() {
    case $FWD_NS in
        "$V6"|"$V4") echo "$V6 $XL to-v6 $V4 $XL to-v4" ;;
        "$IN"|"$OUT") echo "$IN $RT lan $OUT $RT wan" ;;
        "$CL"|"$CS") echo "$CL $CR to-cl $CS $CR to-sv" ;;
    esac
}
WIRE_BAD=0
WIRE_BEFORE=""

# Packets and bytes each host sent on eth0, then tunxlat's GSO super-packets, coalesced UDP writes and
# translated packets ("- - -" when no tunxlat metrics endpoint answers in the router namespace).
wire_counters() {
    local h1 r1 d1 h2 r2 d2 h m
    read -r h1 r1 d1 h2 r2 d2 <<<"$(bed_links)"
    for h in "$h1" "$h2"; do
        printf '%s %s ' "$(nsx "$h" cat /sys/class/net/eth0/statistics/tx_packets)" \
            "$(nsx "$h" cat /sys/class/net/eth0/statistics/tx_bytes)"
    done
    m=$(nsx "$r1" curl -s -m 2 http://127.0.0.1:9464/metrics 2>/dev/null || true)
    if [[ $m == *tunxlat_gso_packets_total* ]]; then
        awk '/^tunxlat_gso_packets_total/ {g += $NF} /^tunxlat_udp_coalesced_writes_total/ {c += $NF}
             /^tunxlat_translated_packets_total/ {p += $NF} END {printf "%d %d %d\n", g, c, p}' <<<"$m"
    else
        echo "- - -"
    fi
}

# Wire-like links for a test of kind $1 (tcp-fwd, udp-64, ...): see the tests above.
wire_on() {
    local kind=$1 h1 r1 d1 h2 r2 d2 udpfwd=off
    read -r h1 r1 d1 h2 r2 d2 <<<"$(bed_links)"
    [[ $kind == tcp* ]] && udpfwd=on
    nsx "$h1" ethtool -K eth0 tx off tso off gso off sg off >/dev/null
    nsx "$h2" ethtool -K eth0 tx off tso off gso off sg off >/dev/null
    nsx "$r1" ethtool -K "$d1" gro on rx-gro-list off rx-udp-gro-forwarding $udpfwd >/dev/null
    nsx "$r2" ethtool -K "$d2" gro on rx-gro-list off rx-udp-gro-forwarding $udpfwd >/dev/null
    WIRE_BEFORE=$(wire_counters)
}

# Puts the links back as the other tests have them and, given "$mode $test", logs the wire-likeness check.
wire_off() {
    local h1 r1 d1 h2 r2 d2 after="" verdict
    read -r h1 r1 d1 h2 r2 d2 <<<"$(bed_links)"
    [[ -n ${1:-} ]] && after=$(wire_counters)
    nsx "$h1" ethtool -K eth0 tx on tso on gso on sg on >/dev/null
    nsx "$h2" ethtool -K eth0 tx on tso on gso on sg on >/dev/null
    nsx "$r1" ethtool -K "$d1" gro off rx-gro-list off rx-udp-gro-forwarding off >/dev/null
    nsx "$r2" ethtool -K "$d2" gro off rx-gro-list off rx-udp-gro-forwarding off >/dev/null
    [[ -n ${1:-} ]] || return 0
    verdict=$(python3 - "$1" "$h1" "$h2" "$WIRE_BEFORE" "$after" <<'EOF'
import sys
what, h1, h2 = sys.argv[1], sys.argv[2], sys.argv[3]
b, a = sys.argv[4].split(), sys.argv[5].split()
test = what.split()[1]
d = [int(y) - int(x) for x, y in zip(b[:4], a[:4])]
bad, out = [], []
for name, pk, by in ((h1, d[0], d[1]), (h2, d[2], d[3])):
    avg = by / pk if pk else 0
    out.append("%s sent %d packets, %.0f bytes on average" % (name, pk, avg))
    if avg > 1514:  # 1500-byte MTU + Ethernet header: more on average means super-packets left the host
        bad.append("%s sent super-packets" % name)
if b[4] != "-" and a[4] != "-":
    gso, coal, tr = (int(y) - int(x) for x, y in zip(b[4:], a[4:]))
    out.append("tunxlat read %d GSO super-packets%s, wrote %d coalesced UDP super-packets, translated %d packets" % (
        gso, " (made by the router's GRO, as a NIC's)" if test.startswith("tcp") else "", coal, tr))
    # Super-packets read mean the datagrams did not come one by one; those tunxlat writes are its own coalescing.
    if test.startswith("udp") and gso:
        bad.append("UDP super-packets reached tunxlat")
print(("NOT wire-like (" + "; ".join(bad) + "): " if bad else "wire-like: ") + "; ".join(out))
EOF
    )
    log "$1 check: $verdict"
    [[ $verdict == NOT* ]] && WIRE_BAD=$((WIRE_BAD + 1))
    return 0
}

# CPU time (user + system, in clock ticks) the translator process has used so far, or empty without one
# (kernel-nat44). The system time includes the kernel's forwarding (and tayga+nat44's conntrack) of what the
# translator writes to its TUN device, which runs in the translator's own write(2).
translator_ticks() {
    [[ -n $TRANSLATOR_PID && -r /proc/$TRANSLATOR_PID/stat ]] || return 0
    awk '{ print $14 + $15 }' "/proc/$TRANSLATOR_PID/stat"
}

# Microseconds of translator CPU per flow: ticks before $1, after $2, flows $3; nan without a translator.
cpu_per_flow() {
    local hz
    hz=$(getconf CLK_TCK)
    if [[ -z $1 || -z $2 || ${3:-0} -eq 0 ]]; then
        echo nan
    else
        awk -v a="$1" -v b="$2" -v n="$3" -v hz="$hz" 'BEGIN { printf "%.1f", (b - a) * 1e6 / hz / n }'
    fi
}

# The new-flows test of mode $1 in round $2 (stateful modes only): records new-udp and new-tcp, and the
# translator's CPU per flow of each (new-udp-cpu, new-tcp-cpu: what the rates hide when the sender, on the same
# CPUs, is what limits them).
NF=$ROOT/packaging/newflows.py
new_flows() {
    local mode=$1 round=$2 base sink out value ticks0 ticks1 cpu
    if [[ -z $NF_DST ]]; then
        log "$mode new-flows: skipped (stateful modes only)"
        return 0
    fi
    NF_RUNS=$((NF_RUNS + 1))
    base=$((10000 + (NF_RUNS % 50) * 2 * NF_PORTS))
    # UDP: a warm-up burst from 50 of the sources (ports above the measured ones; not counted: a translator
    # that has run for a while has its new-flow path compiled), then one burst of NF_SOURCES x NF_PORTS flows
    nsx "$V4" nice -n "$NICE" python3 "$NF" udp-sink 9 "$WORK/warm.json" &
    sink=$!
    await_file "$WORK/warm.json.ready"
    nsx "$FWD_NS" nice -n "$NICE" python3 "$NF" udp-send "$NF_DST" 9 "$NF_SRC" 50 100 $((base + NF_PORTS)) \
        >/dev/null || true
    wait "$sink" || true
    rm -f "$WORK"/warm.json*
    wait_idle
    out=$WORK/$mode-new-udp-$round.json
    nsx "$V4" nice -n "$NICE" python3 "$NF" udp-sink 9 "$out" &
    sink=$!
    await_file "$out.ready"
    ticks0=$(translator_ticks)
    nsx "$FWD_NS" nice -n "$NICE" python3 "$NF" udp-send "$NF_DST" 9 "$NF_SRC" "$NF_SOURCES" "$NF_PORTS" "$base" \
        >"$out.send" || true
    wait "$sink" || true
    ticks1=$(translator_ticks)
    value=$(python3 -c 'import json, sys; s = json.load(open(sys.argv[1])); r = json.load(open(sys.argv[2]))
print("%.1f %d %d %.3f %.3f %d" % (r["flows"] / r["span"] / 1000 if r["span"] else float("nan"), r["flows"], s["sent"],
                                  r["span"], s["seconds"], r["addresses"]))' "$out.send" "$out" 2>/dev/null || echo "nan 0 0 0 0 0")
    read -r value flows sent span secs addrs <<<"$value"
    record "$mode" new-udp "$round" "$value" kflows/s
    cpu=$(cpu_per_flow "$ticks0" "$ticks1" "$flows")
    record "$mode" new-udp-cpu "$round" "$cpu" us
    log "$mode new-udp: $value thousand flows/s ($flows of $sent flows arrived within $span s, from $addrs IPv4" \
        "address(es); sent in $secs s; translator CPU $cpu us per flow)"
    # TCP: connections for SECONDS_PER_TEST, counted at the sink
    wait_idle
    out=$WORK/$mode-new-tcp-$round.json
    nsx "$V4" nice -n "$NICE" python3 "$NF" tcp-sink 5301 "$out" &
    sink=$!
    await_file "$out.ready"
    ticks0=$(translator_ticks)
    nsx "$FWD_NS" nice -n "$NICE" python3 "$NF" tcp-send "$NF_DST" 5301 "$NF_SRC" "$NF_SOURCES" "$SECONDS_PER_TEST" 32 \
        >"$out.send" || true
    wait "$sink" || true
    ticks1=$(translator_ticks)
    value=$(python3 -c 'import json, sys; s = json.load(open(sys.argv[1])); r = json.load(open(sys.argv[2]))
print("%.0f %d %d %d %d" % (r["flows"] / r["span"] if r["span"] else float("nan"), r["flows"], s["connections"],
                            s["errors"], r["addresses"]))' "$out.send" "$out" 2>/dev/null || echo "nan 0 0 0 0")
    read -r value flows sent errors addrs <<<"$value"
    record "$mode" new-tcp "$round" "$value" conn/s
    cpu=$(cpu_per_flow "$ticks0" "$ticks1" "$flows")
    record "$mode" new-tcp-cpu "$round" "$cpu" us
    log "$mode new-tcp: $value connections/s ($flows arrived from $addrs IPv4 address(es), $sent sent, $errors failed;" \
        "translator CPU $cpu us per connection)"
}

await_file() {
    local i
    for i in $(seq 200); do
        [[ -e $1 ]] && return 0
        sleep 0.05
    done
    echo "bench.sh: $1 did not appear" >&2
    return 1
}

# ---- run ---------------------------------------------------------------------------------------------
machine() {
    local cpu cores
    cpu=$(lscpu 2>/dev/null | sed -n 's/^Model name: *//p' | head -1)
    cores=$(nproc)
    echo "machine: ${cpu:-?}, $cores CPUs, Linux $(uname -r), $(java -version 2>&1 | head -1 || echo 'no java'),"\
        "$(iperf3 --version 2>/dev/null | head -1 | cut -d' ' -f1-2), tayga $(dpkg-query -W -f='${Version}' tayga 2>/dev/null || echo '?')"
}

run_round() {
    local round=$1 mode test
    for mode in "${MODE_LIST[@]}"; do
        log "round $round: $mode"
        setup_mode "$mode" "$round"
        for test in "${TEST_LIST[@]}"; do
            run_test "$mode" "$round" "$test"
        done
        teardown_mode "$mode" "$round"
    done
}

log "$(machine)"
log "${SECONDS_PER_TEST} s per test, $ROUNDS round(s), modes ${MODE_LIST[*]}, tests ${TEST_LIST[*]}, TCP ${CC:-$(sysctl -n net.ipv4.tcp_congestion_control)}, nice $NICE, JAVA_OPTS=$JAVA_OPTS"

report() {
    python3 - "$RESULTS" "$JSON_OUT" "$GUARD" "$GUARD_MIN" "$(machine)" "$SECONDS_PER_TEST" \
        "TCP congestion control ${CC:-$(sysctl -n net.ipv4.tcp_congestion_control)}, nice $NICE, JAVA_OPTS $JAVA_OPTS" <<'EOF'
import json, math, statistics, sys
rows = [l.rstrip("\n").split("\t") for l in open(sys.argv[1]) if l.strip()]
json_out, guard, guard_min, machine, secs, settings = (sys.argv[2], sys.argv[3] == "1", float(sys.argv[4]), sys.argv[5],
                                                      sys.argv[6], sys.argv[7])
data, units = {}, {}
for mode, test, rnd, value, unit in rows:
    v = float(value)
    data.setdefault((mode, test), []).append(v)
    units[test] = unit
def med(mode, test):
    vals = [v for v in data.get((mode, test), []) if not math.isnan(v)]
    return statistics.median(vals) if vals else None
modes = list(dict.fromkeys(r[0] for r in rows))
tests = [t for t in ["tcp-fwd", "tcp-fwd-wire", "tcp-rev", "tcp-rev-wire", "tcp-p4", "udp-64", "udp-64-wire", "udp-1400",
                     "udp-1400-wire", "udp-64-p8", "new-udp", "new-tcp", "new-udp-cpu", "new-tcp-cpu"]
         if any(k[1] == t for k in data)]
nat64 = [m for m in ["kernel", "tayga", "tunxlat", "tunxlat-nooffload", "tunxlat-cds", "tunxlat-readwrite",
                     "tunxlat-nooffload-readwrite"] if m in modes]
npt = [m for m in ["ip6tables", "tunxlat-nptv6"] if m in modes]
stateful = [m for m in ["kernel-nat44", "tayga+nat44", "tunxlat-stateful"] if m in modes]
names = {"tcp-fwd": "TCP 1 stream 6->4", "tcp-rev": "TCP 1 stream 4->6", "tcp-p4": "TCP 4 streams 6->4",
         "udp-64": "UDP 64 B 6->4", "udp-1400": "UDP 1400 B 6->4", "udp-64-p8": "UDP 64 B 6->4, 8 flows",
         "new-udp": "new UDP flows 6->4", "new-tcp": "new TCP connections 6->4",
         "new-udp-cpu": "translator CPU per new UDP flow (lower is better)",
         "new-tcp-cpu": "translator CPU per new TCP connection (lower is better)"}
npt_names = {"tcp-fwd": "TCP 1 stream in->out", "tcp-rev": "TCP 1 stream out->in", "tcp-p4": "TCP 4 streams in->out",
             "udp-64": "UDP 64 B in->out", "udp-1400": "UDP 1400 B in->out", "udp-64-p8": "UDP 64 B in->out, 8 flows"}
def fmt(v, unit):
    if v is None:
        return "-"
    return ("%.2f" % v if unit == "Gbit/s" else "%.1f" % v if unit in ("kflows/s", "us") else "%.0f" % v) + " " + (
        {"Gbit/s": "Gbit/s", "kflows/s": "k/s", "conn/s": "/s", "us": "µs"}.get(unit, "kpps"))
def ratio(a, b):
    return "%.2fx" % (a / b) if a is not None and b else "-"
rounds = max((len(v) for v in data.values()), default=0)
print()
print(machine)
print("%s s per test, %d round(s)%s, %s" % (secs, rounds, ", medians" if rounds > 1 else "", settings))
def table(title, ms, labels, ratios):
    if not ms or not tests:
        return
    labels = dict(labels, **{t + "-wire": labels[t] + ", wire-like" for t in ["tcp-fwd", "tcp-rev", "udp-64", "udp-1400"]
                             if t in labels})
    cols = ["test"] + ms + [r[0] for r in ratios]
    print()
    print(title)
    print("| " + " | ".join(cols) + " |")
    print("|" + "|".join("---" for _ in cols) + "|")
    for t in tests:
        if all(med(m, t) is None for m in ms):
            continue
        u = units.get(t)
        cells = [labels[t]] + [fmt(med(m, t), u) for m in ms]
        cells += [ratio(med(a, t), med(b, t)) for _, a, b in ratios]
        print("| " + " | ".join(cells) + " |")
nat_ratios = [(n, a, b) for n, a, b in [
    ("tunxlat/TAYGA", "tunxlat", "tayga"), ("tunxlat/kernel", "tunxlat", "kernel"),
    ("no-offload/TAYGA", "tunxlat-nooffload", "tayga"), ("offload/no-offload", "tunxlat", "tunxlat-nooffload"),
    ("uring/readwrite", "tunxlat", "tunxlat-readwrite"),
    ("no-offload uring/readwrite", "tunxlat-nooffload", "tunxlat-nooffload-readwrite")]
    if a in modes and b in modes]
table("NAT64 (kernel = plain IPv6 forwarding between the same hosts, the ceiling)", nat64, names, nat_ratios)
st_ratios = [(n, a, b) for n, a, b in [
    ("stateful/tayga+nat44", "tunxlat-stateful", "tayga+nat44"), ("stateful/kernel-nat44", "tunxlat-stateful", "kernel-nat44"),
    ("stateful/stateless tunxlat", "tunxlat-stateful", "tunxlat"), ("stateful/TAYGA", "tunxlat-stateful", "tayga"),
    ("stateful/kernel", "tunxlat-stateful", "kernel")] if a in modes and b in modes]
st_names = dict(names, **{"tcp-rev": "TCP 1 stream 4->6 (stateful modes: iperf3 -R)"})
table("Stateful NAT64 (one IPv4 address; kernel-nat44 = IPv4 forwarding with masquerade, the ceiling)",
      stateful + [m for m in ["tunxlat", "tayga", "kernel"] if m in modes and stateful], st_names, st_ratios)
clat = [m for m in ["native6", "nat64-only", "clat-tayga", "clat-tunxlat"] if m in modes]
clat_names = dict(names, **{"tcp-fwd": "TCP 1 stream client->server", "tcp-rev": "TCP 1 stream server->client (iperf3 -R)",
                            "tcp-p4": "TCP 4 streams client->server", "udp-64": "UDP 64 B client->server",
                            "udp-1400": "UDP 1400 B client->server", "udp-64-p8": "UDP 64 B client->server, 8 flows"})
table("CLAT (464XLAT: client -> CLAT -> NAT64 (tunxlat, stateful) -> IPv4 server; native6 = the same client to the"
      " server's IPv6 address, no translation, the ceiling)", clat, clat_names,
      [(n, a, b) for n, a, b in [("clat-tunxlat/native6", "clat-tunxlat", "native6"),
                                 ("clat-tayga/native6", "clat-tayga", "native6"),
                                 ("clat-tunxlat/nat64-only", "clat-tunxlat", "nat64-only"),
                                 ("clat-tunxlat/clat-tayga", "clat-tunxlat", "clat-tayga")] if a in modes and b in modes])
table("NPTv6", npt, npt_names, [(n, a, b) for n, a, b in [("tunxlat/ip6tables", "tunxlat-nptv6", "ip6tables")]
                               if a in modes and b in modes])
extra = [m for m in modes if (m, "rss") in data or (m, "start") in data]
if extra:
    print()
    print("| mode | VmRSS under load (max) | start to forwarding |")
    print("|---|---|---|")
    for m in extra:
        rss = max(data[(m, "rss")]) / 1024 if (m, "rss") in data else None
        st = med(m, "start")
        starts = data.get((m, "start"), [])
        span = " (%.0f to %.0f)" % (min(starts), max(starts)) if len(starts) > 1 else ""
        print("| %s | %s | %s |" % (m, "%.0f MiB" % rss if rss else "-", "%.0f ms%s" % (st, span) if st is not None else "-"))
if json_out:
    json.dump({"machine": machine, "seconds": int(secs), "settings": settings,
               "results": [{"mode": m, "test": t, "round": int(r), "value": float(v), "unit": u} for m, t, r, v, u in rows]},
              open(json_out, "w"), indent=1)
if guard:
    a, b = med("tunxlat", "tcp-fwd"), med("tunxlat-nooffload", "tcp-fwd")
    ok = a is not None and b is not None and a >= guard_min * b
    print()
    print("guard: offload %s, no offload %s: %s (need >= %.1fx) %s" % (fmt(a, "Gbit/s"), fmt(b, "Gbit/s"),
          ratio(a, b), guard_min, "OK" if ok else "FAIL"))
    sys.exit(0 if ok else 1)
EOF
}

if [[ $HOLD -eq 1 ]]; then
    IDLE_PCT=0
    setup_mode "${MODE_LIST[0]}" 1
    log "holding ${MODE_LIST[0]} (translator pid ${TRANSLATOR_PID:-none}); iperf3 servers run in every host namespace:"
    log "  ip netns exec $FWD_NS iperf3 -c $FWD_DST        # forward"
    log "  ip netns exec $REV_NS iperf3 -c $REV_DST$([[ $ONE_WAY -eq 1 ]] && echo ' -R')        # reverse"
    log "Ctrl-C (or kill $$) ends it and removes the namespaces"
    while true; do sleep 1; done
fi

if [[ $GUARD -eq 1 ]]; then
    run_round 1
    if ! report; then
        log "guard: below ${GUARD_MIN}x; trying once more (a noisy machine is not a regression)"
        : >"$RESULTS"
        run_round 2
        report
    fi
else
    for r in $(seq "$ROUNDS"); do
        run_round "$r"
    done
    report
fi
[[ $BUSY_TESTS -eq 0 ]] || log "$BUSY_TESTS test(s) ran on a busy machine (--wait-idle $IDLE_PCT)"
[[ $WIRE_BAD -eq 0 ]] || log "$WIRE_BAD wire-like test(s) were not wire-like (see their check lines above)"
