#!/usr/bin/env bash
# Damage to one metadata block at a time: with a few hundred remaps (four
# table blocks per copy), each superblock and each table block in use of
# each copy is in turn overwritten with random bytes while the device is
# removed; then one byte of a block is flipped instead (superblock seq,
# superblock CRC, a table entry, a table header). Each time the device
# loads from the other copy, reports metadata_state degraded and logs
# which copy is bad, lists exactly the same remaps; a `commit` message
# heals it (state ok, both copies consistent and equal offline) and it is
# still ok after remove and create. Data is verified at the end.
# timeout: 900
source "$(dirname "$0")/../lib.sh"
source "$REPO/tests/integration/remap-lib.sh"

TOOLS=$REPO/tests/integration/tools
main=$(mk_loop 64M main)
spare=$(mk_loop 16M spare)
mark=$(kernel_log_mark)
edit() { python3 "$TOOLS/spare_edit.py" "$@"; }

remap_create r0 "$main" "$spare"
fio_verify /dev/mapper/r0 --rw=write --bs=64k --size=100% --do_verify=0
mapfile -t blocks < <(shuf -i 0-16383 -n 480)
remap_blocks r0 "${blocks[@]}"
dmsetup message r0 0 unremap "${blocks[@]:0:30}" >/dev/null
remap_list r0 >"$SCENARIO_OUT/list.before"
assert_eq 450 "$(wc -l <"$SCENARIO_OUT/list.before")" "remaps"
dm_remove r0
read -r c1 used _ <<<"$(edit "$spare" geometry)"
ntb=$(((used + 126) / 127))
((ntb >= 4)) || die "only $ntb table blocks in use"
log "copy 1 at sector $c1; $ntb table blocks in use per copy"

# offline VERDICT [CHECK] -- the checker's verdict on the spare, and the copy
# it loads holds the remaps from before; `dmremap metadata check` says
# CHECK (default: clean for ok, else degraded) with its exit status.
offline() {
	local want=$1 check=${2:-} report
	python3 "$TOOLS/metadata_check.py" --block-size 4096 --list "$spare" \
		>"$SCENARIO_OUT/offline.list" 2>"$SCENARIO_OUT/offline.report" ||
		die "metadata_check.py: no consistent copy: $(cat "$SCENARIO_OUT/offline.report")"
	report=$(cat "$SCENARIO_OUT/offline.report")
	[[ $report == *": $want"* ]] || die "offline verdict: want $want: $report"
	cmp -s "$SCENARIO_OUT/list.before" "$SCENARIO_OUT/offline.list" ||
		die "offline checker loads other remaps: $report"
	# dmremap metadata check (docs/metadata-tools.md): 0 clean or degraded
	# (the kernel loads one copy and rewrites the other, losing nothing),
	# 1 damaged (a superblock it cannot trust: commits may be lost); it
	# refuses a spare in use by a live target
	[[ -n $check ]] || check=$([[ $want == ok ]] && echo clean || echo degraded)
	if [[ -z $(ls "/sys/class/block/${spare#/dev/}/holders") ]]; then
		local rc=0
		"$REPO/build/bin/dmremap" metadata check "$spare" >"$SCENARIO_OUT/cli-check.out" 2>&1 || rc=$?
		assert_eq "$([[ $check == damaged ]] && echo 1 || echo 0)" "$rc" \
			"dmremap metadata check exit status on a $want spare ($(head -c 600 "$SCENARIO_OUT/cli-check.out"))"
		grep -q "^  result: $check" "$SCENARIO_OUT/cli-check.out" ||
			die "dmremap metadata check: want result $check: $(head -c 600 "$SCENARIO_OUT/cli-check.out")"
	fi
}

# damaged NAME COPY -- after damage to COPY: loads degraded from the other
# copy, same remaps; commit heals; still ok after remove and create.
cases=0
damaged() {
	local what=$1 copy=$2 m seq state
	# a damaged superblock is damage to check, a table block of a copy the
	# kernel merely rewrites (same seq) is not
	offline degraded "$([[ $what == *superblock* ]] && echo damaged || echo degraded)"
	m=$(kernel_log_mark "$what")
	remap_create r0 "$main" "$spare"
	state=$(remap_status r0 metadata_state)
	assert_eq degraded "$state" "$what: metadata_state after create"
	kernel_log_since_mark "$m" | grep -q "metadata copy $copy is bad or stale" ||
		die "$what: no 'metadata copy $copy is bad or stale' in the kernel log"
	remap_list r0 | cmp -s "$SCENARIO_OUT/list.before" - || die "$what: remaps differ after create"
	seq=$(dmsetup message r0 0 commit)
	[[ $seq == seq=* ]] || die "$what: commit replied '$seq'"
	assert_eq ok "$(remap_status r0 metadata_state)" "$what: metadata_state after commit"
	assert_eq "${seq#seq=}" "$(remap_status r0 metadata_seq)" "$what: metadata_seq after commit"
	offline ok
	dm_remove r0
	offline ok
	remap_create r0 "$main" "$spare"
	assert_eq ok "$(remap_status r0 metadata_state)" "$what: metadata_state after remove and create"
	remap_list r0 | cmp -s "$SCENARIO_OUT/list.before" - || die "$what: remaps differ after heal"
	dm_remove r0
	cases=$((cases + 1))
	log "$what: degraded, same remaps, healed by commit ($seq)"
}

offline ok
for copy in 0 1; do
	base=$((copy ? c1 : 0))
	edit "$spare" random "$base"
	damaged "superblock-$copy" "$copy"
	for ((i = 0; i < ntb; i++)); do
		edit "$spare" random $((base + 8 * (1 + i)))
		damaged "table-$copy.$i" "$copy"
	done
done

log "single bit flips"
edit "$spare" flip 16                                  # copy 0 superblock: seq
damaged flip-superblock-0-seq 0
edit "$spare" flip $((c1 * 512 + 1)) 0x80              # copy 1 superblock: crc
damaged flip-superblock-1-crc 1
edit "$spare" flip $((c1 * 512 + 4096 * 2 + 32 + 32 * 5 + 3)) 0x10 # copy 1 table 1, entry 5
damaged flip-table-1.1-entry 1
edit "$spare" flip $((4096 * 4 + 16))                  # copy 0 table 3 header: index
damaged flip-table-0.3-index 0
log "$cases damage cases"

remap_create r0 "$main" "$spare"
fio_verify /dev/mapper/r0 --rw=write --bs=64k --size=100% --verify_only
spare_data_check r0 "$spare"
assert_kernel_log_clean "$mark"
