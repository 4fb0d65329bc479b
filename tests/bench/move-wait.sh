#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Benchmark, not a test: how long a `remap` message takes while a read
# elsewhere on the device is slow (dm-delay, 2 s, under one 1 MiB region
# of main), and for comparison with no read in flight. Scenario
# 2e-move-beside-slow-io asserts the ordering; this prints the times.
# Run in the VM:  tests/integration/vm/run-in-vm.sh -- tests/bench/move-wait.sh
# Prints figures; fails only if the setup itself fails.
set -euo pipefail
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd -P)
SCENARIO_NAME=bench-move-wait
source "$REPO/tests/integration/lib.sh"
source "$REPO/tests/integration/remap-lib.sh"

main=$(mk_loop 64M main)
spare=$(mk_loop 16M spare)
# sectors 2048-4095: blocks 256-511 of 4 KiB
slow=$(mk_slow_region slow "$main" 2048 2048 2000)
remap_create r0 "$slow" "$spare"

# timed_remap BLOCK -- prints the ms a remap message of BLOCK takes.
timed_remap() {
	local t0=$EPOCHREALTIME
	dmsetup message r0 0 remap "$1" >/dev/null
	ms_since "$t0"
}

for round in 1 2 3; do
	idle=$(timed_remap $((1000 + 2 * round)))
	dd if=/dev/mapper/r0 of=/dev/null bs=4k skip=300 count=1 iflag=direct status=none &
	wait_inflight_read r0
	busy=$(timed_remap $((1001 + 2 * round)))
	wait
	echo "round $round: remap with no I/O: $idle ms; remap while a read elsewhere takes 2 s: $busy ms"
done
