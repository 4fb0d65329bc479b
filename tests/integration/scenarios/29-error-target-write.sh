#!/usr/bin/env bash
# Writes onto sectors that fail writes, with main a dm table over a loop
# device whose bad sectors are one-sector `error` segments between linear
# ones (block_size 4096): (a) a one-sector write onto the bad sector of a
# fresh block, (b) a write of five sectors covering a bad sector and part
# of its neighbours, (c) a one-sector write onto a bad sector that an
# earlier read already made lost, (d) a write of three sectors covering
# such a lost sector and its neighbours, (e) a two-block write covering
# the block (a) remapped and a fresh block with a bad sector, (f) a write
# of a whole block with a bad sector. Each write succeeds and lands on a
# spare block: it reads back, the block's other sectors keep their data,
# and no sector is left lost.
# timeout: 300
source "$(dirname "$0")/../lib.sh"
source "$REPO/tests/integration/remap-lib.sh"

lm=$(mk_loop 64M main)
spare=$(mk_loop 16M spare)
N=$(blockdev --getsz "$lm")
mark=$(kernel_log_mark)
dd if=/dev/urandom of="$lm" bs=1M count=64 oflag=direct status=none
table=""
prev=0
BAD="16004 16012 24004 32004 40004 48005"
for bad in $BAD; do
	table+="$prev $((bad - prev)) linear $lm $prev"$'\n'"$bad 1 error"$'\n'
	prev=$((bad + 1))
done
table+="$prev $((N - prev)) linear $lm $prev"
dm_create mainx "$table"
remap_create r0 /dev/mapper/mainx "$spare"
src=/tmp/dmremap-$SCENARIO_NAME-src
at_cleanup "rm -f $src"
dd if=/dev/urandom of="$src" bs=512 count=16 status=none

# sectors FIRST COUNT of r0 equal the source's first COUNT sectors
same() {
	cmp -s <(dd if=/dev/mapper/r0 bs=512 skip="$1" count="$2" iflag=direct status=none) \
		<(dd if="$src" bs=512 count="$2" status=none)
}
# the block's sectors outside [FIRST, FIRST+COUNT) still read as on the loop
neighbours_kept() {
	local first=$1 count=$2 block=$(($1 / 8)) s
	for s in $(seq $((block * 8)) $((block * 8 + 7))); do
		((s >= first && s < first + count)) && continue
		[[ " $BAD " == *" $s "* ]] && continue
		cmp -s <(dd if=/dev/mapper/r0 bs=512 skip="$s" count=1 iflag=direct status=none) \
			<(dd if="$lm" bs=512 skip="$s" count=1 iflag=direct status=none) ||
			die "sector $s changed or unreadable"
	done
}
write_ok() { # WHAT FIRST COUNT
	local m
	m=$(kernel_log_mark "$1")
	dd if="$src" of=/dev/mapper/r0 bs=512 seek="$2" count="$3" oflag=direct status=none ||
		die "$1: the write failed: $(kernel_log_since_mark "$m" | grep -v dmremap-mark)"
	same "$2" "$3" || die "$1: the written sectors do not read back"
	neighbours_kept "$2" "$3"
	log "$1: written, reads back, neighbours kept; $(dmsetup message r0 0 list $(($2 / 8)) 1)"
}

write_ok one-sector 16004 1
assert_eq 0 "$(remap_status r0 lost_sectors)" "lost_sectors after (a)"
write_ok five-sectors 24002 5
assert_eq 0 "$(remap_status r0 lost_sectors)" "lost_sectors after (b)"
assert_fails dd if=/dev/mapper/r0 of=/dev/null bs=4k skip=4000 count=1 iflag=direct status=none
assert_eq 1 "$(remap_status r0 lost_sectors)" "the read made sector 32004 lost"
write_ok onto-lost 32004 1
assert_eq 0 "$(remap_status r0 lost_sectors)" "lost_sectors after (c)"
assert_fails dd if=/dev/mapper/r0 of=/dev/null bs=4k skip=5000 count=1 iflag=direct status=none
assert_eq 1 "$(remap_status r0 lost_sectors)" "the read made sector 40004 lost"
write_ok three-onto-lost 40003 3
assert_eq 0 "$(remap_status r0 lost_sectors)" "lost_sectors after (d)"
write_ok remapped-and-fresh 16000 16
assert_eq 0 "$(remap_status r0 lost_sectors)" "lost_sectors after (e)"
write_ok whole-block 48000 8
assert_eq 0 "$(remap_status r0 lost_sectors)" "lost_sectors after (f)"
assert_eq 6 "$(remap_status r0 remapped)" "remapped"
assert_kernel_log_clean "$mark"
