#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# tests/bench/in-vm.sh RESULTS_DIR [BENCH...] -- runs inside the bench VM
# (tests/bench/run.sh boots it): each benchmark in turn, its output in
# RESULTS_DIR/<bench>.log. Default: every tests/bench/*.sh whose header
# says "Benchmark, not a test"; the profiles ("Profile, not a test"), ab.sh
# and the libraries run only when named. `in-vm.sh --list` prints that
# default list (no VM needed).
# A benchmark that fails is reported and the others still run; the exit
# status says whether all of them finished.
set -uo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)

default_benches() {
	local f
	for f in "$HERE"/*.sh; do
		if grep -q '^# Benchmark, not a test' "$f"; then
			basename "$f" .sh
		fi
	done
}
if [[ ${1:-} == --list ]]; then
	default_benches
	exit 0
fi

out=${1:?usage: in-vm.sh RESULTS_DIR [BENCH...] | in-vm.sh --list}
shift
benches=("$@")
((${#benches[@]})) || mapfile -t benches < <(default_benches)
rc=0
for b in "${benches[@]}"; do
	echo "== $b"
	start=$EPOCHSECONDS
	if SCENARIO_OUT=/tmp/bench-$b "$HERE/$b.sh" >"$out/$b.log" 2>&1; then
		echo "   done in $((EPOCHSECONDS - start)) s"
	else
		echo "   FAILED (status $?) after $((EPOCHSECONDS - start)) s; end of $out/$b.log:"
		tail -n 20 "$out/$b.log" | sed 's/^/   | /'
		rc=1
	fi
done
exit "$rc"
