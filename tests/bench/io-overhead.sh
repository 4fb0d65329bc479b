#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Benchmark, not a test: the remap target's overhead against dm-linear on
# the same RAM disk, measured side by side in one VM, alternating, over
# several rounds (TCG's run-to-run noise is 10-20%, so only the ratios of
# medians mean something). Cases: no remaps; 60,000 remaps none of which
# the I/O hits; 10% of the reads on remapped blocks.
# Run in the VM:  tests/integration/vm/run-in-vm.sh -- tests/bench/io-overhead.sh
set -euo pipefail
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd -P)
SCENARIO_NAME=bench-io
source "$REPO/tests/integration/lib.sh"
source "$REPO/tests/integration/remap-lib.sh"
rounds=${DMREMAP_BENCH_ROUNDS:-3}
secs=${DMREMAP_BENCH_SECONDS:-8}

modprobe brd rd_nr=1 rd_size=$((512 * 1024))
at_cleanup "rmmod brd"
size=$(blockdev --getsz /dev/ram0)
spare=$(mk_loop 512M spare)
dd if=/dev/urandom of=/dev/ram0 bs=1M count=512 status=none

iops() { # dev rw bs
	fio --name=b --filename="$1" --direct=1 --ioengine=libaio --iodepth=16 \
		--rw="$2" --bs="$3" --time_based --runtime="$secs" --size=256M \
		--output-format=terse --terse-version=3 --randrepeat=0 |
		awk -F';' -v rw="$2" '{ print (rw ~ /write/) ? $49 : $8 }'
}

median() { sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }

compare() { # label rw bs
	local lin=() rem=() i
	for ((i = 0; i < rounds; i++)); do
		lin+=("$(iops /dev/mapper/lin "$2" "$3")")
		rem+=("$(iops /dev/mapper/rem "$2" "$3")")
	done
	local ml mr
	ml=$(printf '%s\n' "${lin[@]}" | median)
	mr=$(printf '%s\n' "${rem[@]}" | median)
	printf '%-34s %-9s %-5s linear %8s  remap %8s  ratio %s\n' "$1" "$2" "$3" "$ml" "$mr" \
		"$(awk -v a="$mr" -v b="$ml" 'BEGIN { printf "%.3f", a / b }')"
}

dm_create lin "0 $size linear /dev/ram0 0"
remap_create rem /dev/ram0 "$spare"
echo "IOPS (of 4k or 1M I/Os), medians of $rounds rounds of ${secs}s, alternating"
for c in "randread 4k" "randwrite 4k" "read 1M"; do
	# shellcheck disable=SC2086
	compare "no remaps" $c
done

# 60,000 remaps in the second half of the device; the I/O uses the first 256M
mapfile -t far < <(seq $((size / 8 / 2)) $((size / 8 / 2 + 59999)))
remap_blocks rem "${far[@]}"
for c in "randread 4k" "randwrite 4k" "read 1M"; do
	# shellcheck disable=SC2086
	compare "60k remaps, none hit" $c
done

# 10% of the first 256M remapped
mapfile -t near < <(seq 0 10 $((256 * 256 - 1)))
remap_blocks rem "${near[@]}"
compare "10% of blocks read remapped" randread 4k
echo "table: $(remap_stat rem remapped) remaps, $(remap_stat rem bytes_per_remap) bytes per remap"
