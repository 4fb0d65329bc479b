#!/usr/bin/env bash
# make bench runs, by default, the benchmarks and nothing else: not the
# profiles, the A/B runner or the tracer library, which stop 21's run took
# for benchmarks (graph-lib.sh: "Permission denied", ab.sh: no arguments).
# Every file on the list runs as a program.
set -euo pipefail
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd -P)
list=$("$REPO/tests/bench/in-vm.sh" --list)
fail() { echo "$1"; echo "--- in-vm.sh --list:"; echo "$list"; exit 1; }
for b in commit-throughput daemon io-overhead load-1m move-wait; do
	grep -qx "$b" <<<"$list" || fail "benchmark $b is not on the default list"
done
for t in ab graph-lib commit-profile io-profile run in-vm; do
	! grep -qx "$t" <<<"$list" || fail "$t is on the default list but is no benchmark"
done
while read -r b; do
	[[ -x $REPO/tests/bench/$b.sh ]] || fail "tests/bench/$b.sh is on the list but not executable"
done <<<"$list"
