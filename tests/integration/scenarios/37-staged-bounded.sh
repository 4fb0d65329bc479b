#!/usr/bin/env bash
# Staged metadata never outlives its move. While metadata_state is failed
# (both copies' areas behind dm error segments), each write to a lost
# sector would stage a change that no commit ever takes: staging is
# refused instead, so `metadata_staged` (stats) stays 0 after many such
# writes, which fail with EIO and leave the sector lost. Between moves on
# a working spare it is 0 too.
# timeout: 300
source "$(dirname "$0")/../lib.sh"
source "$REPO/tests/integration/remap-lib.sh"

TOOLS=$REPO/tests/integration/tools
main=$(mk_scsi_debug 64 8000 1) # sector 0 of block 1000 unreadable
sl=$(mk_loop 16M spare)
S=$(blockdev --getsz "$sl")
T=60
dm_create sp "0 $S linear $sl 0"
remap_create r0 "$main" /dev/mapper/sp
read -r c1 _ _ cs <<<"$(python3 "$TOOLS/spare_edit.py" /dev/mapper/sp geometry)"

assert_fails dd if=/dev/mapper/r0 of=/dev/null bs=4k skip=1000 count=1 iflag=direct status=none
assert_eq 1 "$(remap_status r0 lost_sectors)" "lost_sectors after the read"
dmsetup message r0 0 remap 1 2 3 >/dev/null
assert_eq 0 "$(remap_stat r0 metadata_staged)" "metadata_staged between moves"

log "both copies fail"
timeout $T dmsetup reload sp <<<"$(printf '%s\n' "0 $cs error" "$cs $((c1 - cs)) linear $sl $cs" "$c1 $((S - c1)) error")"
timeout $T dmsetup resume sp
assert_fails timeout $T dmsetup message r0 0 remap 7
assert_eq failed "$(remap_status r0 metadata_state)" "metadata_state"
for _ in $(seq 20); do
	assert_fails dd if=/dev/zero of=/dev/mapper/r0 bs=512 seek=8000 count=1 oflag=direct status=none
done
assert_eq 1 "$(remap_status r0 lost_sectors)" "the sector stays lost"
assert_eq 0 "$(remap_stat r0 metadata_staged)" "metadata_staged after 20 writes while failed"
timeout $T dmsetup reload sp <<<"0 $S linear $sl 0"
timeout $T dmsetup resume sp
