#!/usr/bin/env bash
# dmremap lost-files: a file whose block goes bad (reads fail on the main
# device, so the target moves the block with those sectors lost) is named,
# with the lost sectors, on ext4 and on XFS; other files are not; a device
# without lost sectors names nothing.
# timeout: 1200
source "$(dirname "$0")/../lib.sh"
source "$REPO/tests/integration/remap-lib.sh"

mark=$(kernel_log_mark)
mnt=$SCENARIO_OUT/mnt
mkdir -p "$mnt"

# make_lost NB NAME SECTOR -- sectors SECTOR+2 and +3 of the main device go
# bad and a direct read of their block through the target makes them lost.
make_lost() {
	local nb=$1 name=$2 sector=$3
	null_bad "$nb" "+$((sector + 2))-$((sector + 3))"
	echo 3 >/proc/sys/vm/drop_caches
	assert_fails dd if="/dev/mapper/$name" of=/dev/null bs=512 skip="$sector" count=8 iflag=direct status=none
	assert_eq 2 "$(remap_status "$name" lost_sectors)" "lost sectors on $name"
}

log "ext4"
nb=$(mk_null_blk nb52 128)
spare=$(mk_loop 32M spare)
"$DMREMAP" create r0 "$nb" "$spare"
out=$("$DMREMAP" lost-files r0 2>"$SCENARIO_OUT/none.err")
assert_eq "" "$out" "nothing lost yet"
assert_contains "$(<"$SCENARIO_OUT/none.err")" "no sector is lost" "said on stderr"
mkfs.ext4 -q -b 4096 /dev/mapper/r0
mount /dev/mapper/r0 "$mnt"
mkdir "$mnt/d0"
head -c 65536 /dev/urandom >"$mnt/d0/f1"
head -c 65536 /dev/urandom >"$mnt/d0/f2"
umount "$mnt"
block=$(debugfs -R "bmap /d0/f1 3" /dev/mapper/r0 2>/dev/null)
log "f1's 4th block is file system block $block"
make_lost nb52 r0 $((block * 8))
out=$("$DMREMAP" lost-files r0)
echo "$out"
assert_eq "/d0/f1 (inode $(debugfs -R "stat /d0/f1" /dev/mapper/r0 2>/dev/null | sed -n 's/^Inode: \([0-9]*\).*/\1/p')): sectors $((block * 8 + 2))-$((block * 8 + 3))" "$out" "the file named"
doc=$("$DMREMAP" lost-files r0 --json)
echo "$doc"
assert_eq "1 ext4 ['/d0/f1'] ['lost', 'auto'] []" \
	"$(json '"%s %s %s %s %s" % (d["schema"], d["filesystem"], d["files"][0]["paths"], d["blocks"][0]["flags"], d["unowned"])' <<<"$doc")" "json"
"$DMREMAP" remove r0

log "XFS"
nb=$(mk_null_blk nb53 320)
spare=$(mk_loop 32M spare2)
"$DMREMAP" create r1 "$nb" "$spare"
mkfs.xfs -q /dev/mapper/r1
mount /dev/mapper/r1 "$mnt"
mkdir "$mnt/d0"
head -c 65536 /dev/urandom >"$mnt/d0/g1"
head -c 65536 /dev/urandom >"$mnt/d0/g2"
sync
# "0: [0..127]: 96..223": the extent's first sector on the device
first=$(xfs_bmap "$mnt/d0/g2" | sed -n 's/^[[:space:]]*0: \[[0-9.]*\]: \([0-9]*\)\.\..*/\1/p')
umount "$mnt"
log "g2 starts at sector $first"
[[ -n $first ]] || die "no extent for g2"
make_lost nb53 r1 $((first / 8 * 8 + 8))
out=$("$DMREMAP" lost-files r1)
echo "$out"
assert_contains "$out" "/d0/g2 (inode " "the file named, from the root"
assert_contains "$out" "): sectors $((first / 8 * 8 + 10))-$((first / 8 * 8 + 11))" "its lost sectors"
[[ $out != *g1* ]] || die "g1 named too"
doc=$("$DMREMAP" lost-files r1 --json)
assert_eq "xfs 1" "$(json '"%s %s" % (d["filesystem"], len(d["files"]))' <<<"$doc")" "json"
"$DMREMAP" remove r1
assert_kernel_log_clean "$mark"
