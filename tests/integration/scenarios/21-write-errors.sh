#!/usr/bin/env bash
# Write errors (null_blk bad sectors fail reads and writes): a failed write
# lands on a spare block and succeeds; for a partial write the rest of the
# block is copied first and what cannot be read is lost, never zeros.
# timeout: 600
source "$(dirname "$0")/../lib.sh"
source "$REPO/tests/integration/remap-lib.sh"

nb=$(mk_null_blk nb21 64)
spare=$(mk_loop 16M spare)
mark=$(kernel_log_mark)
remap_create r0 "$nb" "$spare"
fio_verify /dev/mapper/r0 --rw=write --bs=64k --size=100% --do_verify=0

log "a whole block that cannot be written"
null_bad nb21 +2050-2051
dd if=/dev/urandom of="$SCENARIO_OUT/blk" bs=4k count=1 status=none
dd if="$SCENARIO_OUT/blk" of=/dev/mapper/r0 bs=4k seek=256 oflag=direct status=none
assert_eq 1 "$(remap_status r0 auto_remaps)" "auto_remaps"
assert_eq 0 "$(remap_status r0 lost_sectors)" "nothing lost"
(($(remap_status r0 write_errors) >= 1)) || die "write_errors not counted"
dd if=/dev/mapper/r0 bs=4k skip=256 count=1 iflag=direct status=none | cmp - "$SCENARIO_OUT/blk" ||
	die "block 256 does not read back"

log "part of a block, with an unreadable neighbour"
dd if=/dev/mapper/r0 of="$SCENARIO_OUT/before" bs=512 skip=4096 count=8 iflag=direct status=none
null_bad nb21 +4100-4101
dd if=/dev/urandom of="$SCENARIO_OUT/sector" bs=512 count=1 status=none
dd if="$SCENARIO_OUT/sector" of=/dev/mapper/r0 bs=512 seek=4100 oflag=direct status=none
assert_eq 2 "$(remap_status r0 auto_remaps)" "auto_remaps"
assert_eq 1 "$(remap_status r0 lost_sectors)" "the unreadable neighbour is lost"
dd if=/dev/mapper/r0 bs=512 skip=4100 count=1 iflag=direct status=none | cmp - "$SCENARIO_OUT/sector" ||
	die "written sector does not read back"
assert_fails dd if=/dev/mapper/r0 of=/dev/null bs=512 skip=4101 count=1 iflag=direct status=none
dd if=/dev/mapper/r0 bs=512 skip=4096 count=4 iflag=direct status=none |
	cmp - <(head -c 2048 "$SCENARIO_OUT/before") || die "the block's other sectors changed"
dd if="$SCENARIO_OUT/sector" of=/dev/mapper/r0 bs=512 seek=4101 oflag=direct status=none
assert_eq 0 "$(remap_status r0 lost_sectors)" "writing the lost sector heals it"
dd if=/dev/mapper/r0 bs=512 skip=4101 count=1 iflag=direct status=none | cmp - "$SCENARIO_OUT/sector" ||
	die "healed sector does not read back"

log "whole device"
fio_verify /dev/mapper/r0 --rw=randwrite --bsrange=512-64k --size=100%

log "auto remap off: errors pass through, counters count"
dmsetup message r0 0 set auto_remap off
null_bad nb21 +6000-6000
writes=$(remap_status r0 write_errors)
assert_fails dd if="$SCENARIO_OUT/sector" of=/dev/mapper/r0 bs=512 seek=6000 oflag=direct status=none
assert_eq 2 "$(remap_status r0 auto_remaps)" "no remap with auto_remap off"
(($(remap_status r0 write_errors) > writes)) || die "write error not counted"
assert_kernel_log_clean "$mark"
