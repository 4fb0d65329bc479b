#!/usr/bin/env bash
# Remap and unremap blocks while fio writes to the same blocks: no write is
# lost or lands on the wrong copy (fio verifies what it wrote last).
# timeout: 900
source "$(dirname "$0")/../lib.sh"
source "$REPO/tests/integration/remap-lib.sh"

main=$(mk_loop 64M main)
spare=$(mk_loop 64M spare)
mark=$(kernel_log_mark)
remap_create r0 "$main" "$spare"

# 4 jobs hammer the first 8 MiB (2048 blocks) with small and large writes,
# each job verifying its own region at the end.
fio --name=hammer --filename=/dev/mapper/r0 --direct=1 --ioengine=libaio \
	--iodepth=8 --numjobs=4 --offset_increment=2M --size=2M --rw=randwrite \
	--bsrange=512-32k --verify=crc32c --verify_fatal=1 --loops=40 \
	--output="$SCENARIO_OUT/fio.log" &
fio_pid=$!

rounds=0
while kill -0 "$fio_pid" 2>/dev/null; do
	mapfile -t blocks < <(shuf -i 0-2047 -n 64)
	dmsetup message r0 0 remap "${blocks[@]}" >/dev/null
	dmsetup message r0 0 remap "${blocks[0]}" >/dev/null
	mapfile -t back < <(remap_list r0 | shuf -n 32 | cut -d' ' -f1)
	((${#back[@]} == 0)) || dmsetup message r0 0 unremap "${back[@]}" >/dev/null
	rounds=$((rounds + 1))
done
wait "$fio_pid" || die "fio found a lost or misplaced write (see fio.log)"
log "$rounds rounds of remap/unremap under I/O; held bios: $(remap_stat r0 held_bios)"
((rounds > 3)) || die "only $rounds rounds ran during fio"
assert_kernel_log_clean "$mark"
