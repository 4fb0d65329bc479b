#!/usr/bin/env bash
# A 4Kn main device (scsi_debug, logical blocks of 4096 bytes) with one
# unreadable logical block, block_size 65536: after a read pass exactly
# that logical block's 8 sectors are lost, and every other 4 KiB of the
# block reads back what was written (salvage steps in the main device's
# logical blocks, never 512-byte reads a 4Kn disk refuses).
# timeout: 300
source "$(dirname "$0")/../lib.sh"
source "$REPO/tests/integration/remap-lib.sh"

# 4 KiB LBA 2005: the sixth 4 KiB of block 125 (16 LBAs per 64 KiB block)
main=$(mk_scsi_debug 64 2005 1 4096)
spare=$(mk_loop 16M spare)
assert_eq 4096 "$(blockdev --getss "$main")" "main's logical block size"
remap_create r0 "$main" "$spare" block_size 65536
src=/tmp/dmremap-$SCENARIO_NAME-src
at_cleanup "rm -f $src"
dd if=/dev/urandom of="$src" bs=64k count=1 status=none
dd if="$src" of=/dev/mapper/r0 bs=64k seek=125 count=1 oflag=direct status=none

dd if=/dev/mapper/r0 of=/dev/null bs=64k iflag=direct conv=noerror status=none 2>/dev/null || true
assert_eq 8 "$(remap_status r0 lost_sectors)" "lost_sectors after the read pass"
assert_eq "125 0 LA" "$(dmsetup message r0 0 list 125 1)" "block 125"
for i in $(seq 0 15); do
	if ((i == 5)); then
		assert_fails dd if=/dev/mapper/r0 of=/dev/null bs=4k skip=$((125 * 16 + i)) count=1 iflag=direct status=none
		continue
	fi
	cmp -s <(dd if=/dev/mapper/r0 bs=4k skip=$((125 * 16 + i)) count=1 iflag=direct status=none) \
		<(dd if="$src" bs=4k skip="$i" count=1 status=none) || die "4 KiB $i of block 125 does not read back"
done
log "one 4 KiB lost, the other 15 read back"
# a write makes it good again
dd if="$src" of=/dev/mapper/r0 bs=4k seek=$((125 * 16 + 5)) skip=5 count=1 oflag=direct status=none
assert_eq 0 "$(remap_status r0 lost_sectors)" "lost_sectors after the write"
cmp -s <(dd if=/dev/mapper/r0 bs=64k skip=125 count=1 iflag=direct status=none) "$src" ||
	die "block 125 does not read back after the write"
