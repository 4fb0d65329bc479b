#!/usr/bin/env bash
# checkpatch.sh works with an empty DMREMAP_CACHE_DIR (a fresh machine,
# before the KUnit part made its tree), and creates no cache there.
set -euo pipefail
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd -P)
cache=$(mktemp -d)
trap 'rm -rf "$cache"' EXIT
rmdir "$cache" # the directory does not even exist, as on a fresh machine
unset DMREMAP_KUNIT_CACHE
out=$(DMREMAP_CACHE_DIR=$cache "$REPO/scripts/checkpatch.sh" 2>&1) || {
	echo "checkpatch.sh failed with no cache:"; echo "$out"; exit 1
}
grep -q '^checkpatch: clean$' <<<"$out" || { echo "no 'checkpatch: clean' line:"; echo "$out"; exit 1; }
[[ ! -e $cache ]] || { echo "checkpatch.sh created $cache"; exit 1; }
