#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Profile, not a test: where an error-path remap spends its time. Runs the
# commit-throughput workload (WRITERS fio writers, default 8, on distinct
# bad blocks of null_blk, the spare on brd) once with the function_graph
# tracer on remap_error_work() and what it calls (to a depth of 6), and
# prints, per function, calls and mean and total time, sorted by total. Nested
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
source "$REPO/tests/bench/graph-lib.sh"

nb=$(mk_null_blk nbprof 256)
blocks=384
for ((b = 0; b < blocks; b++)); do null_bad nbprof "+$((b * 8))-$((b * 8))"; done
# the spare on brd, as in commit-throughput.sh
modprobe brd rd_nr=1 rd_size=$((64 * 1024))
at_cleanup "rmmod brd"
remap_create p0 "$nb" /dev/ram0

graph_start 6 remap_error_work
fio --name=w --filename=/dev/mapper/p0 --direct=1 --ioengine=psync \
	--rw=write --bs=4k --numjobs="$writers" --size=$((blocks / writers * 4096)) \
	--offset_increment=$((blocks / writers * 4096)) --group_reporting \
	--output=/dev/null
trace=$SCENARIO_OUT/trace.txt
graph_stop "$trace"
echo "error path, $writers writer(s): $(remap_status p0 auto_remaps) remaps, $(remap_stat p0 metadata_commits) commits"
graph_times "$trace"
