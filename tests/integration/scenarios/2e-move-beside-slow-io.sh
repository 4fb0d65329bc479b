#!/usr/bin/env bash
# A move waits only for the bios in flight on its own blocks (their 1 MiB
# group's bucket), not for every bio of the device. Main is dm-delay over
# one 1 MiB region (reads there take 3 s) and linear elsewhere: with a read
# of that region in flight, a `remap` of a block elsewhere returns while
# the read is still in flight; a `remap` of the block being read returns
# only after the read ended (the copy must not start under it). Whether
# the read is in flight is r0's own count (/sys/block/dm-N/inflight); the
# second move's copy reads the slow region for 3 s more, so the count has
# dropped when it returns. Prints the moves' times as figures
# (figures.txt).
# timeout: 300
source "$(dirname "$0")/../lib.sh"
source "$REPO/tests/integration/remap-lib.sh"

main=$(mk_loop 64M main)
spare=$(mk_loop 16M spare)
# sectors 2048-4095: blocks 256-511 of 4 KiB, in-flight group 1
slow=$(mk_slow_region slow "$main" 2048 2048 3000)
remap_create r0 "$slow" "$spare"

# slow_read -- a read of block 300 in the background, once it is in flight.
slow_read() {
	dd if=/dev/mapper/r0 of=/dev/null bs=4k skip=300 count=1 iflag=direct status=none &
	wait_inflight_read r0
}

log "a read of block 300 in flight for 3 s, then a remap of block 1024"
slow_read
t0=$EPOCHREALTIME
dmsetup message r0 0 remap 1024 >/dev/null
ms=$(ms_since "$t0")
(($(inflight_reads r0) > 0)) ||
	die "the remap of block 1024 returned only after the slow read of block 300 (${ms} ms)"
echo "remap of a block while a read elsewhere takes 3 s: $ms ms" | tee "$SCENARIO_OUT/figures.txt"
wait
assert_eq 1 "$(remap_status r0 remapped)" "remapped after the first remap"

log "a read of block 300 in flight, then a remap of block 300 itself"
slow_read
t0=$EPOCHREALTIME
dmsetup message r0 0 remap 300 >/dev/null
ms=$(ms_since "$t0")
(($(inflight_reads r0) == 0)) ||
	die "the remap of block 300 returned while a read of it was in flight (${ms} ms)"
echo "remap of the block being read (3 s): $ms ms" | tee -a "$SCENARIO_OUT/figures.txt"
wait
assert_eq 2 "$(remap_status r0 remapped)" "remapped after the second remap"
