#!/bin/sh
# packaging/spdx-headers.sh: puts "// SPDX-License-Identifier: Apache-2.0" as the first line of every
# .java file under src/ that does not have it yet (tunxlat is licensed under the Apache License 2.0:
# LICENSE). Idempotent: a second run changes nothing. SpdxHeaderTest fails while a file lacks the line.
#
#   ./packaging/spdx-headers.sh          add the line where it is missing, print each file changed
#   ./packaging/spdx-headers.sh --check  change nothing; list the files without it, exit 1 if any
set -eu
cd "$(dirname "$0")/.."
HEADER='// SPDX-License-Identifier: Apache-2.0'
case "${1:-}" in
    --check) check=yes ;;
    "") check=no ;;
    *) echo "usage: $0 [--check]" >&2; exit 2 ;;
esac
# File names under src/ are package paths: no white space, so a word list is safe.
files=$(find src -name '*.java' -type f | LC_ALL=C sort)
missing=0
for f in $files; do
    [ "$(head -n 1 "$f")" = "$HEADER" ] && continue
    missing=$((missing + 1))
    if [ "$check" = yes ]; then
        echo "missing: $f"
    else
        tmp="$f.spdx-tmp"
        { printf '%s\n' "$HEADER"; cat "$f"; } >"$tmp"
        chmod --reference="$f" "$tmp"
        mv "$tmp" "$f"
        echo "added: $f"
    fi
done
if [ "$check" = yes ] && [ "$missing" -gt 0 ]; then
    echo "$missing .java file(s) without '$HEADER': run ./packaging/spdx-headers.sh" >&2
    exit 1
fi
exit 0
