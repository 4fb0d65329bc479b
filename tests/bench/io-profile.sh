#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Profile, not a test: where a bio's time goes on the I/O path, for the
# `10pct` case of io-overhead.sh (every tenth block of a 256 MiB area
# remapped; main and spare on brd) against the dm-linear table that routes
# the same blocks to the same places. For each device, one fio run (4k
# random read, iodepth 16, SECONDS s, default 5) under the function_graph
# tracer from device-mapper's entry points (dm_submit_bio(), clone_endio())
# to a depth of 3, and per function: calls, mean and total time. perf has
# no PMU under TCG; this counts what the CPU does per bio instead. Tracing
# slows every traced call, so compare the two devices' rows with each
# other, not with io-overhead.sh's figures.
# Run in the VM:
#   tests/integration/vm/run-in-vm.sh --mem 4096 -- tests/bench/io-profile.sh [SECONDS]
set -euo pipefail
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd -P)
SCENARIO_NAME=bench-io-profile
source "$REPO/tests/integration/lib.sh"
source "$REPO/tests/integration/remap-lib.sh"
secs=${1:-5}
io_mib=256
bs=4096

source "$REPO/tests/bench/graph-lib.sh"

modprobe brd rd_nr=2 rd_size=$((1024 * 1024))
at_cleanup "rmmod brd"
main=/dev/ram0 spare=/dev/ram1
size=$(blockdev --getsz $main)
dd if=/dev/urandom of=$main bs=1M count=$io_mib status=none
remap_create rem $main $spare
mapfile -t near < <(seq 0 10 $((io_mib * 1024 * 1024 / bs - 1)))
remap_blocks rem "${near[@]}"
remap_list rem | python3 "$REPO/tests/bench/same-routing.py" "$bs" "$size" \
	"$(remap_stat rem pool_offset)" "$main" "$spare" >"$SCENARIO_OUT/same-routing.table"
dm_create lin10 "$(cat "$SCENARIO_OUT/same-routing.table")"
echo "10pct: $(remap_status rem remapped) remaps; same-routing dm-linear table of $(wc -l <"$SCENARIO_OUT/same-routing.table") segments"

# profile DEV -- one traced fio run on DEV; prints IOPS and the table
profile() {
	local dev=$1 trace=$SCENARIO_OUT/trace-$1.txt iops
	graph_start 3 dm_submit_bio clone_endio
	iops=$(fio --name=p --filename="/dev/mapper/$dev" --direct=1 --ioengine=libaio \
		--iodepth=16 --rw=randread --bs=4k --time_based --runtime="$secs" \
		--size=${io_mib}M --randrepeat=0 --output-format=json |
		python3 -c 'import json, sys; print("%.0f" % json.load(sys.stdin)["jobs"][0]["read"]["iops"])')
	graph_stop "$trace"
	echo "== $dev: $iops IOPS while traced"
	graph_times "$trace" 25
}
profile lin10
profile rem
