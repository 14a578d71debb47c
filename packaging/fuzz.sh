#!/usr/bin/env bash
# Long fuzzing runs of tunxlat's Jazzer fuzz tests (issue 9).
#
#   packaging/fuzz.sh [-d DURATION] [-o] [TARGET...]
#
# DURATION is per target, in Jazzer's format (30s, 10m, 2h; default 10m). TARGET is Class#method, e.g.
# TranslatorFuzzTest#ipv6ToIpv4; without one, every fuzz test is run in turn. -o runs Maven offline.
#
# Plain `mvn test` replays the committed corpus (src/test/resources/**/*Inputs/<method>/) without fuzzing;
# that is the short run CI does. Here JAZZER_FUZZ=1 makes Jazzer mutate, guided by coverage, keeping what it
# learns in .cifuzz-corpus/ (not committed) so the next run starts where this one stopped. A finding stops
# that target: Jazzer writes the input as crash-<sha1> into the target's Inputs directory, where `mvn test`
# replays it from then on. Fix the bug, rename the file to finding-<what-it-was>, and commit it with the fix.
# The script exits non-zero if any target found something.
set -uo pipefail
cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.."

duration=10m
offline=()
while getopts "d:oh" opt; do
    case $opt in
        d) duration=$OPTARG ;;
        o) offline=(-o) ;;
        *) sed -n '2,16p' "$0"; exit 2 ;;
    esac
done
shift $((OPTIND - 1))

targets=("$@")
if [[ ${#targets[@]} -eq 0 ]]; then
    # every @FuzzTest method, as Class#method
    while IFS= read -r f; do
        cls=$(basename "$f" .java)
        while IFS= read -r m; do
            targets+=("$cls#$m")
        done < <(awk '/^ *@FuzzTest/ { want = 1 } want && match($0, /void [A-Za-z0-9_]+\(/) {
                        print substr($0, RSTART + 5, RLENGTH - 6); want = 0 }' "$f")
    done < <(grep -rl '@FuzzTest' src/test/java)
fi
[[ ${#targets[@]} -gt 0 ]] || { echo "fuzz.sh: no fuzz tests found" >&2; exit 2; }

mvn -q -B "${offline[@]}" test-compile || exit 2
mkdir -p target/fuzz
found=()
for t in "${targets[@]}"; do
    log="target/fuzz/${t//#/-}.log"
    echo "fuzz.sh: $t for $duration (log $log)"
    # -Xmx: the fuzzer allocates a snapshot per input; a bounded heap keeps its RSS from growing to a quarter of RAM
    JAZZER_FUZZ=1 mvn -B "${offline[@]}" surefire:test -Dtest="$t" -Djazzer.max_duration="$duration" \
        -Dsurefire.argLine="-Dio.netty.leakDetection.level=paranoid -Xmx1g" \
        -Dsurefire.failIfNoSpecifiedTests=false >"$log" 2>&1
    status=$?
    # libFuzzer's last status line: executions, coverage, corpus size
    grep -E '^#[0-9]+' "$log" | tail -1 | sed 's/^/    /'
    if [[ $status -ne 0 ]]; then
        found+=("$t")
        grep -E 'FuzzTestFinding|== Java Exception|Caused by' "$log" | head -5 | sed 's/^/    /'
        git status --short -- 'src/test/resources' | sed 's/^/    new input: /'
    fi
done
if [[ ${#found[@]} -gt 0 ]]; then
    echo "fuzz.sh: findings in: ${found[*]}" >&2
    exit 1
fi
echo "fuzz.sh: no findings (${#targets[@]} targets, $duration each)"
