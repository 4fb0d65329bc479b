#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Benchmark, not a test: what the remap target costs on the I/O path,
# measured side by side with dm-linear in one VM, alternating, over several
# rounds (TCG's run-to-run noise is 10-20%: only ratios of medians mean
# something). Main and spare are RAM disks (brd), so the devices cost the
# same and the ratio is the target's own cost.
#
# Cases, each for 4k random read, 4k random write and 1M sequential read,
# at iodepth 16 and 1, with IOPS and p50/p99 completion latency:
#   none    no remaps, against dm-linear over main
#   1m      1,000,000 remaps loaded (from metadata written offline), none
#           hit by the I/O, against dm-linear over main
#   10pct   10% of the blocks the I/O touches remapped, against a dm-linear
#           table that routes the same blocks to the same spare blocks (the
#           physical limit for remapped I/O, built from the target's list);
#           the old comparison (against dm-linear over main alone) is
#           printed beside it as "10pct-vs-main"
# Prints a table and "figure: <key> <value> <unit> <better>" lines that
# tests/bench/run.sh collects.
# Run in the VM:  tests/integration/vm/run-in-vm.sh --mem 4096 -- tests/bench/io-overhead.sh
set -euo pipefail
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd -P)
SCENARIO_NAME=bench-io
source "$REPO/tests/integration/lib.sh"
source "$REPO/tests/integration/remap-lib.sh"
rounds=${DMREMAP_BENCH_ROUNDS:-3}
secs=${DMREMAP_BENCH_SECONDS:-5}
far_remaps=${DMREMAP_BENCH_REMAPS:-1000000}
io_mib=256
bs=4096

# Three RAM disks of 5 GiB; brd allocates a page only when it is written,
# so the space past what the I/O and the remaps touch costs nothing.
modprobe brd rd_nr=3 rd_size=$((5 * 1024 * 1024))
at_cleanup "rmmod brd"
main=/dev/ram0 spare=/dev/ram1 spare1m=/dev/ram2
size=$(blockdev --getsz $main)
dd if=/dev/urandom of=$main bs=1M count=$io_mib status=none

# fio_run DEV RW BS QD -- prints "iops p50_us p99_us"
fio_run() {
	fio --name=b --filename="$1" --direct=1 --ioengine=libaio --iodepth="$4" \
		--rw="$2" --bs="$3" --time_based --runtime="$secs" --size=${io_mib}M \
		--randrepeat=0 --output-format=json |
		python3 -c '
import json, sys
job = json.load(sys.stdin)["jobs"][0]
side = job["write"] if sys.argv[1].endswith("write") else job["read"]
pct = side["clat_ns"]["percentile"]
print("%.0f %.1f %.1f" % (side["iops"], pct["50.000000"] / 1e3, pct["99.000000"] / 1e3))
' "$2"
}

median() { sort -g | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", (b > 0) ? a / b : 0 }'; }

printf '%-14s %-10s %-3s %5s | %9s %9s %6s | %8s %8s %6s | %8s %8s %6s\n' \
	case rw bs qd "lin IOPS" "remap" ratio "lin p50" remap ratio "lin p99" remap ratio
# compare CASE BASELINE_DEV REMAP_DEV RW BS QD
compare() {
	local label=$1 base=$2 dev=$3 rw=$4 b=$5 qd=$6 i
	local -a bi=() bp5=() bp9=() ri=() rp5=() rp9=()
	for ((i = 0; i < rounds; i++)); do
		read -r x y z < <(fio_run "$base" "$rw" "$b" "$qd")
		bi+=("$x") bp5+=("$y") bp9+=("$z")
		read -r x y z < <(fio_run "$dev" "$rw" "$b" "$qd")
		ri+=("$x") rp5+=("$y") rp9+=("$z")
	done
	local mbi mri mb5 mr5 mb9 mr9
	mbi=$(printf '%s\n' "${bi[@]}" | median) mri=$(printf '%s\n' "${ri[@]}" | median)
	mb5=$(printf '%s\n' "${bp5[@]}" | median) mr5=$(printf '%s\n' "${rp5[@]}" | median)
	mb9=$(printf '%s\n' "${bp9[@]}" | median) mr9=$(printf '%s\n' "${rp9[@]}" | median)
	printf '%-14s %-10s %-3s %5s | %9s %9s %6s | %8s %8s %6s | %8s %8s %6s\n' \
		"$label" "$rw" "$b" "$qd" "$mbi" "$mri" "$(ratio "$mri" "$mbi")" \
		"$mb5" "$mr5" "$(ratio "$mr5" "$mb5")" "$mb9" "$mr9" "$(ratio "$mr9" "$mb9")"
	local key="io.$label.$rw-$b.qd$qd"
	echo "figure: $key.iops_ratio $(ratio "$mri" "$mbi") ratio higher" >>"$SCENARIO_OUT/figures"
	echo "figure: $key.p50_ratio $(ratio "$mr5" "$mb5") ratio lower" >>"$SCENARIO_OUT/figures"
	echo "figure: $key.p99_ratio $(ratio "$mr9" "$mb9") ratio lower" >>"$SCENARIO_OUT/figures"
}

compare_all() { # CASE BASELINE_DEV REMAP_DEV
	local rw b qd
	for qd in 16 1; do
		for rw_b in "randread 4k" "randwrite 4k" "read 1M"; do
			read -r rw b <<<"$rw_b"
			compare "$1" "$2" "$3" "$rw" "$b" "$qd"
		done
	done
}
: >"$SCENARIO_OUT/figures"

dm_create lin "0 $size linear $main 0"
remap_create rem $main $spare
compare_all none /dev/mapper/lin /dev/mapper/rem

# 1m: metadata with far_remaps remaps past the I/O area, written offline
# with dmremap metadata restore (through the target each would be a copy).
# The target claims its main device: rem gives it up meanwhile (its
# metadata stays on its spare, and it comes back below).
dm_remove rem
remap_create rem1m $main $spare1m
dm_remove rem1m
"$REPO/build/bin/dmremap" metadata dump $spare1m -o "$SCENARIO_OUT/empty.json"
first=$((io_mib * 1024 * 1024 / bs + 1024))
python3 - "$SCENARIO_OUT/empty.json" "$SCENARIO_OUT/full.json" "$far_remaps" "$first" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
n, first = int(sys.argv[3]), int(sys.argv[4])
d["superblock"]["table_used"] = n
d["superblock"]["nr_remaps"] = n
with open(sys.argv[2], "w") as f:
    f.write(json.dumps({k: v for k, v in d.items() if k != "remaps"})[:-1])
    f.write(', "remaps": [')
    f.write(",".join('{"block":%d,"spare_block":%d,"flags":[],"lost":[]}' % (first + i, i)
                     for i in range(n)))
    f.write("]}")
PY
"$REPO/build/bin/dmremap" metadata restore "$SCENARIO_OUT/full.json" $spare1m
remap_create rem1m $main $spare1m
[[ $(remap_status rem1m remapped) == "$far_remaps" ]] ||
	die "rem1m loaded $(remap_status rem1m remapped) remaps, not $far_remaps"
echo "1m: $(remap_stat rem1m bytes_per_remap) bytes per remap"
compare_all 1m /dev/mapper/lin /dev/mapper/rem1m
dm_remove rem1m
remap_create rem $main $spare

# 10pct: every tenth block of the I/O area remapped (its data moved), and
# a dm-linear table with the same routing: remapped blocks to their spare
# blocks, at pool_offset + spare_block * block_size / 512 of the spare.
mapfile -t near < <(seq 0 10 $((io_mib * 1024 * 1024 / bs - 1)))
remap_blocks rem "${near[@]}"
pool=$(remap_stat rem pool_offset)
remap_list rem | python3 "$REPO/tests/bench/same-routing.py" "$bs" "$size" "$pool" "$main" "$spare" \
	>"$SCENARIO_OUT/same-routing.table"
echo "10pct: $(remap_status rem remapped) remaps; same-routing dm-linear table of $(wc -l <"$SCENARIO_OUT/same-routing.table") segments"
dm_create lin10 "$(cat "$SCENARIO_OUT/same-routing.table")"
# Both devices must read the same bytes, or the comparison is not fair.
cmp <(dd if=/dev/mapper/lin10 bs=1M count=$io_mib iflag=direct status=none | sha256sum) \
	<(dd if=/dev/mapper/rem bs=1M count=$io_mib iflag=direct status=none | sha256sum) ||
	die "the same-routing table does not read what the target reads"
compare_all 10pct /dev/mapper/lin10 /dev/mapper/rem
compare 10pct-vs-main /dev/mapper/lin /dev/mapper/rem randread 4k 16
cat "$SCENARIO_OUT/figures"
