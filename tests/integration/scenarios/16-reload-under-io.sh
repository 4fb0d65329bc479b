#!/usr/bin/env bash
# Reload the table (suspend, load, resume) while fio writes and remaps are
# made: the new instance reads what the old one committed; nothing is lost.
# timeout: 900
source "$(dirname "$0")/../lib.sh"
source "$REPO/tests/integration/remap-lib.sh"

main=$(mk_loop 64M main)
spare=$(mk_loop 32M spare)
mark=$(kernel_log_mark)
remap_create r0 "$main" "$spare"
table=$(dmsetup table r0)

fio --name=reload --filename=/dev/mapper/r0 --direct=1 --ioengine=libaio \
	--iodepth=8 --numjobs=2 --offset_increment=16M --size=16M \
	--rw=randwrite --bsrange=4k-64k --verify=crc32c --verify_fatal=1 \
	--loops=10 --output="$SCENARIO_OUT/fio.log" &
fio_pid=$!

reloads=0
while kill -0 "$fio_pid" 2>/dev/null; do
	mapfile -t blocks < <(shuf -i 0-8191 -n 20)
	dmsetup message r0 0 remap "${blocks[@]}" >/dev/null
	before=$(remap_list r0 | sha256sum)
	dmsetup reload r0 <<<"$table"
	dmsetup resume r0
	assert_eq "$before" "$(remap_list r0 | sha256sum)" "remaps after reload"
	reloads=$((reloads + 1))
done
wait "$fio_pid" || die "fio verify failed across reloads (see fio.log)"
log "$reloads reloads under I/O"
((reloads > 2)) || die "only $reloads reloads ran during fio"
[[ -d /sys/kernel/dm_remap/$(dm_kname r0) ]] ||
	die "sysfs directory missing after reloads"
assert_kernel_log_clean "$mark"
