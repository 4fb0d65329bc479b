#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Profile, not a test: where an error-path remap spends its time. Runs the
# commit-throughput workload (WRITERS fio writers, default 8, on distinct
# bad blocks of null_blk) once with the function_graph tracer on
# remap_error_work() and what it calls (to a depth of 6), and prints, per
# function, calls and mean and total time, sorted by total. Nested
# functions count in their callers too: read a row as "this much of the
# move is spent in here". Tracing slows every traced call down, so
# compare rows with each other, not with commit-throughput.sh's rates.
# Run in the VM:
#   tests/integration/vm/run-in-vm.sh -- tests/bench/commit-profile.sh [WRITERS]
set -euo pipefail
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd -P)
SCENARIO_NAME=bench-commit-profile
source "$REPO/tests/integration/lib.sh"
source "$REPO/tests/integration/remap-lib.sh"

writers=${1:-8}
T=/sys/kernel/tracing
[[ -e $T/trace ]] || mount -t tracefs nodev "$T"
trace_off() {
	echo 0 >"$T/tracing_on"
	echo nop >"$T/current_tracer"
	echo >"$T/set_graph_function"
}
at_cleanup trace_off

nb=$(mk_null_blk nbprof 256)
blocks=384
for ((b = 0; b < blocks; b++)); do null_bad nbprof "+$((b * 8))-$((b * 8))"; done
spare=$(mk_loop 64M spare)
remap_create p0 "$nb" "$spare"

echo 0 >"$T/tracing_on"
echo function_graph >"$T/current_tracer"
echo remap_error_work >"$T/set_graph_function"
echo 6 >"$T/max_graph_depth"
echo 1 >"$T/options/funcgraph-tail"
echo 0 >"$T/options/funcgraph-irqs"
echo 8192 >"$T/buffer_size_kb"
echo >"$T/trace"
echo 1 >"$T/tracing_on"
fio --name=w --filename=/dev/mapper/p0 --direct=1 --ioengine=psync \
	--rw=write --bs=4k --numjobs="$writers" --size=$((blocks / writers * 4096)) \
	--offset_increment=$((blocks / writers * 4096)) --group_reporting \
	--output=/dev/null
echo 0 >"$T/tracing_on"
trace=$SCENARIO_OUT/trace.txt
cat "$T/trace" >"$trace"
trace_off
echo "error path, $writers writer(s): $(remap_status p0 auto_remaps) remaps, $(remap_stat p0 metadata_commits) commits"
# lines: "CPU) [marks] DURATION us |  name();" or "... |  } /* name */"
awk -F'|' '
	NF < 2 { next }
	{
		d = $1; sub(/^ *[0-9]+\) */, "", d); gsub(/[+!#*@$ ]/, "", d)
		sub(/us$/, "", d)
		if (d == "" || d !~ /^[0-9.]+$/) next
		f = $2
		if (f ~ /\/\*/) { sub(/.*\/\* */, "", f); sub(/ *\*\/.*/, "", f) }
		else { sub(/^ */, "", f); sub(/\(\);.*/, "", f) }
		sub(/ \[dm_remap\]/, "", f)
		n[f]++; t[f] += d
	}
	END {
		for (f in n) printf "%10.1f ms %8d calls %10.1f us  %s\n", t[f] / 1000, n[f], t[f] / n[f], f
	}' "$trace" | sort -rn | head -40
