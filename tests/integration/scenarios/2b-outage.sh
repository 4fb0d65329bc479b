#!/usr/bin/env bash
# A device outage is not a media error. Main under dm-flakey (2 s up, 3 s
# down: every I/O fails while down) for 12 s of sequential reads and of
# writes that rewrite what is already there; then flakey is replaced by
# linear. Nothing was moved and nothing is lost: lost_sectors 0, remapped
# unchanged, every byte reads back as written. The outage is counted
# (outage_errors, status field 13 and sysfs; outages in stats), logged and
# raised as a device-mapper event.
# timeout: 300
source "$(dirname "$0")/../lib.sh"
source "$REPO/tests/integration/remap-lib.sh"

lm=$(mk_loop 64M main)
spare=$(mk_loop 16M spare)
N=$(blockdev --getsz "$lm")
T=60
mark=$(kernel_log_mark)
dm_create mf "0 $N linear $lm 0"
remap_create r0 /dev/mapper/mf "$spare"
pattern=/tmp/dmremap-$SCENARIO_NAME-pattern
at_cleanup "rm -f $pattern"
dd if=/dev/urandom of="$pattern" bs=1M count=64 status=none
dd if="$pattern" of=/dev/mapper/r0 bs=1M oflag=direct status=none
dmsetup message r0 0 remap 10 11 >/dev/null
events=$(dm_events r0)

log "flakey under main: 2 s up, 3 s down, for 12 s"
timeout $T dmsetup reload mf <<<"0 $N flakey $lm 0 2 3"
timeout $T dmsetup resume mf
end=$((SECONDS + 12))
(while ((SECONDS < end)); do
	dd if=/dev/mapper/r0 of=/dev/null bs=64k iflag=direct status=none 2>/dev/null || true
done) &
reader=$!
(while ((SECONDS < end)); do
	k=$((RANDOM % 1024))
	dd if="$pattern" of=/dev/mapper/r0 bs=64k skip=$k seek=$k count=1 oflag=direct status=none 2>/dev/null || true
done) &
writer=$!
wait "$reader" "$writer"
timeout $T dmsetup reload mf <<<"0 $N linear $lm 0"
timeout $T dmsetup resume mf

(($(remap_status r0 read_errors) > 0)) || die "no read failed during the outages: nothing tested"
assert_eq 0 "$(remap_status r0 lost_sectors)" "lost_sectors after the outages"
assert_eq 2 "$(remap_status r0 remapped)" "remapped after the outages"
assert_eq 0 "$(remap_status r0 auto_remaps)" "auto_remaps after the outages"
assert_eq "$(sha "$pattern")" "$(sha /dev/mapper/r0)" "data after the outages"
oe=$(remap_status r0 outage_errors)
((oe > 0)) || die "outage_errors not counted"
assert_eq "$oe" "$(cat "/sys/kernel/dm_remap/$(dm_kname r0)/outage_errors")" "sysfs outage_errors"
(($(remap_stat r0 outages) >= 1)) || die "outages not counted"
(($(dm_events r0) > events)) || die "no device-mapper event for the outage"
kernel_log_since_mark "$mark" | grep -q "main device does not answer" || die "outage not logged"
log "outage_errors $oe, outages $(remap_stat r0 outages), read_errors $(remap_status r0 read_errors)"

log "a real media error after the outage is still moved"
sleep 6 # past the quiet time after the last failed probe
assert_eq 0 "$(remap_stat r0 outage)" "outage over"
timeout $T dmsetup reload mf <<<"$(bad_sector_table "$lm" 8004)"
timeout $T dmsetup resume mf
assert_fails dd if=/dev/mapper/r0 of=/dev/null bs=4k skip=1000 count=1 iflag=direct status=none
assert_eq 1 "$(remap_status r0 lost_sectors)" "the bad sector is lost"
assert_eq 3 "$(remap_status r0 remapped)" "its block moved"
timeout $T dmsetup reload mf <<<"0 $N linear $lm 0"
timeout $T dmsetup resume mf
assert_kernel_log_clean "$mark"
