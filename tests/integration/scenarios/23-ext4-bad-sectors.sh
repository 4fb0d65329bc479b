#!/usr/bin/env bash
# ext4 on the target; a file tree is written while bad sectors appear under
# it (ahead of the writer, in space not yet written). e2fsck is clean and
# every file's checksum matches, read back from the device.
# timeout: 900
source "$(dirname "$0")/../lib.sh"
source "$REPO/tests/integration/remap-lib.sh"

nb=$(mk_null_blk nb23 256)
spare=$(mk_loop 64M spare)
mark=$(kernel_log_mark)
remap_create r0 "$nb" "$spare"
sectors=$(blockdev --getsz "$nb")
bad_range() { # percent of the device, 16 sectors
	local s=$((sectors * $1 / 100))
	null_bad nb23 "+$s-$((s + 15))"
}

mkfs.ext4 -q -b 4096 -E lazy_itable_init=0,lazy_journal_init=0 /dev/mapper/r0
mnt=$SCENARIO_OUT/mnt
mkdir -p "$mnt" "$SCENARIO_OUT/src"
mount /dev/mapper/r0 "$mnt"
bad_range 60
bad_range 70

# the tree: 120 files of 4 KiB to 2.5 MiB in 6 directories
for i in $(seq 1 120); do
	d=$((i % 6))
	mkdir -p "$SCENARIO_OUT/src/d$d" "$mnt/d$d"
	head -c $(((i * 7919) % 2560 * 1024 + 4096)) /dev/urandom >"$SCENARIO_OUT/src/d$d/f$i"
done
(cd "$SCENARIO_OUT/src" && find . -type f -exec sha256sum {} + | sort -k2) >"$SCENARIO_OUT/sums"
n=0
for f in $(cd "$SCENARIO_OUT/src" && find . -type f | sort); do
	cp "$SCENARIO_OUT/src/$f" "$mnt/$f"
	n=$((n + 1))
	if ((n == 30)); then
		bad_range 97
		bad_range 98
		sync
	fi
done
sync
umount "$mnt"
log "auto_remaps=$(remap_status r0 auto_remaps) lost=$(remap_status r0 lost_sectors)"
(($(remap_status r0 auto_remaps) > 0)) || die "no bad sector was hit: the scenario tested nothing"
assert_eq 0 "$(remap_status r0 lost_sectors)" "lost sectors"
e2fsck -fn /dev/mapper/r0 >"$SCENARIO_OUT/e2fsck.log" 2>&1 || die "e2fsck -fn: $(tail -5 "$SCENARIO_OUT/e2fsck.log")"
echo 3 >/proc/sys/vm/drop_caches
mount -o ro /dev/mapper/r0 "$mnt"
(cd "$mnt" && sha256sum -c --quiet "$SCENARIO_OUT/sums") || die "file checksums differ"
umount "$mnt"
assert_kernel_log_clean "$mark"
