#!/usr/bin/env bash
# Soak test of tunxlat (issue 9): steady traffic of every kind through a real translator in network
# namespaces for a configurable time, sampling its resident memory, heap after a full GC (jcmd) and open
# file descriptors; fails if any of them grows, if translation stalls, or if Netty's paranoid leak detector
# reports a leak. This is SoakIT (CI runs it for 120 s as part of `mvn verify`), run for longer.
#
#   sudo packaging/soak.sh [SECONDS [SAMPLE-SECONDS]]      # default 3600 s, a sample every 30 s
#
# Samples: target/e2e/soak-*.csv; the translator's log: target/e2e/soak-tunxlat-*.log.
# Extra Maven flags (say -o for offline) go in MVN_FLAGS.
set -euo pipefail
cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.."

seconds=${1:-3600}
sample=${2:-30}
[[ $seconds =~ ^[0-9]+$ && $sample =~ ^[0-9]+$ ]] || { sed -n '2,12p' "$0"; exit 2; }
[[ $EUID -eq 0 ]] || { echo "soak.sh: needs root (network namespaces and a TUN device)" >&2; exit 2; }
command -v python3 >/dev/null || { echo "soak.sh: needs python3 (the traffic generator)" >&2; exit 2; }

# shellcheck disable=SC2086
exec mvn -B ${MVN_FLAGS:-} verify -Djdeb.skip=true -Dit.test=SoakIT -Dtest=none -Dsurefire.failIfNoSpecifiedTests=false \
    -Dtunxlat.soak.seconds="$seconds" -Dtunxlat.soak.sampleSeconds="$sample"
