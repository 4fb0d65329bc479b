#!/usr/bin/env bash
# A noflush suspend does not wait for the error path's read retries: a read
# of an unreadable block (scsi_debug medium error, read_retries 16, about
# 12.5 s of retries) is given back to device-mapper, which requeues it, so
# `dmsetup suspend --noflush` returns while the reader still waits. After
# the resume the read is done again and fails as it should (its sectors
# lost); other data reads back.
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
sleep 2
kill -0 "$reader" 2>/dev/null || die "the read ended before the suspend: nothing tested"
timeout $T dmsetup suspend --noflush r0 || die "noflush suspend failed or hung"
kill -0 "$reader" 2>/dev/null ||
	die "the noflush suspend waited for the read's retries instead of requeuing it"
log "noflush suspend returned while the read waits"
sleep 1
kill -0 "$reader" 2>/dev/null || die "the requeued read ended while the device was suspended"
dmsetup message r0 0 set read_retries 0 # the second go need not take long
timeout $T dmsetup resume r0 || die "resume failed"
rc=0
wait "$reader" || rc=$?
((rc != 0)) || die "the read of an unreadable block succeeded after the resume"
assert_eq 8 "$(remap_status r0 lost_sectors)" "lost_sectors after the requeued read"
assert_eq "$before" "$(dd if=/dev/mapper/r0 bs=4k skip=4999 count=1 iflag=direct status=none | sha256sum)" \
	"neighbour block"
