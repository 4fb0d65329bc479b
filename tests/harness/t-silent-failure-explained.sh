#!/usr/bin/env bash
# A part of run-all.sh that fails says why: here checkpatch with neither a
# KUnit tree nor the source tarball. Its log names the missing piece and
# the exit status, and the closing line counts it as failed.
set -euo pipefail
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd -P)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
rc=0
out=$(DMREMAP_TEST_PARTS=checkpatch DMREMAP_TEST_LOGDIR=$tmp/logs \
	DMREMAP_CACHE_DIR=$tmp/none DMREMAP_KUNIT_SRC=$tmp/no-such.tar.xz \
	"$REPO/tests/run-all.sh" 2>&1) || rc=$?
fail() { echo "$1"; echo "--- run-all output:"; echo "$out"; exit 1; }
((rc != 0)) || fail "run-all exited 0 although checkpatch could not run"
grep -q "no checkpatch.pl" "$tmp/logs/checkpatch.log" || fail "the log does not say what is missing"
grep -q "exited with status 1" "$tmp/logs/checkpatch.log" || fail "the log does not give the exit status"
[[ $(tail -n1 <<<"$out") == "0 passed, 1 failed" ]] || fail "closing line is not '0 passed, 1 failed'"
