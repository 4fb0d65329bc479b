#!/usr/bin/env bash
# Persistence: a few hundred remaps (single and batched manual remaps, some
# unremapped again, and automatic ones with and without lost sectors) come
# back the same, with the same data and the same unreadable sectors, after
# remove and create, and after a simulated reboot (module unloaded, loop
# devices detached and attached again under new names). The offline
# checker agrees with the kernel on the spare in between. Healing a lost
# sector after the reboot is persistent too.
# timeout: 600
source "$(dirname "$0")/../lib.sh"
source "$REPO/tests/integration/remap-lib.sh"

TOOLS=$REPO/tests/integration/tools
CLI=$REPO/build/bin/dmremap
main_loop=$(mk_loop 64M main)
spare=$(mk_loop 16M spare)
main_file=/tmp/dmremap-$SCENARIO_NAME-main.img
spare_file=/tmp/dmremap-$SCENARIO_NAME-spare.img
[[ -f $main_file && -f $spare_file ]] || die "backing files not where mk_loop puts them"
sz=$(blockdev --getsz "$main_loop")
mark=$(kernel_log_mark)

# the main device through a linear table, to give it bad sectors later:
# 8006-8009 (sectors 6-7 of block 1000, 0-1 of block 1001) and all of
# block 3000 (24000-24007)
m0_good() { echo "0 $sz linear $1 0"; }
m0_bad() {
	printf '%s\n' "0 8006 linear $1 0" "8006 4 error" "8010 15990 linear $1 8010" \
		"24000 8 error" "24008 $((sz - 24008)) linear $1 24008"
}
dm_create m0 "$(m0_good "$main_loop")"
remap_create r0 /dev/mapper/m0 "$spare"
nblocks=$(remap_stat r0 blocks)
fio_verify /dev/mapper/r0 --rw=write --bs=64k --size=100% --do_verify=0

log "manual remaps"
for b in 0 7 100 4095 $((nblocks - 1)); do
	dmsetup message r0 0 remap "$b" >/dev/null
done
"$CLI" remap r0 2047 >/dev/null
mapfile -t blocks < <(shuf -i "4096-$((nblocks - 2))" -n 400)
remap_blocks r0 "${blocks[@]}"
dmsetup message r0 0 unremap "${blocks[@]:0:40}" 7 >/dev/null

log "automatic remaps: read errors (lost sectors) and a write error"
dd if=/dev/mapper/r0 of="$SCENARIO_OUT/block3000" bs=4k skip=3000 count=1 iflag=direct status=none
dmsetup reload m0 <<<"$(m0_bad "$main_loop")"
dmsetup resume m0
dd if=/dev/mapper/r0 of=/dev/null bs=4k skip=1000 count=2 iflag=direct conv=noerror status=none 2>/dev/null || true
dd if="$SCENARIO_OUT/block3000" of=/dev/mapper/r0 bs=4k seek=3000 count=1 oflag=direct status=none
assert_eq 4 "$(remap_status r0 lost_sectors)" "lost_sectors"
assert_eq 3 "$(remap_status r0 auto_remaps)" "auto_remaps"
assert_eq "1000 $(dmsetup message r0 0 list 1000 1 | cut -d' ' -f2) LA" "$(dmsetup message r0 0 list 1000 1)" "block 1000 flags"
assert_eq "3000 $(dmsetup message r0 0 list 3000 1 | cut -d' ' -f2) A" "$(dmsetup message r0 0 list 3000 1)" "block 3000 flags"

remapped=$(remap_status r0 remapped)
((remapped == 6 + 400 - 41 + 3)) || die "remapped: expected $((6 + 400 - 41 + 3)), got $remapped"
remap_list r0 >"$SCENARIO_OUT/list.before"
assert_eq "$remapped" "$(wc -l <"$SCENARIO_OUT/list.before")" "list length"
python3 "$TOOLS/blockdigest.py" /dev/mapper/r0 >"$SCENARIO_OUT/digest.before"
grep -q "eio=8006,8007,8008,8009$" "$SCENARIO_OUT/digest.before" ||
	die "digest does not show sectors 8006-8009 unreadable"
fields() { for f in remapped spare_total spare_free lost_sectors; do printf '%s=%s ' "$f" "$(remap_status r0 "$f")"; done; }
fields_before=$(fields)
seq_before=$(dmsetup message r0 0 commit)
seq_before=${seq_before#seq=}
log "$remapped remaps, metadata seq $seq_before; $fields_before"

# same as before: list, data and unreadable sectors, status, metadata state
compare() {
	local what=$1
	remap_list r0 >"$SCENARIO_OUT/list.$what"
	cmp -s "$SCENARIO_OUT/list.before" "$SCENARIO_OUT/list.$what" ||
		die "remaps differ after $what: $(diff "$SCENARIO_OUT/list.before" "$SCENARIO_OUT/list.$what" | head -n 6)"
	python3 "$TOOLS/blockdigest.py" /dev/mapper/r0 >"$SCENARIO_OUT/digest.$what" 2>/dev/null
	cmp -s "$SCENARIO_OUT/digest.before" "$SCENARIO_OUT/digest.$what" ||
		die "data differs after $what: $(diff "$SCENARIO_OUT/digest.before" "$SCENARIO_OUT/digest.$what" | head -n 6)"
	assert_eq "$fields_before" "$(fields)" "status fields after $what"
	assert_eq ok "$(remap_status r0 metadata_state)" "metadata_state after $what"
	local seq
	seq=$(remap_status r0 metadata_seq)
	((seq >= seq_before)) || die "metadata_seq went back after $what: $seq_before -> $seq"
	log "after $what: same $(wc -l <"$SCENARIO_OUT/list.$what") remaps, same data, seq $seq"
}

# the offline checker sees both copies consistent and the same remaps
offline_check() {
	local what=$1 dev=$2
	python3 "$TOOLS/metadata_check.py" --block-size 4096 --strict --list "$dev" \
		>"$SCENARIO_OUT/offline.$what" 2>"$SCENARIO_OUT/offline.$what.report" ||
		die "metadata_check.py: $(cat "$SCENARIO_OUT/offline.$what.report")"
	grep -q ": ok$" "$SCENARIO_OUT/offline.$what.report" ||
		die "both copies should be consistent and equal: $(cat "$SCENARIO_OUT/offline.$what.report")"
	cmp -s "$SCENARIO_OUT/list.before" "$SCENARIO_OUT/offline.$what" ||
		die "offline checker's remaps differ from the kernel's ($what)"
	if "$CLI" metadata --help 2>/dev/null | grep -qE "^ +check( |$)"; then
		"$CLI" metadata check "$dev" 2>"$SCENARIO_OUT/cli-check.$what" ||
			die "dmremap metadata check fails a clean spare: $(cat "$SCENARIO_OUT/cli-check.$what")"
	fi
}

log "remove and create"
"$CLI" remove r0
offline_check removed "$spare"
remap_create r0 /dev/mapper/m0 "$spare"
compare recreate

log "reboot: unload the module, detach and attach the loop devices"
dm_remove r0
dm_remove m0
rmmod dm_remap
losetup -d "$main_loop" "$spare"
offline_check detached "$spare_file"
main_loop=$(losetup --show -f "$main_file")
spare=$(losetup --show -f "$spare_file")
log "now main $main_loop, spare $spare"
modprobe dm_remap
dm_create m0 "$(m0_bad "$main_loop")"
remap_create r0 /dev/mapper/m0 "$spare"
compare reboot

log "a write heals a lost sector, persistently"
dd if=/dev/urandom of="$SCENARIO_OUT/sector" bs=512 count=1 status=none
dd if="$SCENARIO_OUT/sector" of=/dev/mapper/r0 bs=512 seek=8007 count=1 oflag=direct status=none
assert_eq 3 "$(remap_status r0 lost_sectors)" "lost_sectors after the write"
dm_remove r0
remap_create r0 /dev/mapper/m0 "$spare"
assert_eq 3 "$(remap_status r0 lost_sectors)" "lost_sectors after the write and create"
dd if=/dev/mapper/r0 bs=512 skip=8007 count=1 iflag=direct status=none | cmp - "$SCENARIO_OUT/sector" ||
	die "healed sector does not read back after create"
for s in 8006 8008 8009; do
	assert_fails dd if=/dev/mapper/r0 of=/dev/null bs=512 skip=$s count=1 iflag=direct status=none
done
assert_eq "$(wc -l <"$SCENARIO_OUT/list.before")" "$(remap_list r0 | wc -l)" "remaps after the heal"
assert_kernel_log_clean "$mark"
