#!/usr/bin/env bash
# Metadata writes failing. The spare is a dm table over a loop device:
# linear, switched at run time to `error` segments over the metadata area
# of copy 0, of copy 1, or of both (the pool stays linear). With one copy
# failing, remaps and unremaps still work and metadata_state is degraded;
# once the area works again the next commit heals it (also a commit that
# carries new remaps), and the offline checker finds both copies equal.
# With both failing: metadata_state failed, health failed, the failed
# remap's blocks in the fail mode (flag U, their I/O fails), further remap,
# unremap and commit refused with an error, a device-mapper event, reads
# and writes of other blocks still work, no hang, a clean remove; with
# the spare working again, a new device has exactly the remaps durable
# before the failure and the data written during it. The same with writes
# (and flushes) failing but reads working (dm-flakey error_writes), this
# time recovered by a table reload instead of remove.
# timeout: 900
source "$(dirname "$0")/../lib.sh"
source "$REPO/tests/integration/remap-lib.sh"

TOOLS=$REPO/tests/integration/tools
main=$(mk_loop 64M main)
sl=$(mk_loop 16M spare)
S=$(blockdev --getsz "$sl")
mark=$(kernel_log_mark)
T=60 # seconds any dmsetup call may take: more is a hang

dm_create sp "0 $S linear $sl 0"
remap_create r0 "$main" /dev/mapper/sp
table=$(dmsetup table r0)
read -r c1 _ _ cs <<<"$(python3 "$TOOLS/spare_edit.py" /dev/mapper/sp geometry)"
log "spare $S sectors: copy 0 at 0-$((cs - 1)), copy 1 at $c1-$((c1 + cs - 1))"

t_linear="0 $S linear $sl 0"
t_err0=$(printf '%s\n' "0 $cs error" "$cs $((S - cs)) linear $sl $cs")
t_err1=$(printf '%s\n' "0 $c1 linear $sl 0" "$c1 $((S - c1)) error")
t_errboth=$(printf '%s\n' "0 $cs error" "$cs $((c1 - cs)) linear $sl $cs" "$c1 $((S - c1)) error")
t_flakyboth=$(printf '%s\n' "0 $cs flakey $sl 0 0 1 1 error_writes" \
	"$cs $((c1 - cs)) linear $sl $cs" "$c1 $((S - c1)) flakey $sl $c1 0 1 1 error_writes")
spare_table() {
	timeout $T dmsetup reload sp <<<"$1" || die "reload of the spare table failed"
	timeout $T dmsetup resume sp || die "resume of the spare failed"
}
state() { remap_status r0 metadata_state; }
# soft_fail MSG: a failure that does not stop the scenario; it fails at the end
soft_fail() {
	echo "FAILED (going on): $*" >&2
	echo "$*" | tr '\n' ' ' >>"$SCENARIO_OUT/soft-failures"
	echo >>"$SCENARIO_OUT/soft-failures"
}
rm -f "$SCENARIO_OUT/soft-failures"
# fresh BLOCKS...: blocks never remapped so far (from a shuffled pool)
mapfile -t pool < <(shuf -i 0-16383)
take() { blocks=("${pool[@]:0:$1}"); pool=("${pool[@]:$1}"); }
# offline VERDICT [--strict]: the spare (read directly, O_DIRECT) holds the
# live list in the copy that would load
# (with --strict, a cross-check field that does not match the table, which
# the kernel ignores on load, is a soft failure: reported at the end)
offline() {
	local want=$1
	shift
	remap_list r0 >"$SCENARIO_OUT/live.list"
	if ! python3 "$TOOLS/metadata_check.py" --block-size 4096 --list "$@" "$sl" \
		>"$SCENARIO_OUT/offline.list" 2>"$SCENARIO_OUT/offline.report"; then
		[[ $* == *--strict* ]] || die "metadata_check.py: $(cat "$SCENARIO_OUT/offline.report")"
		soft_fail "offline check (strict): $(cat "$SCENARIO_OUT/offline.report")"
		offline "$want"
		return
	fi
	grep -q ": $want$" "$SCENARIO_OUT/offline.report" ||
		die "offline verdict: want $want: $(cat "$SCENARIO_OUT/offline.report")"
	cmp -s "$SCENARIO_OUT/live.list" "$SCENARIO_OUT/offline.list" ||
		die "offline checker loads other remaps than the live list: $(cat "$SCENARIO_OUT/offline.report")"
}

fio_verify /dev/mapper/r0 --rw=write --bs=64k --size=100% --do_verify=0
take 60
dmsetup message r0 0 remap "${blocks[@]}" >/dev/null
assert_eq ok "$(state)" "metadata_state at start"

log "copy 0's area fails"
spare_table "$t_err0"
m=$(kernel_log_mark copy0)
take 20
timeout $T dmsetup message r0 0 remap "${blocks[@]}" >/dev/null || die "remap with copy 0 failing"
assert_eq degraded "$(state)" "metadata_state with copy 0 failing"
kernel_log_since_mark "$m" | grep -q "cannot write metadata copy 0" || die "no 'cannot write metadata copy 0' logged"
take 10
timeout $T dmsetup message r0 0 remap "${blocks[@]}" >/dev/null || die "second remap with copy 0 failing"
timeout $T dmsetup message r0 0 unremap "${blocks[@]:0:5}" >/dev/null || die "unremap with copy 0 failing"
assert_eq 85 "$(remap_status r0 remapped)" "remapped"
assert_eq degraded "$(state)" "still degraded"
offline degraded
spare_table "$t_linear"
timeout $T dmsetup message r0 0 commit >/dev/null || die "commit after copy 0 came back"
assert_eq ok "$(state)" "commit heals copy 0"
offline ok --strict

log "copy 1's area fails; a remap heals it"
spare_table "$t_err1"
m=$(kernel_log_mark copy1)
take 15
timeout $T dmsetup message r0 0 remap "${blocks[@]}" >/dev/null || die "remap with copy 1 failing"
assert_eq degraded "$(state)" "metadata_state with copy 1 failing"
kernel_log_since_mark "$m" | grep -q "cannot write metadata copy 1" || die "no 'cannot write metadata copy 1' logged"
offline degraded
spare_table "$t_linear"
take 5
timeout $T dmsetup message r0 0 remap "${blocks[@]}" >/dev/null || die "remap after copy 1 came back"
assert_eq ok "$(state)" "a remap's commit heals copy 1"
offline ok --strict
fio_verify /dev/mapper/r0 --rw=write --bs=64k --size=100% --verify_only

# both copies failing, by FAIL_TABLE; then recovered by RECOVER (remove or reload)
both_fail() {
	local what=$1 fail_table=$2 recover=$3 events seq_before
	log "both copies fail ($what)"
	remap_list r0 >"$SCENARIO_OUT/durable.list"
	seq_before=$(remap_status r0 metadata_seq)
	events=$(dm_events r0)
	spare_table "$fail_table"
	m=$(kernel_log_mark "$what")
	take 10
	assert_fails timeout $T dmsetup message r0 0 remap "${blocks[@]}"
	((ASSERT_STATUS != 124)) || die "$what: remap hung"
	assert_eq failed "$(state)" "$what: metadata_state"
	assert_eq failed "$(remap_status r0 health_state)" "$what: health_state"
	kernel_log_since_mark "$m" | grep -q "metadata cannot be written" || die "$what: failure not logged"
	(($(dm_events r0) > events)) ||
		soft_fail "$what: no device-mapper event when metadata_state became failed (events $events -> $(dm_events r0))"
	# the fail mode: the failed remap's blocks are uncertain (flag U), their
	# I/O fails; everything else is as durable before
	remap_list r0 | awk '$3 !~ /U/' | cmp -s "$SCENARIO_OUT/durable.list" - ||
		die "$what: the failed remap changed the list"
	assert_eq "$(printf '%s\n' "${blocks[@]}" | sort -n)" "$(remap_list r0 | awk '$3 ~ /U/ { print $1 }' | sort -n)" \
		"$what: the uncertain blocks are the failed remap's"
	assert_eq 10 "$(remap_stat r0 uncertain_blocks)" "$what: uncertain_blocks"
	kernel_log_since_mark "$m" | grep -q "block ${blocks[0]}: commit failed, its I/O fails until a reload" ||
		die "$what: uncertain block not logged"
	assert_fails dd if=/dev/mapper/r0 of=/dev/null bs=4k skip="${blocks[0]}" count=1 iflag=direct status=none
	assert_fails dd if=/dev/zero of=/dev/mapper/r0 bs=4k seek="${blocks[0]}" count=1 oflag=direct status=none
	assert_eq "$seq_before" "$(remap_status r0 metadata_seq)" "$what: metadata_seq"
	take 3
	assert_fails timeout $T dmsetup message r0 0 remap "${blocks[@]}"
	assert_fails timeout $T dmsetup message r0 0 unremap "$(head -n 1 "$SCENARIO_OUT/durable.list" | cut -d' ' -f1)"
	assert_fails timeout $T dmsetup message r0 0 commit
	read -r mb _ <"$SCENARIO_OUT/durable.list"
	dd if=/dev/urandom of="$SCENARIO_OUT/new.$what" bs=4k count=2 status=none
	for b in "$mb" "${blocks[0]}"; do # remapped, and one the failed remap named
		dd if="$SCENARIO_OUT/new.$what" of=/dev/mapper/r0 bs=4k seek="$b" count=2 oflag=direct status=none ||
			die "$what: write to block $b failed"
		dd if=/dev/mapper/r0 bs=4k skip="$b" count=2 iflag=direct status=none | cmp -s - "$SCENARIO_OUT/new.$what" ||
			die "$what: block $b does not read back"
	done
	spare_table "$t_linear"
	assert_eq failed "$(state)" "$what: still failed with the spare back until reloaded"
	assert_fails timeout $T dmsetup message r0 0 remap "${blocks[@]}"
	if [[ $recover == remove ]]; then
		timeout $T dmsetup remove r0 || die "$what: remove failed or hung"
		remap_create r0 "$main" /dev/mapper/sp
	else
		timeout $T dmsetup reload r0 <<<"$table" || die "$what: reload failed"
		timeout $T dmsetup resume r0 || die "$what: resume failed"
	fi
	remap_list r0 | cmp -s "$SCENARIO_OUT/durable.list" - ||
		die "$what: remaps after $recover differ from those durable before the failure"
	assert_eq ok "$(state)" "$what: metadata_state after $recover"
	for b in "$mb" "${blocks[0]}"; do
		dd if=/dev/mapper/r0 bs=4k skip="$b" count=2 iflag=direct status=none | cmp -s - "$SCENARIO_OUT/new.$what" ||
			die "$what: data written during the failure lost after $recover (block $b)"
	done
	timeout $T dmsetup message r0 0 remap "${blocks[@]}" >/dev/null || die "$what: remap after $recover"
	offline ok --strict
	# put the fio pattern back where the test wrote its own data
	for b in "$mb" "${blocks[0]}"; do
		dd if=/dev/zero of=/dev/mapper/r0 bs=4k seek="$b" count=2 oflag=direct status=none
	done
	fio_verify /dev/mapper/r0 --rw=write --bs=64k --size=100% --do_verify=0
	log "$what: refused while failed, nothing durable lost, recovered by $recover"
}
both_fail error "$t_errboth" remove
both_fail flakey-error-writes "$t_flakyboth" reload

dm_remove r0
remap_create r0 "$main" /dev/mapper/sp
assert_eq ok "$(state)" "metadata_state at the end"
fio_verify /dev/mapper/r0 --rw=write --bs=64k --size=100% --verify_only
assert_kernel_log_clean "$mark"
[[ ! -s $SCENARIO_OUT/soft-failures ]] || die "$(wc -l <"$SCENARIO_OUT/soft-failures") failure(s) above:"$'\n'"$(cat "$SCENARIO_OUT/soft-failures")"
