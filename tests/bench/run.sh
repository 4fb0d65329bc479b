#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# tests/bench/run.sh [BENCH...] -- `make bench`: every benchmark, one table.
#
#   - the remap table's memory and lookup time at 1M remaps (KUnit, UML), without
#     KASAN and lockdep (tests/kunit/run.sh --no-debug)
#   - in one VM (tests/bench/in-vm.sh): I/O overhead against dm-linear in
#     every case (io-overhead.sh), loading 1M remaps (load-1m.sh), commit
#     throughput with 1, 8 and 64 writers (commit-throughput.sh), and the
#     daemon's figures when a daemon benchmark exists
# BENCH names limit the VM part to those benchmarks (e.g. io-overhead);
# "kunit" alone runs only the KUnit part.
#
# Writes bench/results/<UTC time>-<commit>.json (figures, kernel, CPU,
# commit), prints the table and compares it with bench/baseline.json:
# every ratio or size that moved more than DMREMAP_BENCH_BAND (default
# 0.10) in the wrong direction is flagged, and the exit status is 3.
# DMREMAP_BENCH_ROUNDS / _SECONDS set the I/O rounds (3) and their length (5).
# Takes 20-30 minutes under TCG.
set -euo pipefail
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd -P)
cd "$REPO"
band=${DMREMAP_BENCH_BAND:-0.10}
commit=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
[[ -z $(git status --porcelain --untracked-files=no 2>/dev/null) ]] || commit+="-dirty"
stamp=$(date -u +%Y%m%dT%H%M%SZ)
logs=$REPO/build/bench/$stamp
mkdir -p "$logs"

want_kunit=1 vm_benches=("$@")
if (($#)); then
	want_kunit=0
	for b in "$@"; do [[ $b == kunit ]] && want_kunit=1; done
	vm_benches=()
	for b in "$@"; do [[ $b == kunit ]] || vm_benches+=("$b"); done
	(($# == 1)) && [[ $1 == kunit ]] && vm_benches=(none)
fi

status=0
if ((want_kunit)); then
	echo "bench: KUnit table figures (tests/kunit/run.sh)"
	if DMREMAP_KUNIT_RAW_LOG=$logs/kunit-kernel.txt tests/kunit/run.sh --no-debug 'dm_remap_table.table_one_million' \
		>"$logs/kunit-run.txt" 2>&1; then
		# "1M remaps: 42 bytes per remap, 2097152 buckets, 38 ns per lookup (UML)"
		sed -nE 's/.*1M remaps: ([0-9]+) bytes per remap, ([0-9]+) buckets, ([0-9]+) ns per lookup.*/figure: table.1m.bytes_per_remap \1 bytes lower\nfigure: table.1m.lookup_ns \3 ns lower/p' \
			"$logs/kunit-kernel.txt" >"$logs/kunit.log"
		[[ -s $logs/kunit.log ]] || {
			echo "bench: the KUnit case printed no '1M remaps:' figures; see $logs/kunit-kernel.txt" >&2
			status=1
		}
	else
		echo "bench: the KUnit run failed; see $logs/kunit-run.txt" >&2
		status=1
	fi
fi
if [[ ${vm_benches[*]:-} != none ]]; then
	echo "bench: benchmarks in the VM (results in $logs)"
	tests/integration/vm/run-in-vm.sh --mem 4096 --timeout 5400 --results "$logs" -- \
		tests/bench/in-vm.sh "$logs" "${vm_benches[@]}" || status=1
fi

mkdir -p bench/results
out=bench/results/$stamp-$commit.json
crc=0
tests/bench/collect.py --logs "$logs" --out "$out" --baseline bench/baseline.json --band "$band" \
	--kernel "$(tests/integration/vm/kver.sh 2>/dev/null || uname -r)" \
	--cpu "$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n1) (QEMU TCG guest)" \
	--commit "$commit" || crc=$?
((crc == 0)) || status=$crc
echo "bench: to make these figures the new baseline: cp $out bench/baseline.json"
exit "$status"
