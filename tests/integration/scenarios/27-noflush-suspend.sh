#!/usr/bin/env bash
# A noflush suspend does not wait for the error path: a read of an
# unreadable block (scsi_debug medium error, read_retries 16: about 12.5 s
# of retries, then as long again to salvage the block while it moves) and
# a second read held by that move are both given back to device-mapper,
# which requeues them, so `dmsetup suspend --noflush` returns while both
# readers wait. After the resume the reads are done again and fail as they
# should (the sectors lost); other data reads back.
# With auto remap off and read_retries 0 there is nothing to wait for: a
# read that fails while a noflush suspend waits for it (its sector an
# `error` segment under a 3 s dm-delay) fails at once, counted in
# read_errors, and is not kept until the resume.
# timeout: 300
source "$(dirname "$0")/../lib.sh"
source "$REPO/tests/integration/remap-lib.sh"

# LBAs 40000-40007: block 5000 unreadable
main=$(mk_scsi_debug 64 40000 8)
spare=$(mk_loop 16M spare)
T=60
remap_create r0 "$main" "$spare" read_retries 16
dd if=/dev/urandom of=/dev/mapper/r0 bs=4k seek=4999 count=1 oflag=direct status=none
before=$(dd if=/dev/mapper/r0 bs=4k skip=4999 count=1 iflag=direct status=none | sha256sum)

dd if=/dev/mapper/r0 of=/dev/null bs=4k skip=5000 count=1 iflag=direct status=none &
reader=$!
# after the retries the worker moves the block and salvages it (M in list)
for _ in $(seq 400); do
	dmsetup message r0 0 list 5000 1 | grep -qE "^5000 [0-9]+ [^ ]*M" && break
	sleep 0.1
done
dmsetup message r0 0 list 5000 1 | grep -qE "^5000 [0-9]+ [^ ]*M" || die "block 5000 never seen moving"
# a second read of the block is held by the move
dd if=/dev/mapper/r0 of=/dev/null bs=4k skip=5000 count=1 iflag=direct status=none &
held=$!
sleep 1
kill -0 "$reader" 2>/dev/null || die "the read ended before the suspend: nothing tested"
kill -0 "$held" 2>/dev/null || die "the second read was not held: nothing tested"
timeout $T dmsetup suspend --noflush r0 || die "noflush suspend failed or hung"
kill -0 "$reader" 2>/dev/null ||
	die "the noflush suspend waited for the read's salvage instead of requeuing it"
kill -0 "$held" 2>/dev/null || die "the noflush suspend waited for the move holding a read"
log "noflush suspend returned while both reads wait"
sleep 1
kill -0 "$reader" 2>/dev/null || die "the requeued read ended while the device was suspended"
kill -0 "$held" 2>/dev/null || die "the requeued held read ended while the device was suspended"
dmsetup message r0 0 set read_retries 0 # the second go need not take long
timeout $T dmsetup resume r0 || die "resume failed"
for p in "$reader" "$held"; do
	rc=0
	wait "$p" || rc=$?
	((rc != 0)) || die "a read of an unreadable block succeeded after the resume"
done
assert_eq 8 "$(remap_status r0 lost_sectors)" "lost_sectors after the requeued read"
assert_eq "$before" "$(dd if=/dev/mapper/r0 bs=4k skip=4999 count=1 iflag=direct status=none | sha256sum)" \
	"neighbour block"

log "auto remap off, read_retries 0: a read failing during a noflush suspend goes up at once"
lm=$(mk_loop 16M main2)
ls=$(mk_loop 16M spare2)
dm_create mainx "$(bad_sector_table "$lm" 83)"
slow=$(mk_slow_region slow /dev/mapper/mainx 80 8 $((3000 * SCENARIO_TIME_FACTOR)) 0)
remap_create r1 "$slow" "$ls" no_auto_remap read_retries 0
dd if=/dev/mapper/r1 of=/dev/null bs=512 skip=83 count=1 iflag=direct status=none &
reader=$!
wait_inflight_read r1
kill -0 "$reader" 2>/dev/null || die "the read of r1 ended before the suspend: nothing tested"
timeout $T dmsetup suspend --noflush r1 || die "noflush suspend of r1 failed or hung"
for _ in $(seq 50); do
	kill -0 "$reader" 2>/dev/null || break
	sleep 0.1
done
if kill -0 "$reader" 2>/dev/null; then
	dmsetup resume r1 # so that the cleanup can remove it
	die "the failed read is kept until the resume although nothing would redo it"
fi
rc=0
wait "$reader" || rc=$?
((rc != 0)) || die "a read of an error segment succeeded"
assert_eq 1 "$(remap_status r1 read_errors)" "read_errors, counted while suspended"
timeout $T dmsetup resume r1 || die "resume of r1 failed"
assert_eq 0 "$(remap_status r1 remapped)" "remapped with auto remap off"
