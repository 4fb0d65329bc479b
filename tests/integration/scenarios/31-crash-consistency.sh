#!/usr/bin/env bash
# Crash consistency of the metadata: dm-log-writes records every write that
# reaches the spare device while remap and unremap messages (1-50 blocks)
# run and fio writes the main device; a mark after each acknowledged
# message tells what had been acknowledged where. The log is then replayed
# onto a zeroed image (tools/crash_check.py) and checked at every FLUSH/FUA
# point, plus one torn state (some of the unflushed writes, some cut) per
# stretch between flushes: a consistent copy always exists, it holds every
# acknowledged remap on its spare block and none of the acknowledged
# unremaps, the one operation in flight is all or nothing, the sequence
# never goes back, and the spare blocks it names hold the blocks' data.
# Twice during the run a metadata block is damaged (through the log) and
# the device recreated, so commits that heal a copy are checked as well.
# At 10 evenly spread points a real target is created on the replayed image
# and its list must be what the checker loaded. The full replay must equal
# the spare device after the run (which validates the replayer).
# timeout: 900
source "$(dirname "$0")/../lib.sh"
source "$REPO/tests/integration/remap-lib.sh"

TOOLS=$REPO/tests/integration/tools
NOPS=${CRASH_OPS:-90}
BS=4096

main=$(mk_loop 64M main)
spare=$(mk_loop 16M spare)
logdev=$(mk_loop 512M log)
spare_file=/tmp/dmremap-$SCENARIO_NAME-spare.img
log_file=/tmp/dmremap-$SCENARIO_NAME-log.img
[[ -f $spare_file && -f $log_file ]] || die "backing files not where mk_loop puts them"
main_sz=$(blockdev --getsz "$main")
nblocks=$((main_sz * 512 / BS))
half=$((nblocks / 2))
mark=$(kernel_log_mark)

log "stamping target blocks $half-$((nblocks - 1)) on the main device"
python3 - "$main" "$half" "$nblocks" <<'EOF'
import os, sys
dev, first, end = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
fd = os.open(dev, os.O_WRONLY)
for b in range(first, end):
    os.pwrite(fd, ("B%015d" % b).encode() * 256, b * 4096)
os.fsync(fd)
os.close(fd)
EOF

modprobe dm_log_writes
dm_create lw "0 $(blockdev --getsz "$spare") log-writes $spare $logdev"
remap_create r0 "$main" /dev/mapper/lw
dmsetup message lw 0 mark created
assert_eq ok "$(remap_status r0 metadata_state)" "metadata_state"

log "fio writes target blocks 0-$((half - 1)) in the background"
fio_runs=0
start_fio() {
	fio_runs=$((fio_runs + 1))
	fio --name=bg --filename=/dev/mapper/r0 --direct=1 --ioengine=libaio --iodepth=4 \
		--rw=randwrite --bs=4k --size=$((half * BS)) --time_based --runtime=1200 \
		--rate=256k --output="$SCENARIO_OUT/fio-$fio_runs.log" &
	fio_pid=$!
}
stop_fio() {
	kill "$fio_pid" 2>/dev/null || true
	wait "$fio_pid" || true
	grep -q "err= 0" "$SCENARIO_OUT/fio-$fio_runs.log" || die "fio saw errors (fio-$fio_runs.log)"
}
start_fio

ops=$SCENARIO_OUT/ops.txt
: >"$ops"
declare -A mapped=()
remaps=0 unremaps=0
start=$EPOCHREALTIME
# damage COPY SECTOR: remove the device, overwrite one metadata block (through
# the log, so the replay sees it), create it again: it loads degraded, and
# the next operation's commit heals the copy (that heal is in the log too)
damage() {
	local copy=$1 sector=$2
	stop_fio
	dm_remove r0
	python3 "$TOOLS/spare_edit.py" /dev/mapper/lw random "$sector"
	dm_create r0 "$(remap_table "$main" /dev/mapper/lw)"
	assert_eq degraded "$(remap_status r0 metadata_state)" "metadata_state after damaging copy $copy"
	remap_list r0 | cmp -s - <(printf '%s\n' "${!mapped[@]}" | while read -r b; do echo "$b ${mapped[$b]} -"; done | sort -n) ||
		die "remaps after the damage are not the operations' result"
	start_fio
	log "op $n: damaged copy $copy at sector $sector; loads degraded; the next commit heals it"
}
read -r c1 _ <<<"$(python3 "$TOOLS/spare_edit.py" /dev/mapper/lw geometry)"
for ((n = 1; n <= NOPS; n++)); do
	((n == NOPS / 3)) && damage 1 $((c1 + 8))  # copy 1, table block 0
	((n == 2 * NOPS / 3)) && damage 0 0        # copy 0, superblock
	if ((n % 6 == 0 && ${#mapped[@]} > 20)); then
		mapfile -t blocks < <(printf '%s\n' "${!mapped[@]}" | shuf -n $((RANDOM % 10 + 1)))
		reply=$(dmsetup message r0 0 unremap "${blocks[@]}")
		assert_eq "$(printf '%s\n' "${blocks[@]}")" "$reply" "unremap reply (op $n)"
		echo "$n unremap ${blocks[*]}" >>"$ops"
		for b in "${blocks[@]}"; do unset "mapped[$b]"; done
		unremaps=$((unremaps + ${#blocks[@]}))
	else
		mapfile -t blocks < <(shuf -i "0-$((nblocks - 1))" -n $((RANDOM % 50 + 1)))
		# now and then one already remapped: remap is idempotent
		if ((n % 7 == 0 && ${#mapped[@]})); then
			blocks+=("$(printf '%s\n' "${!mapped[@]}" | shuf -n 1)")
		fi
		reply=$(dmsetup message r0 0 remap "${blocks[@]}")
		line="$n remap"
		while read -r b s; do
			[[ -n ${mapped[$b]:-} && ${mapped[$b]} != "$s" ]] &&
				die "remap $b replied spare $s, it was on ${mapped[$b]}"
			mapped[$b]=$s
			line+=" $b:$s"
		done <<<"$reply"
		assert_eq "${#blocks[@]}" "$(wc -l <<<"$reply")" "remap reply lines (op $n)"
		echo "$line" >>"$ops"
		remaps=$((remaps + ${#blocks[@]}))
	fi
	dmsetup message lw 0 mark "ack-$n"
done
log "$NOPS operations ($remaps blocks remapped, $unremaps unremapped) in" \
	"$(awk -v a="$EPOCHREALTIME" -v b="$start" 'BEGIN{printf "%.1f", a-b}') s"
stop_fio

# the live list is what the operations say
printf '%s\n' "${!mapped[@]}" | while read -r b; do echo "$b ${mapped[$b]} -"; done |
	sort -n >"$SCENARIO_OUT/expected.list"
remap_list r0 >"$SCENARIO_OUT/live.list"
cmp -s "$SCENARIO_OUT/expected.list" "$SCENARIO_OUT/live.list" ||
	die "live list differs from the operations' result (expected.list, live.list)"
log "lw status: $(dmsetup status lw)"
dm_remove r0
dm_remove lw

dumps=/tmp/dmremap-$SCENARIO_NAME-points
mkdir -p "$dumps"
at_cleanup "rm -rf $dumps"
log "replaying the log"
start=$EPOCHREALTIME
if ! python3 "$TOOLS/crash_check.py" "$log_file" --ops "$ops" \
	--spare-bytes "$(stat -c %s "$spare_file")" --block-size $BS --main-sectors "$main_sz" \
	--stamp-from "$half" --dump 10 --dump-dir "$dumps" --final "$spare_file" --seed "$RANDOM" \
	--summary "$SCENARIO_OUT/replay-summary.json" >"$SCENARIO_OUT/replay.log" 2>&1; then
	tail -n 40 "$SCENARIO_OUT/replay.log"
	die "crash-consistency replay failed (replay.log)"
fi
tail -n 3 "$SCENARIO_OUT/replay.log"
log "replay took $(awk -v a="$EPOCHREALTIME" -v b="$start" 'BEGIN{printf "%.1f", a-b}') s"
points=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["flush"])' "$SCENARIO_OUT/replay-summary.json")
((points >= 200)) || die "only $points replay points (need at least 200)"

have_cli_check=0
"$REPO/build/bin/dmremap" metadata --help 2>/dev/null | grep -qE "^ +check( |$)" && have_cli_check=1
checked=0
for img in "$dumps"/point-*.img; do
	p=${img%.img}
	loop=$(losetup --show -f "$img")
	python3 "$TOOLS/metadata_check.py" --block-size $BS "$loop" 2>/dev/null >/dev/null ||
		die "metadata_check.py rejects dumped point $(basename "$p")"
	if ((have_cli_check)); then
		"$REPO/build/bin/dmremap" metadata check "$loop" 2>"$SCENARIO_OUT/cli-check.err" ||
			die "dmremap metadata check rejects point $(basename "$p"): $(cat "$SCENARIO_OUT/cli-check.err")"
	fi
	dm_create rc "$(remap_table "$main" "$loop")"
	remap_list rc >"$p.kernel"
	state=$(remap_status rc metadata_state)
	dm_remove rc
	losetup -d "$loop"
	cmp -s "$p.kernel" "$p.loaded" ||
		die "point $(basename "$p"): the kernel loads other remaps than the checker ($(diff "$p.kernel" "$p.loaded" | head -n 5))"
	cmp -s "$p.kernel" "$p.old" || cmp -s "$p.kernel" "$p.new" ||
		die "point $(basename "$p"): kernel's list is neither state around it"
	assert_eq "$(cat "$p.state")" "$state" "metadata_state at $(basename "$p")"
	log "point $(basename "$p"): $(wc -l <"$p.kernel") remaps, $state, as expected"
	rm -f "$p".*
	checked=$((checked + 1))
done
((checked >= 8)) || die "only $checked real-target points checked"
log "$points replay points checked offline, $checked with a real target"
assert_kernel_log_clean "$mark"
