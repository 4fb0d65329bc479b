#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Benchmark, not a test: how many remaps per second are made durable,
#   - by remap messages one after another (one commit each),
#   - by 1, 8 and 64 writers whose writes fail at once, on distinct bad
#     blocks (concurrent remaps share commits), with remaps per commit.
#     Main is null_blk with bad blocks, the spare brd: devices whose
#     flushes cost nothing, so that the figure is the target's (issue 16
#     asks for it so); a loop file's flush is an fsync in the VM.
# Prints "figure: <key> <value> <unit> <better>" lines for tests/bench/run.sh.
# Run in the VM:  tests/integration/vm/run-in-vm.sh -- tests/bench/commit-throughput.sh
# Prints figures; fails only if the setup itself fails.
set -euo pipefail
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd -P)
SCENARIO_NAME=bench-commit
source "$REPO/tests/integration/lib.sh"
source "$REPO/tests/integration/remap-lib.sh"

now() { date +%s.%N; }
rate() { awk -v n="$1" -v a="$2" -v b="$3" 'BEGIN { printf "%.0f", n / (b - a) }'; }

main=$(mk_loop 256M main)
spare=$(mk_loop 64M spare)
remap_create r0 "$main" "$spare"
n=300
t0=$(now)
for ((b = 0; b < n; b++)); do dmsetup message r0 0 remap "$b" >/dev/null; done
t1=$(now)
echo "remap messages, one block each, sequential: $(rate $n "$t0" "$t1") remaps/s ($n remaps, $(remap_stat r0 metadata_commits) commits)"
echo "figure: commit.messages.remaps_per_s $(rate $n "$t0" "$t1") remaps/s higher"
dm_remove r0

# the error path: every block of a region has a bad sector
nb=$(mk_null_blk nbbench 256)
blocks=384 # null_blk keeps at most 512 bad ranges; a multiple of 64
for ((b = 0; b < blocks; b++)); do null_bad nbbench "+$((b * 8))-$((b * 8))"; done
modprobe brd rd_nr=3 rd_size=$((64 * 1024))
at_cleanup "rmmod brd"
ram=0
for writers in 1 8 64; do
	spare=/dev/ram$((ram++))
	remap_create "e$writers" "$nb" "$spare"
	before=$(remap_stat "e$writers" metadata_commits)
	t0=$(now)
	fio --name=w --filename="/dev/mapper/e$writers" --direct=1 --ioengine=psync \
		--rw=write --bs=4k --numjobs="$writers" --size=$((blocks / writers * 4096)) \
		--offset_increment=$((blocks / writers * 4096)) --group_reporting \
		--output=/dev/null
	t1=$(now)
	made=$(remap_status "e$writers" auto_remaps)
	commits=$(($(remap_stat "e$writers" metadata_commits) - before))
	echo "error path, $writers writer(s): $(rate "$made" "$t0" "$t1") remaps/s ($made remaps, $commits commits)"
	echo "figure: commit.writers$writers.remaps_per_s $(rate "$made" "$t0" "$t1") remaps/s higher"
	echo "figure: commit.writers$writers.remaps_per_commit $(awk -v m="$made" -v c="$commits" 'BEGIN { printf "%.2f", (c > 0) ? m / c : 0 }') ratio higher"
	dm_remove "e$writers"
done
