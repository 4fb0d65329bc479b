#!/usr/bin/env bash
# Transient read errors (dm-flakey fails reads for one second in two): the
# retries return the data, and the weak blocks are moved proactively.
# timeout: 600
source "$(dirname "$0")/../lib.sh"
source "$REPO/tests/integration/remap-lib.sh"

loop=$(mk_loop 16M main)
spare=$(mk_loop 16M spare)
dd if=/dev/urandom of="$loop" bs=1M count=16 oflag=direct status=none
cp "$loop" "$SCENARIO_OUT/image"
size=$(blockdev --getsz "$loop")
dm_create flaky "0 $size flakey $loop 0 1 1"
remap_create r0 /dev/mapper/flaky "$spare" read_retries 8

# read 4 KiB blocks for a while: some fall into the down second (each read
# there waits out its retries, so about two in five do; 40 reads give
# a dozen or more)
for i in $(seq 0 39); do
	block=$((i * 17 % 4096))
	dd if=/dev/mapper/r0 bs=4k skip="$block" count=1 iflag=direct status=none |
		cmp - <(dd if="$SCENARIO_OUT/image" bs=4k skip="$block" count=1 status=none) ||
		die "block $block read wrong data"
	sleep 0.03
done
log "read_errors=$(remap_status r0 read_errors) auto_remaps=$(remap_status r0 auto_remaps) retries_ok=$(remap_stat r0 read_retries_ok)"
(($(remap_status r0 read_errors) > 0)) || die "no read error happened: flakey did not fail"
(($(remap_status r0 auto_remaps) > 0)) || die "weak blocks were not moved"
assert_eq 0 "$(remap_status r0 lost_sectors)" "nothing lost"
remap_list r0 | grep -q " A$" || die "no auto remap in the list"
# the moved blocks hold the right data
while read -r block spare_block flags; do
	dd if=/dev/mapper/r0 bs=4k skip="$block" count=1 iflag=direct status=none |
		cmp - <(dd if="$SCENARIO_OUT/image" bs=4k skip="$block" count=1 status=none) ||
		die "moved block $block has wrong data"
done < <(remap_list r0)
