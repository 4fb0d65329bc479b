#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# scripts/test-fresh.sh -- run `make test` as CI does on a fresh machine:
# in a clean clone of the committed HEAD, with every cache the tests keep
# (KUnit tree, VM kernel, initramfs) in a new, empty DMREMAP_CACHE_DIR.
# A step that only works because an earlier run left a cache or a built
# tree behind fails here. Packages are the one thing it cannot take away:
# `make deps` installs what is missing, as on a fresh machine.
#
# Usage: scripts/test-fresh.sh [PART...]
#   PART   the parts to run, in this order (default: all, as make test);
#          e.g. "integration checkpatch" runs them in an unusual order.
#   DMREMAP_FRESH_KEEP=1 keeps the clone and the caches afterwards.
#
# Exit status and last line: those of `make test` in the clone.
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)
work=$(mktemp -d /tmp/dm-remap-fresh.XXXXXX)
# As a clone anywhere else: tests run the built programs as user nobody.
chmod 755 "$work"
cleanup() {
	if [[ ${DMREMAP_FRESH_KEEP:-0} == 1 ]]; then
		echo "test-fresh: kept $work" >&2
	else
		rm -rf "$work"
	fi
}
trap cleanup EXIT

git clone -q "$REPO" "$work/repo"
mkdir "$work/cache"
echo "test-fresh: clone of $(git -C "$REPO" rev-parse --short HEAD) in $work/repo, empty caches in $work/cache" >&2
if [[ -n $(git -C "$REPO" status --porcelain --untracked-files=no) ]]; then
	echo "test-fresh: note: uncommitted changes in $REPO are not part of this run" >&2
fi
cd "$work/repo"
export DMREMAP_CACHE_DIR=$work/cache
unset DMREMAP_KUNIT_CACHE
if (($#)); then
	export DMREMAP_TEST_PARTS="$*"
fi
make test
