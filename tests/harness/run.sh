#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# tests/harness/run.sh -- tests of the test harness itself: every part of
# `make test` must work on a machine with no caches, and a part that fails
# must say why. Runs each tests/harness/t-*.sh; ends with
# "harness: N passed, N failed".
set -uo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)
passed=0 failed=0
for t in "$HERE"/t-*.sh; do
	name=$(basename "$t" .sh)
	if out=$(bash "$t" 2>&1); then
		echo "PASS $name"
		passed=$((passed + 1))
	else
		echo "FAIL $name"
		sed 's/^/    | /' <<<"$out" | tail -n 40
		failed=$((failed + 1))
	fi
done
echo "harness: $passed passed, $failed failed"
((failed == 0))
