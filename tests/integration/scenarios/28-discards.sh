#!/usr/bin/env bash
# Discards on blocks that gain lost sectors. (1) A discard held by an
# automatic move (read_retries 16 keeps the move long) whose block ends up
# with two lost sectors: the released discard needs a cut only map() may
# make, so the error worker does it, block by block; no oops, the discard
# succeeds, the lost sectors stay lost and the others read. (2) fstrim on
# ext4 while the scrub moves a block in free space with a bad sector: the
# same, and e2fsck and the file's checksum are fine. (3) A failed discard
# to the spare counts in no counter (not in spare_errors).
# timeout: 600
source "$(dirname "$0")/../lib.sh"
source "$REPO/tests/integration/remap-lib.sh"

mark=$(kernel_log_mark)
T=60
sl=$(mk_loop 16M spare)
S=$(blockdev --getsz "$sl")
dm_create sp "0 $S linear $sl 0"
nb=$(mk_null_blk nbd 256 discard=1)
N=$(blockdev --getsz "$nb")
remap_create r0 "$nb" /dev/mapper/sp read_retries 16
[[ $(cat "/sys/block/$(dm_kname r0)/queue/discard_max_bytes") != 0 ]] || die "r0 offers no discard"

# wait_moving BLOCK: until the block shows M in list (an automatic move)
wait_moving() {
	local i
	for i in $(seq 600); do
		dmsetup message r0 0 list "$1" 1 | grep -qE "^$1 [0-9]+ [^ ]*M" && return 0
		sleep 0.1
	done
	die "block $1 never seen moving"
}

log "(1) a discard held while block 1000 moves, released onto lost sectors"
dd if=/dev/urandom of=/dev/mapper/r0 bs=4k seek=999 count=3 oflag=direct status=none
null_bad nbd +8002-8003
dd if=/dev/mapper/r0 of=/dev/null bs=4k skip=1000 count=1 iflag=direct status=none &
reader=$!
wait_moving 1000
blkdiscard -o $((1000 * 4096)) -l 4096 /dev/mapper/r0 &
discarder=$!
sleep 1
kill -0 "$discarder" 2>/dev/null || die "the discard was not held by the move: nothing tested"
rc=0
wait "$reader" || rc=$?
((rc != 0)) || die "the read of the bad sectors succeeded"
timeout $T tail --pid="$discarder" -f /dev/null || die "the held discard hangs"
wait "$discarder" || die "the held discard failed"
assert_eq 2 "$(remap_status r0 lost_sectors)" "lost_sectors after the discard"
assert_contains "$(dmsetup message r0 0 list 1000 1)" "L" "block 1000 keeps its lost sectors"
for s in 8000 8001 8004 8005 8006 8007; do
	dd if=/dev/mapper/r0 of=/dev/null bs=512 skip=$s count=1 iflag=direct status=none ||
		die "sector $s does not read after the discard"
done
for s in 8002 8003; do
	assert_fails dd if=/dev/mapper/r0 of=/dev/null bs=512 skip=$s count=1 iflag=direct status=none
done
assert_kernel_log_clean "$mark"

log "(2) fstrim on ext4 during a scrub rescue"
# a bad sector near the end, in free space of a small file system
bad=$((N - 4096 + 5))
badblock=$((bad / 8))
# no lazy init: nothing writes the device behind the test's back
mkfs.ext4 -q -E nodiscard,lazy_itable_init=0,lazy_journal_init=0 /dev/mapper/r0
mnt=/tmp/dmremap-$SCENARIO_NAME-mnt
mkdir -p "$mnt"
mount /dev/mapper/r0 "$mnt"
dd if=/dev/urandom of="$mnt/file" bs=1M count=8 status=none
sync
sum=$(sha256sum <"$mnt/file")
null_bad nbd "+$bad-$bad"
dmsetup message r0 0 scrub start 1000
wait_moving "$badblock"
fstrim -v "$mnt" || die "fstrim failed"
for _ in $(seq 600); do
	dmsetup message r0 0 scrub status | grep -q "state=idle" && break
	sleep 0.1
done
dmsetup message r0 0 scrub status | grep -q "state=idle" || die "the scrub did not finish"
assert_contains "$(dmsetup message r0 0 list "$badblock" 1)" "L" "the scrub's block keeps its lost sector"
assert_fails dd if=/dev/mapper/r0 of=/dev/null bs=512 skip="$bad" count=1 iflag=direct status=none
umount "$mnt"
e2fsck -fn /dev/mapper/r0 >"$SCENARIO_OUT/e2fsck.log" 2>&1 || die "e2fsck: $(cat "$SCENARIO_OUT/e2fsck.log")"
mount /dev/mapper/r0 "$mnt"
assert_eq "$sum" "$(sha256sum <"$mnt/file")" "file after fstrim"
umount "$mnt"
assert_kernel_log_clean "$mark"

log "(3) a failed discard to the spare is no spare error"
# block 20000 (free space): its spare block fails every I/O (flakey,
# never up); -f: no signature probing, which would read other blocks
dmsetup message r0 0 remap 20000 >/dev/null
read -r _ sb _ <<<"$(dmsetup message r0 0 list 20000 1)"
po=$(remap_stat r0 pool_offset)
at=$((po + sb * 8))
timeout $T dmsetup reload sp <<<"$(printf '%s\n' "0 $at linear $sl 0" \
	"$at 8 flakey $sl $at 0 1" "$((at + 8)) $((S - at - 8)) linear $sl $((at + 8))")"
timeout $T dmsetup resume sp
dmsetup message r0 0 clear_stats
assert_fails blkdiscard -f -o $((20000 * 4096)) -l 4096 /dev/mapper/r0
assert_eq 0 "$(remap_stat r0 spare_errors)" "spare_errors after a failed discard"
timeout $T dmsetup reload sp <<<"0 $S linear $sl 0"
timeout $T dmsetup resume sp
assert_kernel_log_clean "$mark"
