#!/usr/bin/env bash
# tunxlat demo: builds tunxlat, then sends traffic from an IPv6-only host to an IPv4 host
# (and back) through the translator, all inside throw-away network namespaces.
#
#   ./packaging/demo.sh
#   TRANSLATOR_CMD='stdbuf -oL tayga -c {config} -d' ./packaging/demo.sh   # same, with TAYGA
#
# TRANSLATOR_CMD is split on spaces; {config} is replaced by the generated config file.
# It needs root (network namespaces, TUN devices, apt-get): run by another user, it runs itself
# again through sudo (keeping TRANSLATOR_CMD); run by root, it needs no sudo.
set -euo pipefail

if [[ $EUID -ne 0 ]]; then
    command -v sudo >/dev/null 2>&1 \
        || { echo "demo.sh: needs root (network namespaces and TUN devices) and sudo is not installed: run it as root" >&2; exit 1; }
    exec sudo -- env ${TRANSLATOR_CMD+"TRANSLATOR_CMD=$TRANSLATOR_CMD"} "$(readlink -f "${BASH_SOURCE[0]}")" "$@"
fi

cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.."
DEFAULT_CMD='java -jar target/tunxlat.jar run -c {config}'
TRANSLATOR_CMD=${TRANSLATOR_CMD:-$DEFAULT_CMD}
NS6=tx-demo-v6 NSX=tx-demo-xlat NS4=tx-demo-v4
PREFIX_V4HOST=2001:db8:64::203.0.113.2   # the IPv4 host 203.0.113.2 as the IPv6 host sees it
MAPPED_V6HOST=192.168.255.2              # the IPv6 host 2001:db8:6::2 as the IPv4 host sees it

say() { printf '\n\033[1m==> %s\033[0m\n' "$*"; }
die() { echo "demo.sh: $*" >&2; exit 1; }

# --- 1. packages (installed only when missing) ----------------------------------------------
need=()
have() { command -v "$1" >/dev/null 2>&1; }
have ip || need+=(iproute2)
have ping || need+=(iputils-ping)
have python3 || need+=(python3)
have curl || need+=(curl)
have sysctl || need+=(procps)
if [[ $TRANSLATOR_CMD == "$DEFAULT_CMD" ]]; then
    have javac || need+=(default-jdk-headless)
    have mvn || need+=(maven)
fi
if ((${#need[@]})); then
    say "Installing ${need[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -q && apt-get install -y -q --no-install-recommends "${need[@]}"
fi

# --- 2. build (only when the jar is missing or older than the sources) ----------------------
if [[ $TRANSLATOR_CMD == "$DEFAULT_CMD" ]]; then
    if [[ ! -f target/tunxlat.jar || -n $(find src pom.xml -newer target/tunxlat.jar -print -quit) ]]; then
        say "Building tunxlat (mvn package)"
        mvn -B -q -DskipTests package
    fi
fi

# --- 3. network: IPv6-only host <-> translator <-> IPv4 host ---------------------------------
WORK=$(mktemp -d /tmp/tunxlat-demo.XXXXXX)
pids=()
cleanup() {
    local rc=$?
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
    for ns in "$NS6" "$NSX" "$NS4"; do ip netns del "$ns" 2>/dev/null || true; done
    rm -rf "$WORK"
    exit "$rc"
}
trap cleanup EXIT
for ns in "$NS6" "$NSX" "$NS4"; do   # left over from an interrupted run?
    if [[ -e /run/netns/$ns ]]; then
        ip netns pids "$ns" | xargs -r kill 2>/dev/null || true
        ip netns del "$ns"
    fi
done

say "Creating namespaces $NS6 (IPv6 only), $NSX (translator), $NS4 (IPv4 only)"
for ns in "$NS6" "$NSX" "$NS4"; do
    ip netns add "$ns"
    ip netns exec "$ns" sysctl -q -w net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0
    ip -n "$ns" link set lo up
done
ip -n "$NS6" link add eth0 type veth peer name to-v6 netns "$NSX"
ip -n "$NS4" link add eth0 type veth peer name to-v4 netns "$NSX"
ip netns exec "$NS4" sysctl -q -w net.ipv6.conf.eth0.disable_ipv6=1
ip -n "$NS6" addr add 2001:db8:6::2/64 dev eth0 nodad
ip -n "$NSX" addr add 2001:db8:6::1/64 dev to-v6 nodad
ip -n "$NS4" addr add 203.0.113.2/24 dev eth0
ip -n "$NSX" addr add 203.0.113.1/24 dev to-v4
for ns in "$NS6" "$NS4"; do ip -n "$ns" link set eth0 up; done
ip -n "$NSX" link set to-v6 up
ip -n "$NSX" link set to-v4 up
ip -n "$NS6" -6 route add default via 2001:db8:6::1
ip -n "$NS4" route add default via 203.0.113.1
ip netns exec "$NSX" sysctl -q -w net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1
ip -n "$NSX" tuntap add dev nat64 mode tun
ip -n "$NSX" link set nat64 up
ip -n "$NSX" route add 2001:db8:64::/96 dev nat64
ip -n "$NSX" route add 192.168.255.0/24 dev nat64

# --- 4. translator ---------------------------------------------------------------------------
cat >"$WORK/tunxlat.conf" <<EOF
tun-device nat64
ipv4-addr 192.168.255.1
prefix 2001:db8:64::/96
map $MAPPED_V6HOST 2001:db8:6::2
EOF
read -ra cmd <<<"${TRANSLATOR_CMD//\{config\}/$WORK/tunxlat.conf}"
say "Starting the translator in $NSX: ${cmd[*]}"
sed 's/^/    /' "$WORK/tunxlat.conf"
LOG=$WORK/translator.log
ip netns exec "$NSX" "${cmd[@]}" >"$LOG" 2>&1 &
pids+=($!)
for ((i = 0; ; i++)); do
    ip netns exec "$NS6" ping -6 -c 1 -W 1 "$PREFIX_V4HOST" >/dev/null 2>&1 && break
    if ! kill -0 "${pids[0]}" 2>/dev/null || ((i >= 30)); then
        tail -n 30 "$LOG" >&2
        die "the translator did not come up"
    fi
    sleep 1
done

# --- 5. traffic ------------------------------------------------------------------------------
failed=0
step() {   # step "explanation" ns command...
    local what=$1 ns=$2
    shift 2
    say "$what"
    echo "    [$ns]\$ $*"
    if ip netns exec "$ns" "$@"; then echo "    OK"; else echo "    FAILED"; failed=$((failed + 1)); fi
}

step "IPv6-only host pings the IPv4 host 203.0.113.2 at $PREFIX_V4HOST (prefix 2001:db8:64::/96)" \
    "$NS6" ping -6 -c 3 -i 0.3 -W 2 "$PREFIX_V4HOST"
step "The translator answers at its own IPv6 address (prefix + 192.168.255.1)" \
    "$NS6" ping -6 -c 2 -i 0.3 -W 2 2001:db8:64::c0a8:ff01
step "... and at its own IPv4 address" \
    "$NS4" ping -4 -c 2 -i 0.3 -W 2 192.168.255.1

mkdir "$WORK/www"
echo "hello from the IPv4-only host $RANDOM" >"$WORK/www/index.html"
ip netns exec "$NS4" python3 -m http.server 8080 --bind 0.0.0.0 --directory "$WORK/www" \
    >/dev/null 2>"$WORK/http.log" &
pids+=($!)
for ((i = 0; i < 50; i++)); do
    ip netns exec "$NS4" curl -s -o /dev/null http://127.0.0.1:8080/ && break
    sleep 0.2
done
say "HTTP over TCP: the IPv6-only host fetches a page from python3 -m http.server on the IPv4 host"
echo "    [$NS6]\$ curl -6 -g http://[$PREFIX_V4HOST]:8080/"
if got=$(ip netns exec "$NS6" curl -6 -g -sS --max-time 10 "http://[$PREFIX_V4HOST]:8080/") &&
    [[ $got == "$(cat "$WORK/www/index.html")" ]]; then
    echo "    got: $got"
    echo "    OK (content matches)"
else
    echo "    FAILED (got: '${got:-}')"
    failed=$((failed + 1))
fi
echo "    the server saw the client as: $(tail -n 1 "$WORK/http.log" | cut -d' ' -f1)"

step "The IPv4 host reaches the IPv6-only host 2001:db8:6::2 through the static map $MAPPED_V6HOST" \
    "$NS4" ping -4 -c 3 -i 0.3 -W 2 "$MAPPED_V6HOST"

# --- 6. summary ------------------------------------------------------------------------------
say "Translator log (last 15 lines of $LOG)"
tail -n 15 "$LOG" | sed 's/^/    /'
if ((failed)); then
    say "$failed step(s) FAILED"
    exit 1
fi
say "All steps passed: traffic crossed the translator in both directions."
