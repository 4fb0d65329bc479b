#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# checkpatch.pl --strict over the kernel sources and the shared header, from
# the linux-source tree that tests/kunit/run.sh keeps (extracted on demand).
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)
CACHE=${DMREMAP_KUNIT_CACHE:-/var/cache/dm-remap/kunit}
TARBALL=${DMREMAP_KUNIT_SRC:-/usr/src/linux-source-6.1.tar.xz}

script=$(find "$CACHE" -maxdepth 4 -path '*/scripts/checkpatch.pl' 2>/dev/null | head -n1)
if [[ -z $script ]]; then
	dir=$(mktemp -d)
	trap 'rm -rf "$dir"' EXIT
	tar -xf "$TARBALL" -C "$dir" --wildcards '*/scripts/checkpatch.pl' \
		'*/scripts/spelling.txt' '*/scripts/const_structs.checkpatch'
	script=$(find "$dir" -path '*/scripts/checkpatch.pl' | head -n1)
fi
cd "$REPO"
"$script" --strict --no-tree --quiet --terse -f kernel/dm-remap-*.c kernel/dm-remap-*.h \
	tests/kunit/*.c include/uapi/dm-remap.h
echo "checkpatch: clean"
