#!/usr/bin/env bash
# A spare whose every metadata copy is destroyed is refused with the
# documented message and never formatted over: the spare (and the main
# device) read back byte for byte the same after the attempt, by dmsetup
# and by `dmremap create`. Variants: random bytes over both superblocks;
# a flipped byte in both; superblock 0 zeroed and superblock 1 failing its
# CRC; superblock 0 random and superblock 1 zeroed; both superblocks good
# but a table block of each copy damaged; superblock 0 zeroed and copy 1's
# table damaged; both superblocks zeroed with the tables intact. The
# offline checkers call each one damaged.
# timeout: 600
source "$(dirname "$0")/../lib.sh"
source "$REPO/tests/integration/remap-lib.sh"

TOOLS=$REPO/tests/integration/tools
CLI=$REPO/build/bin/dmremap
main=$(mk_loop 64M main)
spare=$(mk_loop 16M spare)
base=/tmp/dmremap-$SCENARIO_NAME-baseline.img
at_cleanup "rm -f $base"
mark=$(kernel_log_mark)
edit() { python3 "$TOOLS/spare_edit.py" "$@"; }

remap_create r0 "$main" "$spare"
mapfile -t blocks < <(shuf -i 0-16383 -n 300)
remap_blocks r0 "${blocks[@]}"
dm_remove r0
read -r c1 used _ <<<"$(edit "$spare" geometry)"
((used > 254)) || die "table_used $used: want at least 3 table blocks"
log "copy 1 at sector $c1, table_used $used"
dd if="$spare" of="$base" bs=1M iflag=direct status=none
main_sha=$(edit "$main" sha)

has_cli_check=0
"$CLI" metadata --help 2>/dev/null | grep -qE "^ +check( |$)" && has_cli_check=1

# refused NAME REGEX -- after the damage: create fails with a line matching
# REGEX (extended, case-insensitive) in the kernel log, nothing written, the checkers call it damaged.
refused() {
	local what=$1 msg=$2 sha m
	sha=$(edit "$spare" sha)
	python3 "$TOOLS/metadata_check.py" --block-size 4096 "$spare" 2>"$SCENARIO_OUT/check.$what" &&
		die "$what: metadata_check.py finds a consistent copy: $(cat "$SCENARIO_OUT/check.$what")"
	if ((has_cli_check)); then
		assert_fails "$CLI" metadata check "$spare"
		assert_eq 1 "$ASSERT_STATUS" "$what: dmremap metadata check exit status"
	fi
	m=$(kernel_log_mark "$what")
	assert_fails dmsetup create r0 --table "$(remap_table "$main" "$spare")"
	dmsetup info r0 >/dev/null 2>&1 && { log "dmsetup left r0 behind; removing"; dmsetup remove r0; }
	kernel_log_since_mark "$m" | grep -qiE "$msg" ||
		die "$what: no '$msg' in the kernel log: $(kernel_log_since_mark "$m" | tail -n 5)"
	assert_fails "$CLI" create r1 "$main" "$spare"
	assert_eq 1 "$ASSERT_STATUS" "$what: dmremap create exit status"
	dmsetup info r1 >/dev/null 2>&1 && die "$what: dmremap create left r1 behind"
	assert_eq "$sha" "$(edit "$spare" sha)" "$what: spare checksum after the attempts"
	assert_eq "$main_sha" "$(edit "$main" sha)" "$what: main checksum after the attempts"
	log "$what: refused ($msg), nothing written"
}
restore() { dd if="$base" of="$spare" bs=1M oflag=direct conv=notrunc status=none; }

# docs/target.md: "Spare metadata damaged, no valid copy: run dmremap
# metadata repair", "Spare device holds unknown data: refusing to overwrite
# it", and at resume "No consistent metadata copy: run dmremap metadata repair"
DAMAGED="remap: .*damaged.*(no valid copy|no copy is valid)"
UNKNOWN="remap: .*unknown data.*refusing to overwrite"
NO_COPY="remap: .*no consistent metadata copy"

restore
edit "$spare" random 0
edit "$spare" random "$c1"
refused random-superblocks "$UNKNOWN"

restore
edit "$spare" flip 17
edit "$spare" flip $((c1 * 512 + 17))
refused flipped-superblocks "$DAMAGED"

restore
edit "$spare" zero 0
edit "$spare" flip $((c1 * 512 + 2000))
refused zeroed-and-crc "$DAMAGED"

restore
edit "$spare" random 0
edit "$spare" zero "$c1"
refused random-and-zeroed "$UNKNOWN"

restore
edit "$spare" random 8         # copy 0, table block 0
edit "$spare" random $((c1 + 16)) # copy 1, table block 1
refused damaged-tables "$NO_COPY"

restore
edit "$spare" zero 0
edit "$spare" flip $((c1 * 512 + 4096 * 3 + 100)) # copy 1, table block 2
refused zeroed-and-table "$NO_COPY"

# both superblocks zeroed, the tables intact: still a table, never formatted
restore
edit "$spare" zero 0
edit "$spare" zero "$c1"
refused zeroed-superblocks "$DAMAGED"

# and the baseline itself still loads with all 300 remaps
restore
remap_create r0 "$main" "$spare"
assert_eq 300 "$(remap_status r0 remapped)" "baseline remaps"
assert_kernel_log_clean "$mark"
