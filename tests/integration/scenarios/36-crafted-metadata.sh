#!/usr/bin/env bash
# Crafted metadata with valid CRCs is refused, and the spare is not
# written: (a) a commit sequence number of 2^64-1, whose next commit
# would wrap to 0 and never be written; (b) lost bits beyond the block's
# sectors; (c) copy 1 newest with another pool layout (its table damaged,
# so that the load would take copy 0's entries with copy 1's layout);
# (d) a pool offset that is not a multiple of the block size. The offline
# checker (tools/metadata_check.py) agrees. Afterwards the baseline image
# loads again with its remaps and data.
# timeout: 300
source "$(dirname "$0")/../lib.sh"
source "$REPO/tests/integration/remap-lib.sh"

TOOLS=$REPO/tests/integration/tools
main=$(mk_loop 64M main)
spare=$(mk_loop 16M spare)
base=/tmp/dmremap-$SCENARIO_NAME-baseline.img
at_cleanup "rm -f $base"
edit() { python3 "$TOOLS/spare_edit.py" "$@"; }

remap_create r0 "$main" "$spare"
dd if=/dev/urandom of=/dev/mapper/r0 bs=1M count=64 oflag=direct status=none
dmsetup message r0 0 remap 3 5 9 >/dev/null
list=$(dmsetup message r0 0 list)
data=$(sha /dev/mapper/r0)
dm_remove r0
read -r c1 _ _ cs <<<"$(edit "$spare" geometry)"
dd if="$spare" of="$base" bs=1M iflag=direct status=none
sb_field() { # COPY_SECTOR FIELD
	python3 - "$spare" "$1" "$2" <<'EOF'
import os, sys
sys.path.insert(0, os.environ["TOOLS"])
import metadata_check as mc
img = mc.Image(sys.argv[1])
print(mc.parse_superblock(img.read(int(sys.argv[2])))[sys.argv[3]])
EOF
}
export TOOLS
seq=$(sb_field 0 seq)
pool=$(sb_field 0 pool_offset)
blocks=$(sb_field 0 pool_blocks)
log "copy 1 at $c1, copy size $cs, seq $seq, pool at $pool, $blocks blocks"

restore() { dd if="$base" of="$spare" bs=1M oflag=direct conv=notrunc status=none; }
# refused WHAT REGEX: create fails, the log says REGEX, the spare is unchanged,
# the offline checker does not load it
refused() {
	local what=$1 regex=$2 before m
	before=$(edit "$spare" sha)
	m=$(kernel_log_mark "$what")
	assert_fails dmsetup create r0 --table "$(remap_table "$main" "$spare")"
	dmsetup remove r0 2>/dev/null || true
	kernel_log_since_mark "$m" | grep -qE "$regex" ||
		die "$what: no '$regex' in the log: $(kernel_log_since_mark "$m" | grep remap)"
	assert_eq "$before" "$(edit "$spare" sha)" "$what: spare written"
	python3 "$TOOLS/metadata_check.py" --block-size 4096 "$spare" >"$SCENARIO_OUT/check.$what" 2>&1 &&
		die "$what: the offline checker loads it: $(cat "$SCENARIO_OUT/check.$what")"
	log "$what: refused"
	restore
}

log "(a) seq 2^64-1 in both copies"
for c in 0 "$c1"; do edit "$spare" sb "$c" seq 18446744073709551615; done
refused seq-max "Spare metadata damaged, no valid copy"

log "(b) lost bits beyond the block's 8 sectors (block 3, both copies)"
for c in 0 "$c1"; do edit "$spare" entry $((c + 8)) 0 3 1 $((1 << 8)); done
refused lost-beyond "No consistent metadata copy"

log "(c) copy 1 newest, with another pool layout and a damaged table"
edit "$spare" sb "$c1" seq $((seq + 1))
edit "$spare" sb "$c1" pool_offset $((pool + 8))
edit "$spare" sb "$c1" pool_blocks $((blocks - 1))
edit "$spare" flip $(((c1 + 8) * 512 + 100))
refused other-layout "No consistent metadata copy"

log "(d) pool offset not a multiple of the block size (both copies)"
for c in 0 "$c1"; do
	edit "$spare" sb "$c" pool_offset $((pool + 1))
	edit "$spare" sb "$c" pool_blocks $((blocks - 1))
done
refused unaligned-pool "Spare metadata damaged, no valid copy"

log "the baseline loads again"
remap_create r0 "$main" "$spare"
assert_eq "$list" "$(dmsetup message r0 0 list)" "remaps of the baseline"
assert_eq "$data" "$(sha /dev/mapper/r0)" "data of the baseline"
