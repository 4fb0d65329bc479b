#!/usr/bin/env bash
# 4 fio jobs write and verify while writes fail intermittently (dm-flakey
# error_writes: every write fails for one second in three) and remap
# messages arrive: no verify error, one remap per block, no kernel warning.
# timeout: 900
source "$(dirname "$0")/../lib.sh"
source "$REPO/tests/integration/remap-lib.sh"

loop=$(mk_loop 64M main)
spare=$(mk_loop 64M spare)
size=$(blockdev --getsz "$loop")
mark=$(kernel_log_mark)
dm_create flaky "0 $size flakey $loop 0 2 1 1 error_writes"
remap_create r0 /dev/mapper/flaky "$spare"

fio --name=errors --filename=/dev/mapper/r0 --direct=1 --ioengine=libaio \
	--iodepth=4 --numjobs=4 --offset_increment=4M --size=4M --rw=randwrite \
	--bsrange=4k-32k --verify=crc32c --verify_fatal=1 --loops=4 \
	--output="$SCENARIO_OUT/fio.log" &
fio_pid=$!
while kill -0 "$fio_pid" 2>/dev/null; do
	mapfile -t blocks < <(shuf -i 4096-8191 -n 16)
	dmsetup message r0 0 remap "${blocks[@]}" >/dev/null || true
	sleep 0.5
done
wait "$fio_pid" || die "fio verify failed (see fio.log)"
log "auto_remaps=$(remap_status r0 auto_remaps) write_errors=$(remap_status r0 write_errors) remapped=$(remap_status r0 remapped)"
(($(remap_status r0 auto_remaps) > 0)) || die "no write failed: flakey did not inject"
dups=$(remap_list r0 | cut -d' ' -f1 | sort | uniq -d | wc -l)
assert_eq 0 "$dups" "blocks remapped twice"
dups=$(remap_list r0 | cut -d' ' -f2 | sort | uniq -d | wc -l)
assert_eq 0 "$dups" "spare blocks used twice"
assert_eq 0 "$(remap_status r0 lost_sectors)" "lost sectors"
assert_kernel_log_clean "$mark"
