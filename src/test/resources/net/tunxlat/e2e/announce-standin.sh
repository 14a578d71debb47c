#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
#
# TEMPORARY, TEST ONLY: a stand-in for packaging/tunxlat-announce (issue 18, the health helper's hook) until
# that script is on main; EcmpBed runs it in each translator namespace. The lead replaces it with the real
# hook. It implements the hook's contract (docs/scale-out.md) and nothing more:
#   every 0.5 s fetch BASE/readyz with a 1 s timeout; while the status is 200 and the first line says
#   "ready yes", keep exactly its "announce PREFIX" lines as routes "dev DEVICE table TABLE proto static
#   metric 0"; on 503, a timeout (a hung tunxlat), a refused connection (a dead one) or SIGTERM, flush the
#   table for both families.
# Before /readyz exists (404: tunxlat without the health endpoints), a 200 from BASE/metrics counts as
# "ready yes" and the PREFIX arguments stand for the announce lines.
#
# usage: announce-standin.sh BASE-URL DEVICE TABLE [PREFIX...]
set -u
base=$1 dev=$2 table=$3
shift 3
fallback="$*"
current=""

flush() {
    ip -4 route flush table "$table" 2>/dev/null
    ip -6 route flush table "$table" 2>/dev/null
    current=""
}
trap 'flush; exit 0' TERM INT

flush
while :; do
    body=$(curl -sS --max-time 1 -w '\n%{http_code}' "$base/readyz" 2>/dev/null)
    code=$(printf '%s\n' "$body" | tail -n 1)
    want=""
    case $code in
        200)
            if [ "$(printf '%s\n' "$body" | head -n 1)" = "ready yes" ]; then
                want=$(printf '%s\n' "$body" | sed -n 's/^announce \([^ ]*\)$/\1/p' | tr '\n' ' ')
                [ -n "$want" ] || want="-"
            fi ;;
        404)
            if curl -sS --max-time 1 -o /dev/null "$base/metrics" 2>/dev/null; then
                want=$fallback
            fi ;;
    esac
    if [ -z "$want" ]; then
        [ -z "$current" ] || { flush; echo "announce-standin: not ready: table $table flushed"; }
    elif [ "$want" != "$current" ]; then
        flush
        for p in $want; do
            [ "$p" = "-" ] || ip route replace "$p" dev "$dev" table "$table" proto static metric 0
        done
        current=$want
        echo "announce-standin: ready: table $table holds $want"
    fi
    sleep 0.5
done
