#!/usr/bin/env bash
# The error path's I/O to a remapped block's spare block holds no lock
# that moves of other blocks need. Block 10 of main has a bad sector (83,
# a one-sector `error` segment); a read remaps it with that sector lost,
# to spare block 0, which lies in a slow region of the spare (dm-delay,
# 3 s). Then, with (a) a write to a good sector of block 10 and (b) a
# write that heals its lost sector in flight (both redone by the error
# path on the spare, 3 s each), a `remap` of another block returns while
# the write is still in flight. Afterwards block 10 reads back with both
# writes, no sector is lost, and the remaps are kept across a reload.
# (c) A batch that marked a block and waits for another block's slow move
# holds no lock that single moves need: with `remap 300` copying from a
# slow region of main (3 s) and `remap 1000 300` waiting for it, `remap
# 1500` returns while block 300 is still moving.
# (d) A batch that waited reads again what it found before: with block
# 2000 remapped and `remap 2000 310` waiting for a slow move of block 310,
# `unremap 2000` takes block 2000 back to main meanwhile; the batch, once
# it succeeds, has block 2000 remapped again (not reported on a spare
# block it no longer has).
# Prints the remaps' times as figures (figures.txt). The slow regions'
# 3 s are scaled by SCENARIO_TIME_FACTOR (the debug kernel's 3).
# timeout: 300
source "$(dirname "$0")/../lib.sh"
source "$REPO/tests/integration/remap-lib.sh"

slow_ms=$((3000 * SCENARIO_TIME_FACTOR))
lm=$(mk_loop 64M main)
ls=$(mk_loop 16M spare)
dd if=/dev/urandom of="$lm" bs=1M count=64 oflag=direct status=none
dm_create mainx "$(bad_sector_table "$lm" 83)"

# where spare block 0 lies: format once, then put a slow region over it
remap_create r0 /dev/mapper/mainx "$ls"
po=$(remap_stat r0 pool_offset)
dm_remove r0
# flushes (every commit's) are not held: only I/O to spare block 0 is slow
slow=$(mk_slow_region sslow "$ls" "$po" 8 "$slow_ms" 0)
remap_create r0 /dev/mapper/mainx "$slow"

log "a read of block 10 remaps it to spare block 0 with sector 83 lost"
assert_fails dd if=/dev/mapper/r0 of=/dev/null bs=4k skip=10 count=1 iflag=direct status=none
assert_eq 1 "$(remap_status r0 remapped)" "remapped after the read"
assert_eq 1 "$(remap_status r0 lost_sectors)" "lost sectors after the read"
assert_contains "$(dmsetup message r0 0 list 10 1)" "10 0 " "block 10 on spare block 0"

inflight_writes() {
	local _ w
	read -r _ w <"/sys/block/$(dm_kname r0)/inflight"
	echo "$w"
}
wait_inflight_write() {
	for _ in $(seq 100); do
		(($(inflight_writes) > 0)) && return
		sleep 0.05
	done
	die "no write in flight on r0"
}
src=/tmp/dmremap-$SCENARIO_NAME-src
at_cleanup "rm -f $src"
dd if=/dev/urandom of="$src" bs=512 count=2 status=none

# remap_beside WHAT SECTOR SRC_SKIP BLOCK -- a write of SECTOR from the
# source in flight, then a remap of BLOCK that must return before it ends
remap_beside() {
	local what=$1 sector=$2 skip=$3 block=$4 t0 ms
	dd if="$src" of=/dev/mapper/r0 bs=512 skip="$skip" seek="$sector" count=1 \
		oflag=direct status=none &
	wait_inflight_write
	t0=$EPOCHREALTIME
	dmsetup message r0 0 remap "$block" >/dev/null
	ms=$(ms_since "$t0")
	(($(inflight_writes) > 0)) ||
		die "the remap of block $block returned only after $what on the spare (${ms} ms)"
	echo "remap of a block while $what takes $((slow_ms / 1000)) s on the spare: $ms ms" |
		tee -a "$SCENARIO_OUT/figures.txt"
	wait $! || die "$what failed"
}

log "(a) a write to good sector 80 of block 10 in flight, then a remap of block 1024"
remap_beside "a write to a good sector" 80 0 1024
log "(b) a write healing lost sector 83 in flight, then a remap of block 1025"
remap_beside "a write healing a lost sector" 83 1 1025

assert_eq 3 "$(remap_status r0 remapped)" "remapped at the end"
assert_eq 0 "$(remap_status r0 lost_sectors)" "lost sectors after the heal"
check_block() {
	local s want
	for s in $(seq 80 87); do
		case $s in
		80) want=$(dd if="$src" bs=512 skip=0 count=1 status=none | sha256sum) ;;
		83) want=$(dd if="$src" bs=512 skip=1 count=1 status=none | sha256sum) ;;
		*) want=$(dd if="$lm" bs=512 skip="$s" count=1 iflag=direct status=none | sha256sum) ;;
		esac
		[[ $(dd if=/dev/mapper/r0 bs=512 skip="$s" count=1 iflag=direct status=none | sha256sum) == "$want" ]] ||
			die "$1: sector $s of block 10 does not read back"
	done
}
check_block "before the reload"
log "block 10 reads back with both writes; a reload keeps it"
dmsetup reload r0 --table "$(dmsetup table r0)"
dmsetup resume r0
assert_eq 3 "$(remap_status r0 remapped)" "remapped after the reload"
assert_eq 0 "$(remap_status r0 lost_sectors)" "lost sectors after the reload"
check_block "after the reload"

log "(c) a batch waits for a slow move, with a block marked; a single remap beside it"
lm2=$(mk_loop 64M main2)
ls2=$(mk_loop 16M spare2)
slow2=$(mk_slow_region mslow "$lm2" 2048 2048 "$slow_ms" 0)
remap_create r1 "$slow2" "$ls2"
# wait_moving BLOCK -- until block BLOCK of r1 is being moved (5 s at most)
wait_moving() {
	for _ in $(seq 100); do
		[[ $(dmsetup message r1 0 list "$1" 1) == "$1 "*M* ]] && return
		sleep 0.05
	done
	die "block $1 of r1 is not moving"
}
dmsetup message r1 0 remap 300 >/dev/null &
slow_move=$!
wait_moving 300
dmsetup message r1 0 remap 1000 300 >/dev/null &
batch=$!
wait_moving 1000
t0=$EPOCHREALTIME
dmsetup message r1 0 remap 1500 >/dev/null
ms=$(ms_since "$t0")
[[ $(dmsetup message r1 0 list 300 1) == "300 "*M* ]] ||
	die "the remap of block 1500 returned only after block 300's move (${ms} ms)"
echo "remap of a block while a batch waits for a $((slow_ms / 1000)) s move: $ms ms" |
	tee -a "$SCENARIO_OUT/figures.txt"
wait "$slow_move" || die "the remap of block 300 failed"
wait "$batch" || die "the remap of blocks 1000 and 300 failed"
assert_eq 3 "$(remap_status r1 remapped)" "r1 remapped at the end"

log "(d) a batch waits for a slow move; a block it found remapped is unremapped meanwhile"
dmsetup message r1 0 remap 2000 >/dev/null
dmsetup message r1 0 remap 310 >/dev/null &
slow_move=$!
wait_moving 310
reply=/tmp/dmremap-$SCENARIO_NAME-reply
at_cleanup "rm -f $reply"
dmsetup message r1 0 remap 2000 310 >"$reply" &
batch=$!
sleep "$SCENARIO_TIME_FACTOR" # the batch finds block 2000 remapped, then waits for block 310
dmsetup message r1 0 unremap 2000 >/dev/null
[[ $(dmsetup message r1 0 list 310 1) == "310 "*M* ]] ||
	die "block 310's move ended before the unremap: nothing tested"
wait "$slow_move" || die "the remap of block 310 failed"
wait "$batch" || die "the remap of blocks 2000 and 310 failed"
listed=$(dmsetup message r1 0 list 2000 1)
[[ $listed == "2000 "* ]] ||
	die "'remap 2000 310' succeeded, but block 2000 is not remapped (list: '$listed')"
assert_contains "$(<"$reply")" "${listed% *}" "the batch's reply for block 2000"
