#!/usr/bin/env bash
# Read medium errors (scsi_debug fails reads of chosen LBAs; writes work):
# a read pass finds them as lost sectors, reads of them keep failing, and
# writing the device again heals them (each write to a lost sector lands on
# the spare block the read pass moved it to). The same with scrub.
# timeout: 900
source "$(dirname "$0")/../lib.sh"
source "$REPO/tests/integration/remap-lib.sh"

# LBAs 8006-8009: sectors 6-7 of block 1000 and 0-1 of block 1001
main=$(mk_scsi_debug 64 8006 4)
spare=$(mk_loop 16M spare)
mark=$(kernel_log_mark)
remap_create r0 "$main" "$spare"
events=$(dm_events r0)

log "read pass"
dd if=/dev/mapper/r0 of=/dev/null bs=64k iflag=direct conv=noerror status=none 2>/dev/null || true
assert_eq 4 "$(remap_status r0 lost_sectors)" "lost_sectors after the read pass"
assert_eq 2 "$(remap_status r0 auto_remaps)" "auto_remaps"
assert_eq 2 "$(remap_status r0 remapped)" "remapped"
(($(remap_status r0 read_errors) >= 1)) || die "read_errors not counted"
assert_eq "1000 0 LA" "$(dmsetup message r0 0 list 1000 1)" "block 1000 flags"
assert_ne ok "$(remap_status r0 health_state)" "health with lost sectors"
(($(dm_events r0) > events)) || die "no device-mapper event for the health change"
dmsetup message r0 0 health | grep -q "reasons=.*lost_sectors" || die "health reasons"

# lost sectors keep failing, their good neighbours read
assert_fails dd if=/dev/mapper/r0 of=/dev/null bs=512 skip=8006 count=1 iflag=direct status=none
assert_fails dd if=/dev/mapper/r0 of=/dev/null bs=512 skip=8009 count=1 iflag=direct status=none
dd if=/dev/mapper/r0 of=/dev/null bs=512 skip=8005 count=1 iflag=direct status=none
dd if=/dev/mapper/r0 of=/dev/null bs=512 skip=8010 count=1 iflag=direct status=none
# a reload keeps them lost (they are in the metadata)
dmsetup reload r0 <<<"$(dmsetup table r0)"
dmsetup resume r0
assert_eq 4 "$(remap_status r0 lost_sectors)" "lost_sectors after reload"
assert_fails dd if=/dev/mapper/r0 of=/dev/null bs=512 skip=8007 count=1 iflag=direct status=none

log "write everything with verify"
fio_verify /dev/mapper/r0 --rw=write --bs=4k --size=100%
assert_eq 0 "$(remap_status r0 lost_sectors)" "lost_sectors after rewrite"
assert_eq 2 "$(remap_status r0 remapped)" "remapped after rewrite"
assert_eq 0 "$(remap_status r0 auto_remaps)" "no new remaps for the rewrite (the counter restarted at the reload)"
dm_remove r0

log "the same found by scrub"
spare2=$(mk_loop 16M spare2)
remap_create r1 "$main" "$spare2"
dmsetup message r1 0 scrub start 500
for _ in $(seq 300); do
	[[ $(dmsetup message r1 0 scrub status) == state=idle* ]] && break
	sleep 0.2
done
status=$(dmsetup message r1 0 scrub status)
log "scrub: $status"
assert_contains "$status" "state=idle" "scrub finished"
assert_contains "$status" "found=2" "scrub found both blocks"
assert_contains "$status" "passes=1" "one pass"
assert_eq 4 "$(remap_status r1 lost_sectors)" "lost_sectors after scrub"
fio_verify /dev/mapper/r1 --rw=randwrite --bs=4k --size=100%
assert_eq 0 "$(remap_status r1 lost_sectors)" "lost_sectors after rewrite"
assert_kernel_log_clean "$mark"
