#!/usr/bin/env bash
# An outage that begins and ends while a block is being salvaged (read
# sector by sector on its way to the spare) marks no good sector lost.
# Main is a stack: mb (linear, with one `error` sector S: a truly bad
# sector) under mf (dm-delay, reads slowed to 300 ms so that the salvage of
# the block's 8 sectors takes seconds). A read of S's block starts the
# move; once the salvage has read its first sector, mb is switched to
# `error` over everything until two reads have failed, then back. Afterwards (a second
# read after the quiet time, if the move gave up during the outage) only S
# is lost: lost_sectors 1, one block remapped, the 7 other sectors of the
# block read back as written and S fails. The 300 ms are scaled by
# SCENARIO_TIME_FACTOR (the debug kernel's 3), so that the salvage still
# outlasts the switch of mb.
# timeout: 300
source "$(dirname "$0")/../lib.sh"
source "$REPO/tests/integration/remap-lib.sh"

modprobe dm_delay
lm=$(mk_loop 16M main)
spare=$(mk_loop 8M spare)
N=$(blockdev --getsz "$lm")
T=60
B=1000             # the block (4 KiB) with the bad sector
D=$((300 * SCENARIO_TIME_FACTOR)) # ms a read of mf takes
S=$((B * 8 + 5))   # the bad sector
mark=$(kernel_log_mark)
dm_create mb "0 $N linear $lm 0"
dm_create mf "0 $N linear /dev/mapper/mb 0"
remap_create r0 /dev/mapper/mf "$spare"
dmsetup message r0 0 set read_retries 0
pattern=/tmp/dmremap-$SCENARIO_NAME-pattern
at_cleanup "rm -f $pattern"
dd if=/dev/urandom of="$pattern" bs=1M count=16 status=none
dd if="$pattern" of=/dev/mapper/r0 bs=1M oflag=direct status=none

mb_table() { # the bad sector S, or everything failing
	if [[ $1 == bad ]]; then
		bad_sector_table "$lm" "$S"
	else
		echo "0 $N error"
	fi
}
switch_mb() {
	timeout $T dmsetup reload mb <<<"$(mb_table "$1")"
	timeout $T dmsetup resume mb
}
# reads mf completed (failed ones too), from its block-layer statistics
mf_stat=/sys/block/$(dm_kname mf)/stat
mf_reads() { awk '{print $1}' "$mf_stat"; }
wait_reads() { # N: until mf has completed N reads (at most 30 s)
	local end=$((SECONDS + 30))
	while (($(mf_reads) < $1)); do
		((SECONDS < end)) || die "mf completed $(mf_reads) reads, waited for $1"
		sleep 0.02
	done
}

switch_mb bad
timeout $T dmsetup reload mf <<<"0 $N delay /dev/mapper/mb 0 $D"
timeout $T dmsetup resume mf
base=$(mf_reads)
log "reading block $B (bad sector $S) through $D ms reads"
dd if=/dev/mapper/r0 of=/dev/null bs=4k skip=$B count=1 iflag=direct status=none 2>/dev/null &
reader=$!
# the bio, its read again, the probe, the salvage's whole-block read and
# its first sector: then the salvage is under way
wait_reads $((base + 5))
log "outage: mb fails everything"
switch_mb outage
# reads that complete from now on were served by the error table
wait_reads $(($(mf_reads) + 2))
switch_mb bad
log "outage over after $(($(mf_reads) - base)) reads"
wait "$reader" && die "the read of block $B worked although sector $S is bad"
timeout $T dmsetup reload mf <<<"0 $N linear /dev/mapper/mb 0"
timeout $T dmsetup resume mf
log "after the first read: remapped $(remap_status r0 remapped)," \
	"lost_sectors $(remap_status r0 lost_sectors), outage_errors $(remap_status r0 outage_errors)"

sleep 6 # past the quiet time after a failed probe
assert_eq 0 "$(remap_stat r0 outage)" "outage over"
# if the move gave up during the outage, this one moves the block
assert_fails dd if=/dev/mapper/r0 of=/dev/null bs=4k skip=$B count=1 iflag=direct status=none
assert_eq 1 "$(remap_status r0 remapped)" "the bad block moved"
assert_eq 1 "$(remap_status r0 lost_sectors)" "only the truly bad sector is lost"
assert_fails dd if=/dev/mapper/r0 of=/dev/null bs=512 skip=$S count=1 iflag=direct status=none
got=/tmp/dmremap-$SCENARIO_NAME-got
at_cleanup "rm -f $got"
for s in $(seq $((B * 8)) $((B * 8 + 7))); do
	((s == S)) && continue
	dd if=/dev/mapper/r0 of="$got" bs=512 skip="$s" count=1 iflag=direct status=none ||
		die "good sector $s of block $B does not read"
	cmp -s "$got" <(dd if="$pattern" bs=512 skip="$s" count=1 status=none) ||
		die "good sector $s of block $B reads other data"
done
switch_mb bad # leave nothing failing but S for the cleanup's reads
assert_kernel_log_clean "$mark"
