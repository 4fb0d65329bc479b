#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# checkpatch.pl --strict over the kernel sources and the shared header.
# The script comes from the linux-source tree that tests/kunit/run.sh keeps,
# when that tree exists; otherwise from the linux-source tarball, extracted
# to a temporary directory. Works whatever ran before it: no cache needed.
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)
CACHE=${DMREMAP_KUNIT_CACHE:-${DMREMAP_CACHE_DIR:-/var/cache/dm-remap}/kunit}
TARBALL=${DMREMAP_KUNIT_SRC:-/usr/src/linux-source-6.1.tar.xz}

die() { echo "checkpatch.sh: $*" >&2; exit 1; }

script=
if [[ -d $CACHE ]]; then
	script=$(find "$CACHE" -maxdepth 4 -path '*/scripts/checkpatch.pl' -print -quit 2>/dev/null || true)
fi
if [[ -z $script ]]; then
	[[ -f $TARBALL ]] ||
		die "no checkpatch.pl: neither a KUnit tree in $CACHE nor $TARBALL (run 'make deps': package linux-source-6.1)"
	command -v perl >/dev/null || die "perl is missing (run 'make deps')"
	dir=$(mktemp -d)
	trap 'rm -rf "$dir"' EXIT
	tar -xf "$TARBALL" -C "$dir" --wildcards '*/scripts/checkpatch.pl' \
		'*/scripts/spelling.txt' '*/scripts/const_structs.checkpatch' ||
		die "cannot extract checkpatch.pl from $TARBALL"
	script=$(find "$dir" -path '*/scripts/checkpatch.pl' -print -quit)
	[[ -n $script ]] || die "$TARBALL has no scripts/checkpatch.pl"
fi
echo "checkpatch.sh: using $script"
cd "$REPO"
if ! "$script" --strict --no-tree --quiet --terse -f kernel/dm-remap-*.c kernel/dm-remap-*.h \
	tests/kunit/*.c include/uapi/dm-remap.h; then
	die "checkpatch --strict found problems (listed above)"
fi
echo "checkpatch: clean"
